import Foundation
import KubeModel
import Logging
import Projections
import Synchronization

/// A mirrored document, the content type the upstream served it with, and its `ETag`
/// (what a conditional refresh sends back as `If-None-Match`).
public struct MirroredDocument: Sendable, Equatable {
    public var body: [UInt8]
    public var contentType: String
    public var etag: String?

    public init(body: [UInt8], contentType: String, etag: String? = nil) {
        self.body = body
        self.contentType = contentType
        self.etag = etag
    }
}

/// What the mirror can say about a discovery or OpenAPI path.
public enum MirrorLookup: Sendable, Equatable {
    /// The upstream's document (mirrored earlier, or fetched just now).
    case document(MirroredDocument)
    /// The upstream answered 404 for it.
    case notFound
    /// Never fetched, and the link is down (or the fetch failed): the edge cannot
    /// answer truthfully (503 with Retry-After, never a made-up document).
    case unavailable
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

/// A lazy copy of the upstream's discovery (`/version`, `/api`, `/api/v1`, `/apis`,
/// `/apis/<group>/<version>`, aggregated `/api` and `/apis` as kubectl 1.27+ asks for them)
/// and OpenAPI (`/openapi/v2`, `/openapi/v3`, per-group-version v3) documents, persisted
/// in the EventLog meta table (`sync.discovery.<key>`) so the edge serves them offline
/// and after a restart while offline.
///
/// Nothing is fetched up front: a document is fetched the first time a local client (or
/// a refresh for a CRD change or an unknown resource) needs it, then kept. Refreshes
/// re-read only the documents held, with `If-None-Match` when the upstream gave an ETag
/// (kube-apiserver and AKE do for aggregated discovery and OpenAPI), so an unchanged
/// document costs a 304 of a few hundred bytes. A document never fetched is
/// ``MirrorLookup/unavailable`` while the link is down.
///
/// Resources the upstream serves that the local catalog does not know (custom resources
/// of groups whose lists were fetched) are registered in the catalog so their paths route.
public final class DiscoveryMirror: Sendable {
    let store: ObjectStore
    let connection: UpstreamConnection
    let logger: Logger
    /// By key: the path, or `aggregated:<version>:` + path for aggregated discovery.
    private let documents = Mutex<[String: MirroredDocument]>([:])
    /// Paths the upstream answered 404 for, and when (not asked again for a while).
    private let absent = Mutex<[String: ContinuousClock.Instant]>([:])
    /// How long a 404 from upstream is believed.
    static let absentFor: Duration = .seconds(10)
    /// Serializes writes of the document set (fetches on demand and refreshes).
    private let commits = Mutex<UInt64>(0)

    init(store: ObjectStore, connection: UpstreamConnection, logger: Logger) {
        self.store = store
        self.connection = connection
        self.logger = logger
    }

    static let indexKey = "sync.discovery.paths"
    static let typesKey = "sync.discovery.types"
    static let etagsKey = "sync.discovery.etags"
    static func key(_ path: String) -> String { "sync.discovery.\(path)" }
    static let aggregatedPrefix = "aggregated:"
    /// The mirrored plain document at `path` (for example `/apis/apps/v1`), if any.
    public func document(path: String) -> [UInt8]? {
        documents.withLock { $0[path]?.body }
    }

    /// The key of `path` (its query dropped: the `?hash=` of OpenAPI v3 URLs) in the
    /// variant asked for: the plain document, or aggregated discovery in `aggregatedVersion`.
    static func key(path: String, aggregatedVersion: String?) -> String {
        let path = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard let version = aggregatedVersion else { return path }
        return "\(aggregatedPrefix)\(version):\(path)"
    }

    /// The mirrored document for `path`: with `aggregatedVersion` (`v2`, `v2beta1`) the
    /// aggregated discovery of `/api` or `/apis` in that version, else the plain one.
    public func document(path: String, aggregatedVersion: String?) -> MirroredDocument? {
        let key = Self.key(path: path, aggregatedVersion: aggregatedVersion)
        return documents.withLock { $0[key] }
    }

    /// The keys mirrored so far (paths; aggregated ones prefixed `aggregated:<version>:`).
    public var paths: [String] { documents.withLock { $0.keys.sorted() } }

    /// The document a local client asks for: mirrored, or fetched now when `online`
    /// (and kept). An upstream 404 is remembered for ``absentFor``.
    public func lookup(path: String, aggregatedVersion: String?, online: Bool) async -> MirrorLookup {
        let key = Self.key(path: path, aggregatedVersion: aggregatedVersion)
        if let doc = documents.withLock({ $0[key] }) { return .document(doc) }
        guard online else { return .unavailable }
        if let when = absent.withLock({ $0[key] }), ContinuousClock.now - when < Self.absentFor { return .notFound }
        var fetcher = Fetcher(connection: connection)
        do {
            guard let doc = try await fetcher.fetch(key) else {
                absent.withLock { a in
                    if a.count > 1024 { a = a.filter { ContinuousClock.now - $0.value < Self.absentFor } }
                    a[key] = .now
                }
                return .notFound
            }
            try await merge(fetcher.fetched, removed: [])
            return .document(doc)
        } catch {
            logger.info("discovery document not fetched", metadata: ["path": "\(key)", "error": "\(error)"])
            return .unavailable
        }
    }

    /// `v2` of `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`.
    static func aggregatedVersion(of contentType: String) -> String? {
        let params = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard params.contains("as=APIGroupDiscoveryList") else { return nil }
        return params.first { $0.hasPrefix("v=") }.map { String($0.dropFirst(2)) }
    }

    /// Loads what an earlier run persisted and registers its resources. Keys of older
    /// versions (`aggregated:/apis`) get the version of their content type.
    func load() async throws {
        var loaded: [String: MirroredDocument] = [:]
        if let index = try store.meta(Self.indexKey),
            let keys = try? JSONDecoder().decode([String].self, from: Data(index))
        {
            func strings(_ key: String) throws -> [String: String] {
                (try store.meta(key)).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0)) }
                    ?? [:]
            }
            let types = try strings(Self.typesKey)
            let etags = try strings(Self.etagsKey)
            for key in keys {
                guard let body = try store.meta(Self.key(key)) else { continue }
                let doc = MirroredDocument(body: body, contentType: types[key] ?? "application/json", etag: etags[key])
                var current = key
                if key.hasPrefix(Self.aggregatedPrefix + "/") {
                    guard let version = Self.aggregatedVersion(of: doc.contentType) else { continue }
                    current = Self.key(
                        path: String(key.dropFirst(Self.aggregatedPrefix.count)), aggregatedVersion: version)
                }
                loaded[current] = doc
            }
        }
        documents.withLock { $0 = loaded }
        registerResources(loaded.mapValues(\.body))
    }

    /// Re-reads every document held (conditionally where an ETag is known); drops the
    /// ones the upstream no longer serves. Per-group-version OpenAPI v3 documents are
    /// hash-addressed: they are re-read only when the v3 root lists a new URL for them.
    func refresh() async throws {
        let held = documents.withLock { $0 }
        try await revalidate(held.keys.filter { !Self.isHashAddressed($0) }, previous: held)
    }

    /// Re-reads `keys` (conditionally where held with an ETag) and nothing else.
    func refresh(keys: [String]) async throws {
        try await revalidate(keys, previous: documents.withLock { $0 })
    }

    /// Re-reads only what a change of `groups` can have changed, among the documents
    /// held: `/apis` (plain and aggregated), those groups' documents, the OpenAPI roots;
    /// and fetches `fetch` (the group/version lists a miss asked for) even if not held.
    func refresh(groups: Set<String>, fetch extra: [String] = []) async throws {
        let held = documents.withLock { $0 }
        var keys = held.keys.filter { key in
            if Self.isHashAddressed(key) { return false }
            if let group = Self.group(ofKey: key) { return groups.contains(group) }
            return key == "/apis" || key == "/openapi/v3" || key == "/openapi/v2"
                || key.hasPrefix(Self.aggregatedPrefix) && key.hasSuffix(":/apis")
        }
        for key in extra where !keys.contains(key) { keys.append(key) }
        try await revalidate(keys, previous: held)
    }

    /// Fetches `keys` (conditionally when held with an ETag), then the per-group-version
    /// v3 documents held whose URL in a re-read v3 root changed; merges the result.
    private func revalidate(_ keys: [String], previous: [String: MirroredDocument]) async throws {
        var fetcher = Fetcher(connection: connection)
        var removed: [String] = []
        for key in keys.sorted() {
            if try await fetcher.fetch(key, held: previous[key]) == nil, previous[key] != nil { removed.append(key) }
        }
        if let root = fetcher.fetched["/openapi/v3"], root != previous["/openapi/v3"],
            let json = try? JSONValue(parsing: root.body)
        {
            let oldRoot = previous["/openapi/v3"].flatMap { try? JSONValue(parsing: $0.body) }
            for (name, entry) in json["paths"]?.objectValue ?? JSONObject() {
                guard let url = entry["serverRelativeURL"]?.stringValue else { continue }
                let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/openapi/v3/\(name)"
                guard previous[path] != nil, oldRoot?["paths"]?[name]?["serverRelativeURL"]?.stringValue != url
                else { continue }
                if try await fetcher.fetch(path) == nil { removed.append(path) }
            }
            let listed = Set(
                (json["paths"]?.objectValue ?? JSONObject()).compactMap { _, entry in
                    entry["serverRelativeURL"]?.stringValue?.split(separator: "?").first.map(String.init)
                })
            for key in previous.keys where Self.isHashAddressed(key) && !listed.contains(key) { removed.append(key) }
        }
        try await merge(fetcher.fetched, removed: removed)
    }

    /// Per-group-version OpenAPI v3 documents: their URL carries a content hash.
    static func isHashAddressed(_ key: String) -> Bool {
        key.hasPrefix("/openapi/v3/")
    }

    /// The API group a mirrored document describes: `apps` for `/apis/apps`,
    /// `/apis/apps/v1` and `/openapi/v3/apis/apps/v1`; nil for the documents about every group.
    static func group(ofKey key: String) -> String? {
        let segments = key.split(separator: "/")
        if (segments.count == 2 || segments.count == 3) && segments[0] == "apis" { return String(segments[1]) }
        if segments.count == 5 && segments[0] == "openapi" && segments[2] == "apis" { return String(segments[3]) }
        return nil
    }

    /// Applies fetched and removed documents: persists what changed, swaps them in, and
    /// brings the catalog in line: new upstream resources are registered, ones the
    /// upstream stopped serving (a CRD deleted, a version removed) are unregistered.
    func merge(_ fetched: [String: MirroredDocument], removed: [String]) async throws {
        let (previous, next) = documents.withLock { docs -> ([String: MirroredDocument], [String: MirroredDocument]) in
            let before = docs
            for key in removed { docs[key] = nil }
            for (key, doc) in fetched { docs[key] = doc }
            return (before, docs)
        }
        let changed = fetched.filter { previous[$0.key] != $0.value }
        if !changed.isEmpty || !removed.isEmpty {
            let keys = next.keys.sorted()
            var values = [
                Self.indexKey: try [UInt8](JSONEncoder().encode(keys)),
                Self.typesKey: try [UInt8](JSONEncoder().encode(next.mapValues(\.contentType))),
                Self.etagsKey: try [UInt8](JSONEncoder().encode(next.compactMapValues(\.etag))),
            ]
            for (key, doc) in changed { values[Self.key(key)] = doc.body }
            try await store.setMeta(values)
            logger.info(
                "discovery mirrored",
                metadata: ["documents": "\(keys.count)", "changed": "\(changed.count)", "removed": "\(removed.count)"])
        }
        let lists = { (docs: [String: MirroredDocument]) in
            docs.filter { !$0.key.hasPrefix(Self.aggregatedPrefix) }.mapValues(\.body)
        }
        let gone = Self.customResources(lists(previous)).subtracting(Self.customResources(lists(next)))
        for name in gone.sorted() {
            // A CRD the edge's CRD scope still holds stays routed (it registered it).
            if (try? store.get(EdgeSync.crds, namespace: "", name: name)) != nil { continue }
            if !store.catalog.unregister(crdName: name).isEmpty {
                logger.info("upstream resource no longer served", metadata: ["resource": "\(name)"])
            }
        }
        registerResources(lists(next))
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

        /// Fetches the document of `key` (conditionally, when `held` has an ETag: a 304
        /// keeps it). Returns nil when the upstream does not serve it (404); throws when
        /// it could not be asked or answered another error.
        mutating func fetch(_ key: String, held: MirroredDocument? = nil) async throws -> MirroredDocument? {
            var path = key
            var accept = "application/json"
            if key.hasPrefix(DiscoveryMirror.aggregatedPrefix) {
                let rest = key.dropFirst(DiscoveryMirror.aggregatedPrefix.count)
                guard let colon = rest.firstIndex(of: ":") else { return nil }
                let version = rest[..<colon]
                path = String(rest[rest.index(after: colon)...])
                accept =
                    "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList,application/json"
            }
            let response = try await connection.send(
                .GET, path: path, accept: accept, ifNoneMatch: held?.etag, labels: .discovery)
            switch response.code {
            case 200:
                let doc = MirroredDocument(
                    body: response.body, contentType: response.contentType ?? "application/json", etag: response.etag)
                fetched[key] = doc
                return doc
            case 304:
                if let held { fetched[key] = held }
                return held
            case 404, 410:
                return nil
            default:
                throw SyncError.upstream(response.statusError)
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
