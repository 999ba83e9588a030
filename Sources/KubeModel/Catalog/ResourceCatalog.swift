import Synchronization

/// The resources this endpoint serves: the built-ins plus whatever registered
/// CustomResourceDefinitions declare. Thread-safe; reads copy small values out
/// under a mutex.
public final class ResourceCatalog: Sendable {
    private struct State {
        var byGVR: [GroupVersionResource: ResourceInfo] = [:]
        /// Insertion order, for stable listings.
        var order: [GroupVersionResource] = []
        /// `"<apiVersion>/<Kind>"` → resource.
        var byKind: [String: GroupVersionResource] = [:]
        /// CRD name → the resources it registered.
        var byCRD: [String: [GroupVersionResource]] = [:]

        mutating func insert(_ info: ResourceInfo) {
            if byGVR.updateValue(info, forKey: info.gvr) == nil { order.append(info.gvr) }
            byKind[info.gvr.groupVersion + "/" + info.kind] = info.gvr
        }

        mutating func remove(_ gvr: GroupVersionResource) -> ResourceInfo? {
            guard let info = byGVR.removeValue(forKey: gvr) else { return nil }
            order.removeAll { $0 == gvr }
            let kindKey = gvr.groupVersion + "/" + info.kind
            if byKind[kindKey] == gvr { byKind.removeValue(forKey: kindKey) }
            return info
        }
    }

    private let state: Mutex<State>

    /// An empty catalog (see `builtIn()` for the usual one).
    public init(resources: [ResourceInfo] = []) {
        var s = State()
        for r in resources { s.insert(r) }
        state = Mutex(s)
    }

    /// A new catalog holding the built-in resources.
    public static func builtIn() -> ResourceCatalog { ResourceCatalog(resources: BuiltInResources.all) }

    /// The resource served at `gvr`, if any.
    public func resource(for gvr: GroupVersionResource) -> ResourceInfo? {
        state.withLock { $0.byGVR[gvr] }
    }

    /// The resource served at `group`/`version`/`resource`, if any.
    public func resource(group: String, version: String, resource: String) -> ResourceInfo? {
        self.resource(for: GroupVersionResource(group: group, version: version, resource: resource))
    }

    /// The resource whose objects have this `kind` and `apiVersion` (`v1`, `apps/v1`).
    public func resource(forKind kind: String, apiVersion: String) -> ResourceInfo? {
        state.withLock { s in s.byKind[apiVersion + "/" + kind].flatMap { s.byGVR[$0] } }
    }

    /// Every resource, built-ins first, in registration order.
    public func all() -> [ResourceInfo] {
        state.withLock { s in s.order.compactMap { s.byGVR[$0] } }
    }

    /// The resources of one group version, sorted by resource name (as discovery lists them).
    public func resources(group: String, version: String) -> [ResourceInfo] {
        state.withLock { s in
            s.order.filter { $0.group == group && $0.version == version }.compactMap { s.byGVR[$0] }
        }.sorted { $0.gvr.resource < $1.gvr.resource }
    }

    /// Resolves what a user typed (`po`, `pod`, `pods`, `deployments.apps`,
    /// `deploy.v1.apps`) to resources; the preferred version of each group first.
    public func resolve(_ name: String) -> [ResourceInfo] {
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        let all = self.all()
        let prefs = Dictionary(groups().map { ($0.group, $0.preferred) }, uniquingKeysWith: { a, _ in a })
        func matchesName(_ r: ResourceInfo, _ n: String) -> Bool {
            r.gvr.resource == n || r.singular == n || r.shortNames.contains(n) || r.kind.lowercased() == n.lowercased()
        }
        var out = all.filter { matchesName($0, name) && $0.gvr.version == prefs[$0.gvr.group] }
        if out.isEmpty, parts.count >= 2 {
            let n = parts[0]
            let rest = name.dropFirst(n.count + 1)
            out = all.filter { r in
                guard matchesName(r, n) else { return false }
                if r.gvr.group == rest { return r.gvr.version == prefs[r.gvr.group] }
                return r.gvr.version + "." + r.gvr.group == rest
            }
        }
        return out
    }

    /// API groups with their versions (preferred first) for discovery. The core
    /// group comes first as `""` (served under `/api`); then built-in groups in the
    /// apiserver's order, then custom groups alphabetically.
    public func groups() -> [(group: String, versions: [String], preferred: String)] {
        let gvrs = state.withLock { $0.order }
        var versionsByGroup: [String: [String]] = [:]
        var groupNames: [String] = []
        for g in gvrs {
            if versionsByGroup[g.group] == nil {
                versionsByGroup[g.group] = []
                groupNames.append(g.group)
            }
            if versionsByGroup[g.group]?.contains(g.version) == false { versionsByGroup[g.group]?.append(g.version) }
        }
        let builtInRank = Dictionary(
            BuiltInResources.groupOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        groupNames.sort { a, b in
            switch (builtInRank[a], builtInRank[b]) {
            case (let x?, let y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
        return groupNames.map { g in
            let versions = (versionsByGroup[g] ?? []).sorted { KubeVersion.compare($0, $1) }
            return (g, versions, versions.first ?? "")
        }
    }

    /// Registers (or updates) the resources a CRD object declares; returns them.
    /// Throws a 422 Invalid `StatusError` for a bad CRD, or when it would shadow a
    /// built-in resource.
    @discardableResult
    public func register(crd: JSONValue) throws(StatusError) -> [ResourceInfo] {
        let def = try CustomResourceDefinition(crd)
        let infos = def.resources
        let clash: ResourceInfo? = state.withLock { s in
            for info in infos {
                if let existing = s.byGVR[info.gvr], existing.crdName != def.name { return existing }
            }
            return nil
        }
        if let clash {
            throw StatusError.invalid(
                kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", name: def.name,
                causes: [
                    .invalid(
                        "spec.names.plural", def.plural,
                        "conflicts with the existing resource \(clash.gvr.resource).\(clash.gvr.version)"
                            + (clash.gvr.group.isEmpty ? "" : ".\(clash.gvr.group)"))
                ])
        }
        state.withLock { s in
            for gvr in s.byCRD[def.name] ?? [] { _ = s.remove(gvr) }
            for info in infos { s.insert(info) }
            s.byCRD[def.name] = infos.map(\.gvr)
        }
        return infos
    }

    /// The problems with a CustomResourceDefinition object that registering it would
    /// report (names, scope, versions, printer columns, selectable fields), as field errors.
    public static func customResourceDefinitionErrors(_ crd: JSONValue) -> [FieldError] {
        CustomResourceDefinition.validationErrors(of: crd)
    }

    /// Removes the resources a CRD registered; returns them (empty if unknown).
    @discardableResult
    public func unregister(crdName: String) -> [ResourceInfo] {
        state.withLock { s in
            let gvrs = s.byCRD.removeValue(forKey: crdName) ?? []
            return gvrs.compactMap { s.remove($0) }
        }
    }
}

/// Kubernetes version-string ordering (`version.CompareKubeAwareVersionStrings`):
/// GA before beta before alpha, higher numbers first, non-Kubernetes names last
/// alphabetically.
enum KubeVersion {
    private static func parse(_ v: String) -> (major: Int, stage: Int, minor: Int)? {
        guard v.hasPrefix("v") else { return nil }
        let rest = v.dropFirst()
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let major = Int(digits), major > 0, !digits.hasPrefix("0") else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.isEmpty { return (major, 2, 0) }
        for (name, stage) in [("beta", 1), ("alpha", 0)] where tail.hasPrefix(name) {
            let n = tail.dropFirst(name.count)
            guard let minor = Int(n), minor > 0, !n.hasPrefix("0") else { return nil }
            return (major, stage, minor)
        }
        return nil
    }

    /// True when `a` sorts before (is preferred to) `b`.
    static func compare(_ a: String, _ b: String) -> Bool {
        switch (parse(a), parse(b)) {
        case (let x?, let y?):
            if x.stage != y.stage { return x.stage > y.stage }
            if x.major != y.major { return x.major > y.major }
            return x.minor > y.minor
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }
}
