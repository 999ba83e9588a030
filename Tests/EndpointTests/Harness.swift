import Endpoint
import Foundation
import KubeModel
import Logging
import Projections
import Testing

/// An Endpoint over a fresh ObjectStore in a temporary directory.
struct Harness: Sendable {
    let directory: String
    let store: ObjectStore
    let catalog: ResourceCatalog
    let endpoint: Endpoint

    static let configmaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    static let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")
    static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    static let namespaces = GroupVersionResource(group: "", version: "v1", resource: "namespaces")
    static let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
    static let clusterroles = GroupVersionResource(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
    static let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
    static let replicasets = GroupVersionResource(group: "apps", version: "v1", resource: "replicasets")
    static let crds = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
    static let widgets = GroupVersionResource(group: "example.com", version: "v1", resource: "widgets")

    /// Runs `body` with a bootstrapped endpoint; removes the directory afterwards.
    static func run(bootstrap: Bool = true, _ body: (Harness) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ake-endpoint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let harness = try open(directory)
        defer { harness.store.close() }
        if bootstrap { try await harness.endpoint.bootstrap() }
        try await body(harness)
    }

    /// Opens (or reopens) the store in `directory` with a fresh built-in catalog.
    static func open(_ directory: String) throws -> Harness {
        let catalog = ResourceCatalog.builtIn()
        let logger = Logger(label: "ake.endpoint.test")
        let store = try ObjectStore(directory: directory, catalog: catalog, logger: logger)
        return Harness(
            directory: directory, store: store, catalog: catalog,
            endpoint: Endpoint(store: store, catalog: catalog, logger: logger))
    }

    /// Sends one non-watch request.
    func call(
        _ verb: APIVerb, _ gvr: GroupVersionResource, namespace: String? = nil, name: String? = nil,
        subresource: String? = nil, query: [String: [String]] = [:], body: JSONValue? = nil, raw: [UInt8]? = nil,
        contentType: String? = nil, client: String = "endpoint-tests"
    ) async -> APIResponse {
        let request = APIRequest(
            verb: verb, resource: gvr, namespace: namespace, name: name, subresource: subresource, query: query,
            body: raw ?? body?.serialized(), contentType: contentType, client: client)
        switch await endpoint.handle(request) {
        case .response(let r): return r
        case .watch: return APIResponse(code: -1, body: Array("unexpected watch".utf8))
        }
    }

    /// Creates an object and returns it (the test fails unless the answer is 201).
    @discardableResult
    func create(_ gvr: GroupVersionResource, namespace: String? = nil, _ object: JSONValue) async throws -> JSONValue {
        let r = await call(.create, gvr, namespace: namespace, body: object)
        #expect(r.code == 201, "\(r.text)")
        return try r.json()
    }

    func get(_ gvr: GroupVersionResource, namespace: String? = nil, _ name: String) async -> APIResponse {
        await call(.get, gvr, namespace: namespace, name: name)
    }

    /// The head RV as a list of anything reports it.
    func head() async throws -> UInt64 {
        let r = await call(.list, Harness.namespaces)
        return try #require(UInt64(try r.json()["metadata"]?["resourceVersion"]?.stringValue ?? ""))
    }

    /// The first `count` events of `gvr` after `rv` (bounded by a server-side timeout).
    func events(
        _ gvr: GroupVersionResource, namespace: String? = nil, after rv: UInt64, count: Int
    ) async throws -> [(type: String, object: JSONValue)] {
        let request = APIRequest(
            verb: .watch, resource: gvr, namespace: namespace,
            query: ["resourceVersion": [String(rv)], "timeoutSeconds": ["10"]], client: "endpoint-tests")
        guard case .watch(let stream) = await endpoint.handle(request) else {
            Issue.record("watch did not start")
            return []
        }
        var out: [(type: String, object: JSONValue)] = []
        for await event in stream where event.type != .bookmark {
            out.append((event.type.rawValue, try JSONValue(parsing: event.object)))
            if out.count >= count { break }
        }
        return out
    }
}

extension APIResponse {
    func json() throws -> JSONValue { try JSONValue(parsing: body) }
    /// The body as JSON, or `null` when it is not JSON (for use inside expectations).
    var object: JSONValue { (try? json()) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
    var reason: String { (try? json()["reason"]?.stringValue) ?? "" }
    var message: String { (try? json()["message"]?.stringValue) ?? "" }
}

extension JSONValue {
    var metaName: String { self["metadata"]?["name"]?.stringValue ?? "" }
    var rv: String { self["metadata"]?["resourceVersion"]?.stringValue ?? "" }
    var items: [JSONValue] { self["items"]?.arrayValue ?? [] }
}

/// A ConfigMap body.
func configMap(_ name: String, labels: [String: String] = [:], data: [String: String] = ["k": "v"]) -> JSONValue {
    var object: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)]]
    if !labels.isEmpty { object["metadata"]?["labels"] = stringMap(labels) }
    object["data"] = stringMap(data)
    return object
}

/// A JSON object of strings, keys sorted.
func stringMap(_ map: [String: String]) -> JSONValue {
    var o = JSONObject()
    for (k, v) in map.sorted(by: { $0.key < $1.key }) { o[k] = .string(v) }
    return .object(o)
}
