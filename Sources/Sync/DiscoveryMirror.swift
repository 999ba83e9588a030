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

/// Why the discovery mirror was refreshed: the `reason` label of
/// `ake_discovery_refreshes_total`.
public enum DiscoveryRefreshReason: String, Sendable, CaseIterable {
    /// The periodic full refresh (the first one after start included): the safety net.
    case periodic
    /// A CustomResourceDefinition changed upstream (the edge's CRD scope saw it).
    case watch
    /// A local client named a group/version/resource the edge did not know.
    case miss
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
        var fetcher = Fetcher(connection: connection)
        _ = try await fetcher.fetch("/version", required: false)
        let core = fetcher.json(try await fetcher.fetch("/api", required: true))
        for version in core?["versions"]?.arrayValue ?? [] {
            if let v = version.stringValue { _ = try await fetcher.fetch("/api/\(v)", required: false) }
        }
        let groups = fetcher.json(try await fetcher.fetch("/apis", required: true))
        for gv in Self.groupVersions(groups, in: nil) {
            _ = try await fetcher.fetch("/apis/\(gv)", required: false)
        }
        try await fetcher.fetchAggregated(["/api", "/apis"])
        _ = try await fetcher.fetch("/openapi/v2", required: false)
        try await fetcher.fetchOpenAPIV3(previous: previous, keepOthers: false)
        try await commit(previous: previous, fetched: fetcher.fetched)
    }

    /// Refreshes only what a change of `groups` can have changed: `/apis` (plain and
    /// aggregated), those groups' `/apis/<group>/<version>` lists, and the OpenAPI v3
    /// root with the per-group-version documents whose hash changed (unchanged ones are
    /// kept without fetching). `/api`, `/version` and OpenAPI v2 wait for the periodic
    /// refresh: a CRD change does not touch them, except v2, which only old clients use.
    func refresh(groups: Set<String>) async throws {
        let previous = documents.withLock { $0 }
        var fetcher = Fetcher(connection: connection)
        // Everything not about these groups stays as it is.
        for (key, doc) in previous where !groups.contains(Self.group(ofKey: key) ?? "") {
            fetcher.fetched[key] = doc
        }
        let list = fetcher.json(try await fetcher.fetch("/apis", required: true))
        for gv in Self.groupVersions(list, in: groups) {
            _ = try await fetcher.fetch("/apis/\(gv)", required: false)
        }
        try await fetcher.fetchAggregated(["/apis"])
        try await fetcher.fetchOpenAPIV3(previous: previous, keepOthers: true)
        try await commit(previous: previous, fetched: fetcher.fetched)
    }

    /// The `groupVersion`s an APIGroupList names, only of `groups` unless nil.
    static func groupVersions(_ list: JSONValue?, in groups: Set<String>?) -> [String] {
        var out: [String] = []
        for group in list?["groups"]?.arrayValue ?? [] {
            if let groups, !groups.contains(group["name"]?.stringValue ?? "") { continue }
            for version in group["versions"]?.arrayValue ?? [] {
                if let gv = version["groupVersion"]?.stringValue { out.append(gv) }
            }
        }
        return out
    }

    /// The API group a mirrored document describes: `apps` for `/apis/apps/v1` and
    /// `/openapi/v3/apis/apps/v1`; nil for the documents about every group.
    static func group(ofKey key: String) -> String? {
        let segments = key.split(separator: "/")
        if segments.count == 3 && segments[0] == "apis" { return String(segments[1]) }
        if segments.count == 5 && segments[0] == "openapi" && segments[2] == "apis" { return String(segments[3]) }
        return nil
    }

    /// Persists what changed, swaps the documents in, and brings the catalog in line:
    /// new upstream resources are registered, ones the upstream stopped serving (a CRD
    /// deleted, a version removed) are unregistered.
    func commit(previous: [String: MirroredDocument], fetched: [String: MirroredDocument]) async throws {
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
        let lists = { (docs: [String: MirroredDocument]) in
            docs.filter { !$0.key.hasPrefix(Self.aggregatedPrefix) }.mapValues(\.body)
        }
        let gone = Self.customResources(lists(previous)).subtracting(Self.customResources(lists(fetched)))
        for name in gone.sorted() {
            let removed = store.catalog.unregister(crdName: name)
            if !removed.isEmpty {
                logger.info("upstream resource no longer served", metadata: ["resource": "\(name)"])
            }
        }
        registerResources(lists(fetched))
    }

    /// `plural.group` of every custom (dotted-group) resource the APIResourceLists in
    /// `docs` name — the names ``registerResources(_:)`` registers them under.
    static func customResources(_ docs: [String: [UInt8]]) -> Set<String> {
        var names: Set<String> = []
        for (path, bytes) in docs where path.hasPrefix("/apis/") && path.split(separator: "/").count == 3 {
            guard let list = try? JSONValue(parsing: bytes), let gv = list["groupVersion"]?.stringValue else {
                continue
            }
            let group = gv.split(separator: "/").first.map(String.init) ?? ""
            guard group.contains(".") else { continue }
            for resource in list["resources"]?.arrayValue ?? [] {
                if let plural = resource["name"]?.stringValue, !plural.contains("/") {
                    names.insert("\(plural).\(group)")
                }
            }
        }
        return names
    }

    /// The upstream requests of one refresh and what they brought.
    struct Fetcher {
        let connection: UpstreamConnection
        var fetched: [String: MirroredDocument] = [:]

        mutating func fetch(
            _ path: String, query: [String: [String]] = [:], key: String? = nil, accept: String = "application/json",
            required: Bool
        ) async throws -> MirroredDocument? {
            let response = try await connection.send(
                .GET, path: path, query: query, accept: accept, labels: .discovery)
            guard response.code == 200 else {
                if required { throw SyncError.upstream(response.statusError) }
                fetched[key ?? path] = nil
                return nil
            }
            let doc = MirroredDocument(body: response.body, contentType: response.contentType ?? "application/json")
            fetched[key ?? path] = doc
            return doc
        }

        func json(_ doc: MirroredDocument?) -> JSONValue? { doc.flatMap { try? JSONValue(parsing: $0.body) } }

        /// The aggregated discovery of `paths` (`/api`, `/apis`), kept only when the
        /// upstream has it (otherwise the plain document comes back).
        mutating func fetchAggregated(_ paths: [String]) async throws {
            for path in paths {
                let key = DiscoveryMirror.aggregatedPrefix + path
                if let doc = try await fetch(path, key: key, accept: DiscoveryMirror.aggregatedAccept, required: false),
                    DiscoveryMirror.aggregatedVersion(of: doc.contentType) == nil
                {
                    fetched[key] = nil
                }
            }
        }

        /// The OpenAPI v3 root and each document it lists whose URL (with its content
        /// hash) changed since `previous`; unchanged ones are kept without a request.
        /// With `keepOthers`, per-group-version documents the root no longer lists are
        /// dropped too (a full refresh starts empty, so it drops them anyway).
        mutating func fetchOpenAPIV3(previous: [String: MirroredDocument], keepOthers: Bool) async throws {
            let v3 = json(try await fetch("/openapi/v3", required: false))
            let oldV3 = previous["/openapi/v3"].flatMap { try? JSONValue(parsing: $0.body) }
            var listed: Set<String> = []
            for (name, entry) in v3?["paths"]?.objectValue ?? JSONObject() {
                guard let url = entry["serverRelativeURL"]?.stringValue else { continue }
                let parts = url.split(separator: "?", maxSplits: 1)
                let path = parts.first.map(String.init) ?? "/openapi/v3/\(name)"
                listed.insert(path)
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
            if keepOthers && v3 != nil {
                for key in fetched.keys where key.hasPrefix("/openapi/v3/") && !listed.contains(key) {
                    fetched[key] = nil
                }
            }
        }
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
