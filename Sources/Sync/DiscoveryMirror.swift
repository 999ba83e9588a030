import Foundation
import KubeModel
import Logging
import Projections
import Synchronization

/// A copy of the upstream's discovery (`/version`, `/api`, `/api/v1`, `/apis`, every
/// `/apis/<group>/<version>`) and OpenAPI (`/openapi/v2`, `/openapi/v3`) documents,
/// persisted in the EventLog meta table (`sync.discovery.<path>`) so the edge serves
/// them offline and after a restart while offline.
///
/// The HTTP front asks `document(path:)` first and falls back to its own generated
/// discovery when the mirror has nothing. Resources the upstream serves that the local
/// catalog does not know (CRDs) are registered in the catalog so their paths route.
public final class DiscoveryMirror: Sendable {
    let store: ObjectStore
    let connection: UpstreamConnection
    let logger: Logger
    private let documents = Mutex<[String: [UInt8]]>([:])

    init(store: ObjectStore, connection: UpstreamConnection, logger: Logger) {
        self.store = store
        self.connection = connection
        self.logger = logger
    }

    static let indexKey = "sync.discovery.paths"
    static func key(_ path: String) -> String { "sync.discovery.\(path)" }

    /// The mirrored document at `path` (for example `/apis/apps/v1`), if any.
    public func document(path: String) -> [UInt8]? {
        documents.withLock { $0[path] }
    }

    /// The paths mirrored so far.
    public var paths: [String] { documents.withLock { $0.keys.sorted() } }

    /// Loads what an earlier run persisted and registers its resources.
    func load() async throws {
        let loaded: [String: [UInt8]] = try await store.log.write { txn in
            guard let index = try txn.meta(Self.indexKey),
                let paths = try? JSONDecoder().decode([String].self, from: Data(index))
            else { return [:] }
            var out: [String: [UInt8]] = [:]
            for path in paths { out[path] = try txn.meta(Self.key(path)) }
            return out
        }
        documents.withLock { $0 = loaded }
        registerResources(loaded)
    }

    /// Fetches every document from upstream and persists the ones that changed.
    func refresh() async throws {
        var fetched: [String: [UInt8]] = [:]
        func fetch(_ path: String, required: Bool) async throws -> JSONValue? {
            let response = try await connection.send(.GET, path: path)
            guard response.code == 200 else {
                if required { throw SyncError.upstream(response.statusError) }
                return nil
            }
            fetched[path] = response.body
            return try? JSONValue(parsing: response.body)
        }
        _ = try await fetch("/version", required: false)
        let core = try await fetch("/api", required: true)
        for version in core?["versions"]?.arrayValue ?? [] {
            if let v = version.stringValue { _ = try await fetch("/api/\(v)", required: false) }
        }
        let groups = try await fetch("/apis", required: true)
        for group in groups?["groups"]?.arrayValue ?? [] {
            for version in group["versions"]?.arrayValue ?? [] {
                if let gv = version["groupVersion"]?.stringValue { _ = try await fetch("/apis/\(gv)", required: false) }
            }
        }
        _ = try await fetch("/openapi/v2", required: false)
        _ = try await fetch("/openapi/v3", required: false)
        let changed = documents.withLock { current in fetched.filter { current[$0.key] != $0.value } }
        let paths = fetched.keys.sorted()
        if !changed.isEmpty {
            let indexBytes = try [UInt8](JSONEncoder().encode(paths))
            try await store.log.write { txn in
                for (path, bytes) in changed { try txn.setMeta(Self.key(path), bytes) }
                try txn.setMeta(Self.indexKey, indexBytes)
            }
            logger.info("discovery mirrored", metadata: ["documents": "\(paths.count)", "changed": "\(changed.count)"])
        }
        documents.withLock { $0 = fetched }
        registerResources(fetched)
    }

    /// Registers upstream resources the catalog lacks (custom resources) from their
    /// APIResourceList entries, as a minimal CRD the catalog understands.
    func registerResources(_ docs: [String: [UInt8]]) {
        let catalog = store.catalog
        for (path, bytes) in docs where path.hasPrefix("/apis/") && path.split(separator: "/").count == 3 {
            guard let list = try? JSONValue(parsing: bytes), let gv = list["groupVersion"]?.stringValue else {
                continue
            }
            let parts = gv.split(separator: "/").map(String.init)
            guard parts.count == 2 else { continue }
            let (group, version) = (parts[0], parts[1])
            for resource in list["resources"]?.arrayValue ?? [] {
                guard let plural = resource["name"]?.stringValue, !plural.contains("/"),
                    let kind = resource["kind"]?.stringValue
                else { continue }
                if catalog.resource(group: group, version: version, resource: plural) != nil { continue }
                // Built-in groups have no CRD; only dotted (custom) groups are registered.
                guard group.contains(".") else { continue }
                let subresources = (list["resources"]?.arrayValue ?? []).compactMap { r -> String? in
                    guard let n = r["name"]?.stringValue, n.hasPrefix(plural + "/") else { return nil }
                    return String(n.dropFirst(plural.count + 1))
                }
                var versionJSON: JSONValue = [
                    "name": .string(version), "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                ]
                if subresources.contains("status") { versionJSON["subresources"] = ["status": [:]] }
                let crd: JSONValue = [
                    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                    "metadata": ["name": .string("\(plural).\(group)")],
                    "spec": [
                        "group": .string(group),
                        "scope": .string(resource["namespaced"]?.boolValue == true ? "Namespaced" : "Cluster"),
                        "names": [
                            "plural": .string(plural), "kind": .string(kind),
                            "singular": .string(resource["singularName"]?.stringValue ?? kind.lowercased()),
                            "shortNames": .array((resource["shortNames"]?.arrayValue ?? [])),
                        ],
                        "versions": [versionJSON],
                    ],
                ]
                do {
                    _ = try catalog.register(crd: crd)
                } catch {
                    logger.debug(
                        "upstream resource not registered",
                        metadata: ["resource": "\(plural).\(group)", "error": "\(error)"])
                }
            }
        }
    }
}
