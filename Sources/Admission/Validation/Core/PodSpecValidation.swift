import KubeModel

/// The switches of `PodValidationOptions` that AKE's rules depend on.
struct PodValidationOptions: Sendable {
    /// The spec is a Pod's own (not a template's): a host-network pod's hostPort must equal its
    /// containerPort, and pod-only container checks apply.
    var resourceIsPod = false
    /// The old object already carried an invalid `controller.kubernetes.io/pod-deletion-cost`.
    var allowInvalidPodDeletionCost = false
}

/// `ValidatePodSpec` of k8s.io/kubernetes `pkg/apis/core/validation` over the v1 JSON form:
/// containers (regular, init, ephemeral), volumes, enums, names, tolerations, security
/// contexts, DNS settings. Not ported (accepted as given): affinity and topology spread
/// constraints, sysctls, Windows and Linux OS-specific restrictions, resource claims, the
/// deep checks of cloud volume plugins (their one-of rule is enforced).
enum PodSpecValidation {
    // MARK: the spec

    static func validatePodSpec(_ spec: JSONValue?, podName: String?, _ path: String, _ opts: PodValidationOptions)
        -> [FieldError]
    {
        var errs: [FieldError] = []
        let gracePeriod = GoJSON.int(spec?["terminationGracePeriodSeconds"])
        if gracePeriod == nil { errs.append(CoreField.required(path + ".terminationGracePeriodSeconds")) }
        let hostUsers = spec?["hostUsers"]?.boolValue ?? true
        let (volumes, volErrs) = validateVolumes(spec?["volumes"], podName: podName, path + ".volumes")
        errs += volErrs
        let podClaimNames = Set(GoJSON.array(spec?["resourceClaims"]).map { GoJSON.string($0["name"]) })
        let restartPolicy = GoJSON.string(spec?["restartPolicy"])
        let ctx = ContainerContext(
            volumes: volumes, podClaimNames: podClaimNames, gracePeriod: gracePeriod, restartPolicy: restartPolicy,
            hostUsers: hostUsers)
        let containers = GoJSON.array(spec?["containers"])
        let initContainers = GoJSON.array(spec?["initContainers"])
        errs += validateContainers(containers, ctx, path + ".containers")
        errs += validateInitContainers(initContainers, regular: containers, ctx, path + ".initContainers")
        errs += validateEphemeralContainers(
            GoJSON.array(spec?["ephemeralContainers"]), containers: containers, initContainers: initContainers, ctx,
            path + ".ephemeralContainers")
        errs += validateHostNetworkDeps(spec, path, opts)
        errs += enumValue(restartPolicy, path + ".restartPolicy", ["Always", "OnFailure", "Never"])
        let dnsPolicy = GoJSON.string(spec?["dnsPolicy"])
        errs += enumValue(
            dnsPolicy, path + ".dnsPolicy", ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])
        errs += NameValidation.validateLabels(
            Dictionary(uniqueKeysWithValues: GoJSON.stringMap(spec?["nodeSelector"]).map { ($0.key, $0.value) }),
            field: path + ".nodeSelector")
        errs += validatePodSecurityContext(spec?["securityContext"], path + ".securityContext")
        errs += validateDNSConfig(spec?["dnsConfig"], dnsPolicy: dnsPolicy, path + ".dnsConfig")
        for (i, gate) in GoJSON.array(spec?["readinessGates"]).enumerated() {
            errs += CoreFormats.qualifiedName(
                GoJSON.string(gate["conditionType"]), "\(path).readinessGates[\(i)].conditionType")
        }
        var seenGates = Set<String>()
        for (i, gate) in GoJSON.array(spec?["schedulingGates"]).enumerated() {
            let name = GoJSON.string(gate["name"])
            errs += CoreFormats.qualifiedName(name, "\(path).schedulingGates[\(i)]")
            if !seenGates.insert(name).inserted {
                errs.append(CoreField.duplicate("\(path).schedulingGates[\(i)]", name))
            }
        }
        errs += validateHostUsers(spec, path)
        for (key, field) in [("serviceAccountName", "serviceAccountName"), ("nodeName", "nodeName")] {
            let v = GoJSON.string(spec?[key])
            if !v.isEmpty {
                errs += NameValidation.isDNS1123Subdomain(v).map { CoreField.invalid("\(path).\(field)", v, $0) }
            }
        }
        if let ads = GoJSON.int(spec?["activeDeadlineSeconds"]), ads < 1 || ads > Int64(Int32.max) {
            errs.append(
                CoreField.invalid(
                    path + ".activeDeadlineSeconds", int: ads, CoreFormats.inclusiveRangeError(1, Int64(Int32.max))))
        }
        for key in ["hostname", "subdomain"] {
            let v = GoJSON.string(spec?[key])
            if !v.isEmpty { errs += CoreFormats.dns1123Label(v, "\(path).\(key)") }
        }
        errs += validateTolerations(spec?["tolerations"], path + ".tolerations")
        for (i, alias) in GoJSON.array(spec?["hostAliases"]).enumerated() {
            errs += CoreFormats.validIP(GoJSON.string(alias["ip"]), "\(path).hostAliases[\(i)].ip")
            for (j, h) in GoJSON.array(alias["hostnames"]).enumerated() {
                errs += CoreFormats.dns1123Subdomain(h.stringValue ?? "", "\(path).hostAliases[\(i)].hostnames[\(j)]")
            }
        }
        let priorityClassName = GoJSON.string(spec?["priorityClassName"])
        if !priorityClassName.isEmpty {
            errs += NameValidation.isDNS1123Subdomain(priorityClassName).map {
                CoreField.invalid(path + ".priorityClassName", priorityClassName, $0)
            }
        }
        if let rc = spec?["runtimeClassName"], let name = rc.stringValue {
            errs += NameValidation.isDNS1123Subdomain(name).map {
                CoreField.invalid(path + ".runtimeClassName", name, $0)
            }
        }
        if let pp = spec?["preemptionPolicy"]?.stringValue {
            errs += enumValue(pp, path + ".preemptionPolicy", ["PreemptLowerPriority", "Never"])
        }
        if GoJSON.isSet(spec?["overhead"]) {
            errs += ResourceValidation.validateRequirements(
                .object(JSONObject([("limits", spec?["overhead"] ?? .null)])), podClaimNames: [], path + ".overhead")
        }
        if let os = spec?["os"], !os.isNull {
            let name = GoJSON.string(os["name"])
            if name.isEmpty {
                errs.append(CoreField.required(path + ".os.name", "cannot be empty"))
            } else if name != "linux" && name != "windows" {
                errs.append(CoreField.notSupported(path + ".os", name, ["linux", "windows"]))
            }
        }
        return errs
    }

    /// An enum field: required when empty, else one of `values` (listed in Go's order).
    static func enumValue(_ value: String, _ field: String, _ values: [String]) -> [FieldError] {
        if values.contains(value) { return [] }
        if value.isEmpty { return [CoreField.required(field)] }
        return [CoreField.notSupported(field, value, values)]
    }

    private static func validateHostNetworkDeps(_ spec: JSONValue?, _ path: String, _ opts: PodValidationOptions)
        -> [FieldError]
    {
        guard GoJSON.bool(spec?["hostNetwork"]) else { return [] }
        var errs: [FieldError] = []
        for (i, c) in GoJSON.array(spec?["containers"]).enumerated() {
            for (j, port) in GoJSON.array(c["ports"]).enumerated() {
                let hp = GoJSON.int(port["hostPort"]) ?? 0
                let cp = GoJSON.int(port["containerPort"]) ?? 0
                if (opts.resourceIsPod || hp != 0) && hp != cp {
                    errs.append(
                        CoreField.invalid(
                            "\(path).containers[\(i)].ports[\(j)].hostPort", int: hp,
                            "must match `containerPort` when `hostNetwork` is true"))
                }
            }
        }
        return errs
    }

    private static func validateHostUsers(_ spec: JSONValue?, _ path: String) -> [FieldError] {
        guard spec?["hostUsers"]?.boolValue == false else { return [] }
        var errs: [FieldError] = []
        if GoJSON.bool(spec?["hostNetwork"]) {
            errs.append(CoreField.forbidden(path + ".hostNetwork", "when `pod.Spec.HostUsers` is false"))
        }
        if GoJSON.bool(spec?["hostPID"]) {
            errs.append(CoreField.forbidden(path + ".HostPID", "when `pod.Spec.HostUsers` is false"))
        }
        if GoJSON.bool(spec?["hostIPC"]) {
            errs.append(CoreField.forbidden(path + ".HostIPC", "when `pod.Spec.HostUsers` is false"))
        }
        return errs
    }

    /// `ValidateTolerations`.
    static func validateTolerations(_ list: JSONValue?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, t) in GoJSON.array(list).enumerated() {
            let p = "\(path)[\(i)]"
            let key = GoJSON.string(t["key"])
            let op = GoJSON.string(t["operator"])
            let value = GoJSON.string(t["value"])
            let effect = GoJSON.string(t["effect"])
            if !key.isEmpty { errs += CoreFormats.qualifiedName(key, p + ".key") }
            if key.isEmpty && op != "Exists" {
                errs.append(
                    CoreField.invalid(
                        p + ".operator", op,
                        "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if GoJSON.isSet(t["tolerationSeconds"]) && effect != "NoExecute" {
                errs.append(
                    CoreField.invalid(
                        p + ".effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                let msgs = NameValidation.isValidLabelValue(value)
                if !msgs.isEmpty { errs.append(CoreField.invalid(p + ".operator", value, msgs.joined(separator: ";"))) }
            case "Exists":
                if !value.isEmpty {
                    errs.append(
                        CoreField.invalid(p + ".operator", value, "value must be empty when `operator` is 'Exists'"))
                }
            default:
                errs.append(CoreField.notSupported(p + ".operator", op, ["Equal", "Exists"]))
            }
            if !effect.isEmpty {
                errs += enumValue(effect, p + ".effect", ["NoSchedule", "PreferNoSchedule", "NoExecute"])
            }
        }
        return errs
    }

    private static func validateDNSConfig(_ config: JSONValue?, dnsPolicy: String, _ path: String) -> [FieldError] {
        let set = GoJSON.isSet(config)
        let nameservers = GoJSON.array(config?["nameservers"])
        if dnsPolicy == "None" {
            if !set { return [CoreField.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")] }
            if nameservers.isEmpty {
                return [
                    CoreField.required(
                        path + ".nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None")
                ]
            }
        }
        guard set else { return [] }
        var errs: [FieldError] = []
        if nameservers.count > 3 {
            errs.append(
                CoreField.invalid(
                    path + ".nameservers", raw: goStringSlice(nameservers), "must not have more than 3 nameservers"))
        }
        for (i, ns) in nameservers.enumerated() {
            errs += CoreFormats.validIP(ns.stringValue ?? "", "\(path).nameservers[\(i)]")
        }
        let searches = GoJSON.array(config?["searches"])
        if searches.count > 32 {
            errs.append(
                CoreField.invalid(
                    path + ".searches", raw: goStringSlice(searches), "must not have more than 32 search paths"))
        }
        if searches.map({ $0.stringValue ?? "" }).joined(separator: " ").utf8.count > 2048 {
            errs.append(
                CoreField.invalid(
                    path + ".searches", raw: goStringSlice(searches),
                    "must not have more than 2048 characters (including spaces) in the search list"))
        }
        for (i, s) in searches.enumerated() {
            var search = s.stringValue ?? ""
            if search.hasSuffix(".") { search.removeLast() }
            errs += CoreFormats.dns1123Subdomain(search, "\(path).searches[\(i)]")
        }
        for (i, o) in GoJSON.array(config?["options"]).enumerated() where GoJSON.string(o["name"]).isEmpty {
            errs.append(CoreField.required("\(path).options[\(i)]", "must not be empty"))
        }
        return errs
    }

    /// Go's `%#v` of a `[]string`.
    static func goStringSlice(_ values: [JSONValue]) -> String {
        "[]string{" + values.map { goQuoted($0.stringValue ?? "") }.joined(separator: ", ") + "}"
    }

    // MARK: security contexts

    private static func validatePodSecurityContext(_ sc: JSONValue?, _ path: String) -> [FieldError] {
        guard let sc, !sc.isNull else { return [] }
        var errs: [FieldError] = []
        for key in ["fsGroup", "runAsUser", "runAsGroup"] {
            if let v = GoJSON.int(sc[key]) {
                errs += CoreFormats.isValidID(v).map { CoreField.invalid("\(path).\(key)", int: v, $0) }
            }
        }
        for (i, g) in GoJSON.array(sc["supplementalGroups"]).enumerated() {
            let v = GoJSON.int(g) ?? 0
            errs += CoreFormats.isValidID(v).map { CoreField.invalid("\(path).supplementalGroups[\(i)]", int: v, $0) }
        }
        if let fsPolicy = sc["fsGroupChangePolicy"]?.stringValue, fsPolicy != "OnRootMismatch", fsPolicy != "Always" {
            errs.append(CoreField.notSupported(path + ".fsGroupChangePolicy", fsPolicy, ["Always", "OnRootMismatch"]))
        }
        errs += validateSeccompProfile(sc["seccompProfile"], path + ".seccompProfile")
        if let policy = sc["supplementalGroupsPolicy"]?.stringValue, policy != "Merge", policy != "Strict" {
            errs.append(CoreField.notSupported(path + ".supplementalGroupsPolicy", policy, ["Merge", "Strict"]))
        }
        return errs
    }

    private static func validateSeccompProfile(_ p: JSONValue?, _ path: String) -> [FieldError] {
        guard let p, !p.isNull else { return [] }
        var errs: [FieldError] = []
        let type = GoJSON.string(p["type"])
        let localhost = p["localhostProfile"]
        switch type {
        case "Localhost", "RuntimeDefault", "Unconfined": break
        case "": errs.append(CoreField.required(path + ".type", "type is required when seccompProfile is set"))
        default:
            errs.append(CoreField.notSupported(path + ".type", type, ["Localhost", "RuntimeDefault", "Unconfined"]))
        }
        if type == "Localhost" {
            if let lp = localhost?.stringValue {
                errs += CoreFormats.localDescendingPath(lp, path + ".localhostProfile")
            } else {
                errs.append(
                    CoreField.required(path + ".localhostProfile", "must be set when seccomp type is Localhost"))
            }
        } else if GoJSON.isSet(localhost) {
            // Go prints the whole profile struct (%#v) here.
            errs.append(
                CoreField.invalid(
                    path + ".localhostProfile",
                    raw: "&core.SeccompProfile{Type:\(goQuoted(type)), LocalhostProfile:(*string)(...)}",
                    "can only be set when seccomp type is Localhost"))
        }
        return errs
    }

    /// `ValidateSecurityContext` (a container's).
    private static func validateSecurityContext(_ sc: JSONValue?, _ path: String, hostUsers: Bool) -> [FieldError] {
        guard let sc, !sc.isNull else { return [] }
        var errs: [FieldError] = []
        for key in ["runAsUser", "runAsGroup"] {
            if let v = GoJSON.int(sc[key]) {
                errs += CoreFormats.isValidID(v).map { CoreField.invalid("\(path).\(key)", int: v, $0) }
            }
        }
        if let pm = sc["procMount"]?.stringValue {
            if pm != "Default" && pm != "Unmasked" {
                errs.append(CoreField.notSupported(path + ".procMount", pm, ["Default", "Unmasked"]))
            }
            if hostUsers && pm == "Unmasked" {
                errs.append(CoreField.invalid(path + ".procMount", pm, "`hostUsers` must be false to use `Unmasked`"))
            }
        }
        errs += validateSeccompProfile(sc["seccompProfile"], path + ".seccompProfile")
        return errs
    }

    // MARK: containers

    struct ContainerContext {
        var volumes: [String: JSONValue]
        var podClaimNames: Set<String>
        var gracePeriod: Int64?
        var restartPolicy: String
        var hostUsers: Bool
    }

    private static func validateContainers(_ containers: [JSONValue], _ ctx: ContainerContext, _ path: String)
        -> [FieldError]
    {
        if containers.isEmpty { return [CoreField.required(path)] }
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, c) in containers.enumerated() {
            let p = "\(path)[\(i)]"
            errs += validateContainerCommon(c, ctx, p)
            let name = GoJSON.string(c["name"])
            if !names.insert(name).inserted { errs.append(CoreField.duplicate(p + ".name", name)) }
            if let lifecycle = c["lifecycle"], !lifecycle.isNull {
                errs += validateLifecycle(lifecycle, ctx.gracePeriod, p + ".lifecycle")
            }
            errs += validateProbes(c, ctx.gracePeriod, p)
            if GoJSON.isSet(c["restartPolicy"]) {
                errs.append(CoreField.forbidden(p + ".restartPolicy", "may not be set for non-init containers"))
            }
        }
        errs += hostPortConflicts(containers, path)
        return errs
    }

    private static func validateProbes(_ c: JSONValue, _ gracePeriod: Int64?, _ p: String) -> [FieldError] {
        var errs: [FieldError] = []
        for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
            guard let probe = c[key], !probe.isNull else { continue }
            let pp = "\(p).\(key)"
            errs += validateProbe(probe, gracePeriod, pp)
            if key != "readinessProbe", let st = GoJSON.int(probe["successThreshold"]), st != 1 {
                errs.append(CoreField.invalid(pp + ".successThreshold", int: st, "must be 1"))
            } else if key != "readinessProbe", GoJSON.int(probe["successThreshold"]) == nil {
                errs.append(CoreField.invalid(pp + ".successThreshold", int: 0, "must be 1"))
            }
            if key == "readinessProbe", let t = GoJSON.int(probe["terminationGracePeriodSeconds"]) {
                errs.append(
                    CoreField.invalid(
                        pp + ".terminationGracePeriodSeconds", int: t, "must not be set for readinessProbes"))
            }
        }
        return errs
    }

    private static func validateInitContainers(
        _ containers: [JSONValue], regular: [JSONValue], _ ctx: ContainerContext, _ path: String
    ) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set(regular.map { GoJSON.string($0["name"]) })
        for (i, c) in containers.enumerated() {
            let p = "\(path)[\(i)]"
            errs += validateContainerCommon(c, ctx, p)
            var restartAlways = false
            if let rp = c["restartPolicy"], !rp.isNull {
                let v = rp.stringValue ?? ""
                if v != "Always" { errs.append(CoreField.notSupported(p + ".restartPolicy", v, ["Always"])) }
                restartAlways = v == "Always"
            }
            let name = GoJSON.string(c["name"])
            if names.contains(name) {
                errs.append(CoreField.duplicate(p + ".name", name))
            } else if !name.isEmpty {
                names.insert(name)
            }
            errs += hostPortConflicts([c], path)
            if restartAlways {
                if let lifecycle = c["lifecycle"], !lifecycle.isNull {
                    errs += validateLifecycle(lifecycle, ctx.gracePeriod, p + ".lifecycle")
                }
                errs += validateProbes(c, ctx.gracePeriod, p)
            } else {
                for key in ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"] where GoJSON.isSet(c[key]) {
                    errs.append(
                        CoreField.forbidden(
                            "\(p).\(key)", "may not be set for init containers without restartPolicy=Always"))
                }
            }
            if !GoJSON.array(c["resizePolicy"]).isEmpty {
                errs.append(
                    CoreField.invalid(
                        p + ".resizePolicy", raw: goResizePolicies(c["resizePolicy"]),
                        "must not be set for init containers"))
            }
        }
        return errs
    }

    private static func goResizePolicies(_ v: JSONValue?) -> String {
        "[]core.ContainerResizePolicy{"
            + GoJSON.array(v).map {
                "core.ContainerResizePolicy{ResourceName:\(goQuoted(GoJSON.string($0["resourceName"]))), RestartPolicy:\(goQuoted(GoJSON.string($0["restartPolicy"])))}"
            }.joined(separator: ", ") + "}"
    }

    /// The fields of an ephemeral container that may be set (`allowedEphemeralContainerFields`).
    private static let allowedEphemeralFields: Set<String> = [
        "name", "image", "command", "args", "workingDir", "env", "envFrom", "volumeMounts", "volumeDevices",
        "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin",
        "stdinOnce", "tty",
    ]
    /// `EphemeralContainerCommon`'s fields in declaration order, for the order of "cannot be set" errors.
    private static let ephemeralFieldOrder = [
        "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy",
        "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe",
        "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext",
        "stdin", "stdinOnce", "tty",
    ]

    private static func validateEphemeralContainers(
        _ list: [JSONValue], containers: [JSONValue], initContainers: [JSONValue], _ ctx: ContainerContext,
        _ path: String
    ) -> [FieldError] {
        guard !list.isEmpty else { return [] }
        var errs: [FieldError] = []
        let otherNames = Set((containers + initContainers).map { GoJSON.string($0["name"]) })
        var allNames = otherNames
        for (i, ec) in list.enumerated() {
            let p = "\(path)[\(i)]"
            errs += validateContainerCommon(ec, ctx, p)
            errs += validateContainerOnlyForPod(ec, p)
            let name = GoJSON.string(ec["name"])
            if allNames.contains(name) {
                errs.append(CoreField.duplicate(p + ".name", name))
            } else {
                allNames.insert(name)
            }
            let target = GoJSON.string(ec["targetContainerName"])
            if !target.isEmpty && !otherNames.contains(target) {
                errs.append(CoreField.notFound(p + ".targetContainerName", target))
            }
            for key in ephemeralFieldOrder where !allowedEphemeralFields.contains(key) && !isZero(ec[key]) {
                errs.append(CoreField.forbidden("\(p).\(key)", "cannot be set for an Ephemeral Container"))
            }
            for (j, vm) in GoJSON.array(ec["volumeMounts"]).enumerated() {
                for key in ["subPath", "subPathExpr"] where !GoJSON.string(vm[key]).isEmpty {
                    errs.append(
                        CoreField.forbidden(
                            "\(p).volumeMounts[\(j)].\(key)", "cannot be set for an Ephemeral Container"))
                }
            }
        }
        return errs
    }

    /// Whether a JSON member holds Go's zero value for its field.
    static func isZero(_ v: JSONValue?) -> Bool {
        switch v {
        case nil, .null?: return true
        case .string(let s)?: return s.isEmpty
        case .bool(let b)?: return !b
        case .number(let n)?: return (n.doubleValue ?? 0) == 0
        case .array(let a)?: return a.isEmpty
        case .object(let o)?: return o.allSatisfy { isZero($0.value) }
        }
    }

    /// `validateContainerOnlyForPod`: no surrounding whitespace in the image.
    static func validateContainerOnlyForPod(_ c: JSONValue, _ p: String) -> [FieldError] {
        let image = GoJSON.string(c["image"])
        if image != trimmed(image) {
            return [CoreField.invalid(p + ".image", image, "must not have leading or trailing whitespace")]
        }
        return []
    }

    /// `strings.TrimSpace`.
    static func trimmed(_ s: String) -> String {
        let ws: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}"]
        var scalars = Substring(s).unicodeScalars
        while let f = scalars.first, ws.contains(f) || f.properties.isWhitespace { scalars.removeFirst() }
        while let l = scalars.last, ws.contains(l) || l.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    private static func validateContainerCommon(_ c: JSONValue, _ ctx: ContainerContext, _ p: String) -> [FieldError] {
        var errs: [FieldError] = []
        let name = GoJSON.string(c["name"])
        if name.isEmpty {
            errs.append(CoreField.required(p + ".name"))
        } else {
            errs += CoreFormats.dns1123Label(name, p + ".name")
        }
        if GoJSON.string(c["image"]).isEmpty { errs.append(CoreField.required(p + ".image")) }
        errs += enumValue(
            GoJSON.string(c["terminationMessagePolicy"]), p + ".terminationMessagePolicy",
            ["File", "FallbackToLogsOnError"])
        let mounts = GoJSON.array(c["volumeMounts"])
        let devices = GoJSON.array(c["volumeDevices"])
        errs += validateContainerPorts(c["ports"], p + ".ports")
        errs += validateEnv(c["env"], p + ".env")
        errs += validateEnvFrom(c["envFrom"], p + ".envFrom")
        errs += validateVolumeMounts(mounts, devices: devices, ctx.volumes, container: c, p + ".volumeMounts")
        errs += validateVolumeDevices(devices, mounts: mounts, ctx.volumes, p + ".volumeDevices")
        errs += enumValue(
            GoJSON.string(c["imagePullPolicy"]), p + ".imagePullPolicy", ["Always", "IfNotPresent", "Never"])
        errs += ResourceValidation.validateRequirements(
            c["resources"], podClaimNames: ctx.podClaimNames, p + ".resources")
        errs += validateResizePolicy(c["resizePolicy"], p + ".resizePolicy", podRestartPolicy: ctx.restartPolicy)
        errs += validateSecurityContext(c["securityContext"], p + ".securityContext", hostUsers: ctx.hostUsers)
        return errs
    }

    private static func validateResizePolicy(_ list: JSONValue?, _ path: String, podRestartPolicy: String)
        -> [FieldError]
    {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, policy) in GoJSON.array(list).enumerated() {
            let resource = GoJSON.string(policy["resourceName"])
            let restart = GoJSON.string(policy["restartPolicy"])
            if !seen.insert(resource).inserted {
                errs.append(FieldError(.duplicate, field: "\(path)[\(i)]", value: .raw(resource)))
            }
            switch resource {
            case "cpu", "memory": break
            case "": errs.append(CoreField.required(path))
            default: errs.append(CoreField.notSupported(path, raw: resource, ["cpu", "memory"]))
            }
            errs += enumValue(restart, path, ["NotRequired", "RestartContainer"])
            if podRestartPolicy == "Never" && restart != "NotRequired" {
                errs.append(CoreField.invalid(path, restart, "must be 'NotRequired' when `restartPolicy` is 'Never'"))
            }
        }
        return errs
    }

    private static func validateContainerPorts(_ ports: JSONValue?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, port) in GoJSON.array(ports).enumerated() {
            let p = "\(path)[\(i)]"
            let name = GoJSON.string(port["name"])
            if !name.isEmpty {
                let msgs = CoreFormats.isValidPortName(name)
                if !msgs.isEmpty {
                    errs += msgs.map { CoreField.invalid(p + ".name", name, $0) }
                } else if !names.insert(name).inserted {
                    errs.append(CoreField.duplicate(p + ".name", name))
                }
            }
            let cp = GoJSON.int(port["containerPort"]) ?? 0
            if cp == 0 {
                errs.append(CoreField.required(p + ".containerPort"))
            } else {
                errs += CoreFormats.isValidPortNum(cp).map { CoreField.invalid(p + ".containerPort", int: cp, $0) }
            }
            let hp = GoJSON.int(port["hostPort"]) ?? 0
            if hp != 0 {
                errs += CoreFormats.isValidPortNum(hp).map { CoreField.invalid(p + ".hostPort", int: hp, $0) }
            }
            let proto = GoJSON.string(port["protocol"])
            if proto.isEmpty {
                errs.append(CoreField.required(p + ".protocol"))
            } else if !["SCTP", "TCP", "UDP"].contains(proto) {
                errs.append(CoreField.notSupported(p + ".protocol", proto, ["SCTP", "TCP", "UDP"]))
            }
        }
        return errs
    }

    private static func hostPortConflicts(_ containers: [JSONValue], _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (ci, c) in containers.enumerated() {
            for (pi, port) in GoJSON.array(c["ports"]).enumerated() {
                let hp = GoJSON.int(port["hostPort"]) ?? 0
                if hp == 0 { continue }
                let key = "\(GoJSON.string(port["protocol"]))/\(GoJSON.string(port["hostIP"]))/\(hp)"
                if !seen.insert(key).inserted {
                    errs.append(CoreField.duplicate("\(path)[\(ci)].ports[\(pi)].hostPort", key))
                }
            }
        }
        return errs
    }

    // MARK: environment

    private static let validEnvFieldPaths = [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
    ]
    private static let validResourceFieldPaths = [
        "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage",
        "requests.memory",
    ]

    private static func validateEnv(_ vars: JSONValue?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ev) in GoJSON.array(vars).enumerated() {
            let p = "\(path)[\(i)]"
            let name = GoJSON.string(ev["name"])
            if name.isEmpty {
                errs.append(CoreField.required(p + ".name"))
            } else {
                errs += CoreFormats.isRelaxedEnvVarName(name).map { CoreField.invalid(p + ".name", name, $0) }
            }
            errs += validateEnvValueFrom(ev, p + ".valueFrom")
        }
        return errs
    }

    private static func validateEnvValueFrom(_ ev: JSONValue, _ path: String) -> [FieldError] {
        guard let from = ev["valueFrom"], !from.isNull else { return [] }
        var errs: [FieldError] = []
        var sources = 0
        if let fr = from["fieldRef"], !fr.isNull {
            sources += 1
            errs += validateObjectFieldSelector(fr, validEnvFieldPaths, path + ".fieldRef")
        }
        if let rf = from["resourceFieldRef"], !rf.isNull {
            sources += 1
            errs += validateResourceFieldSelector(rf, path + ".resourceFieldRef", volume: false)
        }
        for key in ["configMapKeyRef", "secretKeyRef"] {
            guard let ref = from[key], !ref.isNull else { continue }
            sources += 1
            let name = GoJSON.string(ref["name"])
            errs += NameValidation.isDNS1123Subdomain(name).map { CoreField.invalid("\(path).\(key).name", name, $0) }
            let k = GoJSON.string(ref["key"])
            if k.isEmpty {
                errs.append(CoreField.required("\(path).\(key).key"))
            } else {
                errs += CoreFormats.isConfigMapKey(k).map { CoreField.invalid("\(path).\(key).key", k, $0) }
            }
        }
        if sources == 0 {
            errs.append(
                CoreField.invalid(
                    path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
                ))
        } else if !GoJSON.string(ev["value"]).isEmpty {
            errs.append(CoreField.invalid(path, "", "may not be specified when `value` is not empty"))
        } else if sources > 1 {
            errs.append(CoreField.invalid(path, "", "may not have more than one field specified at a time"))
        }
        return errs
    }

    /// `validateObjectFieldSelector`.
    static func validateObjectFieldSelector(_ fs: JSONValue, _ expressions: [String], _ path: String) -> [FieldError] {
        let apiVersion = GoJSON.string(fs["apiVersion"])
        let fieldPath = GoJSON.string(fs["fieldPath"])
        if apiVersion.isEmpty { return [CoreField.required(path + ".apiVersion")] }
        if fieldPath.isEmpty { return [CoreField.required(path + ".fieldPath")] }
        // ConvertDownwardAPIFieldLabel
        var internalPath = fieldPath
        var conversionError: String?
        if apiVersion != "v1" {
            conversionError = "unsupported pod version: \(apiVersion)"
        } else if let split = splitSubscripted(fieldPath) {
            if split.0 != "metadata.annotations" && split.0 != "metadata.labels" {
                conversionError = "field label does not support subscript: \(fieldPath)"
            }
        } else if fieldPath == "spec.host" {
            internalPath = "spec.nodeName"
        } else if ![
            "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
            "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName", "status.phase",
            "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
        ].contains(fieldPath) {
            conversionError = "field label not supported: \(fieldPath)"
        }
        if let conversionError {
            return [CoreField.invalid(path + ".fieldPath", fieldPath, "error converting fieldPath: \(conversionError)")]
        }
        if let split = splitSubscripted(internalPath) {
            let (p, key) = split
            switch p {
            case "metadata.annotations": return CoreFormats.qualifiedName(key.lowercased(), path)
            case "metadata.labels": return CoreFormats.qualifiedName(key, path)
            default: return [CoreField.invalid(path, p, "does not support subscript")]
            }
        }
        if !expressions.contains(internalPath) {
            return [CoreField.notSupported(path + ".fieldPath", internalPath, expressions.sorted())]
        }
        return []
    }

    /// `fieldpath.SplitMaybeSubscriptedPath`.
    private static func splitSubscripted(_ p: String) -> (String, String)? {
        guard p.hasSuffix("']") else { return nil }
        let s = p.dropLast(2)
        guard let r = s.firstRange(of: "['") else { return nil }
        let head = String(s[..<r.lowerBound])
        guard !head.isEmpty else { return nil }
        return (head, String(s[r.upperBound...]))
    }

    /// `validateContainerResourceFieldSelector` with the downward API's resource paths.
    static func validateResourceFieldSelector(_ fs: JSONValue, _ path: String, volume: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let resource = GoJSON.string(fs["resource"])
        if volume && GoJSON.string(fs["containerName"]).isEmpty {
            errs.append(CoreField.required(path + ".containerName"))
        } else if resource.isEmpty {
            errs.append(CoreField.required(path + ".resource"))
        } else if !validResourceFieldPaths.contains(resource)
            && !(resource.hasPrefix("limits.hugepages-") || resource.hasPrefix("requests.hugepages-"))
        {
            errs.append(CoreField.notSupported(path + ".resource", resource, validResourceFieldPaths))
        }
        var ignored: [FieldError] = []
        if let divisor = ResourceValidation.quantity(fs["divisor"], path + ".divisor", into: &ignored), !divisor.isZero
        {
            let d = divisor.description
            let memoryLike: Set<String> = [
                "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
            ]
            switch resource {
            case "limits.cpu", "requests.cpu":
                if d != "1m" && d != "1" {
                    errs.append(
                        CoreField.invalid(
                            path + ".divisor", resource,
                            "only divisor's values 1m and 1 are supported with the cpu resource"))
                }
            case "limits.memory", "requests.memory":
                if !memoryLike.contains(d) {
                    errs.append(
                        CoreField.invalid(
                            path + ".divisor", resource,
                            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"
                        ))
                }
            case "limits.ephemeral-storage", "requests.ephemeral-storage":
                if !memoryLike.contains(d) {
                    errs.append(
                        CoreField.invalid(
                            path + ".divisor", resource,
                            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource"
                        ))
                }
            default: break
            }
            if resource.hasPrefix("requests.hugepages-") || resource.hasPrefix("limits.hugepages-"),
                !memoryLike.contains(d)
            {
                errs.append(
                    CoreField.invalid(
                        path + ".divisor", resource,
                        "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource"
                    ))
            }
        }
        return errs + ignored
    }

    private static func validateEnvFrom(_ vars: JSONValue?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ev) in GoJSON.array(vars).enumerated() {
            let p = "\(path)[\(i)]"
            let prefix = GoJSON.string(ev["prefix"])
            if !prefix.isEmpty {
                errs += CoreFormats.isRelaxedEnvVarName(prefix).map { CoreField.invalid(p + ".prefix", prefix, $0) }
            }
            var sources = 0
            for key in ["configMapRef", "secretRef"] {
                guard let ref = ev[key], !ref.isNull else { continue }
                sources += 1
                let name = GoJSON.string(ref["name"])
                if name.isEmpty {
                    errs.append(CoreField.required("\(p).\(key).name"))
                } else {
                    errs += NameValidation.validate(name: name, rule: .dns1123Subdomain, prefix: true).map {
                        CoreField.invalid("\(p).\(key).name", name, $0)
                    }
                }
            }
            if sources == 0 {
                errs.append(CoreField.invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
            } else if sources > 1 {
                errs.append(CoreField.invalid(path, "", "may not have more than one field specified at a time"))
            }
        }
        return errs
    }

    // MARK: mounts and devices

    private static func validateVolumeMounts(
        _ mounts: [JSONValue], devices: [JSONValue], _ volumes: [String: JSONValue], container: JSONValue,
        _ path: String
    ) -> [FieldError] {
        var errs: [FieldError] = []
        var mountPoints = Set<String>()
        let deviceNames = Set(devices.map { GoJSON.string($0["name"]) })
        let devicePaths = Set(devices.map { GoJSON.string($0["devicePath"]) })
        for (i, m) in mounts.enumerated() {
            let p = "\(path)[\(i)]"
            let name = GoJSON.string(m["name"])
            let mountPath = GoJSON.string(m["mountPath"])
            let subPath = GoJSON.string(m["subPath"])
            let subPathExpr = GoJSON.string(m["subPathExpr"])
            if name.isEmpty { errs.append(CoreField.required(p + ".name")) }
            if volumes[name] == nil { errs.append(CoreField.notFound(p + ".name", name)) }
            if mountPath.isEmpty { errs.append(CoreField.required(p + ".mountPath")) }
            if !mountPoints.insert(mountPath).inserted {
                errs.append(CoreField.invalid(p + ".mountPath", mountPath, "must be unique"))
            }
            if deviceNames.contains(name) {
                errs.append(CoreField.invalid(p + ".name", name, "must not already exist in volumeDevices"))
            }
            if devicePaths.contains(mountPath) {
                errs.append(
                    CoreField.invalid(p + ".mountPath", mountPath, "must not already exist as a path in volumeDevices"))
            }
            if let v = volumes[name], GoJSON.isSet(v["image"]) {
                if !subPath.isEmpty {
                    errs.append(CoreField.invalid(p + ".subPath", subPath, "not allowed in image volume sources"))
                }
                if !subPathExpr.isEmpty {
                    errs.append(
                        CoreField.invalid(p + ".subPathExpr", subPathExpr, "not allowed in image volume sources"))
                }
            }
            if !subPath.isEmpty { errs += CoreFormats.localDescendingPath(subPath, path + ".subPath") }
            if !subPathExpr.isEmpty {
                if !subPath.isEmpty {
                    errs.append(
                        CoreField.invalid(
                            p + ".subPathExpr", subPathExpr, "subPathExpr and subPath are mutually exclusive"))
                }
                errs += CoreFormats.localDescendingPath(subPathExpr, path + ".subPathExpr")
            }
            if let mp = m["mountPropagation"]?.stringValue {
                let supported = ["Bidirectional", "HostToContainer", "None"]
                if !supported.contains(mp) {
                    errs.append(CoreField.notSupported(path + ".mountPropagation", mp, supported))
                }
                if mp == "Bidirectional" && container["securityContext"]?["privileged"]?.boolValue != true {
                    errs.append(
                        CoreField.forbidden(
                            path + ".mountPropagation",
                            "Bidirectional mount propagation is available only to privileged containers"))
                }
            }
            if let rro = m["recursiveReadOnly"]?.stringValue {
                switch rro {
                case "Disabled": break
                case "Enabled", "IfPossible":
                    if !GoJSON.bool(m["readOnly"]) {
                        errs.append(
                            CoreField.forbidden(
                                path + ".recursiveReadOnly", "may only be specified when readOnly is true"))
                    }
                    if let mp = m["mountPropagation"]?.stringValue, mp != "None" {
                        errs.append(
                            CoreField.forbidden(
                                path + ".recursiveReadOnly",
                                "may only be specified when mountPropagation is None or not specified"))
                    }
                default:
                    errs.append(
                        CoreField.notSupported(path + ".recursiveReadOnly", rro, ["Disabled", "Enabled", "IfPossible"]))
                }
            }
        }
        return errs
    }

    private static func validateVolumeDevices(
        _ devices: [JSONValue], mounts: [JSONValue], _ volumes: [String: JSONValue], _ path: String
    ) -> [FieldError] {
        var errs: [FieldError] = []
        var devicePaths = Set<String>()
        var deviceNames = Set<String>()
        let mountNames = Set(mounts.map { GoJSON.string($0["name"]) })
        let mountPaths = Set(mounts.map { GoJSON.string($0["mountPath"]) })
        for (i, d) in devices.enumerated() {
            let p = "\(path)[\(i)]"
            let name = GoJSON.string(d["name"])
            let devicePath = GoJSON.string(d["devicePath"])
            if name.isEmpty { errs.append(CoreField.required(p + ".name")) }
            if deviceNames.contains(name) { errs.append(CoreField.invalid(p + ".name", name, "must be unique")) }
            if let v = volumes[name] {
                if !(GoJSON.isSet(v["persistentVolumeClaim"]) || GoJSON.isSet(v["ephemeral"])) {
                    errs.append(
                        CoreField.invalid(
                            p + ".name", name,
                            "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"))
                }
            } else {
                errs.append(CoreField.notFound(p + ".name", name))
            }
            if devicePath.isEmpty { errs.append(CoreField.required(p + ".devicePath")) }
            if devicePaths.contains(devicePath) {
                errs.append(CoreField.invalid(p + ".devicePath", devicePath, "must be unique"))
            }
            if !devicePath.isEmpty && !CoreFormats.pathNoBacksteps(devicePath, "").isEmpty {
                errs.append(CoreField.invalid(p + ".devicePath", devicePath, "can not contain backsteps ('..')"))
            } else {
                devicePaths.insert(devicePath)
            }
            if mountNames.contains(name) {
                errs.append(CoreField.invalid(p + ".name", name, "must not already exist in volumeMounts"))
            }
            if mountPaths.contains(devicePath) {
                errs.append(
                    CoreField.invalid(p + ".devicePath", devicePath, "must not already exist as a path in volumeMounts")
                )
            }
            if !name.isEmpty { deviceNames.insert(name) }
        }
        return errs
    }

    // MARK: probes and handlers

    private static func validateProbe(_ probe: JSONValue, _ gracePeriod: Int64?, _ path: String) -> [FieldError] {
        var errs = validateHandler(probe, gracePeriod, path, kinds: ["exec", "httpGet", "tcpSocket", "grpc"])
        for key in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
            if let v = GoJSON.int(probe[key]), v < 0 {
                errs.append(CoreField.invalid("\(path).\(key)", int: v, "must be greater than or equal to 0"))
            }
        }
        if let t = GoJSON.int(probe["terminationGracePeriodSeconds"]), t <= 0 {
            errs.append(CoreField.invalid(path + ".terminationGracePeriodSeconds", int: t, "must be greater than 0"))
        }
        return errs
    }

    private static func validateLifecycle(_ lifecycle: JSONValue, _ gracePeriod: Int64?, _ path: String) -> [FieldError]
    {
        var errs: [FieldError] = []
        for key in ["postStart", "preStop"] {
            guard let h = lifecycle[key], !h.isNull else { continue }
            errs += validateHandler(h, gracePeriod, "\(path).\(key)", kinds: ["exec", "httpGet", "tcpSocket", "sleep"])
        }
        return errs
    }

    private static func validateHandler(_ h: JSONValue, _ gracePeriod: Int64?, _ path: String, kinds: [String])
        -> [FieldError]
    {
        var errs: [FieldError] = []
        var count = 0
        for kind in kinds {
            guard let action = h[kind], !action.isNull else { continue }
            let p = "\(path).\(kind)"
            if count > 0 {
                errs.append(CoreField.forbidden(p, "may not specify more than 1 handler type"))
                continue
            }
            count += 1
            switch kind {
            case "exec":
                if GoJSON.array(action["command"]).isEmpty { errs.append(CoreField.required(p + ".command")) }
            case "httpGet":
                if GoJSON.string(action["path"]).isEmpty { errs.append(CoreField.required(p + ".path")) }
                errs += validatePortNumOrName(action["port"], p + ".port")
                let scheme = GoJSON.string(action["scheme"])
                if scheme != "HTTP" && scheme != "HTTPS" {
                    errs.append(CoreField.notSupported(p + ".scheme", scheme, ["HTTP", "HTTPS"]))
                }
                for header in GoJSON.array(action["httpHeaders"]) {
                    let name = GoJSON.string(header["name"])
                    errs += CoreFormats.isHTTPHeaderName(name).map { CoreField.invalid(p + ".httpHeaders", name, $0) }
                }
            case "tcpSocket":
                errs += validatePortNumOrName(action["port"], p + ".port")
            case "grpc":
                let port = GoJSON.int(action["port"]) ?? 0
                errs += CoreFormats.isValidPortNum(port).map { CoreField.invalid(p + ".port", int: port, $0) }
            case "sleep":
                let seconds = GoJSON.int(action["seconds"]) ?? 0
                if let gracePeriod, seconds <= 0 || seconds > gracePeriod {
                    errs.append(
                        CoreField.invalid(
                            p, int: seconds,
                            "must be greater than 0 and less than terminationGracePeriodSeconds (\(gracePeriod)). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep."
                        ))
                }
            default: break
            }
        }
        if count == 0 { errs.append(CoreField.required(path, "must specify a handler type")) }
        return errs
    }

    /// `ValidatePortNumOrName` for an int-or-string port.
    static func validatePortNumOrName(_ port: JSONValue?, _ path: String) -> [FieldError] {
        switch port {
        case .string(let s)?:
            return CoreFormats.isValidPortName(s).map { CoreField.invalid(path, s, $0) }
        default:
            let n = GoJSON.int(port) ?? 0
            return CoreFormats.isValidPortNum(n).map { CoreField.invalid(path, int: n, $0) }
        }
    }
}
