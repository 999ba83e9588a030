import KubeModel

/// `rbac/v1.PolicyRule`.
public struct PolicyRule: Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]
    public var resources: [String]
    public var resourceNames: [String]
    public var nonResourceURLs: [String]

    public init(
        verbs: [String], apiGroups: [String] = [], resources: [String] = [], resourceNames: [String] = [],
        nonResourceURLs: [String] = []
    ) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }

    init(json: JSONValue) {
        func strings(_ key: String) -> [String] { json[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        self.init(
            verbs: strings("verbs"), apiGroups: strings("apiGroups"), resources: strings("resources"),
            resourceNames: strings("resourceNames"), nonResourceURLs: strings("nonResourceURLs"))
    }

    var json: JSONValue {
        var o = JSONObject()
        o.appendUnchecked("verbs", .array(verbs.map { .string($0) }))
        if !apiGroups.isEmpty { o.appendUnchecked("apiGroups", .array(apiGroups.map { .string($0) })) }
        if !resources.isEmpty { o.appendUnchecked("resources", .array(resources.map { .string($0) })) }
        if !resourceNames.isEmpty { o.appendUnchecked("resourceNames", .array(resourceNames.map { .string($0) })) }
        if !nonResourceURLs.isEmpty {
            o.appendUnchecked("nonResourceURLs", .array(nonResourceURLs.map { .string($0) }))
        }
        return .object(o)
    }

    /// Whether this rule allows the request (RBAC's `RuleAllows`): for a resource request
    /// the verb, API group, resource (`pods`, `pods/status`, `*`, or `*/status` for a
    /// subresource) and name (when `resourceNames` is set) must match; for other paths the
    /// verb and a non-resource URL (`*`, exact, or a `prefix*`).
    public func allows(_ a: RequestAttributes) -> Bool {
        guard verbs.contains(where: { $0 == "*" || $0 == a.verb }) else { return false }
        if a.isResourceRequest {
            guard apiGroups.contains(where: { $0 == "*" || $0 == a.apiGroup }) else { return false }
            let combined = a.subresource.isEmpty ? a.resource : a.resource + "/" + a.subresource
            let resourceMatches = resources.contains { r in
                if r == "*" || r == combined { return true }
                guard !a.subresource.isEmpty else { return false }
                return r.utf8.count == a.subresource.utf8.count + 2 && r.hasPrefix("*/") && r.hasSuffix(a.subresource)
            }
            guard resourceMatches else { return false }
            return resourceNames.isEmpty || resourceNames.contains(a.name)
        }
        return nonResourceURLs.contains { url in
            if url == "*" || url == a.path { return true }
            guard url.hasSuffix("*") else { return false }
            var prefix = Substring(url)
            while prefix.last == "*" { prefix = prefix.dropLast() }
            return a.path.hasPrefix(prefix)
        }
    }
}

/// `rbac/v1.Subject`.
public struct RBACSubject: Sendable, Hashable {
    public var kind: String
    public var name: String
    public var namespace: String

    public init(kind: String, name: String, namespace: String = "") {
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    /// Whether the subject names the user (`appliesToUser`): a User by name, a Group by
    /// membership, a ServiceAccount by `system:serviceaccount:<ns>:<name>` with the
    /// binding's namespace when the subject has none.
    func applies(to user: UserInfo, bindingNamespace: String) -> Bool {
        switch kind {
        case "User": return user.name == name
        case "Group": return user.groups.contains(name)
        case "ServiceAccount":
            let ns = namespace.isEmpty ? bindingNamespace : namespace
            guard !ns.isEmpty else { return false }
            return user.name == SystemUsers.serviceAccountPrefix + ns + ":" + name
        default: return false
        }
    }

    /// As RBAC's allow reasons describe it: `Group "system:masters"`, `ServiceAccount "sa/ns"`.
    func described(bindingNamespace: String) -> String {
        if kind == "ServiceAccount" {
            return "\(kind) \(goQuoted(name + "/" + (namespace.isEmpty ? bindingNamespace : namespace)))"
        }
        return "\(kind) \(goQuoted(name))"
    }
}

/// A RoleBinding or ClusterRoleBinding.
public struct RBACBinding: Sendable, Hashable {
    public var name: String
    /// Empty for a ClusterRoleBinding.
    public var namespace: String
    public var roleKind: String
    public var roleName: String
    public var subjects: [RBACSubject]

    public init(name: String, namespace: String = "", roleKind: String, roleName: String, subjects: [RBACSubject]) {
        self.name = name
        self.namespace = namespace
        self.roleKind = roleKind
        self.roleName = roleName
        self.subjects = subjects
    }

    init(json: JSONValue) {
        let meta = json["metadata"]
        self.init(
            name: meta?["name"]?.stringValue ?? "", namespace: meta?["namespace"]?.stringValue ?? "",
            roleKind: json["roleRef"]?["kind"]?.stringValue ?? "",
            roleName: json["roleRef"]?["name"]?.stringValue ?? "",
            subjects: (json["subjects"]?.arrayValue ?? []).map {
                RBACSubject(
                    kind: $0["kind"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "",
                    namespace: $0["namespace"]?.stringValue ?? "")
            })
    }
}

/// A Role or ClusterRole.
public struct RBACRole: Sendable, Hashable {
    public var name: String
    public var namespace: String
    public var labels: [String: String]
    public var rules: [PolicyRule]
    /// The `aggregationRule.clusterRoleSelectors` of a ClusterRole, if it aggregates.
    public var aggregation: [LabelSelector]?

    public init(
        name: String, namespace: String = "", labels: [String: String] = [:], rules: [PolicyRule],
        aggregation: [LabelSelector]? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.rules = rules
        self.aggregation = aggregation
    }

    init(json: JSONValue) {
        let meta = json["metadata"]
        var labels: [String: String] = [:]
        for (k, v) in meta?["labels"]?.objectValue ?? JSONObject() { labels[k] = v.stringValue ?? "" }
        var aggregation: [LabelSelector]?
        if let selectors = json["aggregationRule"]?["clusterRoleSelectors"]?.arrayValue {
            // A selector that does not parse selects nothing (the aggregation controller skips it).
            aggregation = selectors.compactMap { try? LabelSelector.fromLabelSelectorJSON($0) }
        }
        self.init(
            name: meta?["name"]?.stringValue ?? "", namespace: meta?["namespace"]?.stringValue ?? "", labels: labels,
            rules: (json["rules"]?.arrayValue ?? []).map(PolicyRule.init(json:)), aggregation: aggregation)
    }
}

/// The RBAC objects at one moment, indexed for evaluation.
public struct RBACSnapshot: Sendable {
    public var clusterRoles: [String: RBACRole]
    public var roles: [String: [String: RBACRole]]
    public var clusterRoleBindings: [RBACBinding]
    public var roleBindings: [String: [RBACBinding]]
    /// The effective rules of aggregating ClusterRoles, computed once.
    var aggregated: [String: [PolicyRule]] = [:]

    public init(
        clusterRoles: [RBACRole] = [], roles: [RBACRole] = [], clusterRoleBindings: [RBACBinding] = [],
        roleBindings: [RBACBinding] = []
    ) {
        self.clusterRoles = Dictionary(clusterRoles.map { ($0.name, $0) }, uniquingKeysWith: { _, b in b })
        var byNamespace: [String: [String: RBACRole]] = [:]
        for r in roles { byNamespace[r.namespace, default: [:]][r.name] = r }
        self.roles = byNamespace
        self.clusterRoleBindings = clusterRoleBindings.sorted { $0.name < $1.name }
        var rbs: [String: [RBACBinding]] = [:]
        for b in roleBindings { rbs[b.namespace, default: []].append(b) }
        self.roleBindings = rbs.mapValues { $0.sorted { $0.name < $1.name } }
        for role in self.clusterRoles.values where role.aggregation != nil {
            var seen: Set<String> = []
            aggregated[role.name] = aggregatedRules(role, seen: &seen)
        }
    }

    /// Parses stored objects (JSON) of the four RBAC resources.
    public init(
        clusterRoles: [JSONValue], roles: [JSONValue], clusterRoleBindings: [JSONValue], roleBindings: [JSONValue]
    ) {
        self.init(
            clusterRoles: clusterRoles.map(RBACRole.init(json:)), roles: roles.map(RBACRole.init(json:)),
            clusterRoleBindings: clusterRoleBindings.map(RBACBinding.init(json:)),
            roleBindings: roleBindings.map(RBACBinding.init(json:)))
    }

    /// An aggregating ClusterRole's rules, as the aggregation controller writes them: the
    /// rules of every other ClusterRole its selectors match (in name order, each rule
    /// once); the role's own `rules` are replaced.
    func aggregatedRules(_ role: RBACRole, seen: inout Set<String>) -> [PolicyRule] {
        guard let selectors = role.aggregation else { return role.rules }
        seen.insert(role.name)
        var rules: [PolicyRule] = []
        for selector in selectors {
            for name in clusterRoles.keys.sorted() where name != role.name {
                guard let other = clusterRoles[name], selector.matches(other.labels) else { continue }
                let otherRules: [PolicyRule]
                if other.aggregation != nil {
                    guard !seen.contains(name) else { continue }
                    otherRules = aggregatedRules(other, seen: &seen)
                } else {
                    otherRules = other.rules
                }
                for rule in otherRules where !rules.contains(rule) { rules.append(rule) }
            }
        }
        return rules
    }

    /// The rules a binding's role reference grants, or the lister's not-found error.
    func rules(roleKind: String, roleName: String, bindingNamespace: String) -> Result<[PolicyRule], RBACError> {
        switch roleKind {
        case "Role":
            guard let role = roles[bindingNamespace]?[roleName] else {
                return .failure(RBACError("role.rbac.authorization.k8s.io \(goQuoted(roleName)) not found"))
            }
            return .success(role.rules)
        case "ClusterRole":
            guard let role = clusterRoles[roleName] else {
                return .failure(RBACError("clusterrole.rbac.authorization.k8s.io \(goQuoted(roleName)) not found"))
            }
            return .success(aggregated[roleName] ?? role.rules)
        default:
            return .failure(RBACError("unsupported role reference kind: \(goQuoted(roleKind))"))
        }
    }

    /// Visits the rules that apply to `user` in `namespace` (RBAC's `VisitRulesFor`):
    /// ClusterRoleBindings first, then the namespace's RoleBindings; `visit` returns
    /// false to stop. Each rule comes with a description of where it came from.
    func visitRules(
        for user: UserInfo, namespace: String,
        _ visit: (_ source: String?, _ rule: PolicyRule?, _ error: RBACError?) -> Bool
    ) {
        for binding in clusterRoleBindings {
            guard let subject = binding.subjects.first(where: { $0.applies(to: user, bindingNamespace: "") }) else {
                continue
            }
            switch rules(roleKind: binding.roleKind, roleName: binding.roleName, bindingNamespace: "") {
            case .failure(let error):
                if !visit(nil, nil, error) { return }
            case .success(let rules):
                let source =
                    "ClusterRoleBinding \(goQuoted(binding.name)) of \(binding.roleKind) \(goQuoted(binding.roleName)) to \(subject.described(bindingNamespace: ""))"
                for rule in rules where !visit(source, rule, nil) { return }
            }
        }
        guard !namespace.isEmpty else { return }
        for binding in roleBindings[namespace] ?? [] {
            guard let subject = binding.subjects.first(where: { $0.applies(to: user, bindingNamespace: namespace) })
            else { continue }
            switch rules(roleKind: binding.roleKind, roleName: binding.roleName, bindingNamespace: namespace) {
            case .failure(let error):
                if !visit(nil, nil, error) { return }
            case .success(let rules):
                let source =
                    "RoleBinding \(goQuoted(binding.name + "/" + binding.namespace)) of \(binding.roleKind) \(goQuoted(binding.roleName)) to \(subject.described(bindingNamespace: binding.namespace))"
                for rule in rules where !visit(source, rule, nil) { return }
            }
        }
    }
}

/// An error met while resolving a binding's role (kept in the decision's reason).
public struct RBACError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where the RBAC authorizer reads its objects.
public protocol RBACObjectSource: Sendable {
    /// The current objects; throws when they cannot be read.
    func snapshot() async throws -> RBACSnapshot
}

/// Fixed objects (tests, or a server without a store).
public struct StaticRBACSource: RBACObjectSource {
    public var objects: RBACSnapshot
    public init(_ objects: RBACSnapshot) { self.objects = objects }
    public func snapshot() async throws -> RBACSnapshot { objects }
}

/// `--authorization-mode=RBAC`: allows a request when a rule of a role bound to the
/// user (in the request's namespace, or cluster-wide) allows it, and otherwise has no
/// opinion, with `RBAC: <errors>` as the reason when bindings referred to roles that
/// could not be found (the apiserver's `RBACAuthorizer`).
public struct RBACAuthorizer: Authorizer, RuleResolver {
    public var source: any RBACObjectSource

    public init(source: any RBACObjectSource) {
        self.source = source
    }

    public func authorize(_ attributes: RequestAttributes) async -> AuthorizationResult {
        let snapshot: RBACSnapshot
        do {
            snapshot = try await source.snapshot()
        } catch {
            return AuthorizationResult(.noOpinion, "RBAC: \(error)")
        }
        var allowedBy: String?
        var errors: [String] = []
        snapshot.visitRules(for: attributes.user, namespace: attributes.namespace) { source, rule, error in
            if let rule, rule.allows(attributes) {
                allowedBy = source
                return false
            }
            if let error { errors.append(error.message) }
            return true
        }
        if let allowedBy { return AuthorizationResult(.allow, "RBAC: allowed by \(allowedBy)") }
        guard !errors.isEmpty else { return AuthorizationResult(.noOpinion) }
        let aggregate = errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
        return AuthorizationResult(.noOpinion, "RBAC: \(aggregate)")
    }

    public func rules(for user: UserInfo, namespace: String) async -> ResolvedRules {
        guard let snapshot = try? await source.snapshot() else {
            return ResolvedRules(incomplete: true, errors: ["RBAC objects could not be read"])
        }
        var found = ResolvedRules()
        snapshot.visitRules(for: user, namespace: namespace) { _, rule, error in
            if let rule { found.rules.append(rule) }
            if let error { found.errors.append(error.message) }
            return true
        }
        return found
    }
}
