import Endpoint
import Foundation
import KubeModel
import Logging
import Projections
import Testing

@testable import Auth

/// RBAC and the node graph read from a real store, written through the Endpoint.
@Suite("Store-backed RBAC and node graph")
struct StoreSourceTests {
    static func withEndpoint(_ body: (ObjectStore, Endpoint) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ake-auth-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let catalog = ResourceCatalog.builtIn()
        let logger = Logger(label: "ake.auth.test")
        let store = try ObjectStore(directory: directory, catalog: catalog, logger: logger)
        defer { store.close() }
        let endpoint = Endpoint(store: store, catalog: catalog, logger: logger)
        try await endpoint.bootstrap()
        try await body(store, endpoint)
    }

    static func create(
        _ endpoint: Endpoint, _ resource: String, group: String = "", namespace: String? = nil, _ json: String
    )
        async throws
    {
        let request = APIRequest(
            verb: .create, resource: GroupVersionResource(group: group, version: "v1", resource: resource),
            namespace: namespace, body: Array(json.utf8), contentType: "application/json")
        guard case .response(let r) = await endpoint.handle(request), r.code == 201 else {
            Issue.record("create \(resource) failed")
            return
        }
    }

    @Test("a new RoleBinding takes effect on the next request; unrelated writes keep the cached snapshot")
    func rbacFollowsWrites() async throws {
        try await Self.withEndpoint { store, endpoint in
            let source = StoreRBACSource(store: store)
            let rbac = RBACAuthorizer(source: source)
            let ask = RequestAttributes.resource(
                user: UserInfo(name: "alice"), verb: "list", group: "", resource: "pods", namespace: "default")
            #expect(!(await rbac.authorize(ask)).allowed)
            try await Self.create(endpoint, "configmaps", namespace: "default", #"{"metadata":{"name":"c"}}"#)
            #expect(try source.rbacUnchanged(after: store.log.head - 1))
            #expect(!(await rbac.authorize(ask)).allowed)
            try await Self.create(
                endpoint, "roles", group: "rbac.authorization.k8s.io", namespace: "default",
                #"{"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}"#)
            try await Self.create(
                endpoint, "rolebindings", group: "rbac.authorization.k8s.io", namespace: "default",
                #"{"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"}]}"#
            )
            #expect(try !source.rbacUnchanged(after: store.log.head - 2))
            #expect(await rbac.authorize(ask).allowed)
        }
    }

    @Test("the node graph: pods bound to the node, by field selector")
    func nodeGraph() async throws {
        try await Self.withEndpoint { store, endpoint in
            try await Self.create(
                endpoint, "pods", namespace: "default",
                #"{"metadata":{"name":"web"},"spec":{"nodeName":"node1","containers":[{"name":"c","image":"i"}],"volumes":[{"name":"s","secret":{"secretName":"mine"}}]}}"#
            )
            try await Self.create(
                endpoint, "pods", namespace: "default",
                #"{"metadata":{"name":"db"},"spec":{"nodeName":"node2","containers":[{"name":"c","image":"i"}]}}"#)
            let graph = StoreNodeGraph(store: store)
            #expect(try await graph.pods(boundTo: "node1").map { $0["metadata"]?["name"]?.stringValue } == ["web"])
            let node = NodeAuthorizer(graph: graph)
            let user = UserInfo(name: "system:node:node1", groups: ["system:nodes"])
            #expect(
                await node.authorize(
                    .resource(
                        user: user, verb: "get", group: "", resource: "secrets", namespace: "default", name: "mine")
                ).allowed)
            #expect(
                !(await node.authorize(
                    .resource(user: user, verb: "get", group: "", resource: "pods", namespace: "default", name: "db")))
                    .allowed)
        }
    }
}
