import KubeModel

/// PersistentVolumeClaims (`ValidatePersistentVolumeClaim(Spec|Update)`), without the
/// object metadata. The label selector and volume attributes class are not checked.
enum PersistentVolumeClaimValidation {
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]

    /// `ValidatePersistentVolumeClaimSpec`.
    static func validateSpec(_ spec: JSONValue?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let modes = GoJSON.array(spec?["accessModes"]).map { $0.stringValue ?? "" }
        if modes.isEmpty {
            errs.append(CoreField.required(path + ".accessModes", "at least 1 access mode is required"))
        }
        var rwop = false
        var other = false
        for mode in modes {
            if !accessModes.contains(mode) {
                errs.append(CoreField.notSupported(path + ".accessModes", mode, accessModes))
            }
            if mode == "ReadWriteOncePod" {
                rwop = true
            } else if accessModes.contains(mode) {
                other = true
            }
        }
        if rwop && other {
            errs.append(
                CoreField.forbidden(path + ".accessModes", "may not use ReadWriteOncePod with other access modes"))
        }
        let storagePath = path + ".resources[storage]"
        if let storage = spec?["resources"]?["requests"]?["storage"], !storage.isNull {
            if let q = ResourceValidation.quantity(storage, storagePath, into: &errs) {
                if q.sign <= 0 {
                    errs.append(CoreField.invalid(storagePath, q.description, "must be greater than zero"))
                } else {
                    errs += ResourceValidation.validateQuantityValue("storage", q, storagePath)
                }
            }
        } else {
            errs.append(CoreField.required(storagePath))
        }
        if let cls = spec?["storageClassName"]?.stringValue, !cls.isEmpty {
            errs += NameValidation.isDNS1123Subdomain(cls).map {
                CoreField.invalid(path + ".storageClassName", cls, $0)
            }
        }
        if let mode = spec?["volumeMode"]?.stringValue, mode != "Block", mode != "Filesystem" {
            errs.append(CoreField.notSupported(path + ".volumeMode", mode, ["Block", "Filesystem"]))
        }
        for key in ["dataSource", "dataSourceRef"] {
            guard let ds = spec?[key], !ds.isNull else { continue }
            let p = "\(path).\(key)"
            let kind = GoJSON.string(ds["kind"])
            if GoJSON.string(ds["name"]).isEmpty { errs.append(CoreField.required(p + ".name")) }
            if kind.isEmpty { errs.append(CoreField.required(p + ".kind")) }
            let group = GoJSON.string(ds["apiGroup"])
            if group.isEmpty && kind != "PersistentVolumeClaim" {
                errs.append(
                    CoreField.invalid(p, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
            }
            if !group.isEmpty { errs += CoreFormats.dns1123Subdomain(group, p + ".apiGroup") }
            if key == "dataSourceRef", let ns = ds["namespace"]?.stringValue, !ns.isEmpty {
                errs += NameValidation.isDNS1123Label(ns).map { CoreField.invalid(p + ".namespace", ns, $0) }
            }
        }
        return errs
    }

    /// `ValidatePersistentVolumeClaimUpdate` without the object metadata: the spec is
    /// immutable except the requested storage of a bound claim (which may only grow) and a
    /// volume name set once.
    static func validateUpdate(_ pvc: JSONValue, old: JSONValue) -> [FieldError] {
        var errs = validateSpec(pvc["spec"], "spec")
        var newSpec = pvc["spec"] ?? .object(JSONObject())
        var oldSpec = old["spec"] ?? .object(JSONObject())
        if GoJSON.string(oldSpec["volumeName"]).isEmpty { oldSpec["volumeName"] = newSpec["volumeName"] }
        let bound = GoJSON.string(pvc["status"]?["phase"]) == "Bound"
        if bound, newSpec["resources"]?["requests"]?.objectValue != nil {
            newSpec["resources"]?["requests"]?["storage"] = old["spec"]?["resources"]?["requests"]?["storage"]
        }
        if bound, newSpec["volumeAttributesClassName"] != nil {
            newSpec["volumeAttributesClassName"] = oldSpec["volumeAttributesClassName"]
        }
        let differences = SemanticJSON.differences(oldSpec, newSpec, path: "spec")
        if !differences.isEmpty {
            errs.append(
                CoreField.forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"
                        + differences.joined(separator: "\n")))
        }
        var ignored: [FieldError] = []
        let newSize = ResourceValidation.quantity(
            pvc["spec"]?["resources"]?["requests"]?["storage"], "", into: &ignored)
        let oldSize = ResourceValidation.quantity(
            old["spec"]?["resources"]?["requests"]?["storage"], "", into: &ignored)
        if (newSize ?? Quantity(nanos: 0)).compare(oldSize ?? Quantity(nanos: 0)) < 0 {
            errs.append(
                CoreField.forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
        }
        let mode = pvc["spec"]?["volumeMode"]?.stringValue
        if mode != old["spec"]?["volumeMode"]?.stringValue {
            errs.append(
                mode.map { CoreField.invalid("volumeMode", $0, "field is immutable") }
                    ?? CoreField.invalidNull("volumeMode", "field is immutable"))
        }
        return errs
    }
}

/// LimitRanges and ResourceQuotas (`ValidateLimitRange`, `ValidateResourceQuota(Update|StatusUpdate)`).
enum QuotaValidation {
    private static let standardQuotaResources: Set<String> = [
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
        "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "quotas",
        "services", "replicationcontrollers", "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports",
        "services.loadbalancers",
    ]
    private static let scopes: Set<String> = [
        "Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity",
    ]
    private static let podCompute: Set<String> = [
        "cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory",
    ]

    private static func quotaResourceName(_ name: String, _ field: String) -> [FieldError] {
        var errs = ResourceValidation.validateResourceName(name, field)
        if !name.contains("/") && !(standardQuotaResources.contains(name) || ResourceValidation.isQuotaHugePages(name))
        {
            errs.append(CoreField.invalid(field, raw: name, "must be a standard resource for quota"))
        }
        return errs
    }

    private static func validateHard(_ map: JSONValue?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (name, value) in GoJSON.entries(map) {
            let f = "\(path)[\(name)]"
            errs += quotaResourceName(name, f)
            if let q = ResourceValidation.quantity(value, f, into: &errs) {
                errs += ResourceValidation.validateQuantityValue(name, q, f)
            }
        }
        return errs
    }

    private static func scopeValidFor(_ scope: String, _ resource: String) -> Bool {
        switch scope {
        case "Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity":
            return resource == "pods" || podCompute.contains(resource)
        case "BestEffort": return resource == "pods"
        default: return true
        }
    }

    private static func goScopes(_ v: JSONValue?) -> String {
        "[]core.ResourceQuotaScope{" + GoJSON.array(v).map { goQuoted($0.stringValue ?? "") }.joined(separator: ", ")
            + "}"
    }

    private static func validateSpec(_ spec: JSONValue?) -> [FieldError] {
        var errs = validateHard(spec?["hard"], "spec.hard")
        let hard = GoJSON.entries(spec?["hard"]).map(\.key).sorted()
        let scopeList = GoJSON.array(spec?["scopes"]).map { $0.stringValue ?? "" }
        if !scopeList.isEmpty {
            for scope in scopeList {
                if !scopes.contains(scope) {
                    errs.append(CoreField.invalid("spec.scopes", raw: goScopes(spec?["scopes"]), "unsupported scope"))
                }
                for k in hard
                where (standardQuotaResources.contains(k) || ResourceValidation.isQuotaHugePages(k))
                    && !scopeValidFor(scope, k)
                {
                    errs.append(
                        CoreField.invalid(
                            "spec.scopes", raw: goScopes(spec?["scopes"]), "unsupported scope applied to resource"))
                }
            }
            let set = Set(scopeList)
            for pair in [["BestEffort", "NotBestEffort"], ["Terminating", "NotTerminating"]]
            where set.isSuperset(of: pair) {
                errs.append(CoreField.invalid("spec.scopes", raw: goScopes(spec?["scopes"]), "conflicting scopes"))
            }
        }
        if let selector = spec?["scopeSelector"], !selector.isNull {
            let p = "spec.scopeSelector.matchExpressions"
            var set = Set<String>()
            for req in GoJSON.array(selector["matchExpressions"]) {
                let scope = GoJSON.string(req["scopeName"])
                let op = GoJSON.string(req["operator"])
                let values = GoJSON.array(req["values"])
                if !scopes.contains(scope) {
                    errs.append(CoreField.invalid(p + ".scopeName", scope, "unsupported scope"))
                }
                for k in hard
                where (standardQuotaResources.contains(k) || ResourceValidation.isQuotaHugePages(k))
                    && !scopeValidFor(scope, k)
                {
                    errs.append(
                        CoreField.invalid(p, raw: "&core.ScopeSelector{...}", "unsupported scope applied to resource"))
                }
                if ["BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity"]
                    .contains(scope),
                    op != "Exists"
                {
                    errs.append(
                        CoreField.invalid(
                            p + ".operator", op,
                            "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"
                        ))
                }
                switch op {
                case "In", "NotIn":
                    if values.isEmpty {
                        errs.append(
                            CoreField.required(
                                p + ".values",
                                "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
                    }
                case "Exists", "DoesNotExist":
                    if !values.isEmpty {
                        errs.append(
                            CoreField.invalid(
                                p + ".values", raw: PodSpecValidation.goStringSlice(values),
                                "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
                    }
                default:
                    errs.append(CoreField.invalid(p + ".operator", op, "not a valid selector operator"))
                }
                set.insert(scope)
            }
            for pair in [["BestEffort", "NotBestEffort"], ["Terminating", "NotTerminating"]]
            where set.isSuperset(of: pair) {
                errs.append(CoreField.invalid(p, raw: goScopes(spec?["scopes"]), "conflicting scopes"))
            }
        }
        return errs
    }

    static func validateResourceQuota(_ rq: JSONValue) -> [FieldError] {
        validateSpec(rq["spec"]) + validateHard(rq["status"]?["hard"], "status.hard")
            + validateHard(rq["status"]?["used"], "status.used")
    }

    static func validateResourceQuotaUpdate(_ rq: JSONValue, old: JSONValue) -> [FieldError] {
        var errs = validateSpec(rq["spec"])
        let new = Set(GoJSON.array(rq["spec"]?["scopes"]).map { $0.stringValue ?? "" })
        let previous = Set(GoJSON.array(old["spec"]?["scopes"]).map { $0.stringValue ?? "" })
        if new != previous {
            errs.append(CoreField.invalid("spec.scopes", raw: goScopes(rq["spec"]?["scopes"]), "field is immutable"))
        }
        return errs
    }

    static func validateResourceQuotaStatusUpdate(_ rq: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        if GoJSON.string(rq["metadata"]?["resourceVersion"]).isEmpty {
            errs.append(CoreField.required("resourceVersion"))
        }
        return errs + validateHard(rq["status"]?["hard"], "status.hard")
            + validateHard(rq["status"]?["used"], "status.used")
    }

    // MARK: LimitRange

    static func validateLimitRange(_ lr: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        var types = Set<String>()
        for (i, limit) in GoJSON.array(lr["spec"]?["limits"]).enumerated() {
            let p = "spec.limits[\(i)]"
            let type = GoJSON.string(limit["type"])
            let typeErrs = CoreFormats.qualifiedName(type, p + ".type")
            errs += typeErrs
            if typeErrs.isEmpty && !type.contains("/") && !["Pod", "Container", "PersistentVolumeClaim"].contains(type)
            {
                errs.append(CoreField.invalid(p + ".type", type, "must be a standard limit type or fully qualified"))
            }
            if !types.insert(type).inserted { errs.append(CoreField.duplicate(p + ".type", type)) }
            func name(_ k: String, _ f: String) -> [FieldError] {
                type == "Pod" || type == "Container"
                    ? ResourceValidation.validateContainerResourceName(k, f)
                    : ResourceValidation.validateResourceName(k, f)
            }
            var keys = Set<String>()
            var maps: [String: [String: Quantity]] = [:]
            func collect(_ member: String) {
                for (k, v) in GoJSON.entries(limit[member]) {
                    let f = "\(p).\(member)[\(k)]"
                    errs += name(k, f)
                    keys.insert(k)
                    if let q = ResourceValidation.quantity(v, f, into: &errs) { maps[member, default: [:]][k] = q }
                }
            }
            collect("max")
            collect("min")
            if type == "Pod" {
                if !GoJSON.entries(limit["default"]).isEmpty {
                    errs.append(CoreField.forbidden(p + ".default", "may not be specified when `type` is 'Pod'"))
                }
                if !GoJSON.entries(limit["defaultRequest"]).isEmpty {
                    errs.append(CoreField.forbidden(p + ".defaultRequest", "may not be specified when `type` is 'Pod'"))
                }
            } else {
                collect("default")
                collect("defaultRequest")
            }
            if type == "PersistentVolumeClaim", limit["min"]?["storage"] == nil, limit["max"]?["storage"] == nil {
                errs.append(
                    CoreField.required(
                        p + ".limits", "either minimum or maximum storage value is required, but neither was provided"))
            }
            collect("maxLimitRequestRatio")
            for k in keys.sorted() {
                let min = maps["min"]?[k]
                let max = maps["max"]?[k]
                let def = maps["default"]?[k]
                let defReq = maps["defaultRequest"]?[k]
                let ratio = maps["maxLimitRequestRatio"]?[k]
                func q(_ member: String, _ value: Quantity, _ detail: String) -> FieldError {
                    CoreField.invalid("\(p).\(member)[\(k)]", raw: goQuantity(value), detail)
                }
                if let min, let max, min.compare(max) > 0 {
                    errs.append(q("min", min, "min value \(min) is greater than max value \(max)"))
                }
                if let defReq, let min, min.compare(defReq) > 0 {
                    errs.append(
                        q("defaultRequest", defReq, "min value \(min) is greater than default request value \(defReq)"))
                }
                if let defReq, let max, defReq.compare(max) > 0 {
                    errs.append(
                        q("defaultRequest", defReq, "default request value \(defReq) is greater than max value \(max)"))
                }
                if let defReq, let def, defReq.compare(def) > 0 {
                    errs.append(
                        q(
                            "defaultRequest", defReq,
                            "default request value \(defReq) is greater than default limit value \(def)"))
                }
                if let def, let min, min.compare(def) > 0 {
                    errs.append(q("default", min, "min value \(min) is greater than default value \(def)"))
                }
                if let def, let max, def.compare(max) > 0 {
                    errs.append(q("default", max, "default value \(def) is greater than max value \(max)"))
                }
                if let ratio, ratio.compare(Quantity(nanos: 1_000_000_000)) < 0 {
                    errs.append(q("maxLimitRequestRatio", ratio, "ratio \(ratio) is less than 1"))
                }
                if let ratio, let min, let max {
                    let limit = Double(max.milliValue) / Double(min.milliValue)
                    if Double(ratio.milliValue) / 1000 > limit {
                        errs.append(
                            q(
                                "maxLimitRequestRatio", ratio,
                                "ratio \(ratio) is greater than max/min = \(goFloat(limit))"))
                    }
                }
                if !ResourceValidation.isOvercommitAllowed(k), let def, let defReq, def.compare(defReq) != 0 {
                    errs.append(
                        q(
                            "defaultRequest", defReq,
                            "default value \(def) must equal to defaultRequest value \(defReq) in \(k)"))
                }
            }
        }
        return errs
    }

    /// Go's `%f`.
    private static func goFloat(_ v: Double) -> String {
        guard v.isFinite else { return v > 0 ? "+Inf" : (v < 0 ? "-Inf" : "NaN") }
        let scaled = (v * 1_000_000).rounded()
        let whole = Int64(scaled / 1_000_000)
        var frac = String(Int64(abs(scaled)) % 1_000_000)
        while frac.count < 6 { frac = "0" + frac }
        return "\(whole).\(frac)"
    }

    /// Go's `%#v` of a `resource.Quantity` (the apiserver prints the struct for these errors).
    static func goQuantity(_ q: Quantity) -> String {
        let format =
            switch q.format {
            case .binarySI: "BinarySI"
            case .decimalSI: "DecimalSI"
            case .decimalExponent: "DecimalExponent"
            }
        guard let amount = q.goInt64Amount else {
            return "resource.Quantity{\(q.description)}"
        }
        return "resource.Quantity{i:resource.int64Amount{value:\(amount.value), scale:\(amount.scale)}, "
            + "d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\(goQuoted(q.description)), Format:\(goQuoted(format))}"
    }
}

/// core/v1 Events (`ValidateEventCreate`/`ValidateEventUpdate` for the v1 request version,
/// which apply the legacy rules only).
enum CoreEventValidation {
    static func validate(_ event: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let namespace = GoJSON.string(event["metadata"]?["namespace"])
        let involvedNamespace = GoJSON.string(event["involvedObject"]?["namespace"])
        let eventTime = event["eventTime"]
        if !GoJSON.isSet(eventTime) || eventTime?.stringValue == "" {
            if involvedNamespace.isEmpty {
                if namespace != "" && namespace != "default" {
                    errs.append(
                        CoreField.invalid(
                            "involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
                }
            } else if namespace != involvedNamespace {
                errs.append(
                    CoreField.invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
            }
        } else {
            if involvedNamespace.isEmpty && namespace != "default" && namespace != "kube-system" {
                errs.append(
                    CoreField.invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
            }
            let controller = GoJSON.string(event["reportingComponent"])
            if controller.isEmpty { errs.append(CoreField.required("reportingComponent")) }
            errs += CoreFormats.qualifiedName(controller, "reportingComponent")
            let instance = GoJSON.string(event["reportingInstance"])
            if instance.isEmpty { errs.append(CoreField.required("reportingInstance")) }
            if instance.utf8.count > 128 {
                errs.append(CoreField.invalid("reportingInstance", "", "can have at most 128 characters"))
            }
            let action = GoJSON.string(event["action"])
            if action.isEmpty { errs.append(CoreField.required("action")) }
            if action.utf8.count > 128 {
                errs.append(CoreField.invalid("action", "", "can have at most 128 characters"))
            }
            let reason = GoJSON.string(event["reason"])
            if reason.isEmpty { errs.append(CoreField.required("reason")) }
            if reason.utf8.count > 128 {
                errs.append(CoreField.invalid("reason", "", "can have at most 128 characters"))
            }
            if GoJSON.string(event["message"]).utf8.count > 1024 {
                errs.append(CoreField.invalid("message", "", "can have at most 1024 characters"))
            }
        }
        errs += NameValidation.isDNS1123Subdomain(namespace).map { CoreField.invalid("namespace", namespace, $0) }
        return errs
    }
}
