import Endpoint
import EventLog
import Foundation
import KubeModel
import Logging
import Metrics
import Projections
import Testing

@testable import Sync

let configmaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")

/// A temporary directory removed at deinit.
final class TempDir: Sendable {
    let path: String
    init(_ prefix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A standalone AKE (the cloud) served over HTTP.
final class Cloud: Sendable {
    let dir: TempDir
    let store: ObjectStore
    let endpoint: Endpoint
    let server: TestAPIServer

    /// `documents`: extra documents the cloud serves with an ETag (see `TestAPIServer`);
    /// `protobufBodies`: false for an upstream that answers 415 to protobuf request bodies.
    init(documents: [String: [UInt8]] = [:], protobufBodies: Bool = true) async throws {
        dir = try TempDir("ake-cloud")
        let catalog = ResourceCatalog.builtIn()
        store = try ObjectStore(
            directory: dir.path, catalog: catalog, options: .init(mapSize: 256 << 20), logger: Logger(label: "cloud"))
        endpoint = Endpoint(store: store, catalog: catalog, logger: Logger(label: "cloud"))
        try await endpoint.bootstrap()
        server = try await TestAPIServer(
            endpoint: endpoint, catalog: catalog, documents: documents, protobufBodies: protobufBodies)
    }

    func stop() async {
        await server.stop()
        store.close()
    }
}

/// An edge AKE syncing from `upstream`.
final class Edge: Sendable {
    let store: ObjectStore
    let sync: EdgeSync
    let endpoint: Endpoint

    init(
        directory: String, upstream: String,
        options: EdgeSyncOptions = .init(
            probeInterval: .milliseconds(200), followAPIChanges: false, quietProbeInterval: .milliseconds(200)),
        metricsFactory: any MetricsFactory = MetricsSystem.factory, contentType: UpstreamContentType = .protobuf
    ) async throws {
        let catalog = ResourceCatalog.builtIn()
        var logger = Logger(label: "edge")
        logger.logLevel = ProcessInfo.processInfo.environment["AKE_TEST_EDGE_LOG"] == "1" ? .debug : .warning
        store = try ObjectStore(
            directory: directory, catalog: catalog, options: .init(mapSize: 256 << 20), logger: logger)
        let connection = try UpstreamConnection(
            config: Kubeconfig(server: upstream), requestTimeout: .seconds(5), metricsFactory: metricsFactory,
            contentType: contentType)
        sync = EdgeSync(
            store: store, connection: connection, options: options, logger: logger, metricsFactory: metricsFactory)
        endpoint = Endpoint(store: store, catalog: catalog, logger: logger, edge: sync)
        try await sync.start()
    }

    func stop() async {
        await sync.stop()
        store.close()
    }

    /// Waits (bounded) until `condition` holds, re-checking whenever the edge's log or
    /// sync state moves.
    func eventually(
        _ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            let head = store.log.head
            let seen = sync.changes.generation
            let sync = self.sync
            let store = self.store
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await store.log.waitForHead(beyond: head) }
                group.addTask { await sync.changes.wait(after: seen) }
                // Conditions on the cloud or the clock have no local event to await.
                group.addTask { try? await Task.sleep(for: .milliseconds(100)) }
                await group.next()
                group.cancelAll()
            }
        }
        if try await condition() { return }
        Issue.record("timed out waiting for: \(what)")
        throw TimedOut(what: what)
    }
    struct TimedOut: Error { var what: String }
}

extension Endpoint {
    /// Sends a request and returns (code, JSON body); a watch is an error here.
    func call(
        _ verb: APIVerb, _ gvr: GroupVersionResource, namespace: String? = nil, name: String? = nil,
        query: [String: [String]] = [:], body: JSONValue? = nil, contentType: String? = nil
    ) async throws -> (Int, JSONValue) {
        let request = APIRequest(
            verb: verb, resource: gvr, namespace: namespace, name: name, subresource: nil, query: query,
            body: body?.serialized(), contentType: contentType, client: "test")
        switch await handle(request) {
        case .response(let r): return (r.code, try JSONValue(parsing: r.body))
        case .watch: throw Edge.TimedOut(what: "unexpected watch")
        }
    }

    func watch(_ gvr: GroupVersionResource, namespace: String? = nil, query: [String: [String]]) async throws
        -> WatchStream
    {
        let request = APIRequest(
            verb: .watch, resource: gvr, namespace: namespace, name: nil, subresource: nil, query: query, body: nil,
            contentType: nil, client: "test")
        switch await handle(request) {
        case .watch(let stream): return stream
        case .response(let r):
            throw Edge.TimedOut(what: "watch refused: \(r.code) \(String(decoding: r.body, as: UTF8.self))")
        }
    }

    @discardableResult
    func createConfigMap(_ namespace: String, _ name: String, labels: [String: String] = [:], data: String = "v1")
        async throws -> JSONValue
    {
        var labelObject = JSONObject()
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { labelObject[k] = .string(v) }
        let body: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .object(labelObject)],
            "data": ["k": .string(data)],
        ]
        let (code, object) = try await call(.create, configmaps, namespace: namespace, body: body)
        guard code == 201 else { throw Edge.TimedOut(what: "create \(name): \(code) \(object)") }
        return object
    }

    @discardableResult
    func setData(_ namespace: String, _ name: String, _ data: String) async throws -> JSONValue {
        let (code, object) = try await call(
            .patch, configmaps, namespace: namespace, name: name, body: ["data": ["k": .string(data)]],
            contentType: "application/merge-patch+json")
        guard code == 200 else { throw Edge.TimedOut(what: "patch \(name): \(code) \(object)") }
        return object
    }

    /// `name → data.k` of the configmaps in a namespace.
    func configMapData(_ namespace: String?) async throws -> [String: String] {
        let (code, list) = try await call(.list, configmaps, namespace: namespace)
        guard code == 200 else { throw Edge.TimedOut(what: "list: \(code) \(list)") }
        var out: [String: String] = [:]
        for item in list["items"]?.arrayValue ?? [] {
            out[(item.namespace ?? "") + "/" + (item.name ?? "")] = item["data"]?["k"]?.stringValue ?? ""
        }
        return out
    }
}

/// Reads up to `count` non-bookmark events from a watch (bounded by `timeout`).
func nextEvents(_ iterator: inout WatchStream.Iterator, count: Int, timeout: Duration = .seconds(30)) async throws
    -> [(WatchEventType, JSONValue)]
{
    var out: [(WatchEventType, JSONValue)] = []
    let deadline = ContinuousClock.now + timeout
    while out.count < count, ContinuousClock.now < deadline {
        guard let event = await iterator.next() else { break }
        if event.type == .bookmark { continue }
        out.append((event.type, try JSONValue(parsing: event.object)))
    }
    return out
}

/// Runs `body`, then `cleanup` — also when `body` throws (there is no async `defer`).
func withCleanup(_ cleanup: () async -> Void, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
}
