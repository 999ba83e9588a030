import EventLog
import Foundation
import KubeModel
import Logging
import Projections

/// A temporary directory removed when the test is done with it.
final class TempDir {
    let path: String

    init(_ label: String = "forensics") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/ake-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes a known history into a store the way the API layer does: each version
/// carries `metadata.resourceVersion` equal to the RV its event gets.
struct HistoryWriter {
    let store: ObjectStore
    static let configmaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
    static let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets")
    static let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")

    /// Appends one version of an object; returns the stored object (with its RV).
    @discardableResult
    func write(
        _ type: EventType, _ gvr: GroupVersionResource, _ object: JSONValue,
        origin: EventOrigin = .local(client: "test")
    ) async throws -> JSONValue {
        let stored = try await store.mutate { ctx in
            var o = object
            var metadata = o["metadata"]?.objectValue ?? JSONObject()
            metadata["resourceVersion"] = .string(String(ctx.nextRV))
            o["metadata"] = .object(metadata)
            return try ctx.append(
                type, gvr, object: o.serialized(), namespace: metadata["namespace"]?.stringValue ?? "",
                name: metadata["name"]?.stringValue ?? "", uid: metadata["uid"]?.stringValue ?? "", origin: origin)
        }
        return try JSONValue(parsing: stored.bytes)
    }

    static func configMap(_ name: String, namespace: String = "default", uid: String, data: JSONValue) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)],
            "data": data,
        ]
    }

    static func secret(_ name: String, namespace: String = "default", uid: String, password: String) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)],
            "type": "Opaque",
            "data": ["password": .string(Data(password.utf8).base64EncodedString())],
        ]
    }

    static func deployment(_ name: String, namespace: String = "default", uid: String, replicas: Int) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)],
            "spec": [
                "replicas": .number(JSONNumber(replicas)),
                "template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]],
            ],
        ]
    }
}

/// The `resourceVersion` of a stored object as an RV.
func storedRV(of object: JSONValue) -> ResourceVersion {
    object["metadata"]?["resourceVersion"]?.stringValue.flatMap { ResourceVersion($0) } ?? 0
}

func openStore(_ dir: String) throws -> ObjectStore {
    try ObjectStore(directory: dir, catalog: .builtIn(), logger: Logger(label: "test"))
}
