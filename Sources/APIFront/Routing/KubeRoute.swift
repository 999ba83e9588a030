import KubeModel

/// What an HTTP request path (and method) names on a Kubernetes API server.
///
/// Parsing is pure: it knows the shape of Kubernetes REST paths but not which
/// resources exist; ``KubeRouter`` checks the catalog afterwards.
public enum KubeRoute: Sendable, Equatable {
    /// `/healthz`, `/livez`, `/readyz`.
    case health(HealthEndpoint)
    /// `/readyz/<check>` (and the same below `/healthz`, `/livez`): one named check.
    case healthCheck(HealthEndpoint, String)
    /// `/metrics` in Prometheus text format.
    case metrics
    /// `/version`.
    case version
    /// `/api`: the legacy core group's versions.
    case coreVersions
    /// `/apis`: every named group.
    case groupList
    /// `/apis/{group}`.
    case group(String)
    /// `/api/v1` or `/apis/{group}/{version}`: the resources of one group version.
    case resourceList(group: String, version: String)
    /// A resource path below a group version.
    case resource(ResourcePath)
}

/// The three health endpoints of the apiserver.
public enum HealthEndpoint: String, Sendable, Equatable {
    case healthz, livez, readyz
}

/// The parts of a resource path:
/// `[/watch]/[namespaces/{ns}/]{resource}[/{name}[/{subresource}]]` below a group version.
public struct ResourcePath: Sendable, Equatable {
    public var group: String
    public var version: String
    public var resource: String
    public var namespace: String?
    public var name: String?
    public var subresource: String?
    /// The path used the legacy `/watch/` prefix.
    public var legacyWatch: Bool

    public init(
        group: String, version: String, resource: String, namespace: String? = nil, name: String? = nil,
        subresource: String? = nil, legacyWatch: Bool = false
    ) {
        self.group = group
        self.version = version
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.legacyWatch = legacyWatch
    }

    public var gvr: GroupVersionResource { GroupVersionResource(group: group, version: version, resource: resource) }
}

extension KubeRoute {
    /// Parses a request path (percent-encoded, without the query). Returns nil for
    /// paths that are not part of the Kubernetes API (→ 404).
    public init?(path: String) {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = percentDecoded(raw) else { return nil }
            segments.append(decoded)
        }
        guard let first = segments.first else { return nil }
        switch first {
        case "healthz", "livez", "readyz":
            guard segments.count <= 2, let h = HealthEndpoint(rawValue: first) else { return nil }
            self = segments.count == 2 ? .healthCheck(h, segments[1]) : .health(h)
        case "metrics":
            guard segments.count == 1 else { return nil }
            self = .metrics
        case "version":
            guard segments.count == 1 else { return nil }
            self = .version
        case "api":
            switch segments.count {
            case 1: self = .coreVersions
            case 2: self = .resourceList(group: "", version: segments[1])
            default:
                guard let rp = ResourcePath(group: "", version: segments[1], rest: segments[2...]) else { return nil }
                self = .resource(rp)
            }
        case "apis":
            switch segments.count {
            case 1: self = .groupList
            case 2: self = .group(segments[1])
            case 3: self = .resourceList(group: segments[1], version: segments[2])
            default:
                guard let rp = ResourcePath(group: segments[1], version: segments[2], rest: segments[3...]) else {
                    return nil
                }
                self = .resource(rp)
            }
        default:
            return nil
        }
    }
}

extension ResourcePath {
    /// Subresources of a namespace object; `/namespaces/{name}/{x}` for these names
    /// is the namespace's subresource, not a resource inside the namespace (as in the apiserver).
    static let namespaceSubresources: Set<String> = ["status", "finalize"]

    init?(group: String, version: String, rest: ArraySlice<String>) {
        var rest = rest
        var legacyWatch = false
        if rest.first == "watch" {
            legacyWatch = true
            rest = rest.dropFirst()
        }
        let s = Array(rest)
        guard !s.isEmpty else { return nil }
        let isCore = group.isEmpty
        if s[0] == "namespaces" && s.count >= 3
            && !(isCore && s.count == 3 && Self.namespaceSubresources.contains(s[2]))
        {
            // namespaces/{ns}/{resource}[/{name}[/{subresource}]]
            guard s.count <= 5 else { return nil }
            self.init(
                group: group, version: version, resource: s[2], namespace: s[1],
                name: s.count > 3 ? s[3] : nil, subresource: s.count > 4 ? s[4] : nil, legacyWatch: legacyWatch)
        } else {
            // {resource}[/{name}[/{subresource}]] — cluster-scoped, or a namespaced resource across namespaces.
            guard s.count <= 3 else { return nil }
            self.init(
                group: group, version: version, resource: s[0], namespace: nil,
                name: s.count > 1 ? s[1] : nil, subresource: s.count > 2 ? s[2] : nil, legacyWatch: legacyWatch)
        }
        if legacyWatch && subresource != nil { return nil }
        if let name, name.isEmpty { return nil }
    }
}

/// Decodes `%XX` escapes; nil on a malformed escape or invalid UTF-8.
func percentDecoded(_ s: Substring) -> String? {
    guard s.utf8.contains(UInt8(ascii: "%")) else { return String(s) }
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    var it = s.utf8.makeIterator()
    while let c = it.next() {
        if c == UInt8(ascii: "%") {
            guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
            out.append(h << 4 | l)
        } else {
            out.append(c)
        }
    }
    return String(validating: out, as: UTF8.self)
}

/// Decodes a query component: `+` is a space, then `%XX` escapes.
func queryDecoded(_ s: Substring) -> String? {
    if s.utf8.contains(UInt8(ascii: "+")) {
        let replaced = String(s).replacingPlus()
        return percentDecoded(Substring(replaced))
    }
    return percentDecoded(s)
}

extension String {
    fileprivate func replacingPlus() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// Parses a raw query string into the multi-map the Endpoint expects.
/// Malformed escapes make the whole query invalid (→ 400).
public func parseQuery(_ query: String?) -> [String: [String]]? {
    var out: [String: [String]] = [:]
    guard let query, !query.isEmpty else { return out }
    for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let key = queryDecoded(kv[0]) else { return nil }
        let value: String
        if kv.count > 1 {
            guard let v = queryDecoded(kv[1]) else { return nil }
            value = v
        } else {
            value = ""
        }
        out[key, default: []].append(value)
    }
    return out
}
