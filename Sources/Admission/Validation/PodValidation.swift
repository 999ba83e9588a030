import KubeModel

/// Pod and pod-template validation (`ValidatePodSpec`, `ValidatePodTemplateSpec` in
/// k8s.io/kubernetes `pkg/apis/core/validation`), shared by Pods, PodTemplates,
/// ReplicationControllers and the workload kinds of apps and batch.
enum PodValidation {
    /// `ValidatePodTemplateSpec`: the template's metadata (labels, annotations) and its
    /// spec, with errors under `path` (for example `spec.template`).
    static func validatePodTemplateSpec(_ template: JSONValue?, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let meta = template?["metadata"]
        errs += NameValidation.validateLabels(stringDictionary(meta?["labels"]), field: path + ".labels")
        let annotations = stringDictionary(meta?["annotations"])
        errs += NameValidation.validateAnnotations(annotations, field: path + ".annotations")
        let spec = template?["spec"]
        errs += validatePodSpecificAnnotations(annotations, spec: spec, path + ".annotations", PodValidationOptions())
        errs += PodSpecValidation.validatePodSpec(spec, podName: nil, path + ".spec", PodValidationOptions())
        if !GoJSON.array(spec?["ephemeralContainers"]).isEmpty {
            errs.append(
                CoreField.forbidden(
                    path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
        }
        return errs
    }

    // MARK: Pods

    /// `ValidatePodCreate` without the object metadata.
    static func validatePodCreate(_ pod: JSONValue) -> [FieldError] {
        var errs = validatePodMetadataAndSpec(pod, PodValidationOptions(resourceIsPod: true))
        let spec = pod["spec"]
        if !GoJSON.array(spec?["ephemeralContainers"]).isEmpty {
            errs.append(CoreField.forbidden("spec.ephemeralContainers", "cannot be set on create"))
        }
        if !GoJSON.string(spec?["nodeName"]).isEmpty && !GoJSON.array(spec?["schedulingGates"]).isEmpty {
            errs.append(
                CoreField.forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"))
        }
        return errs
    }

    private static func validatePodMetadataAndSpec(_ pod: JSONValue, _ opts: PodValidationOptions) -> [FieldError] {
        let spec = pod["spec"]
        var errs = validatePodSpecificAnnotations(
            stringDictionary(pod["metadata"]?["annotations"]), spec: spec, "metadata.annotations", opts)
        errs += PodSpecValidation.validatePodSpec(
            spec, podName: GoJSON.string(pod["metadata"]?["name"]), "spec", opts)
        if GoJSON.string(spec?["serviceAccountName"]).isEmpty {
            for (vi, volume) in GoJSON.array(spec?["volumes"]).enumerated() {
                guard let projected = volume["projected"], !projected.isNull else { continue }
                for (si, source) in GoJSON.array(projected["sources"]).enumerated()
                where GoJSON.isSet(source["serviceAccountToken"]) {
                    errs.append(
                        CoreField.forbidden(
                            "spec.volumes[\(vi)].projected.sources[\(si)].serviceAccountToken",
                            "must not be specified when serviceAccountName is not set"))
                }
            }
        }
        for (key, list) in [("containers", spec?["containers"]), ("initContainers", spec?["initContainers"])] {
            for (i, c) in GoJSON.array(list).enumerated() {
                errs += PodSpecValidation.validateContainerOnlyForPod(c, "spec.\(key)[\(i)]")
            }
        }
        return errs
    }

    private static let mirrorPodAnnotation = "kubernetes.io/config.mirror"
    private static let deletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

    /// `ValidatePodSpecificAnnotations`: the mirror-pod and deletion-cost annotations.
    private static func validatePodSpecificAnnotations(
        _ annotations: [String: String], spec: JSONValue?, _ path: String, _ opts: PodValidationOptions
    ) -> [FieldError] {
        var errs: [FieldError] = []
        if let value = annotations[mirrorPodAnnotation], GoJSON.string(spec?["nodeName"]).isEmpty {
            errs.append(
                CoreField.invalid(
                    "\(path)[\(mirrorPodAnnotation)]", value, "must set spec.nodeName if mirror pod annotation is set"))
        }
        if !opts.allowInvalidPodDeletionCost, let value = annotations[deletionCostAnnotation],
            !isValidDeletionCost(value)
        {
            errs.append(CoreField.invalid("\(path)[\(deletionCostAnnotation)]", value, "must be a 32bit integer"))
        }
        return errs
    }

    private static func isValidDeletionCost(_ value: String) -> Bool {
        guard let first = value.utf8.first else { return false }
        guard first == 45 || (first == 48 && value == "0") || (first >= 49 && first <= 57) else { return false }
        return Int32(value) != nil
    }

    /// `ValidatePodUpdate` without the object metadata: only images, activeDeadlineSeconds,
    /// added tolerations, removed scheduling gates and a negative grace period set to 1
    /// may change.
    static func validatePodUpdate(_ pod: JSONValue, old: JSONValue) -> [FieldError] {
        let oldAnnotations = stringDictionary(old["metadata"]?["annotations"])
        var opts = PodValidationOptions(resourceIsPod: true)
        if let cost = oldAnnotations[deletionCostAnnotation], !isValidDeletionCost(cost) {
            opts.allowInvalidPodDeletionCost = true
        }
        var errs = validatePodMetadataAndSpec(pod, opts)
        errs += validatePodSpecificAnnotationUpdates(pod, old: old, opts)
        let spec = pod["spec"]
        let oldSpec = old["spec"]
        for key in ["containers", "initContainers"] {
            let new = GoJSON.array(spec?[key])
            if new.count != GoJSON.array(oldSpec?[key]).count {
                errs.append(CoreField.forbidden("spec.\(key)", "pod updates may not add or remove containers"))
                return errs
            }
            for (i, c) in new.enumerated() {
                let image = GoJSON.string(c["image"])
                if image.isEmpty { errs.append(CoreField.required("spec.\(key)[\(i)].image")) }
                if PodSpecValidation.trimmed(image) != image {
                    errs.append(
                        CoreField.invalid(
                            "spec.\(key)[\(i)].image", image, "must not have leading or trailing whitespace"))
                }
            }
        }
        let newADS = GoJSON.int(spec?["activeDeadlineSeconds"])
        let oldADS = GoJSON.int(oldSpec?["activeDeadlineSeconds"])
        if let newADS {
            if newADS < 0 || newADS > Int64(Int32.max) {
                errs.append(
                    CoreField.invalid(
                        "spec.activeDeadlineSeconds", int: newADS, CoreFormats.inclusiveRangeError(0, Int64(Int32.max)))
                )
                return errs
            }
            if let oldADS, oldADS < newADS {
                errs.append(
                    CoreField.invalid(
                        "spec.activeDeadlineSeconds", int: newADS, "must be less than or equal to previous value"))
                return errs
            }
        } else if oldADS != nil {
            errs.append(
                CoreField.invalidNull(
                    "spec.activeDeadlineSeconds", "must not update from a positive integer to nil value"))
        }
        errs += validateOnlyAddedTolerations(spec?["tolerations"], old: oldSpec?["tolerations"], "spec.tolerations")
        errs += validateOnlyDeletedSchedulingGates(spec?["schedulingGates"], old: oldSpec?["schedulingGates"])

        // Compare the spec with the mutable fields taken from the old one.
        var munged = spec ?? .object(JSONObject())
        for key in ["containers", "initContainers"] {
            let oldList = GoJSON.array(oldSpec?[key])
            if var list = munged[key]?.arrayValue {
                for i in list.indices where i < oldList.count { list[i]["image"] = oldList[i]["image"] }
                munged[key] = .array(list)
            }
        }
        munged["activeDeadlineSeconds"] = oldSpec?["activeDeadlineSeconds"]
        munged["schedulingGates"] = oldSpec?["schedulingGates"]
        munged["tolerations"] = oldSpec?["tolerations"]
        if let oldGrace = GoJSON.int(oldSpec?["terminationGracePeriodSeconds"]), oldGrace < 0,
            GoJSON.int(munged["terminationGracePeriodSeconds"]) == 1
        {
            munged["terminationGracePeriodSeconds"] = oldSpec?["terminationGracePeriodSeconds"]
        }
        if !GoJSON.array(oldSpec?["schedulingGates"]).isEmpty {
            // A gated pod may gain node selector terms; AKE accepts any change to them.
            munged["nodeSelector"] = oldSpec?["nodeSelector"]
            if let oldAffinity = oldSpec?["affinity"]?["nodeAffinity"] {
                munged["affinity"]?["nodeAffinity"] = oldAffinity
            }
        }
        let differences = SemanticJSON.differences(oldSpec, munged, path: "spec")
        if !differences.isEmpty {
            let updatable = [
                "`spec.containers[*].image`", "`spec.initContainers[*].image`", "`spec.activeDeadlineSeconds`",
                "`spec.tolerations` (only additions to existing tolerations)",
                "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
            ]
            errs.append(
                CoreField.forbidden(
                    "spec",
                    "pod updates may not change fields other than \(updatable.joined(separator: ","))\n"
                        + differences.joined(separator: "\n")))
        }
        return errs
    }

    private static func validatePodSpecificAnnotationUpdates(
        _ pod: JSONValue, old: JSONValue, _ opts: PodValidationOptions
    )
        -> [FieldError]
    {
        let new = stringDictionary(pod["metadata"]?["annotations"])
        let previous = stringDictionary(old["metadata"]?["annotations"])
        var errs: [FieldError] = []
        let appArmorPrefix = "container.apparmor.security.beta.kubernetes.io/"
        for (k, v) in previous.sorted(by: { $0.key < $1.key }) where new[k] != v {
            if k.hasPrefix(appArmorPrefix) {
                errs.append(
                    CoreField.forbidden("metadata.annotations[\(k)]", "may not remove or update AppArmor annotations"))
            }
            if k == mirrorPodAnnotation {
                errs.append(
                    CoreField.forbidden("metadata.annotations[\(k)]", "may not remove or update mirror pod annotation"))
            }
        }
        for k in new.keys.sorted() where previous[k] == nil {
            if k.hasPrefix(appArmorPrefix) {
                errs.append(CoreField.forbidden("metadata.annotations[\(k)]", "may not add AppArmor annotations"))
            }
            if k == mirrorPodAnnotation {
                errs.append(CoreField.forbidden("metadata.annotations[\(k)]", "may not add mirror pod annotation"))
            }
        }
        errs += validatePodSpecificAnnotations(new, spec: pod["spec"], "metadata.annotations", opts)
        return errs
    }

    private static func validateOnlyAddedTolerations(_ new: JSONValue?, old: JSONValue?, _ path: String) -> [FieldError]
    {
        let newList = GoJSON.array(new)
        for o in GoJSON.array(old) {
            var clone = o
            let found = newList.contains { n in
                clone["tolerationSeconds"] = n["tolerationSeconds"]
                return SemanticJSON.differences(clone, n, path: "").isEmpty
            }
            if !found {
                return [
                    CoreField.forbidden(path, "existing toleration can not be modified except its tolerationSeconds")
                ]
            }
        }
        return PodSpecValidation.validateTolerations(new, path)
    }

    private static func validateOnlyDeletedSchedulingGates(_ new: JSONValue?, old: JSONValue?) -> [FieldError] {
        let oldNames = Set(GoJSON.array(old).map { GoJSON.string($0["name"]) })
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, gate) in GoJSON.array(new).enumerated().reversed() {
            let name = GoJSON.string(gate["name"])
            if oldNames.contains(name) || !seen.insert(name).inserted { continue }
            errs.insert(
                CoreField.forbidden(
                    "spec.schedulingGates[\(i)].name",
                    "only deletion is allowed, but found new scheduling gate '\(name)'"),
                at: 0)
        }
        return errs
    }

    /// `ValidatePodStatusUpdate` without the object metadata: custom condition types,
    /// nodeName and QoS class unchanged, IPs well-formed, no terminated container restarted
    /// under a Never restart policy.
    static func validatePodStatusUpdate(_ pod: JSONValue, old: JSONValue) -> [FieldError] {
        var opts = PodValidationOptions(resourceIsPod: true)
        if let cost = stringDictionary(old["metadata"]?["annotations"])[deletionCostAnnotation],
            !isValidDeletionCost(cost)
        {
            opts.allowInvalidPodDeletionCost = true
        }
        var errs = validatePodSpecificAnnotationUpdates(pod, old: old, opts)
        let status = pod["status"]
        let oldStatus = old["status"]
        for (i, c) in GoJSON.array(status?["conditions"]).enumerated() {
            let type = GoJSON.string(c["type"])
            if ["PodScheduled", "Ready", "Initialized"].contains(type) { continue }
            errs += CoreFormats.qualifiedName(type, "metadata.conditions[\(i)].Type")
        }
        if GoJSON.string(pod["spec"]?["nodeName"]) != GoJSON.string(old["spec"]?["nodeName"]) {
            errs.append(CoreField.forbidden("status.nodeName", "may not be changed directly"))
        }
        let nominated = GoJSON.string(status?["nominatedNodeName"])
        if nominated != GoJSON.string(oldStatus?["nominatedNodeName"]) && !nominated.isEmpty {
            errs += NameValidation.isDNS1123Subdomain(nominated).map {
                CoreField.invalid("status.nominatedNodeName", nominated, $0)
            }
        }
        let qos = GoJSON.string(status?["qosClass"])
        if qos != GoJSON.string(oldStatus?["qosClass"]) {
            errs.append(CoreField.invalid("status.qosClass", qos, "field is immutable"))
        }
        let restartPolicy = GoJSON.string(old["spec"]?["restartPolicy"])
        let restartableInit = Set(
            GoJSON.array(old["spec"]?["initContainers"]).filter { $0["restartPolicy"]?.stringValue == "Always" }.map {
                GoJSON.string($0["name"])
            })
        errs += containerStateTransitions(
            status?["containerStatuses"], old: oldStatus?["containerStatuses"], "status.containerStatuses",
            restartPolicy: restartPolicy)
        errs += containerStateTransitions(
            status?["initContainerStatuses"], old: oldStatus?["initContainerStatuses"], "status.initContainerStatuses",
            restartPolicy: restartPolicy, restartable: restartableInit)
        errs += containerStateTransitions(
            status?["ephemeralContainerStatuses"], old: oldStatus?["ephemeralContainerStatuses"],
            "status.ephemeralContainerStatuses", restartPolicy: "Never")
        errs += validateIPs(status?["podIPs"], "status.podIPs")
        errs += validateIPs(status?["hostIPs"], "status.hostIPs")
        return errs
    }

    /// `validatePodIPs` / `validateHostIPs`: valid, at most one per family, no duplicates.
    private static func validateIPs(_ list: JSONValue?, _ path: String) -> [FieldError] {
        let entries = GoJSON.array(list)
        let ips = entries.map { GoJSON.string($0["ip"]) }
        var errs: [FieldError] = []
        for (i, ip) in ips.enumerated() { errs += CoreFormats.validIP(ip, "\(path)[\(i)]") }
        guard ips.count > 1 else { return errs }
        let families = Set(ips.map { CoreFormats.isIPv4($0) })
        if families.count < 2 || ips.count > 2 {
            let rendered =
                "[]core." + (path.hasSuffix("hostIPs") ? "HostIP" : "PodIP") + "{"
                + ips.map { "core.\(path.hasSuffix("hostIPs") ? "HostIP" : "PodIP"){IP:\(goQuoted($0))}" }
                .joined(separator: ", ") + "}"
            errs.append(CoreField.invalid(path, raw: rendered, "may specify no more than one IP for each IP family"))
        }
        var seen = Set<String>()
        for (i, ip) in ips.enumerated() where !seen.insert(ip).inserted {
            errs.append(FieldError(.duplicate, field: "\(path)[\(i)]", value: .raw("core.PodIP{IP:\(goQuoted(ip))}")))
        }
        return errs
    }

    /// `ValidateContainerStateTransition`: a terminated container may not run again unless the
    /// restart policy allows it.
    private static func containerStateTransitions(
        _ new: JSONValue?, old: JSONValue?, _ path: String, restartPolicy: String, restartable: Set<String> = []
    ) -> [FieldError] {
        if restartPolicy == "Always" { return [] }
        var errs: [FieldError] = []
        let newList = GoJSON.array(new)
        for (i, previous) in GoJSON.array(old).enumerated() {
            guard let terminated = previous["state"]?["terminated"], !terminated.isNull else { continue }
            if (GoJSON.int(terminated["exitCode"]) ?? 0) != 0 && restartPolicy == "OnFailure" { continue }
            let name = GoJSON.string(previous["name"])
            if restartable.contains(name) { continue }
            for status in newList
            where GoJSON.string(status["name"]) == name && !GoJSON.isSet(status["state"]?["terminated"]) {
                errs.append(
                    CoreField.forbidden("\(path)[\(i)].state", "may not be transitioned to non-terminated state"))
            }
        }
        return errs
    }

    // MARK: PodTemplates and ReplicationControllers

    /// `ValidatePodTemplate` / `ValidatePodTemplateUpdate` without the object metadata.
    static func validatePodTemplate(_ object: JSONValue) -> [FieldError] {
        validatePodTemplateSpec(object["template"], path: "template")
    }

    /// `ValidateReplicationController(Update)` without the object metadata.
    static func validateReplicationController(_ rc: JSONValue) -> [FieldError] {
        let spec = rc["spec"]
        var errs: [FieldError] = []
        errs += nonNegative(spec?["minReadySeconds"], "spec.minReadySeconds")
        let selector = stringDictionary(spec?["selector"])
        if selector.isEmpty { errs.append(CoreField.required("spec.selector")) }
        errs += nonNegative(spec?["replicas"], "spec.replicas")
        guard let template = spec?["template"], !template.isNull else {
            errs.append(CoreField.required("spec.template"))
            return errs
        }
        let labels = stringDictionary(template["metadata"]?["labels"])
        if !selector.isEmpty, !selector.allSatisfy({ labels[$0.key] == $0.value }) {
            errs.append(
                CoreField.invalid(
                    "spec.template.metadata.labels", raw: goStringMap(labels),
                    "`selector` does not match template `labels`"))
        }
        errs += validatePodTemplateSpec(template, path: "spec.template")
        let restartPolicy = GoJSON.string(template["spec"]?["restartPolicy"])
        if restartPolicy != "Always" {
            errs.append(CoreField.notSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]))
        }
        if GoJSON.isSet(template["spec"]?["activeDeadlineSeconds"]) {
            errs.append(
                CoreField.forbidden(
                    "spec.template.spec.activeDeadlineSeconds",
                    "activeDeadlineSeconds in ReplicationController is not Supported"))
        }
        return errs
    }

    /// `ValidateReplicationControllerStatusUpdate` without the object metadata.
    static func validateReplicationControllerStatus(_ rc: JSONValue) -> [FieldError] {
        let status = rc["status"]
        var errs: [FieldError] = []
        for key in ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"] {
            errs += nonNegative(status?[key], "status.\(key)")
        }
        let replicas = GoJSON.int(status?["replicas"]) ?? 0
        let ready = GoJSON.int(status?["readyReplicas"]) ?? 0
        let available = GoJSON.int(status?["availableReplicas"]) ?? 0
        let fully = GoJSON.int(status?["fullyLabeledReplicas"]) ?? 0
        let msg = "cannot be greater than status.replicas"
        if fully > replicas { errs.append(CoreField.invalid("status.fullyLabeledReplicas", int: fully, msg)) }
        if ready > replicas { errs.append(CoreField.invalid("status.readyReplicas", int: ready, msg)) }
        if available > replicas { errs.append(CoreField.invalid("status.availableReplicas", int: available, msg)) }
        if available > ready {
            errs.append(
                CoreField.invalid("status.availableReplicas", int: available, "cannot be greater than readyReplicas"))
        }
        return errs
    }

    // MARK: helpers

    static func nonNegative(_ v: JSONValue?, _ field: String) -> [FieldError] {
        guard let n = GoJSON.int(v), n < 0 else { return [] }
        return [CoreField.invalid(field, int: n, "must be greater than or equal to 0")]
    }

    static func stringDictionary(_ v: JSONValue?) -> [String: String] {
        var d: [String: String] = [:]
        for (k, v) in GoJSON.stringMap(v) { d[k] = v }
        return d
    }

    /// Go's `%#v` of a `map[string]string` (keys sorted, as fmt prints maps).
    static func goStringMap(_ m: [String: String]) -> String {
        "map[string]string{"
            + m.sorted { $0.key < $1.key }.map { "\(goQuoted($0.key)):\(goQuoted($0.value))" }
            .joined(separator: ", ") + "}"
    }
}

/// Comparison of two JSON forms of the same Go struct as `apiequality.Semantic.DeepEqual`
/// sees them: an absent member, null, an empty list and an empty string are all the zero
/// value, and quantities compare by value.
enum SemanticJSON {
    private static let quantityMaps: Set<String> = [
        "requests", "limits", "overhead", "capacity", "allocatable", "hard", "used", "max", "min", "default",
        "defaultRequest", "maxLimitRequestRatio",
    ]

    /// The paths at which `a` and `b` differ (empty when they are semantically equal).
    static func differences(_ a: JSONValue?, _ b: JSONValue?, path: String, inQuantityMap: Bool = false) -> [String] {
        let a = normalized(a)
        let b = normalized(b)
        switch (a, b) {
        case (nil, nil): return []
        case (.object(let x)?, .object(let y)?):
            var out: [String] = []
            var keys = x.keys
            for k in y.keys where x[k] == nil { keys.append(k) }
            for k in keys {
                let q = quantityMaps.contains(k) || k == "sizeLimit"
                let sub = path.isEmpty ? k : "\(path).\(k)"
                if k == "sizeLimit" {
                    if !quantitiesEqual(x[k], y[k]) { out.append(sub) }
                    continue
                }
                out += differences(x[k], y[k], path: sub, inQuantityMap: q)
            }
            return out
        case (.array(let x)?, .array(let y)?):
            if x.count != y.count { return [path] }
            var out: [String] = []
            for i in x.indices { out += differences(x[i], y[i], path: "\(path)[\(i)]") }
            return out
        default:
            if inQuantityMap { return quantitiesEqual(a, b) ? [] : [path] }
            return a == b ? [] : [path]
        }
    }

    private static func quantitiesEqual(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        if a == b { return true }
        guard let x = try? Quantity(json: a), let y = try? Quantity(json: b) else { return false }
        return x.compare(y) == 0
    }

    private static func normalized(_ v: JSONValue?) -> JSONValue? {
        switch v {
        case nil, .null?: return nil
        case .array(let a)? where a.isEmpty: return nil
        case .string(let s)? where s.isEmpty: return nil
        default: return v
        }
    }
}
