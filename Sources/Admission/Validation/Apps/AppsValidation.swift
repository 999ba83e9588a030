import KubeModel

/// `pkg/apis/apps/validation` for apps/v1: Deployments, ReplicaSets, DaemonSets,
/// StatefulSets and ControllerRevisions, plus the apps/v1 strategies' rule that a
/// selector never changes.
///
/// Validation runs after defaulting, so a member that defaulting always fills in reads
/// as its default when absent (a strategy `type`, `replicas`, a pod template's
/// `restartPolicy`): the errors are the ones kube-apiserver reports for the defaulted object.
enum AppsValidation {
    /// All errors of a write of an apps/v1 object.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        guard request.subresource == nil else { return [] }
        let old = request.operation == .update ? request.old : nil
        switch request.info.kind {
        case "Deployment": return deployment(object, old: old)
        case "ReplicaSet": return replicaSet(object, old: old)
        case "DaemonSet": return daemonSet(object, old: old)
        case "StatefulSet": return statefulSet(object, old: old)
        case "ControllerRevision": return controllerRevision(object, old: old)
        default: return []
        }
    }

    // MARK: Deployment

    /// `ValidateDeployment` / `ValidateDeploymentUpdate` plus the strategy's immutable selector.
    static func deployment(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        let spec = object["spec"]
        var errs = ValidationSupport.nonNegative(spec?["replicas"], "spec.replicas")
        errs += selectorRules(spec?["selector"], kind: "deployment")
        if let selector = ValidationSupport.selectorAsSelector(spec?["selector"]) {
            errs += templateForReplicaSet(spec?["template"], selector: selector, kind: "ReplicaSet")
        } else {
            errs.append(
                FieldError(
                    .invalid, field: "spec.selector", value: GoRendering.labelSelectorValue(spec?["selector"]),
                    detail: "invalid label selector"))
        }
        errs += deploymentStrategy(spec?["strategy"])
        let minReady = spec?["minReadySeconds"]?.int64Value ?? 0
        errs += ValidationSupport.nonNegative(minReady, "spec.minReadySeconds")
        errs += ValidationSupport.nonNegative(spec?["revisionHistoryLimit"], "spec.revisionHistoryLimit")
        // progressDeadlineSeconds defaults to 600.
        let deadline = spec?["progressDeadlineSeconds"]?.int64Value ?? 600
        errs += ValidationSupport.nonNegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= minReady {
            errs.append(
                FieldError(
                    .invalid, field: "spec.progressDeadlineSeconds", value: .integer(deadline),
                    detail: "must be greater than minReadySeconds"))
        }
        if let old { errs += immutableSelector(spec?["selector"], old["spec"]?["selector"]) }
        return errs
    }

    /// `ValidateDeploymentStrategy`; the type defaults to `RollingUpdate` with 25% / 25%.
    private static func deploymentStrategy(_ strategy: JSONValue?) -> [FieldError] {
        let type = nonEmpty(strategy?["type"]?.stringValue) ?? "RollingUpdate"
        let path = "spec.strategy"
        switch type {
        case "Recreate":
            if let ru = strategy?["rollingUpdate"], !ru.isNull {
                return [.forbidden(path + ".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
            }
            return []
        case "RollingUpdate":
            let ru = strategy?["rollingUpdate"]
            let maxUnavailable = intOrStringDefault(ru?["maxUnavailable"], "25%")
            let maxSurge = intOrStringDefault(ru?["maxSurge"], "25%")
            let p = path + ".rollingUpdate"
            var errs = positiveIntOrPercent(maxUnavailable, p + ".maxUnavailable")
            errs += positiveIntOrPercent(maxSurge, p + ".maxSurge")
            if intOrPercentValue(maxUnavailable) == 0 && intOrPercentValue(maxSurge) == 0 {
                errs.append(
                    FieldError(
                        .invalid, field: p + ".maxUnavailable", value: .raw(GoRendering.intOrString(maxUnavailable)),
                        detail: "may not be 0 when `maxSurge` is 0"))
            }
            errs += notMoreThan100Percent(maxUnavailable, p + ".maxUnavailable")
            return errs
        default:
            let rendered =
                "apps.DeploymentStrategy{Type:" + goQuoted(type) + ", RollingUpdate:"
                + GoRendering.pointer("apps.RollingUpdateDeployment", strategy?["rollingUpdate"]) + "}"
            return [
                FieldError(
                    .notSupported, field: path, value: .raw(rendered),
                    detail: "supported values: \"Recreate\", \"RollingUpdate\"")
            ]
        }
    }

    // MARK: ReplicaSet

    /// `ValidateReplicaSet` / `ValidateReplicaSetUpdate` plus the strategy's immutable selector.
    static func replicaSet(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        let spec = object["spec"]
        var errs = ValidationSupport.nonNegative(spec?["replicas"], "spec.replicas")
        errs += ValidationSupport.nonNegative(spec?["minReadySeconds"], "spec.minReadySeconds")
        // The ReplicaSet rules share the Deployment's wording ("invalid for deployment").
        errs += selectorRules(spec?["selector"], kind: "deployment")
        if let selector = ValidationSupport.selectorAsSelector(spec?["selector"]) {
            errs += templateForReplicaSet(spec?["template"], selector: selector, kind: "ReplicaSet")
        } else {
            errs.append(
                FieldError(
                    .invalid, field: "spec.selector", value: GoRendering.labelSelectorValue(spec?["selector"]),
                    detail: "invalid label selector"))
        }
        if let old { errs += immutableSelector(spec?["selector"], old["spec"]?["selector"]) }
        return errs
    }

    // MARK: DaemonSet

    /// `ValidateDaemonSet` / `ValidateDaemonSetUpdate` plus the strategy's immutable selector.
    /// (`templateGeneration` follows the template by the strategy's own bookkeeping, so its
    /// update rules cannot fail for a client's write.)
    static func daemonSet(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        let spec = object["spec"]
        let selectorJSON = spec?["selector"]
        var errs = ValidationSupport.labelSelector(selectorJSON, "spec.selector")
        let template = spec?["template"]
        if let selector = ValidationSupport.selectorAsSelector(selectorJSON),
            !selector.matches(ValidationSupport.stringMap(template?["metadata"]?["labels"]))
        {
            errs.append(labelsMismatch(template))
        }
        if let s = selectorJSON, !s.isNull, !hasTerms(s) {
            errs.append(
                FieldError(
                    .invalid, field: "spec.selector", value: .raw(GoRendering.labelSelector(s)),
                    detail: "empty selector is invalid for daemonset"))
        }
        errs += PodValidation.validatePodTemplateSpec(template, path: "spec.template")
        errs += restartAlwaysRules(template, path: "spec.template", kind: "DaemonSet")
        errs += ValidationSupport.nonNegative(spec?["minReadySeconds"], "spec.minReadySeconds")
        errs += daemonSetUpdateStrategy(spec?["updateStrategy"])
        errs += ValidationSupport.nonNegative(spec?["revisionHistoryLimit"], "spec.revisionHistoryLimit")
        if let old { errs += immutableSelector(selectorJSON, old["spec"]?["selector"]) }
        return errs
    }

    /// `ValidateDaemonSetUpdateStrategy`; defaults: `RollingUpdate`, maxUnavailable 1, maxSurge 0.
    private static func daemonSetUpdateStrategy(_ strategy: JSONValue?) -> [FieldError] {
        let type = nonEmpty(strategy?["type"]?.stringValue) ?? "RollingUpdate"
        let path = "spec.updateStrategy"
        switch type {
        case "OnDelete":
            return []
        case "RollingUpdate":
            let ru = strategy?["rollingUpdate"]
            let maxUnavailable = intOrStringDefault(ru?["maxUnavailable"], .number(JSONNumber(1)))
            let maxSurge = intOrStringDefault(ru?["maxSurge"], .number(JSONNumber(0)))
            let p = path + ".rollingUpdate"
            var errs = positiveIntOrPercent(maxUnavailable, p + ".maxUnavailable")
            errs += positiveIntOrPercent(maxSurge, p + ".maxSurge")
            errs += notMoreThan100Percent(maxUnavailable, p + ".maxUnavailable")
            errs += notMoreThan100Percent(maxSurge, p + ".maxSurge")
            let hasUnavailable = intOrPercentValue(maxUnavailable) != 0
            let hasSurge = intOrPercentValue(maxSurge) != 0
            if hasUnavailable && hasSurge {
                errs.append(
                    FieldError(
                        .invalid, field: p + ".maxSurge", value: .raw(GoRendering.intOrString(maxSurge)),
                        detail: "may not be set when maxUnavailable is non-zero"))
            } else if !hasUnavailable && !hasSurge {
                errs.append(.required(p + ".maxUnavailable", "cannot be 0 when maxSurge is 0"))
            }
            return errs
        default:
            let rendered =
                "apps.DaemonSetUpdateStrategy{Type:" + goQuoted(type) + ", RollingUpdate:"
                + GoRendering.pointer("apps.RollingUpdateDaemonSet", strategy?["rollingUpdate"]) + "}"
            return [
                FieldError(
                    .notSupported, field: path, value: .raw(rendered),
                    detail: "supported values: \"RollingUpdate\", \"OnDelete\"")
            ]
        }
    }

    // MARK: StatefulSet

    /// The spec fields a StatefulSet update may change.
    static let statefulSetMutableFields: Set<String> = [
        "replicas", "template", "updateStrategy", "minReadySeconds", "ordinals", "persistentVolumeClaimRetentionPolicy",
    ]

    /// `ValidateStatefulSet` / `ValidateStatefulSetUpdate`.
    static func statefulSet(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        let spec = object["spec"]
        var errs: [FieldError] = []
        let policy = nonEmpty(spec?["podManagementPolicy"]?.stringValue) ?? "OrderedReady"
        if policy != "OrderedReady" && policy != "Parallel" {
            errs.append(.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))
        }
        let strategy = spec?["updateStrategy"]
        let strategyType = nonEmpty(strategy?["type"]?.stringValue) ?? "RollingUpdate"
        switch strategyType {
        case "OnDelete":
            if let ru = strategy?["rollingUpdate"], !ru.isNull {
                let rendered =
                    "apps.RollingUpdateStatefulSetStrategy{Partition:\(ru["partition"]?.int64Value ?? 0), MaxUnavailable:"
                    + GoRendering.pointer("intstr.IntOrString", ru["maxUnavailable"]) + "}"
                errs.append(
                    FieldError(
                        .invalid, field: "spec.updateStrategy.rollingUpdate", value: .raw(rendered),
                        detail: "only allowed for updateStrategy 'RollingUpdate'"))
            }
        case "RollingUpdate":
            // Defaulting fills in rollingUpdate.partition 0.
            let ru = strategy?["rollingUpdate"]
            let p = "spec.updateStrategy.rollingUpdate"
            errs += ValidationSupport.nonNegative(ru?["partition"]?.int64Value ?? 0, p + ".partition")
            if let mu = ru?["maxUnavailable"], !mu.isNull {
                errs += positiveIntOrPercent(mu, p + ".maxUnavailable")
                if intOrPercentValue(mu) == 0 {
                    errs.append(
                        FieldError(
                            .invalid, field: p + ".maxUnavailable", value: .raw(GoRendering.intOrString(mu)),
                            detail: "cannot be 0"))
                }
                errs += notMoreThan100Percent(mu, p + ".maxUnavailable")
            }
        default:
            let rendered =
                "apps.StatefulSetUpdateStrategy{Type:" + goQuoted(strategyType) + ", RollingUpdate:"
                + GoRendering.pointer("apps.RollingUpdateStatefulSetStrategy", strategy?["rollingUpdate"]) + "}"
            errs.append(
                FieldError(
                    .invalid, field: "spec.updateStrategy", value: .raw(rendered),
                    detail: "must be 'RollingUpdate' or 'OnDelete'"))
        }
        if let retention = spec?["persistentVolumeClaimRetentionPolicy"], !retention.isNull {
            for member in ["whenDeleted", "whenScaled"] {
                // Each member defaults to Retain.
                let value = nonEmpty(retention[member]?.stringValue) ?? "Retain"
                if value != "Retain" && value != "Delete" {
                    errs.append(
                        .notSupported(
                            "spec.persistentVolumeClaimRetentionPolicy." + member, value,
                            supported: ["Retain", "Delete"]))
                }
            }
        }
        errs += ValidationSupport.nonNegative(spec?["replicas"], "spec.replicas")
        errs += ValidationSupport.nonNegative(spec?["minReadySeconds"], "spec.minReadySeconds")
        if let ordinals = spec?["ordinals"], !ordinals.isNull {
            errs += ValidationSupport.nonNegative(ordinals["start"], "spec.ordinals.start")
        }
        errs += selectorRules(spec?["selector"], kind: "statefulset")
        let template = spec?["template"]
        if let selector = ValidationSupport.selectorAsSelector(spec?["selector"]) {
            // ValidatePodTemplateSpecForStatefulSet: the template's labels and annotations only.
            if !selector.isEmpty, !selector.matches(ValidationSupport.stringMap(template?["metadata"]?["labels"])) {
                errs.append(labelsMismatch(template))
            }
            errs += ValidationSupport.labels(template?["metadata"]?["labels"], "spec.template.labels")
            errs += NameValidation.validateAnnotations(
                ValidationSupport.stringMap(template?["metadata"]?["annotations"]), field: "spec.template.annotations")
        } else {
            errs.append(
                FieldError(
                    .invalid, field: "spec.selector", value: GoRendering.labelSelectorValue(spec?["selector"]),
                    detail: ""))
        }
        errs += restartAlwaysRules(template, path: "spec.template", kind: "StatefulSet")
        if let old {
            if !ValidationSupport.semanticallyEqual(
                withoutMembers(spec, statefulSetMutableFields), withoutMembers(old["spec"], statefulSetMutableFields))
            {
                errs.append(
                    .forbidden(
                        "spec",
                        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
                    ))
            }
        }
        return errs
    }

    // MARK: ControllerRevision

    /// `ValidateControllerRevisionCreate` / `ValidateControllerRevisionUpdate`.
    static func controllerRevision(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        var errs = ValidationSupport.nonNegative(object["revision"]?.int64Value ?? 0, "revision")
        let data = object["data"]
        if let old {
            errs += ValidationSupport.immutable(data, old["data"], "data") { _ in
                // runtime.RawExtension prints through its own String-less %#v; not reproduced.
                .raw("runtime.RawExtension{...}")
            }
        } else if data == nil || data?.isNull == true {
            errs.append(.required("data", "data is mandatory"))
        } else if data?.objectValue == nil {
            errs.append(.required("data", "data must be a valid JSON object"))
        }
        return errs
    }

    // MARK: shared rules

    /// Selector required, valid, and not empty (Deployment, ReplicaSet, StatefulSet).
    private static func selectorRules(_ selector: JSONValue?, kind: String) -> [FieldError] {
        guard let selector, !selector.isNull else { return [.required("spec.selector")] }
        var errs = ValidationSupport.labelSelector(selector, "spec.selector")
        if !hasTerms(selector) {
            errs.append(
                FieldError(
                    .invalid, field: "spec.selector", value: .raw(GoRendering.labelSelector(selector)),
                    detail: "empty selector is invalid for \(kind)"))
        }
        return errs
    }

    /// `ValidatePodTemplateSpecForReplicaSet`.
    private static func templateForReplicaSet(
        _ template: JSONValue?, selector: ValidationSupport.ConvertedSelector, kind: String
    ) -> [FieldError] {
        var errs: [FieldError] = []
        if !selector.isEmpty, !selector.matches(ValidationSupport.stringMap(template?["metadata"]?["labels"])) {
            errs.append(labelsMismatch(template))
        }
        errs += PodValidation.validatePodTemplateSpec(template, path: "spec.template")
        errs += restartAlwaysRules(template, path: "spec.template", kind: kind)
        return errs
    }

    /// The template's `restartPolicy` must be `Always` (its default) and
    /// `activeDeadlineSeconds` is not supported.
    private static func restartAlwaysRules(_ template: JSONValue?, path: String, kind: String) -> [FieldError] {
        var errs: [FieldError] = []
        let restartPolicy = nonEmpty(template?["spec"]?["restartPolicy"]?.stringValue) ?? "Always"
        if restartPolicy != "Always" {
            errs.append(.notSupported(path + ".spec.restartPolicy", restartPolicy, supported: ["Always"]))
        }
        if let ads = template?["spec"]?["activeDeadlineSeconds"], !ads.isNull {
            errs.append(
                .forbidden(path + ".spec.activeDeadlineSeconds", "activeDeadlineSeconds in \(kind) is not Supported"))
        }
        return errs
    }

    private static func labelsMismatch(_ template: JSONValue?) -> FieldError {
        FieldError(
            .invalid, field: "spec.template.metadata.labels",
            value: .raw(GoRendering.stringMap(template?["metadata"]?["labels"])),
            detail: "`selector` does not match template `labels`")
    }

    /// The apps/v1 strategies' `ValidateImmutableField(spec.selector)`.
    private static func immutableSelector(_ new: JSONValue?, _ old: JSONValue?) -> [FieldError] {
        ValidationSupport.immutable(new, old, "spec.selector") { GoRendering.labelSelectorValue($0) }
    }

    private static func hasTerms(_ selector: JSONValue) -> Bool {
        !(selector["matchLabels"]?.objectValue?.isEmpty ?? true)
            || !(selector["matchExpressions"]?.arrayValue?.isEmpty ?? true)
    }

    // MARK: int-or-percent (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent)

    private static func intOrStringDefault(_ v: JSONValue?, _ fallback: JSONValue) -> JSONValue {
        guard let v, !v.isNull else { return fallback }
        return v
    }

    /// `ValidatePositiveIntOrPercent`.
    static func positiveIntOrPercent(_ v: JSONValue, _ path: String) -> [FieldError] {
        if let s = v.stringValue {
            return ValidationSupport.isValidPercent(s).map {
                FieldError(.invalid, field: path, value: .raw(GoRendering.intOrString(v)), detail: $0)
            }
        }
        return ValidationSupport.nonNegative(v.int64Value ?? 0, path)
    }

    /// `getPercentValue`.
    private static func percentValue(_ v: JSONValue) -> Int64? {
        guard let s = v.stringValue, ValidationSupport.isValidPercent(s).isEmpty else { return nil }
        return Int64(s.dropLast()) ?? Int64.max
    }

    /// `getIntOrPercentValue` (an invalid percent string counts as 0, as `IntValue()` does).
    static func intOrPercentValue(_ v: JSONValue) -> Int64 {
        if let p = percentValue(v) { return p }
        if let s = v.stringValue { return Int64(s) ?? 0 }
        return v.int64Value ?? 0
    }

    /// `IsNotMoreThan100Percent`.
    static func notMoreThan100Percent(_ v: JSONValue, _ path: String) -> [FieldError] {
        guard let p = percentValue(v), p > 100 else { return [] }
        return [
            FieldError(
                .invalid, field: path, value: .raw(GoRendering.intOrString(v)), detail: "must not be greater than 100%")
        ]
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }

    private static func withoutMembers(_ v: JSONValue?, _ names: Set<String>) -> JSONValue? {
        guard let o = v?.objectValue else { return v }
        var out = JSONObject()
        for (k, member) in o where !names.contains(k) { out[k] = member }
        return .object(out)
    }
}
