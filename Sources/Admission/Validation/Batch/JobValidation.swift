import KubeModel

/// `pkg/apis/batch/validation` for batch/v1 Jobs and CronJobs, with the Job
/// strategy's options (prefixed selector labels on create, elastic indexed Jobs,
/// scheduling directives of a suspended Job that never started). The rules of
/// `successPolicy` beyond "requires indexed completion mode" are not ported.
enum JobValidation {
    static let legacyJobNameLabel = "job-name"
    static let jobNameLabel = "batch.kubernetes.io/job-name"
    static let legacyControllerUidLabel = "controller-uid"
    static let controllerUidLabel = "batch.kubernetes.io/controller-uid"

    static let maxParallelismForIndexedJob: Int64 = 100_000
    static let maxFailedIndexesForIndexedJob: Int64 = 100_000
    static let completionsSoftLimit: Int64 = 100_000
    static let parallelismLimitForHighCompletions: Int64 = 10_000
    static let maxFailedIndexesLimitForHighCompletions: Int64 = 10_000
    static let maxPodFailurePolicyRules = 20
    static let maxPodFailurePolicyOnExitCodesValues = 255
    static let maxPodFailurePolicyOnPodConditionsPatterns = 20
    static let maxManagedByLength = 63

    static let podFailurePolicyActions = ["Count", "FailIndex", "FailJob", "Ignore"]
    static let exitCodesOperators = ["In", "NotIn"]
    static let conditionStatuses = ["False", "True", "Unknown"]
    static let podReplacementPolicies = ["Failed", "TerminatingOrFailed"]

    /// All errors of a batch/v1 write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        guard request.subresource == nil else { return [] }
        let old = request.operation == .update ? request.old : nil
        switch request.info.kind {
        case "Job": return job(object, old: old)
        case "CronJob": return cronJob(object, old: old)
        default: return []
        }
    }

    /// The Job strategy's `PrepareForCreate` selector generation: unless
    /// `spec.manualSelector` is true, the pod template gets the job-name and
    /// controller-uid labels and the selector matches the controller-uid.
    /// Call after the object has its name and uid.
    static func generateSelector(_ job: inout JSONValue) {
        guard job["spec"]?["manualSelector"]?.boolValue != true else { return }
        let name = job["metadata"]?["name"]?.stringValue ?? ""
        let uid = job["metadata"]?["uid"]?.stringValue ?? ""
        var spec = job["spec"]?.objectValue ?? JSONObject()
        var template = spec["template"]?.objectValue ?? JSONObject()
        var meta = template["metadata"]?.objectValue ?? JSONObject()
        var labels = meta["labels"]?.objectValue ?? JSONObject()
        for key in [legacyJobNameLabel, jobNameLabel] where labels[key] == nil { labels[key] = .string(name) }
        for key in [legacyControllerUidLabel, controllerUidLabel] where labels[key] == nil {
            labels[key] = .string(uid)
        }
        meta["labels"] = .object(labels)
        template["metadata"] = .object(meta)
        spec["template"] = .object(template)
        var selector = spec["selector"]?.objectValue ?? JSONObject()
        var matchLabels = selector["matchLabels"]?.objectValue ?? JSONObject()
        if matchLabels[controllerUidLabel] == nil { matchLabels[controllerUidLabel] = .string(uid) }
        selector["matchLabels"] = .object(matchLabels)
        spec["selector"] = .object(selector)
        job["spec"] = .object(spec)
    }

    // MARK: Job

    /// `ValidateJob` (create) / `ValidateJobSpecUpdate` (update).
    static func job(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        let spec = defaulted(object["spec"])
        var errs: [FieldError] = []
        if old == nil { errs += generatedSelector(object) }
        let allowInvalid = old.map { selectorHasInvalidValue($0["spec"]?["selector"]) } ?? false
        errs += jobSpec(spec, path: "spec", allowInvalidLabelValue: allowInvalid)
        guard let old else { return errs }
        let oldSpec = defaulted(old["spec"])
        errs += completions(spec, oldSpec)
        errs += ValidationSupport.immutable(spec?["selector"], oldSpec?["selector"], "spec.selector") {
            GoRendering.labelSelectorValue($0)
        }
        let suspended = oldSpec?["suspend"]?.boolValue == true
        let notStarted = old["status"]?["startTime"]?.stringValue == nil
        var newTemplate = spec?["template"]
        var oldTemplate = oldSpec?["template"]
        if suspended && notStarted {
            newTemplate = withoutSchedulingDirectives(newTemplate)
            oldTemplate = withoutSchedulingDirectives(oldTemplate)
        }
        errs += ValidationSupport.immutable(newTemplate, oldTemplate, "spec.template") { _ in
            .raw("core.PodTemplateSpec{…}")
        }
        errs += ValidationSupport.immutable(spec?["completionMode"], oldSpec?["completionMode"], "spec.completionMode")
        {
            $0?.stringValue.map { .string($0) } ?? .null
        }
        errs += ValidationSupport.immutable(
            spec?["podFailurePolicy"], oldSpec?["podFailurePolicy"], "spec.podFailurePolicy"
        ) {
            _ in .raw("batch.PodFailurePolicy{…}")
        }
        errs += ValidationSupport.immutable(
            spec?["backoffLimitPerIndex"], oldSpec?["backoffLimitPerIndex"], "spec.backoffLimitPerIndex"
        ) { $0?.int64Value.map { .integer($0) } ?? .null }
        errs += ValidationSupport.immutable(spec?["managedBy"], oldSpec?["managedBy"], "spec.managedBy") {
            $0?.stringValue.map { .string($0) } ?? .null
        }
        errs += ValidationSupport.immutable(spec?["successPolicy"], oldSpec?["successPolicy"], "spec.successPolicy") {
            _ in .raw("batch.SuccessPolicy{…}")
        }
        return errs
    }

    /// The members of a Job spec that `SetDefaults_Job` fills in, as defaulting leaves
    /// them (validation sees the defaulted object).
    private static func defaulted(_ spec: JSONValue?) -> JSONValue? {
        guard var s = spec?.objectValue else { return spec }
        func absent(_ k: String) -> Bool { s[k] == nil || s[k]?.isNull == true }
        if absent("completions") && absent("parallelism") {
            s["completions"] = 1
            s["parallelism"] = 1
        }
        if absent("parallelism") { s["parallelism"] = 1 }
        if absent("backoffLimit") { s["backoffLimit"] = absent("backoffLimitPerIndex") ? 6 : 2_147_483_647 }
        if absent("completionMode") { s["completionMode"] = "NonIndexed" }
        if absent("suspend") { s["suspend"] = false }
        if absent("podReplacementPolicy") {
            s["podReplacementPolicy"] = absent("podFailurePolicy") ? "TerminatingOrFailed" : "Failed"
        }
        if absent("manualSelector") { s["manualSelector"] = false }
        return .object(s)
    }

    /// `validateGeneratedSelector` with prefixed labels required (the create strategy's option).
    private static func generatedSelector(_ job: JSONValue) -> [FieldError] {
        let spec = job["spec"]
        guard spec?["manualSelector"]?.boolValue != true, let selector = spec?["selector"], !selector.isNull else {
            return []
        }
        let name = job["metadata"]?["name"]?.stringValue ?? ""
        let uid = job["metadata"]?["uid"]?.stringValue ?? ""
        let labelsJSON = spec?["template"]?["metadata"]?["labels"]
        let labels = ValidationSupport.stringMap(labelsJSON)
        var errs: [FieldError] = []
        func hasLabel(_ key: String, _ expected: String) {
            let path = "spec.template.metadata.labels[\(key)]"
            guard let actual = labels[key] else {
                errs.append(.required(path, "must be '\(expected)'"))
                return
            }
            if actual != expected {
                errs.append(
                    FieldError(
                        .invalid, field: path, value: .raw(GoRendering.stringMap(labelsJSON)),
                        detail: "must be '\(expected)'"))
            }
        }
        hasLabel(legacyControllerUidLabel, uid)
        hasLabel(legacyJobNameLabel, name)
        hasLabel(controllerUidLabel, uid)
        hasLabel(jobNameLabel, name)
        let expected = [
            controllerUidLabel: uid, jobNameLabel: name, legacyControllerUidLabel: uid, legacyJobNameLabel: name,
        ]
        if case .selector(let s)? = ValidationSupport.selectorAsSelector(selector), !s.matches(expected) {
            errs.append(
                FieldError(
                    .invalid, field: "spec.selector", value: .raw(GoRendering.labelSelector(selector)),
                    detail: "`selector` not auto-generated"))
        } else if case .nothing? = ValidationSupport.selectorAsSelector(selector) {
            // unreachable: a present selector converts to a selector or to everything
        }
        return errs
    }

    /// `ValidateJobSpec`: `validateJobSpec` plus the selector rules.
    private static func jobSpec(_ spec: JSONValue?, path: String, allowInvalidLabelValue: Bool) -> [FieldError] {
        var errs = jobSpecBody(spec, path: path)
        let selector = spec?["selector"]
        if selector == nil || selector?.isNull == true {
            errs.append(.required(path + ".selector"))
        } else {
            errs += ValidationSupport.labelSelector(
                selector, path + ".selector", allowInvalidLabelValue: allowInvalidLabelValue)
        }
        let template = spec?["template"]
        if let converted = ValidationSupport.selectorAsSelector(selector),
            !converted.matches(ValidationSupport.stringMap(template?["metadata"]?["labels"]))
        {
            errs.append(
                FieldError(
                    .invalid, field: path + ".template.metadata.labels",
                    value: .raw(GoRendering.stringMap(template?["metadata"]?["labels"])),
                    detail: "`selector` does not match template `labels`"))
        }
        return errs
    }

    /// `validateJobSpec`.
    static func jobSpecBody(_ spec: JSONValue?, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for name in [
            "parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
            "backoffLimitPerIndex",
        ] {
            errs += ValidationSupport.nonNegative(spec?[name], "\(path).\(name)")
        }
        let parallelism = spec?["parallelism"]?.int64Value
        let completions = spec?["completions"]?.int64Value
        let backoffLimitPerIndex = spec?["backoffLimitPerIndex"]?.int64Value
        let maxFailedIndexes = spec?["maxFailedIndexes"]?.int64Value
        if let m = maxFailedIndexes {
            errs += ValidationSupport.nonNegative(m, path + ".maxFailedIndexes")
            if backoffLimitPerIndex == nil {
                errs.append(.required(path + ".backoffLimitPerIndex", "when maxFailedIndexes is specified"))
            }
        }
        if let managedBy = spec?["managedBy"]?.stringValue {
            errs += domainPrefixedPath(managedBy, path + ".managedBy")
            if managedBy.utf8.count > maxManagedByLength {
                errs.append(.tooLong(path + ".managedBy", maxBytes: maxManagedByLength))
            }
        }
        let completionMode = spec?["completionMode"]?.stringValue
        if let mode = completionMode {
            if mode != "NonIndexed" && mode != "Indexed" {
                errs.append(.notSupported(path + ".completionMode", mode, supported: ["NonIndexed", "Indexed"]))
            }
            if mode == "Indexed" {
                if completions == nil {
                    errs.append(.required(path + ".completions", "when completion mode is Indexed"))
                }
                if let p = parallelism, p > maxParallelismForIndexedJob {
                    errs.append(
                        FieldError(
                            .invalid, field: path + ".parallelism", value: .integer(p),
                            detail:
                                "must be less than or equal to \(maxParallelismForIndexedJob) when completion mode is Indexed"
                        ))
                }
                if let c = completions, let m = maxFailedIndexes, m > c {
                    errs.append(
                        FieldError(
                            .invalid, field: path + ".maxFailedIndexes", value: .integer(m),
                            detail: "must be less than or equal to completions"))
                }
                if let m = maxFailedIndexes, m > maxFailedIndexesForIndexedJob {
                    errs.append(
                        FieldError(
                            .invalid, field: path + ".maxFailedIndexes", value: .integer(m),
                            detail: "must be less than or equal to \(maxFailedIndexesForIndexedJob)"))
                }
                if let c = completions, c > completionsSoftLimit, backoffLimitPerIndex != nil {
                    let suffix =
                        "when completions are above \(completionsSoftLimit) and used with backoff limit per index"
                    if maxFailedIndexes == nil {
                        errs.append(
                            .required(
                                path + ".maxFailedIndexes",
                                "must be specified when completions is above \(completionsSoftLimit)"))
                    }
                    if let p = parallelism, p > parallelismLimitForHighCompletions {
                        errs.append(
                            FieldError(
                                .invalid, field: path + ".parallelism", value: .integer(p),
                                detail: "must be less than or equal to \(parallelismLimitForHighCompletions) " + suffix)
                        )
                    }
                    if let m = maxFailedIndexes, m > maxFailedIndexesLimitForHighCompletions {
                        errs.append(
                            FieldError(
                                .invalid, field: path + ".maxFailedIndexes", value: .integer(m),
                                detail: "must be less than or equal to \(maxFailedIndexesLimitForHighCompletions) "
                                    + suffix))
                    }
                }
            }
        }
        if completionMode == nil || completionMode == "NonIndexed" {
            if let b = backoffLimitPerIndex {
                errs.append(
                    FieldError(
                        .invalid, field: path + ".backoffLimitPerIndex", value: .integer(b),
                        detail: "requires indexed completion mode"))
            }
            if let m = maxFailedIndexes {
                errs.append(
                    FieldError(
                        .invalid, field: path + ".maxFailedIndexes", value: .integer(m),
                        detail: "requires indexed completion mode"))
            }
        }
        let template = spec?["template"]
        let podFailurePolicy = spec?["podFailurePolicy"].flatMap { $0.isNull ? nil : $0 }
        if let pfp = podFailurePolicy {
            errs += self.podFailurePolicy(
                pfp, template: template, backoffLimitPerIndex: backoffLimitPerIndex, path: path + ".podFailurePolicy")
        }
        if let sp = spec?["successPolicy"], !sp.isNull, completionMode != "Indexed" {
            errs.append(
                FieldError(
                    .invalid, field: path + ".successPolicy", value: .raw("batch.SuccessPolicy{…}"),
                    detail: "requires indexed completion mode"))
        }
        if let policy = spec?["podReplacementPolicy"]?.stringValue {
            if podFailurePolicy != nil {
                if policy != "Failed" {
                    errs.append(.notSupported(path + ".podReplacementPolicy", policy, supported: ["Failed"]))
                }
            } else if !podReplacementPolicies.contains(policy) {
                errs.append(.notSupported(path + ".podReplacementPolicy", policy, supported: podReplacementPolicies))
            }
        }
        errs += PodValidation.validatePodTemplateSpec(template, path: path + ".template")
        let restartPolicy = template?["spec"]?["restartPolicy"]?.stringValue ?? ""
        let restartPath = path + ".template.spec.restartPolicy"
        if restartPolicy == "Always" || restartPolicy.isEmpty {
            errs.append(.required(restartPath, "valid values: \"OnFailure\", \"Never\""))
        } else if restartPolicy != "OnFailure" && restartPolicy != "Never" {
            errs.append(.notSupported(restartPath, restartPolicy, supported: ["OnFailure", "Never"]))
        } else if podFailurePolicy != nil && restartPolicy != "Never" {
            errs.append(
                .invalid(restartPath, restartPolicy, "only \"Never\" is supported when podFailurePolicy is specified"))
        }
        return errs
    }

    /// `validatePodFailurePolicy` and its rules.
    private static func podFailurePolicy(
        _ policy: JSONValue, template: JSONValue?, backoffLimitPerIndex: Int64?, path: String
    ) -> [FieldError] {
        var errs: [FieldError] = []
        let rules = policy["rules"]?.arrayValue ?? []
        if rules.count > maxPodFailurePolicyRules {
            errs.append(
                FieldError(
                    .tooMany, field: path + ".rules", value: .integer(Int64(rules.count)),
                    detail: "must have at most \(maxPodFailurePolicyRules) items"))
        }
        var containerNames = Set<String>()
        for c in (template?["spec"]?["containers"]?.arrayValue ?? [])
            + (template?["spec"]?["initContainers"]?.arrayValue ?? [])
        {
            containerNames.insert(c["name"]?.stringValue ?? "")
        }
        let quotedActions = "[" + podFailurePolicyActions.map(goQuoted).joined(separator: " ") + "]"
        for (i, rule) in rules.enumerated() {
            let rp = "\(path).rules[\(i)]"
            let action = rule["action"]?.stringValue ?? ""
            if action.isEmpty {
                errs.append(.required(rp + ".action", "valid values: " + quotedActions))
            } else if action == "FailIndex" {
                if backoffLimitPerIndex == nil {
                    errs.append(.invalid(rp + ".action", action, "requires the backoffLimitPerIndex to be set"))
                }
            } else if !podFailurePolicyActions.contains(action) {
                errs.append(.notSupported(rp + ".action", action, supported: podFailurePolicyActions))
            }
            let onExitCodes = rule["onExitCodes"].flatMap { $0.isNull ? nil : $0 }
            let onPodConditions = rule["onPodConditions"]?.arrayValue ?? []
            if let oec = onExitCodes {
                errs += exitCodes(oec, containerNames: containerNames, path: rp + ".onExitCodes")
            }
            if !onPodConditions.isEmpty {
                let pp = rp + ".onPodConditions"
                if onPodConditions.count > maxPodFailurePolicyOnPodConditionsPatterns {
                    errs.append(
                        FieldError(
                            .tooMany, field: pp, value: .integer(Int64(onPodConditions.count)),
                            detail: "must have at most \(maxPodFailurePolicyOnPodConditionsPatterns) items"))
                }
                let quotedStatuses = "[" + conditionStatuses.map(goQuoted).joined(separator: " ") + "]"
                for (j, pattern) in onPodConditions.enumerated() {
                    let type = pattern["type"]?.stringValue ?? ""
                    errs += NameValidation.isQualifiedName(type).map { .invalid("\(pp)[\(j)].type", type, $0) }
                    // status defaults to True.
                    let status = pattern["status"]?.stringValue ?? "True"
                    if status.isEmpty {
                        errs.append(.required("\(pp)[\(j)].status", "valid values: " + quotedStatuses))
                    } else if !conditionStatuses.contains(status) {
                        errs.append(.notSupported("\(pp)[\(j)].status", status, supported: conditionStatuses))
                    }
                }
            }
            if onExitCodes != nil && !onPodConditions.isEmpty {
                errs.append(
                    FieldError(
                        .invalid, field: rp, value: .none,
                        detail: "specifying both OnExitCodes and OnPodConditions is not supported"))
            }
            if onExitCodes == nil && onPodConditions.isEmpty {
                errs.append(
                    FieldError(
                        .invalid, field: rp, value: .none,
                        detail: "specifying one of OnExitCodes and OnPodConditions is required"))
            }
        }
        return errs
    }

    private static func exitCodes(_ req: JSONValue, containerNames: Set<String>, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let op = req["operator"]?.stringValue ?? ""
        if op.isEmpty {
            errs.append(
                .required(
                    path + ".operator",
                    "valid values: [" + exitCodesOperators.map(goQuoted).joined(separator: " ") + "]"))
        } else if !exitCodesOperators.contains(op) {
            errs.append(.notSupported(path + ".operator", op, supported: exitCodesOperators))
        }
        if let name = req["containerName"]?.stringValue, !containerNames.contains(name) {
            errs.append(
                .invalid(
                    path + ".containerName", name,
                    "must be one of the container or initContainer names in the pod template"))
        }
        let values = (req["values"]?.arrayValue ?? []).map { $0.int64Value ?? 0 }
        let rendered = FieldError.BadValue.raw(
            req["values"]?.arrayValue == nil
                ? "[]int32(nil)" : "[]int32{" + values.map(String.init).joined(separator: ", ") + "}")
        let vp = path + ".values"
        if values.isEmpty {
            errs.append(FieldError(.invalid, field: vp, value: rendered, detail: "at least one value is required"))
        } else if values.count > maxPodFailurePolicyOnExitCodesValues {
            errs.append(
                FieldError(
                    .tooMany, field: vp, value: .integer(Int64(values.count)),
                    detail: "must have at most \(maxPodFailurePolicyOnExitCodesValues) items"))
        }
        var seen = Set<Int64>()
        var ordered = true
        for (j, v) in values.enumerated() {
            if op == "In" && v == 0 {
                errs.append(
                    FieldError(
                        .invalid, field: "\(vp)[\(j)]", value: .integer(0), detail: "must not be 0 for the In operator")
                )
            }
            if !seen.insert(v).inserted {
                errs.append(FieldError(.duplicate, field: "\(vp)[\(j)]", value: .integer(v)))
            }
            if j > 0 && values[j - 1] > v { ordered = false }
        }
        if !ordered { errs.append(FieldError(.invalid, field: vp, value: rendered, detail: "must be ordered")) }
        return errs
    }

    /// `validateCompletions` with elastic indexed Jobs allowed.
    private static func completions(_ spec: JSONValue?, _ oldSpec: JSONValue?) -> [FieldError] {
        let new = spec?["completions"]
        let old = oldSpec?["completions"]
        let render: (JSONValue?) -> FieldError.BadValue = { $0?.int64Value.map { .integer($0) } ?? .null }
        guard spec?["completionMode"]?.stringValue == "Indexed" else {
            return ValidationSupport.immutable(new, old, "spec.completions", render: render)
        }
        if ValidationSupport.semanticallyEqual(new, old) { return [] }
        guard let c = new?.int64Value else { return [] }
        if c != spec?["parallelism"]?.int64Value {
            return [
                FieldError(
                    .invalid, field: "spec.completions", value: .integer(c),
                    detail: "can only be modified in tandem with spec.parallelism")
            ]
        }
        return []
    }

    /// The template without what a suspended, never started Job may change.
    private static func withoutSchedulingDirectives(_ template: JSONValue?) -> JSONValue? {
        guard var t = template?.objectValue else { return template }
        var meta = t["metadata"]?.objectValue ?? JSONObject()
        meta["labels"] = nil
        meta["annotations"] = nil
        t["metadata"] = .object(meta)
        var spec = t["spec"]?.objectValue ?? JSONObject()
        for key in ["nodeSelector", "tolerations", "schedulingGates"] { spec[key] = nil }
        if var affinity = spec["affinity"]?.objectValue {
            affinity["nodeAffinity"] = nil
            spec["affinity"] = .object(affinity)
        }
        t["spec"] = .object(spec)
        return .object(t)
    }

    private static func selectorHasInvalidValue(_ selector: JSONValue?) -> Bool {
        (selector?["matchExpressions"]?.arrayValue ?? []).contains { e in
            (e["values"]?.arrayValue ?? []).contains { !NameValidation.isValidLabelValue($0.stringValue ?? "").isEmpty }
        }
    }

    /// `IsDomainPrefixedPath`.
    static func domainPrefixedPath(_ value: String, _ path: String) -> [FieldError] {
        if value.isEmpty { return [.required(path)] }
        guard let slash = value.firstIndex(of: "/"), slash != value.startIndex,
            value.index(after: slash) != value.endIndex
        else {
            return [.invalid(path, value, "must be a domain-prefixed path (such as \"acme.io/foo\")")]
        }
        let host = String(value[..<slash])
        let rest = String(value[value.index(after: slash)...])
        var errs = NameValidation.isDNS1123Subdomain(host).map { FieldError.invalid(path, host, $0) }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-._~%!$&'()*+,;=:".utf8)
        if !rest.utf8.allSatisfy({ allowed.contains($0) }) {
            errs.append(
                .invalid(path, rest, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"))
        }
        return errs
    }

    // MARK: CronJob

    /// `ValidateCronJobCreate` / `ValidateCronJobUpdate` (without metadata).
    static func cronJob(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        let spec = object["spec"]
        let oldSpec = old?["spec"]
        var errs: [FieldError] = []
        let schedule = spec?["schedule"]?.stringValue ?? ""
        let timeZone = spec?["timeZone"].flatMap { $0.isNull ? nil : $0.stringValue }
        if schedule.isEmpty {
            errs.append(.required("spec.schedule"))
        } else {
            let allowTZ = (oldSpec?["schedule"]?.stringValue ?? "").contains("TZ")
            if let e = CronSchedule.parseError(schedule) { errs.append(.invalid("spec.schedule", schedule, e)) }
            if allowTZ && schedule.contains("TZ") && timeZone != nil {
                errs.append(
                    .invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
            } else if !allowTZ && schedule.contains("TZ") {
                errs.append(
                    .invalid(
                        "spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
            }
        }
        errs += ValidationSupport.nonNegative(spec?["startingDeadlineSeconds"], "spec.startingDeadlineSeconds")
        let oldTimeZone = oldSpec?["timeZone"].flatMap { $0.isNull ? nil : $0.stringValue }
        if old == nil || oldTimeZone != timeZone {
            errs += self.timeZone(timeZone, "spec.timeZone")
        }
        // concurrencyPolicy defaults to Allow.
        let policy = spec?["concurrencyPolicy"]?.stringValue ?? "Allow"
        if !["Allow", "Forbid", "Replace"].contains(policy) {
            if policy.isEmpty {
                errs.append(.required("spec.concurrencyPolicy"))
            } else {
                errs.append(.notSupported("spec.concurrencyPolicy", policy, supported: ["Allow", "Forbid", "Replace"]))
            }
        }
        let jobSpec = spec?["jobTemplate"]?["spec"]
        errs += jobSpecBody(jobSpec, path: "spec.jobTemplate.spec")
        if let selector = jobSpec?["selector"], !selector.isNull {
            errs.append(
                FieldError(
                    .invalid, field: "spec.jobTemplate.spec.selector", value: .raw(GoRendering.labelSelector(selector)),
                    detail: "`selector` will be auto-generated"))
        }
        if jobSpec?["manualSelector"]?.boolValue == true {
            errs.append(
                FieldError(
                    .notSupported, field: "spec.jobTemplate.spec.manualSelector", value: .bool(true),
                    detail: "supported values: \"nil\", \"false\""))
        }
        errs += ValidationSupport.nonNegative(spec?["successfulJobsHistoryLimit"], "spec.successfulJobsHistoryLimit")
        errs += ValidationSupport.nonNegative(spec?["failedJobsHistoryLimit"], "spec.failedJobsHistoryLimit")
        return errs
    }

    /// `validateTimeZone`.
    private static func timeZone(_ zone: String?, _ path: String) -> [FieldError] {
        guard let zone else { return [] }
        if zone.isEmpty { return [.invalid(path, zone, "timeZone must be nil or non-empty string")] }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+".utf8)
        for part in zone.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." || part == ".." || part.hasPrefix("-") || part.isEmpty || part.utf8.count > 14
                || !part.utf8.allSatisfy({ allowed.contains($0) })
            {
                return [.invalid(path, zone, "unknown time zone \(zone)")]
            }
        }
        var errs: [FieldError] = []
        if zone.lowercased() == "local" {
            errs.append(
                .invalid(
                    path, zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
        }
        if !CronSchedule.timeZoneExists(zone) { errs.append(.invalid(path, zone, "unknown time zone \(zone)")) }
        return errs
    }
}
