import EventLog
import Foundation
import KubeModel
import Logging
import Testing

@testable import Projections

let podsGVR = GroupVersionResource(group: "", version: "v1", resource: "pods")
let configMapsGVR = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
let namespacesGVR = GroupVersionResource(group: "", version: "v1", resource: "namespaces")

/// Opens a store in a fresh temporary directory, runs `body`, then closes the
/// store and removes the directory.
func withStore<T>(
    options: EventLog.Options = .init(mapSize: 256 << 20), _ body: (ObjectStore) async throws -> T
) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ake-proj-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try ObjectStore(
        directory: dir, catalog: .builtIn(), options: options, logger: Logger(label: "test.projections"))
    defer { store.close() }
    return try await body(store)
}

/// An object of `gvr` as the store keeps it (kind from the built-in catalog).
func objectJSON(
    _ gvr: GroupVersionResource, namespace: String, name: String, uid: String, rv: ResourceVersion,
    labels: [String: String] = [:], nodeName: String? = nil, padding: Int = 0
) -> [UInt8] {
    let kind = ResourceCatalog.builtIn().resource(for: gvr)?.kind ?? "Thing"
    var metadata: JSONObject = JSONObject()
    metadata["name"] = .string(name)
    if !namespace.isEmpty { metadata["namespace"] = .string(namespace) }
    metadata["uid"] = .string(uid)
    metadata["resourceVersion"] = .string(String(rv))
    if !labels.isEmpty {
        metadata["labels"] = .object(
            JSONObject(labels.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }))
    }
    var object: JSONObject = JSONObject()
    object["apiVersion"] = .string(gvr.groupVersion)
    object["kind"] = .string(kind)
    object["metadata"] = .object(metadata)
    if let nodeName {
        var spec = JSONObject()
        spec["nodeName"] = .string(nodeName)
        spec["containers"] = [
            ["name": "main", "image": .string("registry.example/app:" + String(repeating: "x", count: padding))]
        ]
        object["spec"] = .object(spec)
    } else if padding > 0 {
        object["data"] = ["blob": .string(String(repeating: "x", count: padding))]
    }
    return JSONValue.object(object).serialized()
}

extension ObjectStore {
    /// Creates or updates an object (ADDED or MODIFIED).
    @discardableResult
    func upsert(
        _ gvr: GroupVersionResource, _ namespace: String, _ name: String, labels: [String: String] = [:],
        nodeName: String? = nil, padding: Int = 0
    ) async throws -> StoredObject {
        try await mutate { ctx in
            let existing = try ctx.current(gvr, namespace: namespace, name: name)
            let uid = existing?.uid ?? "uid-\(name)-\(ctx.nextRV)"
            let bytes = objectJSON(
                gvr, namespace: namespace, name: name, uid: uid, rv: ctx.nextRV, labels: labels, nodeName: nodeName,
                padding: padding)
            return try ctx.append(
                existing == nil ? .added : .modified, gvr, object: bytes, namespace: namespace, name: name, uid: uid,
                origin: .system)
        }
    }

    /// Deletes an object (DELETED carrying its last state at the new RV); nil if absent.
    @discardableResult
    func remove(_ gvr: GroupVersionResource, _ namespace: String, _ name: String) async throws -> StoredObject? {
        try await mutate { ctx -> StoredObject? in
            guard let current = try ctx.current(gvr, namespace: namespace, name: name) else { return nil }
            var json = try current.json()
            json["metadata"]?["resourceVersion"] = .string(String(ctx.nextRV))
            return try ctx.append(
                .deleted, gvr, object: json.serialized(), namespace: namespace, name: name, uid: current.uid,
                origin: .system)
        }
    }
}

/// Names (namespace/name) of list items, in order.
func itemNames(_ items: [[UInt8]]) throws -> [String] {
    try items.map { bytes in
        let json = try JSONValue(parsing: bytes)
        let ns = json["metadata"]?["namespace"]?.stringValue ?? ""
        let name = json["metadata"]?["name"]?.stringValue ?? ""
        return ns + "/" + name
    }
}

func resourceVersion(of bytes: [UInt8]) throws -> String? {
    try JSONValue(parsing: bytes)["metadata"]?["resourceVersion"]?.stringValue
}

/// Collects events until `stop` says so or the stream ends (the stream's timeout bounds this).
func collect(
    _ stream: WatchStream, until stop: (WatchEvent, [WatchEvent]) -> Bool = { _, _ in false }
) async -> [WatchEvent] {
    var out: [WatchEvent] = []
    for await e in stream {
        out.append(e)
        if stop(e, out) { break }
    }
    return out
}

/// The StatusError `body` throws, if any.
func thrownStatus(_ body: () async throws -> Void) async -> StatusError? {
    do {
        try await body()
        return nil
    } catch let e as StatusError {
        return e
    } catch {
        return StatusError(code: -1, reason: "NotAStatus", message: "\(error)")
    }
}

func statusOf(_ event: WatchEvent) -> StatusError? {
    guard event.type == .error, let json = try? JSONValue(parsing: event.object) else { return nil }
    return StatusError(statusObject: json)
}

extension ObjectStore {
    /// A watch that ends after at most a minute, so a failing test cannot hang.
    func boundedWatch(_ gvr: GroupVersionResource, _ options: WatchOptions) throws -> WatchStream {
        var options = options
        if options.timeout == nil { options.timeout = .seconds(60) }
        return try watch(gvr, options)
    }
}
