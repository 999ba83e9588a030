import Foundation
import KubeModel

/// What a sync scope pulls from upstream: one resource, one namespace or all, and
/// optional label and field selectors (kept as the canonical strings sent upstream).
public struct ScopeSelector: Sendable, Hashable, Codable, CustomStringConvertible {
    public var resource: GroupVersionResource
    /// `nil` = all namespaces (and cluster-scoped resources).
    public var namespace: String?
    /// Empty = everything.
    public var labelSelector: String
    /// Empty = everything.
    public var fieldSelector: String

    public init(
        resource: GroupVersionResource, namespace: String? = nil, labelSelector: String = "", fieldSelector: String = ""
    ) {
        self.resource = resource
        self.namespace = (namespace?.isEmpty ?? true) ? nil : namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    /// The coverage rule (docs/ARCHITECTURE.md, "An edge sync"): this scope covers a request for the
    /// same resource when its namespace is all-or-equal and each of its selectors is
    /// empty or equal to the request's. AKE then answers locally applying the request's
    /// own selectors, so a wider scope always serves a narrower request.
    public func covers(_ request: ScopeSelector) -> Bool {
        guard resource == request.resource else { return false }
        if let namespace, namespace != request.namespace { return false }
        if !labelSelector.isEmpty && labelSelector != request.labelSelector { return false }
        if !fieldSelector.isEmpty && fieldSelector != request.fieldSelector { return false }
        return true
    }

    enum CodingKeys: String, CodingKey { case resource, namespace, labelSelector, fieldSelector }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let key = try c.decode(String.self, forKey: .resource)
        guard let gvr = GroupVersionResource(storageKey: key) else {
            throw DecodingError.dataCorruptedError(forKey: .resource, in: c, debugDescription: "bad resource \(key)")
        }
        self.init(
            resource: gvr, namespace: try c.decodeIfPresent(String.self, forKey: .namespace),
            labelSelector: try c.decode(String.self, forKey: .labelSelector),
            fieldSelector: try c.decode(String.self, forKey: .fieldSelector))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(resource.storageKey, forKey: .resource)
        try c.encodeIfPresent(namespace, forKey: .namespace)
        try c.encode(labelSelector, forKey: .labelSelector)
        try c.encode(fieldSelector, forKey: .fieldSelector)
    }

    /// Whether an object (as stored at the edge) falls inside this scope.
    public func matches(object: JSONValue, info: ResourceInfo?) -> Bool {
        if let namespace, object.namespace != namespace { return false }
        if !labelSelector.isEmpty {
            guard let selector = try? LabelSelector(parsing: labelSelector), selector.matches(object.labels) else {
                return false
            }
        }
        if !fieldSelector.isEmpty {
            guard let selector = try? FieldSelector(parsing: fieldSelector) else { return false }
            var fields = info?.fieldValues(of: object) ?? [:]
            if fields["metadata.name"] == nil { fields["metadata.name"] = object.name ?? "" }
            if fields["metadata.namespace"] == nil { fields["metadata.namespace"] = object.namespace ?? "" }
            if !selector.matches(fields) { return false }
        }
        return true
    }

    /// Canonicalizes selectors (parse and print) so equal selectors compare equal.
    public func canonical() throws -> ScopeSelector {
        var out = self
        if !labelSelector.isEmpty { out.labelSelector = try LabelSelector(parsing: labelSelector).description }
        if !fieldSelector.isEmpty { out.fieldSelector = try FieldSelector(parsing: fieldSelector).description }
        return out
    }

    /// `pods/default@app=web:spec.nodeName=n1` style (the `--sync` flag syntax).
    public var description: String {
        var s = resource.group.isEmpty ? resource.resource : "\(resource.resource).\(resource.group)"
        if let namespace { s += "/\(namespace)" }
        if !labelSelector.isEmpty { s += "@\(labelSelector)" }
        if !fieldSelector.isEmpty { s += ":\(fieldSelector)" }
        return s
    }

    /// Parses the `--sync` flag syntax:
    ///
    ///     RESOURCE[/NAMESPACE][@LABEL_SELECTOR][:FIELD_SELECTOR]
    ///
    /// `RESOURCE` is a plural, singular or short name, optionally `.group` qualified
    /// (`pods`, `deploy`, `deployments.apps`). Examples: `pods:spec.nodeName=node1`,
    /// `configmaps/kube-system`, `services@app=web`, `secrets/default@team=a:type=Opaque`.
    /// `@` and `:` never occur in resource or namespace names; label selectors never
    /// contain `:`, so the field selector is everything after the first `:` that
    /// follows the label selector.
    public static func parse(_ text: String, catalog: ResourceCatalog) throws -> ScopeSelector {
        var head = Substring(text)
        var field = ""
        var label = ""
        if let colon = head.firstIndex(of: ":") {
            field = String(head[head.index(after: colon)...])
            head = head[..<colon]
        }
        if let at = head.firstIndex(of: "@") {
            label = String(head[head.index(after: at)...])
            head = head[..<at]
        }
        var namespace: String?
        if let slash = head.firstIndex(of: "/") {
            namespace = String(head[head.index(after: slash)...])
            head = head[..<slash]
        }
        let name = String(head)
        guard !name.isEmpty else { throw SyncError.badScope("\(text): no resource") }
        let matches = catalog.resolve(name)
        guard let info = matches.first else { throw SyncError.badScope("\(text): unknown resource \"\(name)\"") }
        if !info.namespaced && namespace != nil {
            throw SyncError.badScope("\(text): \(info.gvr.resource) is cluster-scoped")
        }
        do {
            return try ScopeSelector(
                resource: info.gvr, namespace: namespace, labelSelector: label, fieldSelector: field
            ).canonical()
        } catch {
            throw SyncError.badScope("\(text): \(error)")
        }
    }
}

/// Where a scope's reflector is.
public enum ScopePhase: String, Sendable, Codable {
    /// Listing upstream; not yet usable for reads.
    case listing
    /// Listed and watching (or resuming); reads are served locally.
    case synced
    /// Was synced, but the link or the watch is down; reads are still served locally.
    case stale
}

/// A sync scope and its persisted progress.
public struct SyncScope: Sendable, Hashable, Codable {
    /// Stable id; the event origin `.upstream(scope: id)`.
    public var id: UInt32
    public var selector: ScopeSelector
    /// The last upstream RV the scope has applied (list RV, event or bookmark).
    public var upstreamRV: String
    public var phase: ScopePhase
    /// Seconds since the epoch of the last completed list or applied event; 0 = never.
    public var lastSync: Double
    /// Seconds since the epoch a client request last relied on this scope.
    public var lastUse: Double
    /// The last error talking upstream, empty when none.
    public var lastError: String
    /// Preloaded scopes (from flags) never expire.
    public var pinned: Bool

    public init(
        id: UInt32, selector: ScopeSelector, upstreamRV: String = "", phase: ScopePhase = .listing,
        lastSync: Double = 0, lastUse: Double = 0, lastError: String = "", pinned: Bool = false
    ) {
        self.id = id
        self.selector = selector
        self.upstreamRV = upstreamRV
        self.phase = phase
        self.lastSync = lastSync
        self.lastUse = lastUse
        self.lastError = lastError
        self.pinned = pinned
    }

    /// The EventLog meta key the scope is persisted under.
    public static func metaKey(_ id: UInt32) -> String { "sync.scope.\(id)" }

    /// Whether reads may be answered locally from this scope.
    public var isUsable: Bool { phase != .listing }
}

/// Errors of the Sync module.
public enum SyncError: Error, Sendable, CustomStringConvertible {
    case badScope(String)
    case badUpstream(String)
    /// The upstream answered with a Status (or a non-2xx without one).
    case upstream(StatusError)
    case transport(String)
    case decoding(String)

    public var description: String {
        switch self {
        case .badScope(let m): return "bad sync scope: \(m)"
        case .badUpstream(let m): return "bad upstream: \(m)"
        case .upstream(let s): return "upstream: \(s.code) \(s.reason): \(s.message)"
        case .transport(let m): return "upstream unreachable: \(m)"
        case .decoding(let m): return "upstream sent something unreadable: \(m)"
        }
    }
}
