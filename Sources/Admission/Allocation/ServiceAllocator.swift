import KubeModel

/// Why a Service write cannot get its addresses or ports, as the apiserver answers it.
public enum ServiceAllocationError: Error, Equatable, Sendable {
    /// 422 Invalid with these causes (a requested IP or port taken or outside the range,
    /// inconsistent `clusterIP`/`clusterIPs`/`ipFamilies`/`ipFamilyPolicy`).
    case invalid([FieldError])
    /// 500 InternalError: `errors.NewInternalError` with this message (a range is full).
    case internalError(String)
}

/// Why a `--service-cluster-ip-range` or `--service-node-port-range` value is refused.
public struct ServiceRangeConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the flag value.
    public var description: String
}

/// What is already allocated: every ClusterIP and node port the stored Services hold.
///
/// This is the allocation table, derived from the Service objects themselves (the way
/// kube-apiserver's repair controllers rebuild their bitmaps) instead of kept beside
/// them: deleting a Service releases what it held, and a restart or a replay of the log
/// gives the same table.
public struct ServiceAllocationUsage: Sendable, Equatable {
    /// ClusterIPs in use (both families).
    public var addresses: Set<IPAddress> = []
    /// Node ports and health-check node ports in use.
    public var nodePorts: Set<Int> = []

    /// Nothing allocated.
    public init() {}

    /// The table of `services` (stored Service objects).
    public init(services: some Sequence<JSONValue>) {
        for service in services { record(service) }
    }

    /// Adds what one stored Service holds: its ClusterIPs (not `None`; nothing for
    /// ExternalName), its ports' node ports and its health-check node port.
    public mutating func record(_ service: JSONValue) {
        let fields = ServiceFields(service)
        if fields.needsClusterIP {
            var ips = fields.clusterIPs
            if ips.isEmpty && !fields.clusterIP.isEmpty { ips = [fields.clusterIP] }
            for ip in ips { if let address = IPAddress(parsing: ip) { addresses.insert(address) } }
        }
        for port in fields.nodePorts { nodePorts.insert(port) }
        if fields.healthCheckNodePort != 0 { nodePorts.insert(fields.healthCheckNodePort) }
    }
}

/// The Service REST storage's allocation step (`pkg/registry/core/service/storage`:
/// `beginCreate`/`beginUpdate` with `alloc.go`, and the strategy's
/// `dropTypeDependentFields`), as pure functions of the object, the old object and the
/// usage table: ClusterIPs from `--service-cluster-ip-range`, node ports from
/// `--service-node-port-range`, `ipFamilies`/`ipFamilyPolicy` initialised the way the
/// apiserver does, and the apiserver's 422/500 answers.
///
/// Only the registry-level fields are set here; SetDefaults (type, sessionAffinity, port
/// protocols, ...) runs before, validation after, as in kube-apiserver.
public struct ServiceAllocator: Sendable, Hashable {
    /// The ClusterIP ranges, primary first (two for dual-stack, one of each family).
    public let ipRanges: [ServiceIPRange]
    /// The node port range.
    public let nodePortRange: ServiceNodePortRange

    /// kube-apiserver's flag names and the defaults AKE uses for them.
    public static let defaultServiceClusterIPRange = "10.96.0.0/12"
    /// The `--service-node-port-range` default.
    public static let defaultServiceNodePortRange = "30000-32767"

    /// Parses `--service-cluster-ip-range` (one CIDR, or two of different families
    /// separated by a comma) and `--service-node-port-range`, with kube-apiserver's
    /// checks (at most two ranges, dual-stack needs one of each family, a bitmap range
    /// has at most 20 host bits).
    public init(
        serviceClusterIPRange: String = defaultServiceClusterIPRange,
        serviceNodePortRange: String = defaultServiceNodePortRange
    ) throws(ServiceRangeConfigurationError) {
        let specs = serviceClusterIPRange.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard specs.count <= 2 else {
            throw ServiceRangeConfigurationError(
                description: "--service-cluster-ip-range can contain at most two CIDRs, one of each IP family")
        }
        var ranges: [ServiceIPRange] = []
        for spec in specs {
            guard let range = ServiceIPRange(parsing: spec) else {
                throw ServiceRangeConfigurationError(
                    description: "--service-cluster-ip-range: \(spec) is not a valid CIDR (e.g. 10.96.0.0/12)")
            }
            let hostBits = range.family.bits - range.prefixLength
            guard hostBits <= 20 else {
                throw ServiceRangeConfigurationError(
                    description:
                        "specified --service-cluster-ip-range is too large; for \(range.family.bits)-bit addresses, the mask must be >= \(range.family.bits - 20)"
                )
            }
            ranges.append(range)
        }
        if ranges.count == 2 && ranges[0].family == ranges[1].family {
            throw ServiceRangeConfigurationError(
                description:
                    "--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family")
        }
        guard let ports = ServiceNodePortRange(parsing: serviceNodePortRange), ports.size > 0 else {
            throw ServiceRangeConfigurationError(
                description: "--service-node-port-range: \(serviceNodePortRange) is not a valid port range")
        }
        self.ipRanges = ranges
        self.nodePortRange = ports
    }

    /// `10.96.0.0/12` and `30000-32767`, what `init()` parses.
    public static let kubeDefaults = ServiceAllocator(
        ipRanges: [ServiceIPRange(family: .ipv4, address: 0x0A60_0000, prefixLength: 12)],
        nodePortRange: ServiceNodePortRange(uncheckedBase: 30000, size: 2768))

    init(ipRanges: [ServiceIPRange], nodePortRange: ServiceNodePortRange) {
        self.ipRanges = ipRanges
        self.nodePortRange = nodePortRange
    }

    /// The family of `--service-cluster-ip-range[0]`, given to services that name none.
    public var primaryFamily: IPAddress.Family { ipRanges[0].family }

    func range(for family: String) -> ServiceIPRange? {
        ipRanges.first { $0.family.rawValue == family }
    }

    // MARK: create and update

    /// `beginCreate`: normalises `clusterIP`/`clusterIPs`, initialises the IP family
    /// fields, allocates ClusterIPs and node ports. A dry run allocates nothing: it
    /// shows the range's network address for a dynamic ClusterIP and made-up ports
    /// above 32768, as the apiserver's dry-run allocators do.
    public func allocateCreate(
        _ service: inout JSONValue, usage: ServiceAllocationUsage, dryRun: Bool,
        using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) {
        var svc = ServiceFields(service)
        let original = svc
        Self.normalizeClusterIPs(&svc, old: nil)
        try initIPFamilyFields(&svc, old: nil)
        var op = Operation(usage: usage, dryRun: dryRun)
        try allocateClusterIPs(&svc, &op, using: &generator)
        try allocateNodePorts(&svc, &op, using: &generator)
        svc.write(into: &service, original: original)
    }

    /// `beginUpdate` and the strategy's `dropTypeDependentFields`: keeps allocated values
    /// a client left out, allocates what a type change or dual-stack upgrade needs, and
    /// drops what the new type no longer holds (released by construction: the stored
    /// object no longer names it). `usage` includes the old object, so nothing it holds
    /// is handed out again within the same update, as the apiserver defers releases.
    public func allocateUpdate(
        _ service: inout JSONValue, old oldService: JSONValue, usage: ServiceAllocationUsage, dryRun: Bool,
        using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) {
        var svc = ServiceFields(service)
        let original = svc
        let old = ServiceFields(oldService)
        Self.patchAllocatedValues(&svc, old: old)
        Self.normalizeClusterIPs(&svc, old: old)
        try initIPFamilyFields(&svc, old: old)
        var op = Operation(usage: usage, dryRun: dryRun)
        try updateClusterIPs(&svc, old: old, &op, using: &generator)
        try updateNodePorts(&svc, old: old, &op, using: &generator)
        Self.dropTypeDependentFields(&svc, old: old)
        svc.write(into: &service, original: original)
        if svc.type != "LoadBalancer", service["status"]?["loadBalancer"] != nil {
            service["status"]?["loadBalancer"] = .object(JSONObject())
        }
    }

    /// What one create or update has taken so far, on top of the stored table.
    struct Operation {
        var usage: ServiceAllocationUsage
        var dryRun: Bool
        var takenAddresses: Set<IPAddress> = []
        var takenPorts: [Int] = []

        init(usage: ServiceAllocationUsage, dryRun: Bool) {
            self.usage = usage
            self.dryRun = dryRun
        }
    }

    // MARK: IP families (alloc.go initIPFamilyFields)

    private func initIPFamilyFields(_ svc: inout ServiceFields, old: ServiceFields?) throws(ServiceAllocationError) {
        if svc.isExternalName { return }
        if Self.isMatchingPreferDualStackClusterIPFields(svc, old: old) { return }
        if svc.ipFamilyPolicy == nil {
            if let oldPolicy = old?.ipFamilyPolicy {
                svc.ipFamilyPolicy = oldPolicy
            } else if svc.clusterIP == "None" && !svc.hasSelector {
                svc.ipFamilyPolicy = "RequireDualStack"
            } else {
                svc.ipFamilyPolicy = "SingleStack"
            }
        }
        let related = ServiceClusterIPValidation.validate(svc)
        if !related.isEmpty { throw .invalid(related) }

        var errors: [FieldError] = []
        let policyValue = FieldError.BadValue.string(svc.ipFamilyPolicy ?? "")
        if let old {
            if svc.ipFamilyPolicy == "SingleStack" {
                if svc.clusterIPs == old.clusterIPs && svc.clusterIPs.count > 1 {
                    svc.clusterIPs = Array(svc.clusterIPs.prefix(1))
                }
                if svc.ipFamilies == old.ipFamilies && svc.ipFamilies.count > 1 {
                    svc.ipFamilies = Array(svc.ipFamilies.prefix(1))
                }
            } else {
                if !svc.clusterIPs.isEmpty && svc.clusterIPs.count < old.clusterIPs.count {
                    errors.append(
                        FieldError(
                            .invalid, field: "spec.ipFamilyPolicy", value: policyValue,
                            detail: "must be 'SingleStack' to release the secondary cluster IP"))
                }
                if !svc.ipFamilies.isEmpty && svc.ipFamilies.count < old.ipFamilies.count {
                    errors.append(
                        FieldError(
                            .invalid, field: "spec.ipFamilyPolicy", value: policyValue,
                            detail: "must be 'SingleStack' to release the secondary IP family"))
                }
            }
        }
        if svc.ipFamilyPolicy == "SingleStack" {
            if svc.clusterIPs.count == 2 {
                errors.append(
                    FieldError(
                        .invalid, field: "spec.ipFamilyPolicy", value: policyValue,
                        detail:
                            "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"
                    ))
            }
            if svc.ipFamilies.count == 2 {
                errors.append(
                    FieldError(
                        .invalid, field: "spec.ipFamilyPolicy", value: policyValue,
                        detail:
                            "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"
                    ))
            }
        }
        // Infer ipFamilies from clusterIPs.
        for (i, ip) in svc.clusterIPs.enumerated() {
            if ip == "None" { break }
            let family = IPAddress(parsing: ip)?.family.rawValue ?? "unknown"
            if i >= svc.ipFamilies.count {
                if range(for: family) == nil {
                    errors.append(
                        FieldError(
                            .invalid, field: "spec.clusterIPs[\(i)]", value: .raw(goStringSlice(svc.clusterIPs)),
                            detail: "\(family) is not configured on this cluster"))
                } else {
                    svc.ipFamilies.append(family)
                }
            }
        }
        if !errors.isEmpty { throw .invalid(errors) }

        // Headless and selectorless: any combination of families is allowed.
        if svc.clusterIP == "None" && !svc.hasSelector {
            if svc.ipFamilies.isEmpty { svc.ipFamilies = [primaryFamily.rawValue] }
            if svc.ipFamilies.count < 2 && svc.ipFamilyPolicy != "SingleStack" {
                svc.ipFamilies.append(svc.ipFamilies[0] == "IPv4" ? "IPv6" : "IPv4")
            }
            return
        }
        if svc.ipFamilyPolicy == "RequireDualStack" && ipRanges.count < 2 {
            errors.append(
                FieldError(
                    .invalid, field: "spec.ipFamilyPolicy", value: policyValue,
                    detail: "this cluster is not configured for dual-stack services"))
        }
        for (i, family) in svc.ipFamilies.enumerated() where range(for: family) == nil {
            errors.append(
                FieldError(
                    .invalid, field: "spec.ipFamilies[\(i)]", value: .string(family),
                    detail: "not configured on this cluster"))
        }
        if !errors.isEmpty { throw .invalid(errors) }
        if svc.ipFamilies.isEmpty { svc.ipFamilies = [primaryFamily.rawValue] }
        if svc.ipFamilyPolicy != "SingleStack" && svc.ipFamilies.count == 1 && ipRanges.count == 2 {
            svc.ipFamilies.append(svc.ipFamilies[0] == "IPv4" ? "IPv6" : "IPv4")
        }
    }

    private static func isMatchingPreferDualStackClusterIPFields(_ svc: ServiceFields, old: ServiceFields?) -> Bool {
        guard let old, let policy = svc.ipFamilyPolicy else { return false }
        guard old.type == svc.type, ["ClusterIP", "NodePort", "LoadBalancer"].contains(svc.type) else {
            return false
        }
        if policy != "PreferDualStack" { return false }
        if let oldPolicy = old.ipFamilyPolicy, oldPolicy != "PreferDualStack" { return false }
        return old.clusterIPs == svc.clusterIPs && old.ipFamilies == svc.ipFamilies
    }

    // MARK: ClusterIPs

    private func allocateClusterIPs(
        _ svc: inout ServiceFields, _ op: inout Operation, using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) {
        if svc.isExternalName { return }
        if svc.clusterIPs.first == "None" { return }
        for (i, _) in svc.ipFamilies.enumerated() where i >= svc.clusterIPs.count {
            svc.clusterIPs.append("")
        }
        for (i, family) in svc.ipFamilies.enumerated() {
            let ip = try allocateIP(family: family, requested: svc.clusterIPs[i], svc, &op, using: &generator)
            svc.clusterIPs[i] = ip
            if i == 0 { svc.clusterIP = ip }
        }
    }

    /// `allocIPs` for one family: the requested IP if it is free and in range, or the
    /// next free one.
    private func allocateIP(
        family: String, requested: String, _ svc: ServiceFields, _ op: inout Operation,
        using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) -> String {
        guard let range = range(for: family) else {
            throw .internalError("failed to allocate a serviceIP: \(family) is not configured on this cluster")
        }
        if requested.isEmpty {
            if op.dryRun { return range.network.description }
            let used = op.usage.addresses.union(op.takenAddresses)
            let usedCount = used.count(where: { range.offset(of: $0) != nil })
            guard
                let offset = RangeScan.next(
                    size: range.size, staticBand: range.staticBand, usedCount: usedCount,
                    isUsed: { used.contains(range.address(at: $0)) }, using: &generator)
            else {
                throw .internalError("failed to allocate a serviceIP: range is full")
            }
            let address = range.address(at: offset)
            op.takenAddresses.insert(address)
            return address.description
        }
        func failure(_ reason: String) -> ServiceAllocationError {
            .invalid([
                FieldError(
                    .invalid, field: "spec.clusterIPs", value: .raw(goStringSlice(svc.clusterIPs)),
                    detail: "failed to allocate IP \(requested): \(reason)")
            ])
        }
        guard let address = IPAddress(parsing: requested), range.offset(of: address) != nil else {
            let shown = IPAddress(parsing: requested)?.description ?? "<nil>"
            throw failure(
                "the provided IP (\(shown)) is not in the valid range. The range of valid IPs is \(range)")
        }
        // The apiserver's dry-run allocator does not check whether the IP is free.
        if op.dryRun { return requested }
        if op.usage.addresses.contains(address) || op.takenAddresses.contains(address) {
            throw failure("provided IP is already allocated")
        }
        op.takenAddresses.insert(address)
        return requested
    }

    /// `updateClusterIPs`: allocate when leaving ExternalName or upgrading to
    /// dual-stack; releases need nothing (the new object no longer names the IPs).
    private func updateClusterIPs(
        _ svc: inout ServiceFields, old: ServiceFields, _ op: inout Operation,
        using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) {
        if Self.isMatchingPreferDualStackClusterIPFields(svc, old: old) { return }
        if old.isExternalName && !svc.isExternalName {
            try allocateClusterIPs(&svc, &op, using: &generator)
            return
        }
        if old.clusterIPs.first == "None" { return }
        if svc.isExternalName { return }
        if old.ipFamilies.count == 1 && svc.ipFamilies.count == 2 {
            if svc.clusterIPs.count < 2 { svc.clusterIPs.append("") }
            svc.clusterIPs[1] = try allocateIP(
                family: svc.ipFamilies[1], requested: svc.clusterIPs[1], svc, &op, using: &generator)
        }
    }

    // MARK: node ports

    /// `txnAllocNodePorts`: node ports for NodePort and LoadBalancer services (one per
    /// distinct service port number), and the health-check node port.
    private func allocateNodePorts(
        _ svc: inout ServiceFields, _ op: inout Operation, using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) {
        if svc.needsNodePort {
            var byServicePort: [Int: Int] = [:]
            for i in svc.ports.indices {
                let port = svc.ports[i]
                if port.nodePort == 0 && !svc.shouldAllocateNodePorts { continue }
                let allocated = byServicePort[port.port] ?? 0
                if allocated == 0 {
                    let requested = svc.ports.first { $0.port == port.port && $0.nodePort != 0 }?.nodePort ?? 0
                    if requested != 0 {
                        if let reason = allocatePort(requested, &op) {
                            throw .invalid([
                                FieldError(
                                    .invalid, field: "spec.ports[\(i)].nodePort", value: .integer(Int64(requested)),
                                    detail: reason)
                            ])
                        }
                        svc.ports[i].nodePort = requested
                        byServicePort[port.port] = requested
                    } else {
                        guard let next = allocateNextPort(&op, using: &generator) else {
                            throw .internalError("failed to allocate a nodePort: range is full")
                        }
                        svc.ports[i].nodePort = next
                        byServicePort[port.port] = next
                    }
                } else if port.nodePort != allocated {
                    if port.nodePort == 0 {
                        svc.ports[i].nodePort = allocated
                    } else if let reason = allocatePort(port.nodePort, &op) {
                        throw .invalid([
                            FieldError(
                                .invalid, field: "spec.ports[\(i)].nodePort", value: .integer(Int64(port.nodePort)),
                                detail: reason)
                        ])
                    }
                }
            }
        }
        if svc.needsHealthCheckNodePort {
            try allocateHealthCheckNodePort(&svc, &op, using: &generator)
        }
    }

    private func allocateHealthCheckNodePort(
        _ svc: inout ServiceFields, _ op: inout Operation, using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) {
        if svc.healthCheckNodePort != 0 {
            if let reason = allocatePort(svc.healthCheckNodePort, &op) {
                throw .internalError(
                    "failed to allocate requested HealthCheck NodePort \(svc.healthCheckNodePort): \(reason)")
            }
        } else {
            guard let next = allocateNextPort(&op, using: &generator) else {
                throw .internalError("failed to allocate a HealthCheck NodePort 0: range is full")
            }
            svc.healthCheckNodePort = next
        }
    }

    /// `txnUpdateNodePorts`: new node ports for added or changed ports, the
    /// health-check node port when one becomes needed.
    private func updateNodePorts(
        _ svc: inout ServiceFields, old: ServiceFields, _ op: inout Operation,
        using generator: inout some RandomNumberGenerator
    ) throws(ServiceAllocationError) {
        if svc.needsNodePort {
            let oldPorts = old.nodePorts
            var allocatedHere: Set<Int> = []
            var seen: [ServiceFields.Port] = []
            for i in svc.ports.indices {
                let port = svc.ports[i]
                if port.nodePort == 0 && !svc.shouldAllocateNodePorts { continue }
                if port.nodePort != 0 {
                    if !oldPorts.contains(port.nodePort) && !allocatedHere.contains(port.nodePort) {
                        if let reason = allocatePort(port.nodePort, &op) {
                            throw .invalid([
                                FieldError(
                                    .invalid, field: "spec.ports[\(i)].nodePort",
                                    value: .integer(Int64(port.nodePort)), detail: reason)
                            ])
                        }
                        allocatedHere.insert(port.nodePort)
                    }
                } else {
                    guard let next = allocateNextPort(&op, using: &generator) else {
                        throw .internalError("failed to allocate a nodePort: range is full")
                    }
                    svc.ports[i].nodePort = next
                }
                let entry = svc.ports[i]
                if seen.contains(where: { $0.protocol == entry.protocol && $0.nodePort == entry.nodePort }) {
                    throw .internalError("duplicate nodePort: {\(entry.protocol) \(entry.nodePort)}")
                }
                seen.append(entry)
            }
        }
        let needed = old.needsHealthCheckNodePort
        let needs = svc.needsHealthCheckNodePort
        if !needed && needs {
            try allocateHealthCheckNodePort(&svc, &op, using: &generator)
        }
    }

    /// `PortAllocationOperation.Allocate`: nil on success, else the allocator's error.
    /// A dry run checks only what is taken, not the range, as the apiserver's does.
    private func allocatePort(_ port: Int, _ op: inout Operation) -> String? {
        let inRange = nodePortRange.contains(port)
        if op.dryRun {
            if (inRange && op.usage.nodePorts.contains(port)) || op.takenPorts.contains(port) {
                return "provided port is already allocated"
            }
            op.takenPorts.append(port)
            return nil
        }
        guard inRange else {
            return "provided port is not in the valid range. The range of valid ports is \(nodePortRange)"
        }
        if op.usage.nodePorts.contains(port) || op.takenPorts.contains(port) {
            return "provided port is already allocated"
        }
        op.takenPorts.append(port)
        return nil
    }

    /// `PortAllocationOperation.AllocateNext`; nil when the range is full. A dry run
    /// makes up ports counting up from 32769, as the apiserver's does.
    private func allocateNextPort(_ op: inout Operation, using generator: inout some RandomNumberGenerator) -> Int? {
        if op.dryRun {
            let port = (op.takenPorts.max() ?? 32768) + 1
            op.takenPorts.append(port)
            return port
        }
        let range = nodePortRange
        let taken = op.takenPorts
        let used = op.usage.nodePorts
        let usedCount = used.union(taken).count(where: { range.contains($0) })
        guard
            let offset = RangeScan.next(
                size: range.size, staticBand: range.staticBand, usedCount: usedCount,
                isUsed: { used.contains(range.base + $0) || taken.contains(range.base + $0) }, using: &generator)
        else { return nil }
        op.takenPorts.append(range.base + offset)
        return range.base + offset
    }

    // MARK: field normalisation (storage.go, strategy.go)

    /// `normalizeClusterIPs`: keeps `clusterIP` and `clusterIPs` in step for clients
    /// that set only the singular field.
    static func normalizeClusterIPs(_ svc: inout ServiceFields, old: ServiceFields?) {
        guard let old else {
            if !svc.clusterIP.isEmpty && svc.clusterIPs.isEmpty { svc.clusterIPs = [svc.clusterIP] }
            return
        }
        if !old.clusterIPs.isEmpty && svc.clusterIPs.isEmpty && old.clusterIP == svc.clusterIP {
            svc.clusterIPs = old.clusterIPs
        }
        if old.clusterIP != svc.clusterIP {
            if !old.clusterIP.isEmpty && svc.clusterIP.isEmpty {
                if old.clusterIPs == svc.clusterIPs { svc.clusterIPs = [] }
            } else if old.clusterIPs == svc.clusterIPs {
                svc.clusterIPs = [svc.clusterIP]
            }
        }
    }

    /// `patchAllocatedValues`: a client that resubmits its original manifest keeps the
    /// ClusterIPs, node ports and health-check node port allocated for it.
    static func patchAllocatedValues(_ svc: inout ServiceFields, old: ServiceFields) {
        if old.needsClusterIP && svc.needsClusterIP {
            if svc.clusterIP.isEmpty { svc.clusterIP = old.clusterIP }
            if svc.clusterIPs.isEmpty && !old.clusterIPs.isEmpty { svc.clusterIPs = old.clusterIPs }
        }
        if old.needsNodePort && svc.needsNodePort {
            let used = Set(old.nodePorts).intersection(svc.nodePorts)
            var byName: [String: Int] = [:]
            for port in old.ports { byName[port.name] = port.nodePort }
            for i in svc.ports.indices where svc.ports[i].nodePort == 0 {
                let previous = byName[svc.ports[i].name] ?? 0
                if !used.contains(previous) { svc.ports[i].nodePort = previous }
            }
        }
        if old.needsHealthCheckNodePort && svc.needsHealthCheckNodePort && svc.healthCheckNodePort == 0 {
            svc.healthCheckNodePort = old.healthCheckNodePort
        }
    }

    /// The strategy's `dropTypeDependentFields`: a type change wipes the values the old
    /// type had allocated, when the client left them unchanged.
    static func dropTypeDependentFields(_ svc: inout ServiceFields, old: ServiceFields) {
        if old.needsClusterIP && !svc.needsClusterIP {
            if old.clusterIP == svc.clusterIP && old.clusterIPs == svc.clusterIPs {
                svc.clusterIP = ""
                svc.clusterIPs = []
            }
            if old.ipFamilies == svc.ipFamilies { svc.ipFamilies = [] }
            if old.ipFamilyPolicy == svc.ipFamilyPolicy { svc.ipFamilyPolicy = nil }
        }
        if old.needsNodePort && !svc.needsNodePort && Set(old.nodePorts).isSuperset(of: svc.nodePorts) {
            for i in svc.ports.indices { svc.ports[i].nodePort = 0 }
        }
        if old.needsHealthCheckNodePort && !svc.needsHealthCheckNodePort
            && old.healthCheckNodePort == svc.healthCheckNodePort
        {
            svc.healthCheckNodePort = 0
        }
        if old.type == "LoadBalancer" && svc.type != "LoadBalancer",
            let before = old.allocateLoadBalancerNodePorts, before == svc.allocateLoadBalancerNodePorts
        {
            svc.allocateLoadBalancerNodePorts = nil
        }
        if old.externallyAccessible && !svc.externallyAccessible
            && old.externalTrafficPolicy == svc.externalTrafficPolicy
        {
            svc.externalTrafficPolicy = ""
        }
    }
}

/// Go's `%#v` of a `[]string`: `[]string{"a", "b"}`.
func goStringSlice(_ values: [String]) -> String {
    "[]string{" + values.map(goQuoted).joined(separator: ", ") + "}"
}

/// The bitmap allocator's `randomScanStrategyWithOffset`: a random start in the upper
/// part of the range (above the static band), scanning forward with wrap-around; then
/// the static band the same way.
enum RangeScan {
    static func next(
        size: Int, staticBand: Int, usedCount: Int, isUsed: (Int) -> Bool,
        using generator: inout some RandomNumberGenerator
    ) -> Int? {
        guard usedCount < size else { return nil }
        let upper = size - staticBand
        if upper > 0 {
            let start = Int.random(in: 0..<upper, using: &generator)
            for i in 0..<upper {
                let at = staticBand + (start + i) % upper
                if !isUsed(at) { return at }
            }
        }
        if staticBand > 0 {
            let start = Int.random(in: 0..<staticBand, using: &generator)
            for i in 0..<staticBand {
                let at = (start + i) % staticBand
                if !isUsed(at) { return at }
            }
        }
        return nil
    }
}
