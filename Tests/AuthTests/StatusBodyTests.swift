import KubeModel
import Testing

@testable import Auth

/// The 401 and 403 bodies, byte for byte as kube-apiserver writes them
/// (`responsewriters.ForbiddenStatusError`, `apierrors.NewForbidden`, `NewUnauthorized`).
@Suite("401 and 403 Status bodies")
struct StatusBodyTests {
    static let alice = UserInfo(name: "alice", groups: ["system:authenticated"])

    @Test("401 Unauthorized")
    func unauthorized() {
        #expect(
            String(decoding: StatusError.unauthorized.statusObject().serialized(), as: UTF8.self)
                == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        )
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var attributes: RequestAttributes
        var reason = ""
        var body: String
        var testDescription: String { body }
    }

    static let cases: [Case] = [
        Case(
            attributes: .resource(user: alice, verb: "list", group: "", resource: "configmaps", namespace: "default"),
            body:
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"configmaps"},"code":403}"#
        ),
        Case(
            attributes: .resource(
                user: alice, verb: "get", group: "apps", resource: "deployments", subresource: "scale", namespace: "ns",
                name: "web"),
            body:
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments/scale\" in API group \"apps\" in the namespace \"ns\"","reason":"Forbidden","details":{"name":"web","group":"apps","kind":"deployments"},"code":403}"#
        ),
        Case(
            attributes: .resource(user: alice, verb: "list", group: "", resource: "nodes"),
            body:
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"nodes"},"code":403}"#
        ),
        Case(
            attributes: .nonResource(user: UserInfo(name: "system:anonymous"), verb: "get", path: "/metrics"),
            body:
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path \"/metrics\"","reason":"Forbidden","details":{},"code":403}"#
        ),
        Case(
            attributes: .resource(user: alice, verb: "get", group: "", resource: "secrets", namespace: "ns", name: "s"),
            reason: #"RBAC: role.rbac.authorization.k8s.io "gone" not found"#,
            body:
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets \"s\" is forbidden: User \"alice\" cannot get resource \"secrets\" in API group \"\" in the namespace \"ns\": RBAC: role.rbac.authorization.k8s.io \"gone\" not found","reason":"Forbidden","details":{"name":"s","kind":"secrets"},"code":403}"#
        ),
    ]

    @Test("the user-derived part of the message is HTML-escaped, the reason is not")
    func sanitized() {
        let a = RequestAttributes.nonResource(user: UserInfo(name: "<b>&"), verb: "get", path: "/x")
        #expect(
            StatusError.forbidden(a, reason: "<r>").message
                == #"forbidden: User "&lt;b&gt;&amp;" cannot get path "/x": <r>"#)
    }

    @Test("403 Forbidden", arguments: cases)
    func forbidden(_ c: Case) {
        let body = StatusError.forbidden(c.attributes, reason: c.reason).statusObject().serialized()
        #expect(String(decoding: body, as: UTF8.self) == c.body)
    }
}
