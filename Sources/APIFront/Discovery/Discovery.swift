import KubeModel

/// Builds the discovery documents (`/api`, `/apis`, `/apis/{g}`, `/api/v1`,
/// `/apis/{g}/{v}`, aggregated discovery and `/version`) from the resource
/// catalog at request time, so resources a CRD registers appear at once.
public struct Discovery: Sendable {
    public let catalog: ResourceCatalog
    /// The Kubernetes version AKE answers as.
    public static let kubernetesMajor = "1"
    public static let kubernetesMinor = "33"
    public static let gitVersion = "v1.33.0-ake"

    public init(catalog: ResourceCatalog) {
        self.catalog = catalog
    }

    /// `/api`: the versions of the core group.
    public func coreVersions(serverAddress: String) -> JSONValue {
        let versions = coreGroupVersions()
        return obj([
            ("kind", .string("APIVersions")),
            ("versions", .array(versions.map { .string($0) })),
            (
                "serverAddressByClientCIDRs",
                .array([obj([("clientCIDR", .string("0.0.0.0/0")), ("serverAddress", .string(serverAddress))])])
            ),
        ])
    }

    /// `/apis`: every named group with its versions.
    public func groupList() -> JSONValue {
        obj([
            ("kind", .string("APIGroupList")),
            ("apiVersion", .string("v1")),
            ("groups", .array(namedGroups().map { groupBody($0) })),
        ])
    }

    /// `/apis/{group}`, or nil when the group is unknown.
    public func group(_ name: String) -> JSONValue? {
        guard let g = namedGroups().first(where: { $0.group == name }) else { return nil }
        guard case .object(let body) = groupBody(g) else { return nil }
        return obj(
            [("kind", .string("APIGroup")), ("apiVersion", .string("v1"))] + body.members.map { ($0.key, $0.value) })
    }

    /// `/api/v1` or `/apis/{g}/{v}`, or nil when that group version has no resources.
    public func resourceList(group: String, version: String) -> JSONValue? {
        let infos = resources(group: group, version: version)
        guard !infos.isEmpty else { return nil }
        var items: [JSONValue] = []
        for info in infos {
            var r: [(String, JSONValue)] = [
                ("name", .string(info.gvr.resource)),
                ("singularName", .string(info.singular)),
                ("namespaced", .bool(info.namespaced)),
                ("kind", .string(info.kind)),
                ("verbs", .array(info.verbs.map { .string($0) })),
            ]
            if !info.shortNames.isEmpty { r.append(("shortNames", .array(info.shortNames.map { .string($0) }))) }
            if !info.categories.isEmpty { r.append(("categories", .array(info.categories.map { .string($0) }))) }
            items.append(obj(r))
            for sub in info.subresources.sorted() {
                var s: [(String, JSONValue)] = [
                    ("name", .string("\(info.gvr.resource)/\(sub)")),
                    ("singularName", .string("")),
                    ("namespaced", .bool(info.namespaced)),
                ]
                let kind = Self.subresourceKind(sub, of: info)
                if !kind.group.isEmpty || kind.group != info.gvr.group {
                    s.append(("group", .string(kind.group)))
                    s.append(("version", .string(kind.version)))
                }
                s.append(("kind", .string(kind.kind)))
                s.append(("verbs", .array(Self.subresourceVerbs(sub).map { .string($0) })))
                items.append(obj(s))
            }
        }
        return obj([
            ("kind", .string("APIResourceList")),
            ("apiVersion", .string("v1")),
            ("groupVersion", .string(group.isEmpty ? version : "\(group)/\(version)")),
            ("resources", .array(items)),
        ])
    }

    /// Aggregated discovery (`APIGroupDiscoveryList`) for `/api` (core) or `/apis` (named groups).
    /// `version` is `v2` or `v2beta1`.
    public func aggregated(core: Bool, version: String) -> JSONValue {
        let groups: [(group: String, versions: [String], preferred: String)] =
            core ? [("", coreGroupVersions(), "v1")] : namedGroups()
        var items: [JSONValue] = []
        for g in groups {
            // The preferred version comes first, as the apiserver orders it.
            let ordered = [g.preferred] + g.versions.filter { $0 != g.preferred }
            var versions: [JSONValue] = []
            for v in ordered {
                let infos = resources(group: g.group, version: v)
                guard !infos.isEmpty else { continue }
                versions.append(
                    obj([
                        ("version", .string(v)),
                        ("resources", .array(infos.map { aggregatedResource($0) })),
                        ("freshness", .string("Current")),
                    ]))
            }
            let meta: JSONValue = core ? obj([("creationTimestamp", .null)]) : obj([("name", .string(g.group))])
            items.append(obj([("metadata", meta), ("versions", .array(versions))]))
        }
        return obj([
            ("kind", .string("APIGroupDiscoveryList")),
            ("apiVersion", .string("apidiscovery.k8s.io/\(version)")),
            ("metadata", obj([])),
            ("items", .array(items)),
        ])
    }

    /// The Content-Type of an aggregated discovery response; clients recognise it by these parameters.
    public static func aggregatedContentType(version: String) -> String {
        "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList"
    }

    /// `/version`.
    public static func version() -> JSONValue {
        obj([
            ("major", .string(kubernetesMajor)),
            ("minor", .string(kubernetesMinor)),
            ("gitVersion", .string(gitVersion)),
            ("gitCommit", .string("")),
            ("gitTreeState", .string("clean")),
            ("buildDate", .string("1970-01-01T00:00:00Z")),
            ("goVersion", .string("swift6")),
            ("compiler", .string("swift")),
            ("platform", .string(platform)),
        ])
    }

    static var platform: String {
        #if arch(x86_64)
            let arch = "amd64"
        #elseif arch(arm64)
            let arch = "arm64"
        #else
            let arch = "unknown"
        #endif
        #if os(Linux)
            return "linux/\(arch)"
        #else
            return "darwin/\(arch)"
        #endif
    }

    // MARK: - Helpers

    func coreGroupVersions() -> [String] {
        if let core = catalog.groups().first(where: { $0.group.isEmpty }) { return core.versions }
        return ["v1"]
    }

    func namedGroups() -> [(group: String, versions: [String], preferred: String)] {
        catalog.groups().filter { !$0.group.isEmpty }
    }

    func resources(group: String, version: String) -> [ResourceInfo] {
        catalog.all().filter { $0.gvr.group == group && $0.gvr.version == version }
            .sorted { $0.gvr.resource < $1.gvr.resource }
    }

    func groupBody(_ g: (group: String, versions: [String], preferred: String)) -> JSONValue {
        func gv(_ v: String) -> JSONValue {
            obj([("groupVersion", .string("\(g.group)/\(v)")), ("version", .string(v))])
        }
        return obj([
            ("name", .string(g.group)),
            ("versions", .array(g.versions.map(gv))),
            ("preferredVersion", gv(g.preferred)),
        ])
    }

    func aggregatedResource(_ info: ResourceInfo) -> JSONValue {
        var r: [(String, JSONValue)] = [
            ("resource", .string(info.gvr.resource)),
            (
                "responseKind",
                obj([
                    ("group", .string(info.gvr.group)), ("version", .string(info.gvr.version)),
                    ("kind", .string(info.kind)),
                ])
            ),
            ("scope", .string(info.namespaced ? "Namespaced" : "Cluster")),
            ("singularResource", .string(info.singular)),
            ("verbs", .array(info.verbs.map { .string($0) })),
        ]
        if !info.shortNames.isEmpty { r.append(("shortNames", .array(info.shortNames.map { .string($0) }))) }
        if !info.categories.isEmpty { r.append(("categories", .array(info.categories.map { .string($0) }))) }
        if !info.subresources.isEmpty {
            r.append(
                (
                    "subresources",
                    .array(
                        info.subresources.sorted().map { sub in
                            let k = Self.subresourceKind(sub, of: info)
                            return obj([
                                ("subresource", .string(sub)),
                                (
                                    "responseKind",
                                    obj([
                                        ("group", .string(k.group)), ("version", .string(k.version)),
                                        ("kind", .string(k.kind)),
                                    ])
                                ),
                                ("verbs", .array(Self.subresourceVerbs(sub).map { .string($0) })),
                            ])
                        })
                ))
        }
        return obj(r)
    }

    static func subresourceKind(_ sub: String, of info: ResourceInfo) -> (group: String, version: String, kind: String)
    {
        switch sub {
        case "scale": ("autoscaling", "v1", "Scale")
        case "eviction": ("policy", "v1", "Eviction")
        case "binding": ("", "v1", "Binding")
        default: (info.gvr.group, info.gvr.version, info.kind)
        }
    }

    static func subresourceVerbs(_ sub: String) -> [String] {
        switch sub {
        case "eviction", "binding": ["create"]
        case "log": ["get"]
        default: ["get", "patch", "update"]
        }
    }
}

/// Builds a JSON object from ordered members (keys are distinct by construction).
func obj(_ members: [(String, JSONValue)]) -> JSONValue {
    var o = JSONObject()
    for (k, v) in members { o.appendUnchecked(k, v) }
    return .object(o)
}
