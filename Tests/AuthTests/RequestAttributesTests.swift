import KubeModel
import Testing

@testable import Auth

/// Request-info resolution as kube-apiserver's `RequestInfoFactory` does it (its
/// `TestGetAPIRequestInfo` table, on AKE's paths).
@Suite("Request attributes")
struct RequestAttributesTests {
    static let alice = UserInfo(name: "alice")

    struct Case: CustomTestStringConvertible, Sendable {
        var method: String
        var path: String
        var query: [String: [String]] = [:]
        var verb: String
        var resource = true
        var namespace = ""
        var group = ""
        var version = ""
        var res = ""
        var sub = ""
        var name = ""
        var fieldSelector = ""
        var testDescription: String { "\(method) \(path)" }
    }

    static let cases: [Case] = [
        Case(method: "GET", path: "/api/v1/namespaces", verb: "list", version: "v1", res: "namespaces"),
        Case(
            method: "GET", path: "/api/v1/namespaces/other", verb: "get", namespace: "other", version: "v1",
            res: "namespaces", name: "other"),
        Case(
            method: "GET", path: "/api/v1/namespaces/other/pods", verb: "list", namespace: "other", version: "v1",
            res: "pods"),
        Case(
            method: "GET", path: "/api/v1/namespaces/other/pods/foo", verb: "get", namespace: "other", version: "v1",
            res: "pods", name: "foo"),
        Case(
            method: "HEAD", path: "/api/v1/namespaces/other/pods/foo", verb: "get", namespace: "other", version: "v1",
            res: "pods", name: "foo"),
        Case(method: "GET", path: "/api/v1/pods", verb: "list", version: "v1", res: "pods"),
        Case(
            method: "GET", path: "/api/v1/pods", query: ["watch": ["true"]], verb: "watch", version: "v1", res: "pods"),
        Case(
            method: "GET", path: "/api/v1/pods", query: ["watch": ["false"]], verb: "list", version: "v1", res: "pods"),
        Case(method: "GET", path: "/api/v1/watch/pods", verb: "watch", version: "v1", res: "pods"),
        Case(
            method: "GET", path: "/api/v1/watch/namespaces/other/pods", verb: "watch", namespace: "other",
            version: "v1", res: "pods"),
        Case(
            method: "POST", path: "/api/v1/namespaces/other/pods", verb: "create", namespace: "other", version: "v1",
            res: "pods"),
        Case(
            method: "PUT", path: "/api/v1/namespaces/other/pods/foo", verb: "update", namespace: "other", version: "v1",
            res: "pods", name: "foo"),
        Case(
            method: "PATCH", path: "/api/v1/namespaces/other/pods/foo", verb: "patch", namespace: "other",
            version: "v1", res: "pods", name: "foo"),
        Case(
            method: "DELETE", path: "/api/v1/namespaces/other/pods/foo", verb: "delete", namespace: "other",
            version: "v1", res: "pods", name: "foo"),
        Case(
            method: "DELETE", path: "/api/v1/namespaces/other/pods", verb: "deletecollection", namespace: "other",
            version: "v1", res: "pods"),
        Case(
            method: "PUT", path: "/api/v1/namespaces/other/pods/foo/status", verb: "update", namespace: "other",
            version: "v1", res: "pods", sub: "status", name: "foo"),
        Case(
            method: "PUT", path: "/api/v1/namespaces/other/finalize", verb: "update", namespace: "other", version: "v1",
            res: "namespaces", sub: "finalize", name: "other"),
        Case(
            method: "GET", path: "/apis/apps/v1/namespaces/ns/deployments/d/scale", verb: "get", namespace: "ns",
            group: "apps", version: "v1", res: "deployments", sub: "scale", name: "d"),
        Case(
            method: "GET", path: "/apis/rbac.authorization.k8s.io/v1/clusterroles", verb: "list",
            group: "rbac.authorization.k8s.io", version: "v1", res: "clusterroles"),
        // A metadata.name field selector names the object of a list or watch.
        Case(
            method: "GET", path: "/api/v1/namespaces/ns/secrets", query: ["fieldSelector": ["metadata.name=s1"]],
            verb: "list", namespace: "ns", version: "v1", res: "secrets", name: "s1", fieldSelector: "metadata.name=s1"),
        Case(
            method: "GET", path: "/api/v1/pods", query: ["watch": ["1"], "fieldSelector": ["spec.nodeName=n1"]],
            verb: "watch", version: "v1", res: "pods", fieldSelector: "spec.nodeName=n1"),
        // Non-resource paths: the lower-cased method.
        Case(method: "GET", path: "/healthz", verb: "get", resource: false),
        Case(method: "GET", path: "/api", verb: "get", resource: false),
        Case(method: "GET", path: "/api/v1", verb: "get", resource: false),
        Case(method: "GET", path: "/apis/apps/v1", verb: "get", resource: false),
        Case(method: "POST", path: "/metrics", verb: "post", resource: false),
    ]

    @Test("resolves method, path and query", arguments: cases)
    func resolves(_ c: Case) {
        let a = RequestAttributes.resolve(user: Self.alice, method: c.method, path: c.path, query: c.query)
        #expect(a.verb == c.verb)
        #expect(a.isResourceRequest == c.resource)
        #expect(a.path == c.path)
        if c.resource {
            #expect(a.namespace == c.namespace)
            #expect(a.apiGroup == c.group)
            #expect(a.apiVersion == c.version)
            #expect(a.resource == c.res)
            #expect(a.subresource == c.sub)
            #expect(a.name == c.name)
            #expect(a.fieldSelector == c.fieldSelector)
        }
    }
}
