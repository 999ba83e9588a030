import KubeModel

/// `pkg/apis/rbac/validation`: Roles and ClusterRoles (their rules and aggregation
/// rule), RoleBindings and ClusterRoleBindings (role reference, subjects, and a role
/// reference that never changes).
enum RBACValidation {
    static let groupName = "rbac.authorization.k8s.io"

    /// All errors of a write of an RBAC object.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let old = request.operation == .update ? request.old : nil
        switch request.info.kind {
        case "Role":
            return rules(object, namespaced: true)
        case "ClusterRole":
            var errs = rules(object, namespaced: false)
            errs += aggregationRule(object["aggregationRule"], old: old?["aggregationRule"])
            return errs
        case "RoleBinding", "ClusterRoleBinding":
            let namespaced = request.info.kind == "RoleBinding"
            var errs = binding(object, namespaced: namespaced)
            if let old, !sameRoleRef(object["roleRef"], old["roleRef"]) {
                errs.append(
                    FieldError(
                        .invalid, field: "roleRef", value: .raw(roleRef(object["roleRef"])),
                        detail: "cannot change roleRef"))
            }
            return errs
        default:
            return []
        }
    }

    private static func strings(_ v: JSONValue?) -> [String] { (v?.arrayValue ?? []).map { $0.stringValue ?? "" } }

    /// `ValidatePolicyRule` for each rule.
    private static func rules(_ object: JSONValue, namespaced: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, rule) in (object["rules"]?.arrayValue ?? []).enumerated() {
            let p = "rules[\(i)]"
            if strings(rule["verbs"]).isEmpty {
                errs.append(.required(p + ".verbs", "verbs must contain at least one value"))
            }
            let urls = rule["nonResourceURLs"]
            if !strings(urls).isEmpty {
                let rendered = FieldError.BadValue.raw(GoRendering.stringSlice(urls))
                if namespaced {
                    errs.append(
                        FieldError(
                            .invalid, field: p + ".nonResourceURLs", value: rendered,
                            detail: "namespaced rules cannot apply to non-resource URLs"))
                }
                if !strings(rule["apiGroups"]).isEmpty || !strings(rule["resources"]).isEmpty
                    || !strings(rule["resourceNames"]).isEmpty
                {
                    errs.append(
                        FieldError(
                            .invalid, field: p + ".nonResourceURLs", value: rendered,
                            detail: "rules cannot apply to both regular resources and non-resource URLs"))
                }
                continue
            }
            if rule["apiGroups"]?.arrayValue?.isEmpty ?? true {
                errs.append(.required(p + ".apiGroups", "resource rules must supply at least one api group"))
            }
            if strings(rule["resources"]).isEmpty {
                errs.append(.required(p + ".resources", "resource rules must supply at least one resource"))
            }
        }
        return errs
    }

    /// A ClusterRole's `aggregationRule`: at least one selector, each valid. On update,
    /// label values the stored rule already had stay allowed.
    private static func aggregationRule(_ rule: JSONValue?, old: JSONValue?) -> [FieldError] {
        guard let rule, !rule.isNull else { return [] }
        let base = "aggregationRule.clusterRoleSelectors"
        let selectors = rule["clusterRoleSelectors"]?.arrayValue ?? []
        var errs: [FieldError] = []
        if selectors.isEmpty {
            errs.append(.required(base, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
        }
        let allowInvalid = (old?["clusterRoleSelectors"]?.arrayValue ?? []).contains { sel in
            (sel["matchExpressions"]?.arrayValue ?? []).contains { e in
                strings(e["values"]).contains { !NameValidation.isValidLabelValue($0).isEmpty }
            }
        }
        for (i, selector) in selectors.enumerated() {
            let p = "\(base)[\(i)]"
            errs += ValidationSupport.labelSelector(selector, p, allowInvalidLabelValue: allowInvalid)
            if ValidationSupport.selectorAsSelector(selector) == nil {
                errs.append(FieldError(.invalid, field: p, value: .null, detail: "invalid label selector."))
            }
        }
        return errs
    }

    /// `ValidateRoleBinding` / `ValidateClusterRoleBinding` without metadata.
    private static func binding(_ object: JSONValue, namespaced: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let ref = object["roleRef"]
        // roleRef.apiGroup defaults to the RBAC group.
        let apiGroup = nonEmpty(ref?["apiGroup"]?.stringValue) ?? groupName
        if apiGroup != groupName { errs.append(.notSupported("roleRef.apiGroup", apiGroup, supported: [groupName])) }
        let kind = ref?["kind"]?.stringValue ?? ""
        let kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]
        if !kinds.contains(kind) { errs.append(.notSupported("roleRef.kind", kind, supported: kinds)) }
        let name = ref?["name"]?.stringValue ?? ""
        if name.isEmpty {
            errs.append(.required("roleRef.name"))
        } else {
            errs += NameValidation.isValidPathSegmentName(name).map { .invalid("roleRef.name", name, $0) }
        }
        for (i, subject) in (object["subjects"]?.arrayValue ?? []).enumerated() {
            errs += self.subject(subject, namespaced: namespaced, path: "subjects[\(i)]")
        }
        return errs
    }

    /// `ValidateRoleBindingSubject`; `apiGroup` defaults to the RBAC group for users and groups.
    private static func subject(_ subject: JSONValue, namespaced: Bool, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let name = subject["name"]?.stringValue ?? ""
        if name.isEmpty { errs.append(.required(path + ".name")) }
        let kind = subject["kind"]?.stringValue ?? ""
        let apiGroup = subject["apiGroup"]?.stringValue ?? ""
        switch kind {
        case "ServiceAccount":
            if !name.isEmpty {
                errs += NameValidation.isDNS1123Subdomain(name).map { .invalid(path + ".name", name, $0) }
            }
            if !apiGroup.isEmpty { errs.append(.notSupported(path + ".apiGroup", apiGroup, supported: [""])) }
            if !namespaced && (subject["namespace"]?.stringValue ?? "").isEmpty {
                errs.append(.required(path + ".namespace"))
            }
        case "User", "Group":
            let group = apiGroup.isEmpty ? groupName : apiGroup
            if group != groupName { errs.append(.notSupported(path + ".apiGroup", group, supported: [groupName])) }
        default:
            errs.append(.notSupported(path + ".kind", kind, supported: ["ServiceAccount", "User", "Group"]))
        }
        return errs
    }

    private static func sameRoleRef(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        (nonEmpty(a?["apiGroup"]?.stringValue) ?? groupName) == (nonEmpty(b?["apiGroup"]?.stringValue) ?? groupName)
            && ["kind", "name"].allSatisfy { (a?[$0]?.stringValue ?? "") == (b?[$0]?.stringValue ?? "") }
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }

    /// `%#v` of an `rbac.RoleRef`.
    private static func roleRef(_ v: JSONValue?) -> String {
        "rbac.RoleRef{APIGroup:" + goQuoted(nonEmpty(v?["apiGroup"]?.stringValue) ?? groupName) + ", Kind:"
            + goQuoted(v?["kind"]?.stringValue ?? "") + ", Name:" + goQuoted(v?["name"]?.stringValue ?? "") + "}"
    }
}
