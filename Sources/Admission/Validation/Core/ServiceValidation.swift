import KubeModel

/// `ValidateService`, `ValidateServiceUpdate` and `ValidateServiceStatusUpdate` of
/// k8s.io/kubernetes `pkg/apis/core/validation`, on the Service as it is after defaulting
/// and ClusterIP allocation.
enum ServiceValidation {
    private static let kubeletPort: Int64 = 10250

    private static func isHeadless(_ spec: JSONValue?) -> Bool {
        let ips = GoJSON.array(spec?["clusterIPs"])
        return ips.count == 1 && ips[0].stringValue == "None"
    }

    /// `ValidateService` without the object metadata.
    static func validate(_ service: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = service["spec"]
        let annotations = PodValidation.stringDictionary(service["metadata"]?["annotations"])
        let hintsKey = "service.kubernetes.io/topology-aware-hints"
        let modeKey = "service.kubernetes.io/topology-mode"
        if let mode = annotations[modeKey], let hints = annotations[hintsKey], mode != hints {
            errs.append(
                CoreField.invalid(
                    "metadata.annotations[\(modeKey)]", mode,
                    "must match annotations[\(hintsKey)] when both are specified"))
        }
        let type = GoJSON.string(spec?["type"])
        let ports = GoJSON.array(spec?["ports"])
        let headless = isHeadless(spec)
        let clusterIPs = GoJSON.array(spec?["clusterIPs"]).map { $0.stringValue ?? "" }
        if ports.isEmpty && !headless && type != "ExternalName" { errs.append(CoreField.required("spec.ports")) }
        switch type {
        case "LoadBalancer":
            for (i, port) in ports.enumerated() where GoJSON.int(port["port"]) == kubeletPort {
                errs.append(
                    CoreField.invalid(
                        "spec.ports[\(i)]", int: kubeletPort,
                        "may not expose port \(kubeletPort) externally since it is used by kubelet"))
            }
            if headless {
                errs.append(
                    CoreField.invalid(
                        "spec.clusterIPs[0]", "None", "may not be set to 'None' for LoadBalancer services"))
            }
        case "NodePort":
            if headless {
                errs.append(
                    CoreField.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for NodePort services"))
            }
        case "ExternalName":
            if !clusterIPs.isEmpty {
                errs.append(CoreField.forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
            }
            if !GoJSON.array(spec?["ipFamilies"]).isEmpty {
                errs.append(CoreField.forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
            }
            if GoJSON.isSet(spec?["ipFamilyPolicy"]) {
                errs.append(CoreField.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
            }
            var cname = GoJSON.string(spec?["externalName"])
            if cname.hasSuffix(".") { cname.removeLast() }
            if cname.isEmpty {
                errs.append(CoreField.required("spec.externalName"))
            } else {
                errs += CoreFormats.dns1123Subdomain(cname, "spec.externalName")
            }
        default: break
        }
        var portNames = Set<String>()
        for (i, port) in ports.enumerated() {
            errs += validatePort(port, requireName: ports.count > 1, names: &portNames, "spec.ports[\(i)]")
        }
        if let selector = spec?["selector"], !selector.isNull {
            errs += NameValidation.validateLabels(PodValidation.stringDictionary(selector), field: "spec.selector")
        }
        let affinity = GoJSON.string(spec?["sessionAffinity"])
        if affinity.isEmpty {
            errs.append(CoreField.required("spec.sessionAffinity"))
        } else if affinity != "ClientIP" && affinity != "None" {
            errs.append(CoreField.notSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
        }
        let affinityConfig = spec?["sessionAffinityConfig"]
        if affinity == "ClientIP" {
            errs += validateClientIPAffinityConfig(affinityConfig, "spec.sessionAffinityConfig")
        } else if affinity == "None", GoJSON.isSet(affinityConfig) {
            errs.append(
                CoreField.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
        }
        errs += validateClusterIPsRelatedFields(spec)
        let externalIPs = GoJSON.array(spec?["externalIPs"])
        for (i, ip) in externalIPs.enumerated() {
            let value = ip.stringValue ?? ""
            let ipErrs = CoreFormats.validIP(value, "spec.externalIPs[\(i)]")
            errs += ipErrs.isEmpty ? CoreFormats.nonSpecialIP(value, "spec.externalIPs[\(i)]") : ipErrs
        }
        if type.isEmpty {
            errs.append(CoreField.required("spec.type"))
        } else if !["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"].contains(type) {
            errs.append(
                CoreField.notSupported("spec.type", type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]))
        }
        if type == "ClusterIP" {
            for (i, port) in ports.enumerated() where (GoJSON.int(port["nodePort"]) ?? 0) != 0 {
                errs.append(
                    CoreField.forbidden("spec.ports[\(i)].nodePort", "may not be used when `type` is 'ClusterIP'"))
            }
        }
        var nodePorts = Set<String>()
        for (i, port) in ports.enumerated() {
            let nodePort = GoJSON.int(port["nodePort"]) ?? 0
            if nodePort == 0 { continue }
            if !nodePorts.insert("\(GoJSON.string(port["protocol"]))/\(nodePort)").inserted {
                errs.append(CoreField.duplicate("spec.ports[\(i)].nodePort", int: nodePort))
            }
        }
        var portKeys = Set<String>()
        for (i, port) in ports.enumerated() {
            let proto = GoJSON.string(port["protocol"])
            let number = GoJSON.int(port["port"]) ?? 0
            if !portKeys.insert("\(proto)/\(number)").inserted {
                errs.append(
                    FieldError(
                        .duplicate, field: "spec.ports[\(i)]",
                        value: .raw(
                            "core.ServicePort{Name:\"\", Protocol:\(goQuoted(proto)), AppProtocol:(*string)(nil), Port:\(number), TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"
                        )))
            }
        }
        let sourceRanges = GoJSON.array(spec?["loadBalancerSourceRanges"])
        let rangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"
        if !sourceRanges.isEmpty {
            if type != "LoadBalancer" {
                errs.append(
                    CoreField.forbidden(
                        "spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"))
            }
            for (i, r) in sourceRanges.enumerated() {
                errs += CoreFormats.validCIDR(
                    PodSpecValidation.trimmed(r.stringValue ?? ""), "spec.LoadBalancerSourceRanges[\(i)]")
            }
        } else if let value = annotations[rangesAnnotation] {
            let f = "metadata.annotations[\(rangesAnnotation)]"
            if type != "LoadBalancer" {
                errs.append(CoreField.forbidden(f, "may only be used when `type` is 'LoadBalancer'"))
            }
            let v = PodSpecValidation.trimmed(value)
            if !v.isEmpty {
                for cidr in v.split(separator: ",", omittingEmptySubsequences: false) {
                    errs += CoreFormats.validCIDR(PodSpecValidation.trimmed(String(cidr)), f)
                }
            }
        }
        let allocateNodePorts = spec?["allocateLoadBalancerNodePorts"]
        if GoJSON.isSet(allocateNodePorts) && type != "LoadBalancer" {
            errs.append(
                CoreField.forbidden(
                    "spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
        }
        if type == "LoadBalancer" && !GoJSON.isSet(allocateNodePorts) {
            errs.append(CoreField.required("allocateLoadBalancerNodePorts"))
        }
        errs += validateLoadBalancerClass(spec, old: nil)
        errs += validateExternalTrafficPolicy(spec)
        let internalPolicy = spec?["internalTrafficPolicy"]
        if !GoJSON.isSet(internalPolicy) {
            if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) {
                errs.append(CoreField.required("spec.internalTrafficPolicy"))
            }
        } else if let p = internalPolicy?.stringValue, p != "Cluster", p != "Local" {
            errs.append(CoreField.notSupported("spec.internalTrafficPolicy", p, ["Cluster", "Local"]))
        }
        if let td = spec?["trafficDistribution"]?.stringValue, td != "PreferClose" {
            errs.append(CoreField.notSupported("spec.trafficDistribution", td, ["PreferClose"]))
        }
        return errs
    }

    private static func validatePort(_ port: JSONValue, requireName: Bool, names: inout Set<String>, _ path: String)
        -> [FieldError]
    {
        var errs: [FieldError] = []
        let name = GoJSON.string(port["name"])
        if requireName && name.isEmpty {
            errs.append(CoreField.required(path + ".name"))
        } else if !name.isEmpty {
            errs += CoreFormats.dns1123Label(name, path + ".name")
            if !names.insert(name).inserted { errs.append(CoreField.duplicate(path + ".name", name)) }
        }
        let number = GoJSON.int(port["port"]) ?? 0
        errs += CoreFormats.isValidPortNum(number).map { CoreField.invalid(path + ".port", int: number, $0) }
        let proto = GoJSON.string(port["protocol"])
        if proto.isEmpty {
            errs.append(CoreField.required(path + ".protocol"))
        } else if !["SCTP", "TCP", "UDP"].contains(proto) {
            errs.append(CoreField.notSupported(path + ".protocol", proto, ["SCTP", "TCP", "UDP"]))
        }
        errs += PodSpecValidation.validatePortNumOrName(port["targetPort"], path + ".targetPort")
        if let app = port["appProtocol"]?.stringValue {
            errs += CoreFormats.qualifiedName(app, path + ".appProtocol")
        }
        return errs
    }

    private static func validateClientIPAffinityConfig(_ config: JSONValue?, _ path: String) -> [FieldError] {
        let detail = "when session affinity type is ClientIP"
        guard let config, !config.isNull else { return [CoreField.required(path, detail)] }
        guard let clientIP = config["clientIP"], !clientIP.isNull else {
            return [CoreField.required(path + ".clientIP", detail)]
        }
        guard let timeout = GoJSON.int(clientIP["timeoutSeconds"]) else {
            return [CoreField.required(path + ".clientIP.timeoutSeconds", detail)]
        }
        if timeout <= 0 || timeout > 86400 {
            return [
                CoreField.invalid(
                    path + ".clientIP.timeoutSeconds", int: timeout, "must be greater than 0 and less than 86400")
            ]
        }
        return []
    }

    private static func validateLoadBalancerClass(_ spec: JSONValue?, old: JSONValue?) -> [FieldError] {
        var errs: [FieldError] = []
        let isLB = GoJSON.string(spec?["type"]) == "LoadBalancer"
        let cls = spec?["loadBalancerClass"]
        if let old, GoJSON.string(old["type"]) == "LoadBalancer", isLB {
            let a = old["loadBalancerClass"]?.stringValue
            let b = cls?.stringValue
            if a != b {
                errs.append(
                    b.map { CoreField.invalid("spec.loadBalancerClass", $0, "may not change once set") }
                        ?? CoreField.invalidNull("spec.loadBalancerClass", "may not change once set"))
            }
        }
        if isLB {
            if let c = cls?.stringValue { errs += CoreFormats.qualifiedName(c, "spec.loadBalancerClass") }
        } else if GoJSON.isSet(cls) {
            errs.append(CoreField.forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))
        }
        return errs
    }

    private static func needsHealthCheck(_ spec: JSONValue?) -> Bool {
        GoJSON.string(spec?["type"]) == "LoadBalancer" && GoJSON.string(spec?["externalTrafficPolicy"]) == "Local"
    }

    private static func validateExternalTrafficPolicy(_ spec: JSONValue?) -> [FieldError] {
        var errs: [FieldError] = []
        let type = GoJSON.string(spec?["type"])
        let policy = GoJSON.string(spec?["externalTrafficPolicy"])
        let external =
            type == "LoadBalancer" || type == "NodePort"
            || (type == "ClusterIP" && !GoJSON.array(spec?["externalIPs"]).isEmpty)
        if !external {
            if !policy.isEmpty {
                errs.append(
                    CoreField.invalid(
                        "spec.externalTrafficPolicy", policy, "may only be set for externally-accessible services"))
            }
        } else if policy.isEmpty {
            errs.append(CoreField.required("spec.externalTrafficPolicy"))
        } else if policy != "Cluster" && policy != "Local" {
            errs.append(CoreField.notSupported("spec.externalTrafficPolicy", policy, ["Cluster", "Local"]))
        }
        let hc = GoJSON.int(spec?["healthCheckNodePort"]) ?? 0
        if !needsHealthCheck(spec) {
            if hc != 0 {
                errs.append(
                    CoreField.invalid(
                        "spec.healthCheckNodePort", int: hc,
                        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            }
        } else if hc == 0 {
            errs.append(CoreField.required("spec.healthCheckNodePort"))
        } else {
            errs += CoreFormats.isValidPortNum(hc).map { CoreField.invalid("spec.healthCheckNodePort", int: hc, $0) }
        }
        return errs
    }

    private static func stringSlice(_ values: [String]) -> String {
        PodSpecValidation.goStringSlice(values.map { .string($0) })
    }

    /// `ValidateServiceClusterIPsRelatedFields`.
    private static func validateClusterIPsRelatedFields(_ spec: JSONValue?) -> [FieldError] {
        if GoJSON.string(spec?["type"]) == "ExternalName" { return [] }
        var errs: [FieldError] = []
        var invalidIPs = false
        let clusterIP = GoJSON.string(spec?["clusterIP"])
        let clusterIPs = GoJSON.array(spec?["clusterIPs"]).map { $0.stringValue ?? "" }
        let families = GoJSON.array(spec?["ipFamilies"]).map { $0.stringValue ?? "" }
        if !clusterIP.isEmpty {
            if clusterIPs.isEmpty {
                errs.append(CoreField.required("spec.clusterIPs"))
            } else if clusterIPs[0] != clusterIP {
                errs.append(
                    CoreField.invalid(
                        "spec.clusterIPs", raw: stringSlice(clusterIPs), "first value must match `clusterIP`"))
            }
        } else if !clusterIPs.isEmpty {
            errs.append(
                CoreField.invalid(
                    "spec.clusterIPs", raw: stringSlice(clusterIPs), "must be empty when `clusterIP` is not specified"))
        }
        var seen = Set<String>()
        for (i, family) in families.enumerated() {
            if family != "IPv4" && family != "IPv6" {
                errs.append(CoreField.notSupported("spec.ipFamilies[\(i)]", family, ["IPv4", "IPv6"]))
            }
            if !seen.insert(family).inserted { errs.append(CoreField.duplicate("spec.ipFamilies[\(i)]", family)) }
        }
        if let policy = spec?["ipFamilyPolicy"]?.stringValue,
            !["PreferDualStack", "RequireDualStack", "SingleStack"].contains(policy)
        {
            errs.append(
                CoreField.notSupported(
                    "spec.ipFamilyPolicy", policy, ["PreferDualStack", "RequireDualStack", "SingleStack"]))
        }
        for (i, ip) in clusterIPs.enumerated() {
            if i == 0 && ip == "None" {
                if clusterIPs.count > 1 {
                    invalidIPs = true
                    errs.append(
                        CoreField.invalid(
                            "spec.clusterIPs", raw: stringSlice(clusterIPs), "'None' must be the first and only value"))
                }
                continue
            }
            let e = CoreFormats.validIP(ip, "spec.clusterIPs[\(i)]")
            invalidIPs = invalidIPs || !e.isEmpty
            errs += e
        }
        if clusterIPs.count > 2 {
            errs.append(
                CoreField.invalid("spec.clusterIPs", raw: stringSlice(clusterIPs), "may only hold up to 2 values"))
        }
        if invalidIPs { return errs }
        if clusterIPs.count > 1 {
            let v4 = clusterIPs.filter { CoreFormats.isIPv4($0) }.count
            let dualStack = v4 >= 1 && clusterIPs.count - v4 >= 1
            if !dualStack {
                errs.append(
                    CoreField.invalid(
                        "spec.clusterIPs", raw: stringSlice(clusterIPs),
                        "may specify no more than one IP for each IP family"))
            }
        }
        if !isHeadless(spec) && !clusterIPs.isEmpty && !families.isEmpty {
            for (i, ip) in clusterIPs.enumerated() where i < families.count {
                let isV6 = CoreFormats.parseIP(ip).map { $0.count == 16 } ?? false
                if families[i] == "IPv4" && isV6 {
                    errs.append(
                        CoreField.invalid(
                            "spec.clusterIPs[\(i)]", ip, "expected an IPv4 value as indicated by `ipFamilies[\(i)]`"))
                }
                if families[i] == "IPv6" && !isV6 {
                    errs.append(
                        CoreField.invalid(
                            "spec.clusterIPs[\(i)]", ip, "expected an IPv6 value as indicated by `ipFamilies[\(i)]`"))
                }
            }
        }
        return errs
    }

    /// `ValidateServiceUpdate` without the object metadata: the cluster IPs and IP families
    /// may only gain or lose their secondary entry, the load balancer class and a Local
    /// policy's health-check port are fixed; then the new Service is validated as on create.
    static func validateUpdate(_ service: JSONValue, old: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = service["spec"]
        let oldSpec = old["spec"]
        let externalName =
            GoJSON.string(spec?["type"]) == "ExternalName" || GoJSON.string(oldSpec?["type"]) == "ExternalName"
        let ips = GoJSON.array(spec?["clusterIPs"]).map { $0.stringValue ?? "" }
        let oldIPs = GoJSON.array(oldSpec?["clusterIPs"]).map { $0.stringValue ?? "" }
        let policy = spec?["ipFamilyPolicy"]?.stringValue
        let policyValue: (String) -> FieldError = { detail in
            policy.map { CoreField.invalid("spec.ipFamilyPolicy", $0, detail) }
                ?? CoreField.invalidNull("spec.ipFamilyPolicy", detail)
        }
        if !externalName && !(isHeadless(spec) && isHeadless(oldSpec)) {
            if oldIPs.count == ips.count {
                for (i, ip) in oldIPs.enumerated() where ip != ips[i] {
                    errs.append(
                        CoreField.invalid("spec.clusterIPs[\(i)]", raw: stringSlice(ips), "may not change once set"))
                }
            } else if oldIPs.count > ips.count {
                if ips.isEmpty {
                    errs.append(
                        CoreField.invalid(
                            "spec.clusterIPs[0]", raw: stringSlice(ips), "primary clusterIP can not be unset"))
                }
                if !oldIPs.isEmpty && !ips.isEmpty && ips[0] != oldIPs[0] {
                    errs.append(
                        CoreField.invalid("spec.clusterIPs[0]", raw: stringSlice(ips), "may not change once set"))
                }
                if ips.count == 1 && policy != "SingleStack" {
                    errs.append(policyValue("must be set to 'SingleStack' when releasing the secondary clusterIP"))
                }
            } else if !oldIPs.isEmpty && ips[0] != oldIPs[0] {
                errs.append(CoreField.invalid("spec.clusterIPs[0]", raw: stringSlice(ips), "may not change once set"))
            }
        }
        let families = GoJSON.array(spec?["ipFamilies"]).map { $0.stringValue ?? "" }
        let oldFamilies = GoJSON.array(oldSpec?["ipFamilies"]).map { $0.stringValue ?? "" }
        if !externalName && isHeadless(spec) == isHeadless(oldSpec) && !isHeadless(spec) {
            if oldFamilies.count == families.count {
                for (i, f) in oldFamilies.enumerated() where f != families[i] {
                    errs.append(
                        CoreField.invalid(
                            "spec.ipFamilies[0]",
                            raw: "[]core.IPFamily{" + families.map(goQuoted).joined(separator: ", ") + "}",
                            "may not change once set"))
                }
            } else if oldFamilies.count > families.count {
                if ips.isEmpty {
                    errs.append(
                        CoreField.invalid(
                            "spec.ipFamilies[0]",
                            raw: "[]core.IPFamily{" + families.map(goQuoted).joined(separator: ", ") + "}",
                            "primary ipFamily can not be unset"))
                }
                if !families.isEmpty && families[0] != oldFamilies[0] {
                    errs.append(
                        CoreField.invalid("spec.ipFamilies[0]", raw: stringSlice(ips), "may not change once set"))
                }
                if families.count == 1 && policy != "SingleStack" {
                    errs.append(policyValue("must be set to 'SingleStack' when releasing the secondary ipFamily"))
                }
            } else if !oldFamilies.isEmpty && !families.isEmpty && families[0] != oldFamilies[0] {
                errs.append(CoreField.invalid("spec.ipFamilies[0]", raw: stringSlice(ips), "may not change once set"))
            }
        }
        errs += validateLoadBalancerClass(spec, old: oldSpec).filter { $0.detail == "may not change once set" }
        if needsHealthCheck(oldSpec) && needsHealthCheck(spec),
            GoJSON.int(spec?["healthCheckNodePort"]) != GoJSON.int(oldSpec?["healthCheckNodePort"])
        {
            errs.append(CoreField.forbidden("spec.healthCheckNodePort", "field is immutable"))
        }
        return errs + validate(service)
    }

    /// `ValidateServiceStatusUpdate` without the object metadata: the load balancer's
    /// ingress IPs, hostnames and port entries.
    static func validateStatusUpdate(_ service: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let type = GoJSON.string(service["spec"]?["type"])
        let ingresses = GoJSON.array(service["status"]?["loadBalancer"]?["ingress"])
        if type != "LoadBalancer" && !ingresses.isEmpty {
            return [
                CoreField.forbidden(
                    "status.loadBalancer.ingress", "may only be used when `spec.type` is 'LoadBalancer'")
            ]
        }
        for (i, ingress) in ingresses.enumerated() {
            let p = "status.loadBalancer.ingress[\(i)]"
            let ip = GoJSON.string(ingress["ip"])
            if !ip.isEmpty { errs += CoreFormats.validIP(ip, p + ".ip") }
            let mode = ingress["ipMode"]?.stringValue
            if mode == nil {
                if !ip.isEmpty { errs.append(CoreField.required(p + ".ipMode", "must be specified when `ip` is set")) }
            } else if ip.isEmpty {
                errs.append(CoreField.forbidden(p + ".ipMode", "may not be specified when `ip` is not set"))
            } else if let mode, mode != "VIP", mode != "Proxy" {
                errs.append(CoreField.notSupported(p + ".ipMode", mode, ["Proxy", "VIP"]))
            }
            let hostname = GoJSON.string(ingress["hostname"])
            if !hostname.isEmpty {
                errs += CoreFormats.dns1123Subdomain(hostname, p + ".hostname")
                if CoreFormats.isIP(hostname) {
                    errs.append(CoreField.invalid(p + ".hostname", hostname, "must be a DNS name, not an IP address"))
                }
            }
        }
        return errs
    }
}
