/// One entry of an `Accept` or `Content-Type` header: `type/subtype;k=v;...`.
public struct MediaRange: Sendable, Equatable {
    public var type: String
    public var subtype: String
    public var parameters: [String: String]

    /// Parses one media range; parameter names and types are lower-cased, values unquoted.
    public init?(_ text: Substring) {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        let essence = parts[0].trimmingSpaces().lowercased()
        let ts = essence.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard ts.count == 2, !ts[0].isEmpty, !ts[1].isEmpty else { return nil }
        type = String(ts[0])
        subtype = String(ts[1])
        parameters = [:]
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = kv[0].trimmingSpaces().lowercased()
            guard !key.isEmpty else { continue }
            var value = kv.count > 1 ? kv[1].trimmingSpaces() : ""
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            parameters[key] = value
        }
    }

    public var essence: String { "\(type)/\(subtype)" }

    /// Parses a comma-separated header value, dropping malformed entries.
    public static func list(_ header: String?) -> [MediaRange] {
        guard let header else { return [] }
        return header.split(separator: ",").compactMap { MediaRange($0) }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// How a response body is encoded.
public enum ResponseEncoding: Sendable, Equatable {
    case json
    case yaml
    /// Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), for the built-in kinds.
    case protobuf
}

/// What the client's `Accept` header allows for one response.
public struct Negotiation: Sendable, Equatable {
    /// nil: nothing the client accepts can be produced (→ 406).
    public var encoding: ResponseEncoding?
    /// The aggregated discovery version (`v2` / `v2beta1`) to answer `/api` and `/apis` with, if asked for.
    public var aggregatedDiscovery: String?

    /// Picks the first acceptable entry in the client's order (kubectl lists its preference first).
    public init(accept: String?) {
        let ranges = MediaRange.list(accept)
        encoding = nil
        aggregatedDiscovery = nil
        if ranges.isEmpty {
            encoding = .json
            return
        }
        var sawJSONVariant = false
        for r in ranges {
            switch (r.type, r.subtype) {
            case ("application", "json"):
                if let asKind = r.parameters["as"] {
                    if asKind == "APIGroupDiscoveryList", r.parameters["g"] == "apidiscovery.k8s.io",
                        let v = r.parameters["v"], v == "v2" || v == "v2beta1"
                    {
                        if aggregatedDiscovery == nil { aggregatedDiscovery = v }
                    }
                    // Table, PartialObjectMetadata…: plain JSON is an acceptable fallback (kubectl copes).
                    sawJSONVariant = true
                    continue
                }
                if encoding == nil { encoding = .json }
            case ("application", "yaml"):
                if encoding == nil { encoding = .yaml }
            case ("*", "*"), ("application", "*"):
                if encoding == nil { encoding = .json }
            default:
                continue
            }
        }
        if encoding == nil && (sawJSONVariant || aggregatedDiscovery != nil) { encoding = .json }
    }
}

/// The kinds of request body the front accepts.
public enum BodyType: Sendable, Equatable {
    case json
    case yaml
    /// Kubernetes protobuf, decoded into JSON for every built-in kind (``ProtobufBody``).
    case protobuf
    case jsonPatch
    case mergePatch
    case strategicMergePatch
    case applyPatch

    /// Content types accepted for create/update bodies.
    public static let objectTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
    /// Content types accepted for PATCH.
    public static let patchTypes = [
        "application/json-patch+json", "application/merge-patch+json",
        "application/strategic-merge-patch+json", "application/apply-patch+yaml",
    ]

    public init?(contentType essence: String) {
        switch essence {
        case "application/json": self = .json
        case "application/yaml", "application/x-yaml", "text/yaml": self = .yaml
        case "application/vnd.kubernetes.protobuf": self = .protobuf
        case "application/json-patch+json": self = .jsonPatch
        case "application/merge-patch+json": self = .mergePatch
        case "application/strategic-merge-patch+json": self = .strategicMergePatch
        case "application/apply-patch+yaml", "application/apply-patch+json": self = .applyPatch
        default: return nil
        }
    }

    public var isPatch: Bool {
        switch self {
        case .json, .yaml, .protobuf: false
        default: true
        }
    }

    /// The content type passed on to the Endpoint (YAML object bodies arrive there as JSON).
    public var endpointContentType: String {
        switch self {
        case .json, .yaml, .protobuf: "application/json"
        case .jsonPatch: "application/json-patch+json"
        case .mergePatch: "application/merge-patch+json"
        case .strategicMergePatch: "application/strategic-merge-patch+json"
        case .applyPatch: "application/apply-patch+yaml"
        }
    }
}
