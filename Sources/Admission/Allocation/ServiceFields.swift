import KubeModel

/// The fields of a Service (v1 JSON) that the registry's allocation code reads and
/// writes, as the internal `api.Service` holds them (absent = empty, `0` or nil).
struct ServiceFields: Equatable {
    struct Port: Equatable {
        var name: String
        var port: Int
        var `protocol`: String
        var nodePort: Int
    }

    var type: String
    var clusterIP: String
    var clusterIPs: [String]
    var ipFamilies: [String]
    var ipFamilyPolicy: String?
    var hasSelector: Bool
    var ports: [Port]
    var healthCheckNodePort: Int
    var externalTrafficPolicy: String
    var externalIPCount: Int
    var allocateLoadBalancerNodePorts: Bool?

    init(_ service: JSONValue) {
        let spec = service["spec"]
        // An unset type is what SetDefaults_Service makes ClusterIP.
        type = spec?["type"]?.stringValue ?? "ClusterIP"
        clusterIP = spec?["clusterIP"]?.stringValue ?? ""
        clusterIPs = (spec?["clusterIPs"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        ipFamilies = (spec?["ipFamilies"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        ipFamilyPolicy = spec?["ipFamilyPolicy"]?.stringValue
        hasSelector = !(spec?["selector"]?.objectValue?.isEmpty ?? true)
        ports = (spec?["ports"]?.arrayValue ?? []).map {
            Port(
                name: $0["name"]?.stringValue ?? "", port: Int($0["port"]?.int64Value ?? 0),
                protocol: $0["protocol"]?.stringValue ?? "", nodePort: Int($0["nodePort"]?.int64Value ?? 0))
        }
        healthCheckNodePort = Int(spec?["healthCheckNodePort"]?.int64Value ?? 0)
        externalTrafficPolicy = spec?["externalTrafficPolicy"]?.stringValue ?? ""
        externalIPCount = spec?["externalIPs"]?.arrayValue?.count ?? 0
        allocateLoadBalancerNodePorts = spec?["allocateLoadBalancerNodePorts"]?.boolValue
    }

    /// Writes the fields that differ from `original` back into `service` (Go's
    /// `omitempty`: an empty value removes the member).
    func write(into service: inout JSONValue, original: ServiceFields) {
        guard self != original else { return }
        var spec = service["spec"]?.objectValue ?? JSONObject()
        func set(_ key: String, _ value: JSONValue?) { spec[key] = value }
        if clusterIP != original.clusterIP { set("clusterIP", clusterIP.isEmpty ? nil : .string(clusterIP)) }
        if clusterIPs != original.clusterIPs {
            set("clusterIPs", clusterIPs.isEmpty ? nil : .array(clusterIPs.map { .string($0) }))
        }
        if ipFamilies != original.ipFamilies {
            set("ipFamilies", ipFamilies.isEmpty ? nil : .array(ipFamilies.map { .string($0) }))
        }
        if ipFamilyPolicy != original.ipFamilyPolicy { set("ipFamilyPolicy", ipFamilyPolicy.map { .string($0) }) }
        if ports != original.ports, var array = spec["ports"]?.arrayValue, array.count == ports.count {
            for (i, port) in ports.enumerated() where port.nodePort != original.ports[i].nodePort {
                array[i]["nodePort"] = port.nodePort == 0 ? nil : .number(JSONNumber(port.nodePort))
            }
            set("ports", .array(array))
        }
        if healthCheckNodePort != original.healthCheckNodePort {
            set("healthCheckNodePort", healthCheckNodePort == 0 ? nil : .number(JSONNumber(healthCheckNodePort)))
        }
        if externalTrafficPolicy != original.externalTrafficPolicy {
            set("externalTrafficPolicy", externalTrafficPolicy.isEmpty ? nil : .string(externalTrafficPolicy))
        }
        if allocateLoadBalancerNodePorts != original.allocateLoadBalancerNodePorts {
            set("allocateLoadBalancerNodePorts", allocateLoadBalancerNodePorts.map { .bool($0) })
        }
        service["spec"] = .object(spec)
    }

    var isExternalName: Bool { type == "ExternalName" }
    /// `needsClusterIP`: every type but ExternalName.
    var needsClusterIP: Bool { !isExternalName }
    /// `needsNodePort`: NodePort and LoadBalancer.
    var needsNodePort: Bool { type == "NodePort" || type == "LoadBalancer" }
    /// `NeedsHealthCheck` / `needsHCNodePort`: a LoadBalancer with externalTrafficPolicy Local.
    var needsHealthCheckNodePort: Bool { type == "LoadBalancer" && externalTrafficPolicy == "Local" }
    /// `ExternallyAccessible`.
    var externallyAccessible: Bool {
        type == "LoadBalancer" || type == "NodePort" || (type == "ClusterIP" && externalIPCount > 0)
    }
    /// `shouldAllocateNodePorts`: NodePort, or LoadBalancer unless
    /// `allocateLoadBalancerNodePorts` is false.
    var shouldAllocateNodePorts: Bool {
        type == "NodePort" || (type == "LoadBalancer" && allocateLoadBalancerNodePorts ?? true)
    }
    /// `isHeadlessService`: clusterIPs is exactly `["None"]`.
    var isHeadless: Bool { clusterIPs == ["None"] }
    /// The node ports the ports hold (`collectServiceNodePorts`).
    var nodePorts: [Int] { ports.map(\.nodePort).filter { $0 != 0 } }
}
