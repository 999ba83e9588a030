import KubeModel

/// Another name a resource answers to (`po`, `pod`, `Pod` for pods), as the catalog knows it.
public struct ResourceAlias: Sendable, Hashable {
    public var gvr: GroupVersionResource
    /// Lower-cased kind, singular and short names.
    public var names: [String]

    public init(gvr: GroupVersionResource, names: [String]) {
        self.gvr = gvr
        self.names = names.map { $0.lowercased() }
    }
}

/// What a `--resource` argument selects: the way kubectl users name resources
/// (`pods`, `po`, `deployments.apps`, `deployments.v1.apps`, `Deployment`) or an
/// exact storage key (`/v1/pods`, `apps/v1/deployments`).
public struct ResourcePattern: Sendable, Hashable, CustomStringConvertible {
    /// `nil` matches any group (a resource the catalog does not know, e.g. a CRD plural).
    public var group: String?
    /// `nil` matches any version.
    public var version: String?
    public var resource: String
    /// Whether the name was recognised (catalog alias, storage key, or an explicit group).
    public var known: Bool

    public init(group: String?, version: String?, resource: String, known: Bool = true) {
        self.group = group
        self.version = version
        self.resource = resource
        self.known = known
    }

    /// Resolves `text` against `aliases` (built from the resource catalog).
    public init(parsing text: String, aliases: [ResourceAlias]) {
        if text.contains("/"), let gvr = GroupVersionResource(storageKey: text) {
            self.init(group: gvr.group, version: gvr.version, resource: gvr.resource)
            return
        }
        if text.contains("/") {
            // `apps/deployments`-style is not a kubectl spelling; take the last part as the plural.
            let parts = text.split(separator: "/").map(String.init)
            self.init(
                group: parts.count > 1 ? parts[0] : nil, version: nil, resource: parts.last ?? text, known: false)
            return
        }
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        let head = parts.first?.lowercased() ?? text.lowercased()
        var group: String? = nil
        var version: String? = nil
        if parts.count == 2 {
            let rest = parts[1]
            let restParts = rest.split(separator: ".", maxSplits: 1).map(String.init)
            if let first = restParts.first, Self.looksLikeVersion(first) {
                version = first
                group = restParts.count > 1 ? restParts[1] : ""
            } else {
                group = rest
            }
        }
        let candidates = aliases.filter { alias in
            (alias.gvr.resource == head || alias.names.contains(head))
                && (group == nil || alias.gvr.group == group)
                && (version == nil || alias.gvr.version == version)
        }
        if let best = candidates.first(where: { $0.gvr.group.isEmpty }) ?? candidates.first {
            // Any version of the resolved group/resource: the log may hold several.
            self.init(group: best.gvr.group, version: version, resource: best.gvr.resource)
        } else {
            self.init(group: group, version: version, resource: head, known: group != nil)
        }
    }

    /// Whether `gvr` is selected.
    public func matches(_ gvr: GroupVersionResource) -> Bool {
        gvr.resource == resource && (group == nil || gvr.group == group) && (version == nil || gvr.version == version)
    }

    public var description: String {
        var s = resource
        if let version { s += ".\(version)" }
        if let group, !group.isEmpty || version != nil { s += group.isEmpty ? "" : ".\(group)" }
        return s
    }

    static func looksLikeVersion(_ s: String) -> Bool {
        // v1, v2, v1beta1, v1alpha2
        guard s.first == "v", s.count >= 2 else { return false }
        let rest = s.dropFirst()
        guard let firstChar = rest.first, firstChar.isNumber else { return false }
        return rest.allSatisfy { $0.isLetter || $0.isNumber }
    }
}

extension ResourcePattern {
    /// Aliases from a resource catalog: kind, singular and short names per resource.
    public static func aliases(from catalog: ResourceCatalog) -> [ResourceAlias] {
        catalog.all().map { info in
            ResourceAlias(gvr: info.gvr, names: [info.kind, info.singular] + info.shortNames)
        }
    }
}
