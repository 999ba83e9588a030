import KubeModel

/// ConfigMaps, Secrets, Namespaces, ServiceAccounts, Endpoints and Nodes
/// (`ValidateConfigMap(Update)`, `ValidateSecret(Update)`, `ValidateNamespace…`,
/// `ValidateEndpoints`, `ValidateNode(Update)`), without the object metadata.
enum ConfigValidation {
    /// `core.MaxSecretSize`: the data of a ConfigMap or Secret, 1 MiB.
    static let maxSize = 1024 * 1024

    // MARK: ConfigMap

    static func validateConfigMap(_ cm: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        var total = 0
        let binary = cm["binaryData"]?.objectValue
        for (key, value) in GoJSON.entries(cm["data"]) {
            errs += CoreFormats.isConfigMapKey(key).map { CoreField.invalid("data[\(key)]", key, $0) }
            if binary?[key] != nil {
                errs.append(CoreField.invalid("data[\(key)]", key, "duplicate of key present in binaryData"))
            }
            total += (value.stringValue ?? "").utf8.count
        }
        for (key, value) in GoJSON.entries(cm["binaryData"]) {
            errs += CoreFormats.isConfigMapKey(key).map { CoreField.invalid("binaryData[\(key)]", key, $0) }
            total += GoBase64.decodedLength(value.stringValue ?? "")
        }
        if total > maxSize { errs.append(CoreField.tooLong("[]", maxSize)) }  // Go renders field.NewPath("") so
        return errs
    }

    static func validateConfigMapUpdate(_ cm: JSONValue, old: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        if old["immutable"]?.boolValue == true {
            if cm["immutable"]?.boolValue != true {
                errs.append(CoreField.forbidden("immutable", "field is immutable when `immutable` is set"))
            }
            if !mapsEqual(cm["data"], old["data"]) {
                errs.append(CoreField.forbidden("data", "field is immutable when `immutable` is set"))
            }
            if !mapsEqual(cm["binaryData"], old["binaryData"]) {
                errs.append(CoreField.forbidden("binaryData", "field is immutable when `immutable` is set"))
            }
        }
        return errs + validateConfigMap(cm)
    }

    /// `reflect.DeepEqual` of two maps: absent and null are a nil map, which differs from `{}`.
    private static func mapsEqual(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        func norm(_ v: JSONValue?) -> JSONValue? { v?.isNull == true ? nil : v }
        return norm(a) == norm(b)
    }

    // MARK: Secret

    /// The data as the internal type holds it: `data` (base64-decoded sizes) with
    /// `stringData` merged over it, as the v1 conversion does.
    private static func secretData(_ secret: JSONValue) -> [(key: String, size: Int, base64: String?, text: String?)] {
        var entries: [String: (Int, String?, String?)] = [:]
        for (k, v) in GoJSON.entries(secret["data"]) {
            let s = v.stringValue ?? ""
            entries[k] = (GoBase64.decodedLength(s), s, nil)
        }
        for (k, v) in GoJSON.entries(secret["stringData"]) {
            let s = v.stringValue ?? ""
            entries[k] = (s.utf8.count, nil, s)
        }
        return entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value.0, $0.value.1, $0.value.2) }
    }

    static func validateSecret(_ secret: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let data = secretData(secret)
        var total = 0
        for entry in data {
            errs += CoreFormats.isConfigMapKey(entry.key).map { CoreField.invalid("data[\(entry.key)]", entry.key, $0) }
            total += entry.size
        }
        if total > maxSize { errs.append(CoreField.tooLong("data", maxSize)) }
        let keys = Set(data.map(\.key))
        func bytes(_ key: String) -> [UInt8]? {
            guard let e = data.first(where: { $0.key == key }) else { return nil }
            if let t = e.text { return Array(t.utf8) }
            return GoBase64.decode(e.base64 ?? "")
        }
        switch GoJSON.string(secret["type"]) {
        case "kubernetes.io/service-account-token":
            let name = PodValidation.stringDictionary(secret["metadata"]?["annotations"])[
                "kubernetes.io/service-account.name"]
            if (name ?? "").isEmpty {
                errs.append(CoreField.required("metadata.annotations[kubernetes.io/service-account.name]"))
            }
        case "Opaque", "": break
        case "kubernetes.io/dockercfg":
            errs += requireJSONObject(bytes(".dockercfg"), key: ".dockercfg")
        case "kubernetes.io/dockerconfigjson":
            errs += requireJSONObject(bytes(".dockerconfigjson"), key: ".dockerconfigjson")
        case "kubernetes.io/basic-auth":
            if !keys.contains("username") && !keys.contains("password") {
                errs.append(CoreField.required("data[username]"))
                errs.append(CoreField.required("data[password]"))
            }
        case "kubernetes.io/ssh-auth":
            if (bytes("ssh-privatekey") ?? []).isEmpty { errs.append(CoreField.required("data[ssh-privatekey]")) }
        case "kubernetes.io/tls":
            if !keys.contains("tls.crt") { errs.append(CoreField.required("data[tls.crt]")) }
            if !keys.contains("tls.key") { errs.append(CoreField.required("data[tls.key]")) }
        default: break
        }
        return errs
    }

    /// The docker config keys must hold a JSON object (Go's `json.Unmarshal` into a map).
    private static func requireJSONObject(_ bytes: [UInt8]?, key: String) -> [FieldError] {
        guard let bytes else { return [CoreField.required("data[\(key)]")] }
        let text = String(decoding: bytes, as: UTF8.self)
        let parsed = try? JSONValue(parsing: text)
        switch parsed {
        case .object?, .null?: return []
        case nil:
            let detail = bytes.isEmpty ? "unexpected end of JSON input" : "invalid JSON"
            return [CoreField.invalid("data[\(key)]", "<secret contents redacted>", detail)]
        default:
            return [
                CoreField.invalid(
                    "data[\(key)]", "<secret contents redacted>",
                    "json: cannot unmarshal \(goJSONKind(parsed)) into Go value of type map[string]interface {}")
            ]
        }
    }

    private static func goJSONKind(_ v: JSONValue?) -> String {
        switch v {
        case .array?: "array"
        case .string?: "string"
        case .number?: "number"
        case .bool?: "bool"
        default: "value"
        }
    }

    static func validateSecretUpdate(_ secret: JSONValue, old: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        let type = GoJSON.string(secret["type"])
        if type != GoJSON.string(old["type"]) { errs.append(CoreField.invalid("type", type, "field is immutable")) }
        if old["immutable"]?.boolValue == true {
            if secret["immutable"]?.boolValue != true {
                errs.append(CoreField.forbidden("immutable", "field is immutable when `immutable` is set"))
            }
            let new = secretData(secret).map {
                "\($0.key)=\($0.base64 ?? GoBase64.encode(Array(($0.text ?? "").utf8)))"
            }
            let previous = secretData(old).map {
                "\($0.key)=\($0.base64 ?? GoBase64.encode(Array(($0.text ?? "").utf8)))"
            }
            if new != previous || GoJSON.isSet(secret["data"]) != GoJSON.isSet(old["data"]) {
                errs.append(CoreField.forbidden("data", "field is immutable when `immutable` is set"))
            }
        }
        return errs + validateSecret(secret)
    }

    // MARK: Namespace

    private static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    /// `validateFinalizerName`.
    static func validateFinalizerName(_ name: String, _ field: String) -> [FieldError] {
        var errs = CoreFormats.qualifiedName(name, field)
        if !name.contains("/") && !standardFinalizers.contains(name) {
            errs.append(
                CoreField.invalid(field, name, "name is neither a standard finalizer name nor is it fully qualified"))
        }
        return errs
    }

    static func validateNamespace(_ ns: JSONValue) -> [FieldError] {
        GoJSON.array(ns["spec"]?["finalizers"]).flatMap {
            validateFinalizerName($0.stringValue ?? "", "spec.finalizers")
        }
    }

    static func validateNamespaceStatus(_ ns: JSONValue) -> [FieldError] {
        let phase = GoJSON.string(ns["status"]?["phase"])
        if GoJSON.isSet(ns["metadata"]?["deletionTimestamp"]) {
            if phase != "Terminating" {
                return [
                    CoreField.invalid(
                        "status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")
                ]
            }
        } else if phase != "Active" {
            return [CoreField.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")]
        }
        return []
    }

    /// The `finalize` subresource: each finalizer name, indexed.
    static func validateNamespaceFinalize(_ ns: JSONValue) -> [FieldError] {
        GoJSON.array(ns["spec"]?["finalizers"]).enumerated().flatMap {
            validateFinalizerName($0.element.stringValue ?? "", "spec.finalizers[\($0.offset)]")
        }
    }

    // MARK: Endpoints

    static func validateEndpoints(_ ep: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, subset) in GoJSON.array(ep["subsets"]).enumerated() {
            let p = "subsets[\(i)]"
            let addresses = GoJSON.array(subset["addresses"])
            let notReady = GoJSON.array(subset["notReadyAddresses"])
            if addresses.isEmpty && notReady.isEmpty {
                errs.append(CoreField.required(p, "must specify `addresses` or `notReadyAddresses`"))
            }
            for (j, a) in addresses.enumerated() { errs += validateEndpointAddress(a, "\(p).addresses[\(j)]") }
            for (j, a) in notReady.enumerated() { errs += validateEndpointAddress(a, "\(p).notReadyAddresses[\(j)]") }
            let ports = GoJSON.array(subset["ports"])
            for (j, port) in ports.enumerated() {
                let pp = "\(p).ports[\(j)]"
                let name = GoJSON.string(port["name"])
                if ports.count > 1 && name.isEmpty {
                    errs.append(CoreField.required(pp + ".name"))
                } else if !name.isEmpty {
                    errs += CoreFormats.dns1123Label(name, pp + ".name")
                }
                let number = GoJSON.int(port["port"]) ?? 0
                errs += CoreFormats.isValidPortNum(number).map { CoreField.invalid(pp + ".port", int: number, $0) }
                let proto = GoJSON.string(port["protocol"])
                if proto.isEmpty {
                    errs.append(CoreField.required(pp + ".protocol"))
                } else if !["SCTP", "TCP", "UDP"].contains(proto) {
                    errs.append(CoreField.notSupported(pp + ".protocol", proto, ["SCTP", "TCP", "UDP"]))
                }
                if let app = port["appProtocol"]?.stringValue {
                    errs += CoreFormats.qualifiedName(app, pp + ".appProtocol")
                }
            }
        }
        return errs
    }

    private static func validateEndpointAddress(_ a: JSONValue, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let ip = GoJSON.string(a["ip"])
        errs += CoreFormats.validIP(ip, path + ".ip")
        let hostname = GoJSON.string(a["hostname"])
        if !hostname.isEmpty { errs += CoreFormats.dns1123Label(hostname, path + ".hostname") }
        if let node = a["nodeName"]?.stringValue {
            errs += NameValidation.isDNS1123Subdomain(node).map { CoreField.invalid(path + ".nodeName", node, $0) }
        }
        errs += CoreFormats.nonSpecialIP(ip, path + ".ip")
        return errs
    }

    // MARK: Node

    static func validateNode(_ node: JSONValue) -> [FieldError] {
        var errs = validateTaints(node["spec"]?["taints"])
        errs += validateNodeResources(node)
        let cidrs = GoJSON.array(node["spec"]?["podCIDRs"]).map { $0.stringValue ?? "" }
        for (i, c) in cidrs.enumerated() { errs += CoreFormats.validCIDR(c, "spec.podCIDRs[\(i)]") }
        if cidrs.count > 1 {
            let v4 = cidrs.filter { !$0.contains(":") }.count
            if let bad = cidrs.firstIndex(where: { !CoreFormats.validCIDR($0, "").isEmpty }) {
                errs.append(
                    FieldError(
                        .internalError, field: "spec.podCIDRs",
                        detail:
                            "invalid PodCIDRs. failed to check with dual stack with error:invalid CIDR[\(bad)]: <nil> (invalid CIDR address: \(cidrs[bad]))"
                    ))
            }
            let invalid = cidrs.contains { !CoreFormats.validCIDR($0, "").isEmpty }
            if invalid || v4 == 0 || v4 == cidrs.count || cidrs.count > 2 {
                errs.append(
                    CoreField.invalid(
                        "spec.podCIDRs", raw: PodSpecValidation.goStringSlice(cidrs.map { .string($0) }),
                        "may specify no more than one CIDR for each IP family"))
            }
            var seen = Set<String>()
            for (i, c) in cidrs.enumerated() where !seen.insert(c).inserted {
                errs.append(CoreField.duplicate("spec.podCIDRs[\(i)]", c))
            }
        }
        return errs
    }

    private static func validateTaints(_ list: JSONValue?) -> [FieldError] {
        var errs: [FieldError] = []
        var unique: [String: Set<String>] = [:]
        for (i, taint) in GoJSON.array(list).enumerated() {
            let p = "metadata.taints[\(i)]"
            let key = GoJSON.string(taint["key"])
            let value = GoJSON.string(taint["value"])
            let effect = GoJSON.string(taint["effect"])
            errs += CoreFormats.qualifiedName(key, p + ".key")
            let msgs = NameValidation.isValidLabelValue(value)
            if !msgs.isEmpty { errs.append(CoreField.invalid(p + ".value", value, msgs.joined(separator: ";"))) }
            errs += PodSpecValidation.enumValue(effect, p + ".effect", ["NoSchedule", "PreferNoSchedule", "NoExecute"])
            if unique[effect]?.contains(key) == true {
                var e = FieldError(
                    .duplicate, field: p,
                    value: .raw(
                        "core.Taint{Key:\(goQuoted(key)), Value:\(goQuoted(value)), Effect:\(goQuoted(effect)), TimeAdded:<nil>}"
                    ))
                e.detail = "taints must be unique by key and effect pair"
                errs.append(e)
                continue
            }
            unique[effect, default: []].insert(key)
        }
        return errs
    }

    private static func validateNodeResources(_ node: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        for key in ["capacity", "allocatable"] {
            for (name, value) in GoJSON.entries(node["status"]?[key]) {
                let f = "status.\(key).\(name)"
                guard let q = ResourceValidation.quantity(value, f, into: &errs) else { continue }
                errs += ResourceValidation.validateQuantityValue(name, q, f)
            }
        }
        return errs
    }

    static func validateNodeUpdate(_ node: JSONValue, old: JSONValue) -> [FieldError] {
        var errs = validateNodeResources(node)
        var seen = Set<String>()
        for (i, a) in GoJSON.array(node["status"]?["addresses"]).enumerated() {
            let type = GoJSON.string(a["type"])
            let address = GoJSON.string(a["address"])
            if !seen.insert(type + "\u{0}" + address).inserted {
                errs.append(
                    FieldError(
                        .duplicate, field: "status.addresses[\(i)]",
                        value: .raw("core.NodeAddress{Type:\(goQuoted(type)), Address:\(goQuoted(address))}")))
            }
        }
        let oldCIDRs = GoJSON.array(old["spec"]?["podCIDRs"])
        let cidrs = GoJSON.array(node["spec"]?["podCIDRs"])
        let cidrMessage = "node updates may not change podCIDR except from \"\" to valid"
        if !oldCIDRs.isEmpty {
            if oldCIDRs.count != cidrs.count {
                errs.append(CoreField.forbidden("spec.podCIDRs", cidrMessage))
            } else {
                for (i, c) in oldCIDRs.enumerated() where c != cidrs[i] {
                    errs.append(CoreField.forbidden("spec.podCIDRs", cidrMessage))
                }
            }
        }
        let oldProvider = GoJSON.string(old["spec"]?["providerID"])
        if !oldProvider.isEmpty && oldProvider != GoJSON.string(node["spec"]?["providerID"]) {
            errs.append(
                CoreField.forbidden(
                    "spec.providerID", "node updates may not change providerID except from \"\" to valid"))
        }
        errs += validateTaints(node["spec"]?["taints"])
        if GoJSON.string(node["spec"]?["externalID"]) != GoJSON.string(old["spec"]?["externalID"]) {
            errs.append(CoreField.forbidden("spec.externalID", "may not be updated"))
        }
        return errs
    }
}
