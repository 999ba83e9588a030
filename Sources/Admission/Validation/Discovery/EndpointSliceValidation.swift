import KubeModel

/// `pkg/apis/discovery/validation` for EndpointSlices: the address type, each
/// endpoint's addresses (by type), topology labels and hostname, and the ports.
enum EndpointSliceValidation {
    static let supportedAddressTypes = ["FQDN", "IPv4", "IPv6"]
    static let supportedPortProtocols = ["SCTP", "TCP", "UDP"]
    static let maxTopologyLabels = 16
    static let maxAddresses = 100
    static let maxPorts = 100
    static let maxEndpoints = 1000

    /// All errors of an EndpointSlice write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let isUpdate = request.operation == .update && request.old != nil
        let valid = supportedAddressTypes
        let addressType = object["addressType"]?.stringValue ?? ""
        var errs: [FieldError] = []
        if addressType.isEmpty {
            errs.append(.required("addressType"))
        } else if !valid.contains(addressType) {
            errs.append(.notSupported("addressType", addressType, supported: valid))
        }
        errs += endpoints(object["endpoints"]?.arrayValue ?? [], addressType: addressType)
        errs += ports(object["ports"]?.arrayValue ?? [])
        if isUpdate, let old = request.old {
            errs += ValidationSupport.immutableString(object["addressType"], old["addressType"], "addressType")
        }
        return errs
    }

    private static func endpoints(_ endpoints: [JSONValue], addressType: String) -> [FieldError] {
        if endpoints.count > maxEndpoints {
            return [
                FieldError(
                    .tooMany, field: "endpoints", value: .integer(Int64(endpoints.count)),
                    detail: "must have at most \(maxEndpoints) items")
            ]
        }
        var errs: [FieldError] = []
        for (i, endpoint) in endpoints.enumerated() {
            let idx = "endpoints[\(i)]"
            let addressPath = idx + ".addresses"
            let addresses = (endpoint["addresses"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
            if addresses.isEmpty {
                errs.append(.required(addressPath, "must contain at least 1 address"))
            } else if addresses.count > maxAddresses {
                errs.append(
                    FieldError(
                        .tooMany, field: addressPath, value: .integer(Int64(addresses.count)),
                        detail: "must have at most \(maxAddresses) items"))
            }
            for (j, address) in addresses.enumerated() {
                let p = "\(addressPath)[\(j)]"
                switch addressType {
                case "IPv4":
                    if IPAddress(address)?.ipv4 == nil {
                        errs.append(.invalid(p, address, "must be a valid IPv4 address"))
                    }
                    errs += nonSpecialIP(address, p)
                case "IPv6":
                    let ip = IPAddress(address)
                    if ip == nil || ip?.ipv4 != nil {
                        errs.append(.invalid(p, address, "must be a valid IPv6 address"))
                    }
                    errs += nonSpecialIP(address, p)
                case "FQDN":
                    errs += fullyQualifiedDomainName(address, p)
                default:
                    break
                }
            }
            let topologyPath = idx + ".topology"
            let topology = endpoint["deprecatedTopology"]
            if let t = topology?.objectValue, t.count > maxTopologyLabels {
                errs.append(
                    FieldError(
                        .tooMany, field: topologyPath, value: .integer(Int64(t.count)),
                        detail: "must have at most \(maxTopologyLabels) items"))
            }
            errs += ValidationSupport.labels(topology, topologyPath)
            if let hostname = endpoint["hostname"]?.stringValue {
                errs += NameValidation.isDNS1123Label(hostname).map { .invalid(idx + ".hostname", hostname, $0) }
            }
        }
        return errs
    }

    private static func ports(_ ports: [JSONValue]) -> [FieldError] {
        if ports.count > maxPorts {
            return [
                FieldError(
                    .tooMany, field: "ports", value: .integer(Int64(ports.count)),
                    detail: "must have at most \(maxPorts) items")
            ]
        }
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let idx = "ports[\(i)]"
            // name defaults to "" and protocol to TCP.
            let name = port["name"]?.stringValue ?? ""
            if !name.isEmpty {
                errs += NameValidation.isDNS1123Label(name).map { .invalid(idx + ".name", name, $0) }
            }
            if !names.insert(name).inserted {
                errs.append(FieldError(.duplicate, field: idx + ".name", value: .string(name)))
            }
            let proto = port["protocol"]?.stringValue ?? "TCP"
            if !supportedPortProtocols.contains(proto) {
                errs.append(.notSupported(idx + ".protocol", proto, supported: supportedPortProtocols))
            }
            if let app = port["appProtocol"]?.stringValue {
                errs += NameValidation.isQualifiedName(app).map { .invalid(idx + ".appProtocol", app, $0) }
            }
        }
        return errs
    }

    /// `ValidateNonSpecialIP`.
    static func nonSpecialIP(_ address: String, _ path: String) -> [FieldError] {
        guard let ip = IPAddress(address) else { return [.invalid(path, address, "must be a valid IP address")] }
        var errs: [FieldError] = []
        if ip.isUnspecified { errs.append(.invalid(path, address, "may not be unspecified (\(address))")) }
        if ip.isLoopback {
            errs.append(.invalid(path, address, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
        }
        if ip.isLinkLocalUnicast {
            errs.append(.invalid(path, address, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
        }
        if ip.isLinkLocalMulticast {
            errs.append(
                .invalid(path, address, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
        }
        return errs
    }

    /// `IsFullyQualifiedDomainName`.
    static func fullyQualifiedDomainName(_ value: String, _ path: String) -> [FieldError] {
        if value.isEmpty { return [.required(path)] }
        let name = value.hasSuffix(".") ? String(value.dropLast()) : value
        let subdomain = NameValidation.isDNS1123Subdomain(name)
        if !subdomain.isEmpty { return [.invalid(path, name, subdomain.joined(separator: ","))] }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if labels.count < 2 {
            return [.invalid(path, name, "should be a domain with at least two segments separated by dots")]
        }
        for label in labels {
            let e = NameValidation.isDNS1123Label(label)
            if !e.isEmpty { return [.invalid(path, label, e.joined(separator: ","))] }
        }
        return []
    }
}
