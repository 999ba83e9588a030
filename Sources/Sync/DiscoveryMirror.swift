import Foundation
import KubeModel
import Logging
import Projections
import Synchronization

/// A mirrored document and the content type the upstream served it with.
public struct MirroredDocument: Sendable, Equatable {
    public var body: [UInt8]
    public var contentType: String

    public init(body: [UInt8], contentType: String) {
        self.body = body
        self.contentType = contentType
    }
}

/// A copy of the upstream's discovery (`/version`, `/api`, `/api/v1`, `/apis`, every
/// `/apis/<group>/<version>`, and the aggregated `/api` and `/apis` documents kubectl
/// 1.30+ asks for) and OpenAPI (`/openapi/v2`, `/openapi/v3` and each per-group-version
/// v3 document the v3 root lists) documents, persisted in the EventLog meta table
/// (`sync.discovery.<key>`) so the edge serves them offline and after a restart while
/// offline.
///
/// The HTTP front asks ``document(path:aggregatedVersion:)`` first and falls back to
/// its own generated discovery when the mirror has nothing. Resources the upstream
/// serves that the local catalog does not know (CRDs) are registered in the catalog
/// so their paths route.
public final class DiscoveryMirror: Sendable {
    let store: ObjectStore
    let connection: UpstreamConnection
    let logger: Logger
    /// By key: the path, or `aggregated:` + path for aggregated discovery.
    private let documents = Mutex<[String: MirroredDocument]>([:])

    init(store: ObjectStore, connection: UpstreamConnection, logger: Logger) {
        self.store = store
        self.connection = connection
        self.logger = logger
    }

    static let indexKey = "sync.discovery.paths"
    static let typesKey = "sync.discovery.types"
    static func key(_ path: String) -> String { "sync.discovery.\(path)" }
    static let aggregatedPrefix = "aggregated:"
    /// What kubectl 1.30+ sends for `/api` and `/apis`; the plain JSON fallback lets an
    /// upstream without aggregated discovery answer (then nothing aggregated is kept).
    static let aggregatedAccept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    /// The mirrored plain document at `path` (for example `/apis/apps/v1`), if any.
    public func document(path: String) -> [UInt8]? {
        documents.withLock { $0[path]?.body }
    }

    /// The mirrored document for `path`: with `aggregatedVersion` (`v2`, `v2beta1`) the
    /// aggregated discovery of `/api` or `/apis` in that version, else the plain one.
    /// A query (`?hash=` of OpenAPI v3 URLs) is ignored.
    public func document(path: String, aggregatedVersion: String?) -> MirroredDocument? {
        let path = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard let version = aggregatedVersion else { return documents.withLock { $0[path] } }
        guard let doc = documents.withLock({ $0[Self.aggregatedPrefix + path] }),
            Self.aggregatedVersion(of: doc.contentType) == version
        else { return nil }
        return doc
    }

    /// The keys mirrored so far (paths; aggregated ones prefixed `aggregated:`).
    public var paths: [String] { documents.withLock { $0.keys.sorted() } }

    /// `v2` of `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`.
    static func aggregatedVersion(of contentType: String) -> String? {
        let params = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard params.contains("as=APIGroupDiscoveryList") else { return nil }
        return params.first { $0.hasPrefix("v=") }.map { String($0.dropFirst(2)) }
    }

    /// Loads what an earlier run persisted and registers its resources.
    func load() async throws {
        var loaded: [String: MirroredDocument] = [:]
        if let index = try store.meta(Self.indexKey),
            let keys = try? JSONDecoder().decode([String].self, from: Data(index))
        {
            let types =
                (try store.meta(Self.typesKey)).flatMap {
                    try? JSONDecoder().decode([String: String].self, from: Data($0))
                }
                ?? [:]
            for key in keys {
                guard let body = try store.meta(Self.key(key)) else { continue }
                loaded[key] = MirroredDocument(body: body, contentType: types[key] ?? "application/json")
            }
        }
        documents.withLock { $0 = loaded }
        registerResources(loaded.mapValues(\.body))
    }

    /// Fetches every document from upstream and persists the ones that changed. Per
    /// group-version OpenAPI v3 documents whose URL (with its content hash) did not
    /// change are kept without fetching them again.
    func refresh() async throws {
        let previous = documents.withLock { $0 }
        var fetched: [String: MirroredDocument] = [:]
        func fetch(
            _ path: String, query: [String: [String]] = [:], key: String? = nil, accept: String = "application/json",
            required: Bool
        ) async throws -> MirroredDocument? {
            let response = try await connection.send(
                .GET, path: path, query: query, accept: accept, labels: .discovery)
            guard response.code == 200 else {
                if required { throw SyncError.upstream(response.statusError) }
                return nil
            }
            let doc = MirroredDocument(body: response.body, contentType: response.contentType ?? "application/json")
            fetched[key ?? path] = doc
            return doc
        }
        func json(_ doc: MirroredDocument?) -> JSONValue? { doc.flatMap { try? JSONValue(parsing: $0.body) } }
        _ = try await fetch("/version", required: false)
        let core = json(try await fetch("/api", required: true))
        for version in core?["versions"]?.arrayValue ?? [] {
            if let v = version.stringValue { _ = try await fetch("/api/\(v)", required: false) }
        }
        let groups = json(try await fetch("/apis", required: true))
        for group in groups?["groups"]?.arrayValue ?? [] {
            for version in group["versions"]?.arrayValue ?? [] {
                if let gv = version["groupVersion"]?.stringValue { _ = try await fetch("/apis/\(gv)", required: false) }
            }
        }
        for path in ["/api", "/apis"] {
            let key = Self.aggregatedPrefix + path
            if let doc = try await fetch(path, key: key, accept: Self.aggregatedAccept, required: false),
                Self.aggregatedVersion(of: doc.contentType) == nil
            {
                // The upstream has no aggregated discovery: the plain document came back.
                fetched[key] = nil
            }
        }
        _ = try await fetch("/openapi/v2", required: false)
        let v3 = json(try await fetch("/openapi/v3", required: false))
        let oldV3 = previous["/openapi/v3"].flatMap { try? JSONValue(parsing: $0.body) }
        for (name, entry) in v3?["paths"]?.objectValue ?? JSONObject() {
            guard let url = entry["serverRelativeURL"]?.stringValue else { continue }
            let parts = url.split(separator: "?", maxSplits: 1)
            let path = parts.first.map(String.init) ?? "/openapi/v3/\(name)"
            if let old = previous[path], oldV3?["paths"]?[name]?["serverRelativeURL"]?.stringValue == url {
                fetched[path] = old
                continue
            }
            var query: [String: [String]] = [:]
            if parts.count == 2 {
                for pair in parts[1].split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    query[String(kv[0]), default: []].append(kv.count == 2 ? String(kv[1]) : "")
                }
            }
            _ = try await fetch(path, query: query, required: false)
        }
        let changed = fetched.filter { previous[$0.key] != $0.value }
        let keys = fetched.keys.sorted()
        if !changed.isEmpty || keys != previous.keys.sorted() {
            let indexBytes = try [UInt8](JSONEncoder().encode(keys))
            let typesBytes = try [UInt8](JSONEncoder().encode(fetched.mapValues(\.contentType)))
            var values = [Self.indexKey: indexBytes, Self.typesKey: typesBytes]
            for (key, doc) in changed { values[Self.key(key)] = doc.body }
            try await store.setMeta(values)
            logger.info("discovery mirrored", metadata: ["documents": "\(keys.count)", "changed": "\(changed.count)"])
        }
        documents.withLock { $0 = fetched }
        registerResources(fetched.filter { !$0.key.hasPrefix(Self.aggregatedPrefix) }.mapValues(\.body))
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
