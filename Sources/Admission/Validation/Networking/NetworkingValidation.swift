import KubeModel

/// `pkg/apis/networking/validation` for networking.k8s.io/v1: NetworkPolicies (ports,
/// peers, IP blocks, policy types), Ingresses (rules, paths, backends, TLS, class) and
/// IngressClasses (controller, parameters, an immutable controller).
enum NetworkingValidation {
    static let supportedPathTypes = ["Exact", "ImplementationSpecific", "Prefix"]
    static let invalidPathSequences = ["//", "/./", "/../", "%2f", "%2F"]
    static let invalidPathSuffixes = ["/..", "/."]
    static let maxLenIngressClassController = 250
    static let annotationIngressClass = "kubernetes.io/ingress.class"

    /// All errors of a networking.k8s.io/v1 write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        guard request.subresource == nil else { return [] }
        let old = request.operation == .update ? request.old : nil
        switch request.info.kind {
        case "NetworkPolicy": return networkPolicySpec(object["spec"])
        case "Ingress": return ingress(object, old: old)
        case "IngressClass": return ingressClass(object, old: old)
        default: return []
        }
    }

    // MARK: NetworkPolicy

    /// `ValidateNetworkPolicySpec`; port protocols default to TCP and policyTypes to
    /// Ingress (plus Egress when there are egress rules).
    static func networkPolicySpec(_ spec: JSONValue?) -> [FieldError] {
        var errs = ValidationSupport.labelSelector(spec?["podSelector"], "spec.podSelector")
        for (direction, peersKey) in [("ingress", "from"), ("egress", "to")] {
            for (i, rule) in (spec?[direction]?.arrayValue ?? []).enumerated() {
                let rp = "spec.\(direction)[\(i)]"
                for (j, port) in (rule["ports"]?.arrayValue ?? []).enumerated() {
                    errs += networkPolicyPort(port, "\(rp).ports[\(j)]")
                }
                for (j, peer) in (rule[peersKey]?.arrayValue ?? []).enumerated() {
                    errs += networkPolicyPeer(peer, "\(rp).\(peersKey)[\(j)]")
                }
            }
        }
        var policyTypes = (spec?["policyTypes"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        if policyTypes.isEmpty {
            policyTypes = ["Ingress"]
            if !(spec?["egress"]?.arrayValue ?? []).isEmpty { policyTypes.append("Egress") }
        }
        if policyTypes.count > 2 {
            errs.append(
                FieldError(
                    .invalid, field: "spec.policyTypes",
                    value: .raw("[]networking.PolicyType{" + policyTypes.map(goQuoted).joined(separator: ", ") + "}"),
                    detail: "may not specify more than two policyTypes"))
            return errs
        }
        for (i, t) in policyTypes.enumerated() where t != "Ingress" && t != "Egress" {
            errs.append(.notSupported("spec.policyTypes[\(i)]", t, supported: ["Ingress", "Egress"]))
        }
        return errs
    }

    private static func networkPolicyPort(_ port: JSONValue, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let proto = port["protocol"]?.stringValue ?? "TCP"
        if !["TCP", "UDP", "SCTP"].contains(proto) {
            errs.append(.notSupported(path + ".protocol", proto, supported: ["TCP", "UDP", "SCTP"]))
        }
        let endPort = port["endPort"]?.int64Value
        if let p = port["port"], !p.isNull {
            if let name = p.stringValue {
                if let e = endPort {
                    errs.append(
                        FieldError(
                            .invalid, field: path + ".endPort", value: .integer(e),
                            detail: "may not be specified when `port` is non-numeric"))
                }
                errs += isValidPortName(name).map { .invalid(path + ".port", name, $0) }
            } else {
                let n = p.int64Value ?? 0
                errs += isValidPortNum(n).map {
                    FieldError(.invalid, field: path + ".port", value: .integer(n), detail: $0)
                }
                if let e = endPort {
                    if e < n {
                        errs.append(
                            FieldError(
                                .invalid, field: path + ".endPort", value: .integer(n),
                                detail: "must be greater than or equal to `port`"))
                    }
                    errs += isValidPortNum(e).map {
                        FieldError(.invalid, field: path + ".endPort", value: .integer(e), detail: $0)
                    }
                }
            }
        } else if let e = endPort {
            errs.append(
                FieldError(
                    .invalid, field: path + ".endPort", value: .integer(e),
                    detail: "may not be specified when `port` is not specified"))
        }
        return errs
    }

    private static func networkPolicyPeer(_ peer: JSONValue, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var peers = 0
        for key in ["podSelector", "namespaceSelector"] {
            if let s = peer[key], !s.isNull {
                peers += 1
                errs += ValidationSupport.labelSelector(s, "\(path).\(key)")
            }
        }
        let ipBlock = peer["ipBlock"].flatMap { $0.isNull ? nil : $0 }
        if let b = ipBlock {
            peers += 1
            errs += self.ipBlock(b, path + ".ipBlock")
        }
        if peers == 0 {
            errs.append(.required(path, "must specify a peer"))
        } else if peers > 1 && ipBlock != nil {
            errs.append(.forbidden(path, "may not specify both ipBlock and another peer"))
        }
        return errs
    }

    private static let invalidCIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

    /// `ValidateIPBlock`.
    private static func ipBlock(_ block: JSONValue, _ path: String) -> [FieldError] {
        let cidr = block["cidr"]?.stringValue ?? ""
        if cidr.isEmpty { return [.required(path + ".cidr")] }
        guard let network = CIDR(cidr) else { return [.invalid(path + ".cidr", cidr, invalidCIDR)] }
        var errs: [FieldError] = []
        for (i, e) in (block["except"]?.arrayValue ?? []).enumerated() {
            let text = e.stringValue ?? ""
            let p = "\(path).except[\(i)]"
            guard let except = CIDR(text) else {
                errs.append(.invalid(p, text, invalidCIDR))
                continue
            }
            if !network.contains(except.network) || network.prefix >= except.prefix {
                errs.append(.invalid(p, text, "must be a strict subset of `cidr`"))
            }
        }
        return errs
    }

    // MARK: Ingress

    /// `ValidateIngressCreate` / `ValidateIngressUpdate` (without metadata).
    static func ingress(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        let spec = object["spec"]
        var allowInvalidSecretName = false
        var allowInvalidWildcardHostRule = false
        if let oldSpec = old?["spec"] {
            allowInvalidSecretName = (oldSpec["tls"]?.arrayValue ?? []).contains {
                !tlsSecretNameErrors($0["secretName"]?.stringValue ?? "").isEmpty
            }
            allowInvalidWildcardHostRule = (oldSpec["rules"]?.arrayValue ?? []).contains {
                ($0["host"]?.stringValue ?? "").contains("*") && !ruleValue($0, path: "").isEmpty
            }
        }
        var errs: [FieldError] = []
        let rules = spec?["rules"]?.arrayValue ?? []
        let defaultBackend = spec?["defaultBackend"].flatMap { $0.isNull ? nil : $0 }
        if rules.isEmpty && defaultBackend == nil {
            errs.append(
                FieldError(
                    .invalid, field: "spec",
                    value: .raw(
                        spec?["rules"]?.arrayValue == nil
                            ? "[]networking.IngressRule(nil)" : "[]networking.IngressRule{}"),
                    detail: "either `defaultBackend` or `rules` must be specified"))
        }
        if let b = defaultBackend { errs += backend(b, "spec.defaultBackend") }
        for (i, rule) in rules.enumerated() {
            let p = "spec.rules[\(i)]"
            var wildcard = false
            let host = rule["host"]?.stringValue ?? ""
            if !host.isEmpty {
                if IPAddress(host) != nil {
                    errs.append(.invalid(p + ".host", host, "must be a DNS name, not an IP address"))
                }
                if host.contains("*") {
                    errs += isWildcardDNS1123Subdomain(host).map { .invalid(p + ".host", host, $0) }
                    wildcard = true
                } else {
                    errs += NameValidation.isDNS1123Subdomain(host).map { .invalid(p + ".host", host, $0) }
                }
            }
            if !wildcard || !allowInvalidWildcardHostRule { errs += ruleValue(rule, path: p) }
        }
        for (i, tls) in (spec?["tls"]?.arrayValue ?? []).enumerated() {
            let p = "spec.tls[\(i)]"
            for (j, h) in (tls["hosts"]?.arrayValue ?? []).enumerated() {
                let host = h.stringValue ?? ""
                let problems =
                    host.contains("*") ? isWildcardDNS1123Subdomain(host) : NameValidation.isDNS1123Subdomain(host)
                errs += problems.map { .invalid("\(p).hosts[\(j)]", host, $0) }
            }
            if !allowInvalidSecretName {
                let name = tls["secretName"]?.stringValue ?? ""
                errs += tlsSecretNameErrors(name).map { .invalid(p + ".secretName", name, $0) }
            }
        }
        if let className = spec?["ingressClassName"]?.stringValue {
            errs += NameValidation.isDNS1123Subdomain(className).map {
                .invalid("spec.ingressClassName", className, $0)
            }
        }
        if old == nil, spec?["ingressClassName"]?.stringValue != nil,
            let annotation = object["metadata"]?["annotations"]?[annotationIngressClass]?.stringValue
        {
            errs.append(
                .invalid(
                    "annotations.kubernetes.io/ingress.class", annotation,
                    "can not be set when the class field is also set"))
        }
        return errs
    }

    private static func tlsSecretNameErrors(_ name: String) -> [String] {
        name.isEmpty ? [] : NameValidation.isDNS1123Subdomain(name)
    }

    /// `validateIngressRuleValue`.
    private static func ruleValue(_ rule: JSONValue, path: String) -> [FieldError] {
        guard let http = rule["http"], !http.isNull else { return [] }
        let p = path + ".http"
        let paths = http["paths"]?.arrayValue ?? []
        var errs: [FieldError] = []
        if paths.isEmpty { errs.append(.required(p + ".paths")) }
        for (i, entry) in paths.enumerated() {
            let pp = "\(p).paths[\(i)]"
            guard let pathType = entry["pathType"]?.stringValue else {
                errs.append(.required(pp + ".pathType", "pathType must be specified"))
                continue
            }
            let value = entry["path"]?.stringValue ?? ""
            switch pathType {
            case "Exact", "Prefix":
                if !value.hasPrefix("/") { errs.append(.invalid(pp + ".path", value, "must be an absolute path")) }
                if !value.isEmpty {
                    for seq in invalidPathSequences where value.contains(seq) {
                        errs.append(.invalid(pp + ".path", value, "must not contain '\(seq)'"))
                    }
                    for suffix in invalidPathSuffixes where value.hasSuffix(suffix) {
                        errs.append(.invalid(pp + ".path", value, "cannot end with '\(suffix)'"))
                    }
                }
            case "ImplementationSpecific":
                if !value.isEmpty && !value.hasPrefix("/") {
                    errs.append(.invalid(pp + ".path", value, "must be an absolute path"))
                }
            default:
                errs.append(.notSupported(pp + ".pathType", pathType, supported: supportedPathTypes))
            }
            errs += backend(entry["backend"] ?? [:], pp + ".backend")
        }
        return errs
    }

    /// `validateIngressBackend`.
    private static func backend(_ backend: JSONValue, _ path: String) -> [FieldError] {
        let resource = backend["resource"].flatMap { $0.isNull ? nil : $0 }
        let service = backend["service"].flatMap { $0.isNull ? nil : $0 }
        switch (resource, service) {
        case (.some, .some):
            return [.invalid(path, "", "cannot set both resource and service backends")]
        case (let r?, nil):
            return typedLocalObjectReference(r, path + ".resource")
        case (nil, let s?):
            var errs: [FieldError] = []
            let name = s["name"]?.stringValue ?? ""
            if name.isEmpty {
                errs.append(.required(path + ".service.name"))
            } else {
                errs += NameValidation.isDNS1035Label(name).map { .invalid(path + ".service.name", name, $0) }
            }
            let portName = s["port"]?["name"]?.stringValue ?? ""
            let portNumber = s["port"]?["number"]?.int64Value ?? 0
            if !portName.isEmpty && portNumber != 0 {
                errs.append(.invalid(path, "", "cannot set both port name & port number"))
            } else if !portName.isEmpty {
                errs += isValidPortName(portName).map { .invalid(path + ".service.port.name", portName, $0) }
            } else if portNumber != 0 {
                errs += isValidPortNum(portNumber).map {
                    FieldError(.invalid, field: path + ".service.port.number", value: .integer(portNumber), detail: $0)
                }
            } else {
                errs.append(.required(path, "port name or number is required"))
            }
            return errs
        case (nil, nil):
            return [.invalid(path, "", "resource or service backend is required")]
        }
    }

    /// `validateIngressTypedLocalObjectReference`.
    private static func typedLocalObjectReference(_ ref: JSONValue, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if let group = ref["apiGroup"]?.stringValue {
            errs += NameValidation.isDNS1123Subdomain(group).map { .invalid(path + ".apiGroup", group, $0) }
        }
        for key in ["kind", "name"] {
            let value = ref[key]?.stringValue ?? ""
            if value.isEmpty {
                errs.append(.required("\(path).\(key)", "\(key) is required"))
            } else {
                errs += NameValidation.isValidPathSegmentName(value).map { .invalid("\(path).\(key)", value, $0) }
            }
        }
        return errs
    }

    // MARK: IngressClass

    /// `ValidateIngressClass` / `ValidateIngressClassUpdate` (without metadata).
    static func ingressClass(_ object: JSONValue, old: JSONValue?) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = object["spec"]
        let controller = spec?["controller"]?.stringValue ?? ""
        if let old {
            errs += ValidationSupport.immutableString(
                spec?["controller"], old["spec"]?["controller"], "spec.controller")
        }
        if controller.utf8.count > maxLenIngressClassController {
            errs.append(.tooLong("spec.controller", maxBytes: maxLenIngressClassController))
        }
        errs += JobValidation.domainPrefixedPath(controller, "spec.controller")
        if let params = spec?["parameters"], !params.isNull {
            let p = "spec.parameters"
            errs += typedLocalObjectReference(params, p)
            // scope defaults to Cluster.
            let scope = params["scope"]?.stringValue ?? "Cluster"
            let namespace = params["namespace"].flatMap { $0.isNull ? nil : $0.stringValue }
            if scope != "Cluster" && scope != "Namespace" {
                errs.append(.notSupported(p + ".scope", scope, supported: ["Cluster", "Namespace"]))
            } else if scope == "Namespace" {
                if let ns = namespace {
                    errs += NameValidation.isDNS1123Label(ns).map { .invalid(p + ".namespace", ns, $0) }
                } else {
                    errs.append(.required(p + ".namespace", "`parameters.scope` is set to 'Namespace'"))
                }
            } else if namespace != nil {
                errs.append(.forbidden(p + ".namespace", "`parameters.scope` is set to 'Cluster'"))
            }
        }
        return errs
    }

    // MARK: apimachinery helpers

    /// `IsValidPortNum`.
    static func isValidPortNum(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : ["must be between 1 and 65535, inclusive"]
    }

    /// `IsValidPortName` (IANA service names).
    static func isValidPortName(_ port: String) -> [String] {
        var errs: [String] = []
        let b = Array(port.utf8)
        if b.count > 15 { errs.append("must be no more than 15 characters") }
        let lowerOrDigit: (UInt8) -> Bool = { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
        if b.isEmpty || !b.allSatisfy({ lowerOrDigit($0) || $0 == 45 }) {
            errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !b.contains(where: { $0 >= 97 && $0 <= 122 }) { errs.append("must contain at least one letter (a-z)") }
        if port.contains("--") { errs.append("must not contain consecutive hyphens") }
        if let f = b.first, let l = b.last, f == 45 || l == 45 { errs.append("must not begin or end with a hyphen") }
        return errs
    }

    /// `IsWildcardDNS1123Subdomain`.
    static func isWildcardDNS1123Subdomain(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > 253 { errs.append("must be no more than 253 characters") }
        let rest = value.hasPrefix("*.") ? String(value.dropFirst(2)) : nil
        // The regex part only: the length is reported above.
        let matches = rest.map { r in
            !NameValidation.isDNS1123Subdomain(r).contains { $0.hasPrefix("a lowercase RFC 1123 subdomain") }
        }
        if matches != true {
            errs.append(
                "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            )
        }
        return errs
    }
}

/// A CIDR parsed like `netutils.ParseCIDRSloppy`: the network address and prefix length.
struct CIDR {
    var network: IPAddress
    var isIPv4: Bool
    var prefix: Int

    init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let ipText = String(text[..<slash])
        let maskText = text[text.index(after: slash)...]
        guard let ip = IPAddress(ipText), !maskText.isEmpty, maskText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let n = Int(maskText)
        else { return nil }
        let v4 = !ipText.contains(":")
        guard n <= (v4 ? 32 : 128) else { return nil }
        isIPv4 = v4
        prefix = n
        var bytes = ip.bytes
        let offset = v4 ? 12 : 0
        for i in 0..<(v4 ? 4 : 16) {
            let bit = i * 8
            let keep = max(0, min(8, n - bit))
            let mask: UInt8 = keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
            bytes[offset + i] &= mask
        }
        network = IPAddress(bytes: bytes)
    }

    /// `IPNet.Contains` for another network's address.
    func contains(_ ip: IPAddress) -> Bool {
        if isIPv4 != (ip.ipv4 != nil) { return false }
        let offset = isIPv4 ? 12 : 0
        for i in 0..<(isIPv4 ? 4 : 16) {
            let keep = max(0, min(8, prefix - i * 8))
            let mask: UInt8 = keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
            if ip.bytes[offset + i] & mask != network.bytes[offset + i] { return false }
        }
        return true
    }
}
