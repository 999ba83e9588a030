import KubeModel
import Testing

@testable import Auth

/// The Node authorizer (and the NodeRestriction limits it applies), as the apiserver's
/// node authorizer tests describe a kubelet's reach.
@Suite("Node authorizer")
struct NodeAuthorizerTests {
    static let node1 = UserInfo(name: "system:node:node1", groups: ["system:nodes", "system:authenticated"])
    static let pods: [JSONValue] = [
        try! JSONValue(
            parsing: Array(
                #"""
                {"metadata":{"name":"web","namespace":"ns"},"spec":{"nodeName":"node1","serviceAccountName":"sa1",
                 "imagePullSecrets":[{"name":"pull"}],
                 "volumes":[{"name":"v","secret":{"secretName":"vol-secret"}},{"name":"c","configMap":{"name":"cm"}},
                            {"name":"d","persistentVolumeClaim":{"claimName":"data"}},{"name":"e","ephemeral":{}},
                            {"name":"p","projected":{"sources":[{"secret":{"name":"proj"}},{"configMap":{"name":"proj-cm"}}]}}],
                 "containers":[{"name":"c","env":[{"name":"X","valueFrom":{"secretKeyRef":{"name":"env-secret","key":"k"}}}],
                                "envFrom":[{"configMapRef":{"name":"env-cm"}}]}]}}
                """#.utf8)),
        try! JSONValue(
            parsing: Array(
                #"{"metadata":{"name":"other","namespace":"ns"},"spec":{"nodeName":"node2","volumes":[{"name":"v","secret":{"secretName":"theirs"}}]}}"#
                    .utf8)),
    ]

    struct Graph: NodeGraphSource {
        func pods(boundTo node: String) async throws -> [JSONValue] {
            NodeAuthorizerTests.pods.filter { $0["spec"]?["nodeName"]?.stringValue == node }
        }
        func object(_ gvr: GroupVersionResource, namespace: String, name: String) async throws -> JSONValue? {
            if gvr.resource == "pods" {
                return NodeAuthorizerTests.pods.first { $0["metadata"]?["name"]?.stringValue == name }
            }
            if gvr.resource == "persistentvolumeclaims" && name == "data" {
                return try JSONValue(parsing: Array(#"{"spec":{"volumeName":"pv-data"}}"#.utf8))
            }
            return nil
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var what: String
        var attributes: RequestAttributes
        var allowed: Bool
        var reason: String? = nil
        var testDescription: String { what }
    }

    static func r(
        _ verb: String, _ resource: String, group: String = "", sub: String = "", ns: String = "", name: String = "",
        fieldSelector: String = ""
    ) -> RequestAttributes {
        var a = RequestAttributes.resource(
            user: node1, verb: verb, group: group, resource: resource, subresource: sub, namespace: ns, name: name)
        a.fieldSelector = fieldSelector
        return a
    }

    static let cases: [Case] = [
        Case(what: "secret of a volume", attributes: r("get", "secrets", ns: "ns", name: "vol-secret"), allowed: true),
        Case(
            what: "secret of an env var", attributes: r("get", "secrets", ns: "ns", name: "env-secret"), allowed: true),
        Case(what: "image pull secret", attributes: r("watch", "secrets", ns: "ns", name: "pull"), allowed: true),
        Case(what: "projected secret", attributes: r("list", "secrets", ns: "ns", name: "proj"), allowed: true),
        Case(
            what: "another node's pod's secret", attributes: r("get", "secrets", ns: "ns", name: "theirs"),
            allowed: false, reason: "no relationship found between node 'node1' and this object"),
        Case(
            what: "same name, other namespace", attributes: r("get", "secrets", ns: "other", name: "vol-secret"),
            allowed: false),
        Case(
            what: "list of all secrets", attributes: r("list", "secrets", ns: "ns"), allowed: false,
            reason: "No Object name found"),
        Case(
            what: "writing a secret", attributes: r("update", "secrets", ns: "ns", name: "vol-secret"), allowed: false,
            reason: "can only read resources of this type"),
        Case(what: "configmap of a volume", attributes: r("get", "configmaps", ns: "ns", name: "cm"), allowed: true),
        Case(what: "configmap of envFrom", attributes: r("get", "configmaps", ns: "ns", name: "env-cm"), allowed: true),
        Case(what: "projected configmap", attributes: r("get", "configmaps", ns: "ns", name: "proj-cm"), allowed: true),
        Case(
            what: "pvc of a volume", attributes: r("get", "persistentvolumeclaims", ns: "ns", name: "data"),
            allowed: true),
        Case(
            what: "ephemeral pvc", attributes: r("get", "persistentvolumeclaims", ns: "ns", name: "web-e"),
            allowed: true),
        Case(
            what: "pvc list", attributes: r("list", "persistentvolumeclaims", ns: "ns"), allowed: false,
            reason: "can only get individual resources of this type"),
        Case(what: "pv bound to its pvc", attributes: r("get", "persistentvolumes", name: "pv-data"), allowed: true),
        Case(what: "another pv", attributes: r("get", "persistentvolumes", name: "pv-x"), allowed: false),
        Case(
            what: "token of its pod's service account",
            attributes: r("create", "serviceaccounts", sub: "token", ns: "ns", name: "sa1"), allowed: true),
        Case(
            what: "token of another service account",
            attributes: r("create", "serviceaccounts", sub: "token", ns: "ns", name: "default"), allowed: false),
        Case(what: "its own pod", attributes: r("get", "pods", ns: "ns", name: "web"), allowed: true),
        Case(what: "another node's pod", attributes: r("get", "pods", ns: "ns", name: "other"), allowed: false),
        Case(
            what: "pods on its node", attributes: r("watch", "pods", fieldSelector: "spec.nodeName=node1"),
            allowed: true),
        Case(
            what: "all pods", attributes: r("list", "pods"), allowed: false,
            reason: "can only list/watch pods with spec.nodeName field selector"),
        Case(what: "pod status", attributes: r("patch", "pods", sub: "status", ns: "ns", name: "web"), allowed: true),
        Case(what: "its Node", attributes: r("get", "nodes", name: "node1"), allowed: true),
        Case(
            what: "another Node", attributes: r("get", "nodes", name: "node2"), allowed: false,
            reason: "node 'node1' cannot read 'node2', only its own Node object"),
        Case(
            what: "all Nodes", attributes: r("list", "nodes"), allowed: false,
            reason: "node 'node1' cannot read all nodes, only its own Node object"),
        Case(what: "node status", attributes: r("update", "nodes", sub: "status", name: "node1"), allowed: true),
        Case(
            what: "its Lease",
            attributes: r("update", "leases", group: "coordination.k8s.io", ns: "kube-node-lease", name: "node1"),
            allowed: true),
        Case(
            what: "another Lease",
            attributes: r("update", "leases", group: "coordination.k8s.io", ns: "kube-node-lease", name: "node2"),
            allowed: false, reason: "can only access node lease with the same name as the requesting node"),
        Case(
            what: "Lease elsewhere",
            attributes: r("get", "leases", group: "coordination.k8s.io", ns: "default", name: "node1"), allowed: false),
        Case(what: "events", attributes: r("create", "events", ns: "ns"), allowed: true),
        Case(what: "services (node rules)", attributes: r("list", "services"), allowed: true),
        Case(what: "deployments", attributes: r("list", "deployments", group: "apps"), allowed: false),
    ]

    @Test("decides", arguments: cases)
    func decides(_ c: Case) async {
        let result = await NodeAuthorizer(graph: Graph()).authorize(c.attributes)
        #expect(result.allowed == c.allowed, "\(result.reason)")
        if let reason = c.reason { #expect(result.reason == reason) }
    }

    @Test("users that are not nodes: no opinion; a node without a name: unknown node")
    func notNodes() async {
        let authorizer = NodeAuthorizer(graph: Graph())
        let alice = RequestAttributes.resource(
            user: UserInfo(name: "alice"), verb: "get", group: "", resource: "secrets", namespace: "ns",
            name: "vol-secret")
        #expect(await authorizer.authorize(alice) == AuthorizationResult(.noOpinion))
        let noGroup = RequestAttributes.resource(
            user: UserInfo(name: "system:node:node1"), verb: "get", group: "", resource: "nodes", name: "node1")
        #expect(await authorizer.authorize(noGroup) == AuthorizationResult(.noOpinion))
        let unnamed = RequestAttributes.resource(
            user: UserInfo(name: "system:node:", groups: ["system:nodes"]), verb: "get", group: "", resource: "nodes")
        #expect(
            await authorizer.authorize(unnamed)
                == AuthorizationResult(.noOpinion, #"unknown node for user "system:node:""#))
    }

    @Test("NodeRestriction: own Node only, status and deletion of its own pods only")
    func nodeRestriction() async {
        let graph = Graph()
        #expect(await NodeRestriction.check(Self.r("update", "nodes", name: "node1"), graph: graph) == nil)
        #expect(
            await NodeRestriction.check(Self.r("patch", "nodes", name: "node2"), graph: graph)?.message
                == #"nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2""#)
        #expect(
            await NodeRestriction.check(Self.r("update", "pods", sub: "status", ns: "ns", name: "web"), graph: graph)
                == nil)
        #expect(
            await NodeRestriction.check(Self.r("update", "pods", sub: "status", ns: "ns", name: "other"), graph: graph)?
                .message
                == #"pods "other" is forbidden: node "node1" can only update pod status for pods with spec.nodeName set to itself"#
        )
        #expect(
            await NodeRestriction.check(Self.r("delete", "pods", ns: "ns", name: "other"), graph: graph)?.message
                == #"pods "other" is forbidden: node "node1" can only delete pods with spec.nodeName set to itself"#)
    }
}
