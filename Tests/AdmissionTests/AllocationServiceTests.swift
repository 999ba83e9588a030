import KubeModel
import Testing

@testable import Admission

/// A deterministic generator, so a test can repeat a random scan.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A Service named `svc` with `spec`.
func service(_ spec: JSONValue) -> JSONValue { service("svc", spec) }

/// A Service named `name` with `spec`.
func service(_ name: String, _ spec: JSONValue) -> JSONValue {
    ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "namespace": "default"], "spec": spec]
}

/// Allocation as the Service REST storage does it: ClusterIPs, IP families, node ports,
/// the apiserver's errors, dry runs and updates.
@Suite struct AllocationServiceTests {
    var generator = SeededGenerator(seed: 7)

    mutating func create(
        _ allocator: ServiceAllocator, _ object: JSONValue, usage: ServiceAllocationUsage = .init(),
        dryRun: Bool = false
    ) throws(ServiceAllocationError) -> JSONValue {
        var o = object
        try allocator.allocateCreate(&o, usage: usage, dryRun: dryRun, using: &generator)
        return o
    }

    mutating func update(
        _ allocator: ServiceAllocator, _ object: JSONValue, old: JSONValue, usage: ServiceAllocationUsage? = nil
    ) throws(ServiceAllocationError) -> JSONValue {
        var o = object
        try allocator.allocateUpdate(
            &o, old: old, usage: usage ?? ServiceAllocationUsage(services: [old]), dryRun: false, using: &generator)
        return o
    }

    /// The ClusterIP a Service was given.
    static func address(_ service: JSONValue) throws -> IPAddress {
        let text = try #require(service["spec"]?["clusterIP"]?.stringValue)
        return try #require(IPAddress(parsing: text))
    }

    static func error(_ body: () throws(ServiceAllocationError) -> Void) -> ServiceAllocationError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test mutating func aClusterIPServiceGetsAnAddressFromTheUpperPartOfTheRange() throws {
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/24")
        let created = try create(allocator, service(["type": "ClusterIP", "ports": [["port": 80]]]))
        let spec = try #require(created["spec"])
        let ip = try #require(spec["clusterIP"]?.stringValue)
        #expect(spec["clusterIPs"] == [.string(ip)])
        #expect(spec["ipFamilies"] == ["IPv4"])
        #expect(spec["ipFamilyPolicy"] == "SingleStack")
        let offset = try #require(allocator.ipRanges[0].offset(of: try Self.address(created)))
        #expect(offset >= 16, "dynamic allocation leaves the static band 10.0.0.1-10.0.0.16 for requests")
        // Nothing else changed.
        #expect(spec["ports"] == [["port": 80]])
        #expect(spec["type"] == "ClusterIP")
    }

    @Test mutating func aRequestedAddressIsKeptWhenFree() throws {
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/24")
        let created = try create(allocator, service(["clusterIP": "10.0.0.10"]))
        #expect(created["spec"]?["clusterIPs"] == ["10.0.0.10"])
        #expect(created["spec"]?["clusterIP"] == "10.0.0.10")
    }

    @Test mutating func aTakenAddressIsRefusedWithTheApiserversMessage() throws {
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/24")
        let first = try create(allocator, service("a", ["clusterIP": "10.0.0.10"]))
        let usage = ServiceAllocationUsage(services: [first])
        let err = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service("b", ["clusterIP": "10.0.0.10"]), usage: usage)
        }
        #expect(
            err?.fieldErrors.map(\.description) == [
                #"spec.clusterIPs: Invalid value: []string{"10.0.0.10"}: failed to allocate IP 10.0.0.10: provided IP is already allocated"#
            ])
    }

    @Test mutating func anAddressOutsideTheRangeIsRefused() throws {
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/24")
        for (requested, shown) in [
            ("192.168.1.1", "192.168.1.1"), ("10.0.0.255", "10.0.0.255"), ("10.0.0.0", "10.0.0.0"),
        ] {
            let err = Self.error { () throws(ServiceAllocationError) in
                _ = try create(allocator, service(["clusterIP": .string(requested)]))
            }
            #expect(
                err?.fieldErrors.map(\.description) == [
                    "spec.clusterIPs: Invalid value: []string{\"\(requested)\"}: failed to allocate IP \(requested): the provided IP (\(shown)) is not in the valid range. The range of valid IPs is 10.0.0.0/24"
                ])
        }
    }

    @Test mutating func aFullRangeIsAnInternalErrorAndAReleasedAddressIsReused() throws {
        // A /28 has 14 usable addresses and no static band.
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/28")
        var services: [JSONValue] = []
        for i in 0..<14 {
            services.append(
                try create(allocator, service("s\(i)", [:]), usage: ServiceAllocationUsage(services: services)))
        }
        let ips = Set(services.compactMap { $0["spec"]?["clusterIP"]?.stringValue })
        #expect(ips == Set((1...14).map { "10.0.0.\($0)" }))
        let full = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service("s14", [:]), usage: ServiceAllocationUsage(services: services))
        }
        #expect(full == .internalError("failed to allocate a serviceIP: range is full"))
        // Deleting a service releases its address: the table no longer has it.
        let released = services.remove(at: 5)
        let again = try create(allocator, service("s15", [:]), usage: ServiceAllocationUsage(services: services))
        #expect(again["spec"]?["clusterIP"] == released["spec"]?["clusterIP"])
    }

    @Test mutating func theStaticBandIsUsedOnlyWhenTheRestIsFull() throws {
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/24")
        var usage = ServiceAllocationUsage()
        for i in 0..<(254 - 16) {
            let created = try create(allocator, service("s\(i)", [:]), usage: usage)
            let ip = try Self.address(created)
            #expect(try #require(allocator.ipRanges[0].offset(of: ip)) >= 16)
            usage.record(created)
        }
        let next = try create(allocator, service("band", [:]), usage: usage)
        let ip = try Self.address(next)
        #expect(try #require(allocator.ipRanges[0].offset(of: ip)) < 16)
    }

    @Test mutating func headlessServicesGetNoAddress() throws {
        let allocator = try ServiceAllocator()
        let headless = try create(allocator, service(["clusterIP": "None", "selector": ["app": "x"]]))
        #expect(headless["spec"]?["clusterIP"] == "None")
        #expect(headless["spec"]?["clusterIPs"] == ["None"])
        #expect(headless["spec"]?["ipFamilies"] == ["IPv4"])
        #expect(headless["spec"]?["ipFamilyPolicy"] == "SingleStack")
        // Headless and selectorless: RequireDualStack with both families, even single-stack.
        let selectorless = try create(allocator, service(["clusterIP": "None"]))
        #expect(selectorless["spec"]?["ipFamilies"] == ["IPv4", "IPv6"])
        #expect(selectorless["spec"]?["ipFamilyPolicy"] == "RequireDualStack")
    }

    @Test mutating func anExternalNameServiceIsLeftAlone() throws {
        let allocator = try ServiceAllocator()
        let object = service(["type": "ExternalName", "externalName": "example.com"])
        #expect(try create(allocator, object) == object)
    }

    @Test mutating func familiesTheClusterDoesNotServeAreRefused() throws {
        let allocator = try ServiceAllocator()
        let dual = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service(["ipFamilyPolicy": "RequireDualStack"]))
        }
        #expect(
            dual?.fieldErrors.map(\.description) == [
                #"spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services"#
            ])
        let v6 = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service(["ipFamilies": ["IPv6"]]))
        }
        #expect(
            v6?.fieldErrors.map(\.description) == [
                #"spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster"#
            ]
        )
        let v6IP = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service(["clusterIP": "fd00::1"]))
        }
        #expect(
            v6IP?.fieldErrors.map(\.description) == [
                #"spec.clusterIPs[0]: Invalid value: []string{"fd00::1"}: IPv6 is not configured on this cluster"#
            ])
    }

    @Test mutating func inconsistentIPFieldsAreRefusedBeforeAllocation() throws {
        let allocator = try ServiceAllocator()
        let mismatch = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service(["clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.11"]]))
        }
        #expect(
            mismatch?.fieldErrors.map(\.description) == [
                #"spec.clusterIPs: Invalid value: []string{"10.96.0.11"}: first value must match `clusterIP`"#
            ])
        let notAnIP = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service(["clusterIP": "10.96.0.300"]))
        }
        #expect(
            notAnIP?.fieldErrors.map(\.description) == [
                #"spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"#
            ])
        let policy = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service(["ipFamilyPolicy": "Both"]))
        }
        #expect(
            policy?.fieldErrors.map(\.description) == [
                #"spec.ipFamilyPolicy: Unsupported value: "Both": supported values: "PreferDualStack", "RequireDualStack", "SingleStack""#
            ])
    }

    @Test mutating func anIPv6RangeAllocatesIPv6() throws {
        let allocator = try ServiceAllocator(serviceClusterIPRange: "fd00:10:96::/112")
        let created = try create(allocator, service([:]))
        let ip = try Self.address(created)
        #expect(ip.family == .ipv6)
        #expect(allocator.ipRanges[0].offset(of: ip) != nil)
        #expect(created["spec"]?["ipFamilies"] == ["IPv6"])
        #expect(created["spec"]?["clusterIP"]?.stringValue == ip.description, "printed in Go's canonical form")
    }

    @Test mutating func dualStackServicesGetOneAddressPerFamily() throws {
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/24,fd00::/120")
        let prefer = try create(allocator, service(["ipFamilyPolicy": "PreferDualStack"]))
        let ips = try #require(prefer["spec"]?["clusterIPs"]?.arrayValue).compactMap(\.stringValue)
        #expect(ips.compactMap { IPAddress(parsing: $0)?.family } == [.ipv4, .ipv6])
        #expect(prefer["spec"]?["ipFamilies"] == ["IPv4", "IPv6"])
        let single = try create(allocator, service(["ipFamilies": ["IPv6"]]))
        #expect(single["spec"]?["ipFamilies"] == ["IPv6"])
        #expect(single["spec"]?["clusterIPs"]?.arrayValue?.count == 1)
    }

    @Test mutating func nodePortServicesGetOnePortPerServicePortNumber() throws {
        let allocator = try ServiceAllocator()
        let created = try create(
            allocator,
            service([
                "type": "NodePort",
                "ports": [
                    ["name": "dns", "port": 53, "protocol": "UDP"], ["name": "dns-tcp", "port": 53, "protocol": "TCP"],
                    ["name": "http", "port": 80, "protocol": "TCP"],
                ],
            ]))
        let ports = try #require(created["spec"]?["ports"]?.arrayValue).map { Int($0["nodePort"]?.int64Value ?? 0) }
        #expect(ports.allSatisfy { (30000...32767).contains($0) })
        #expect(ports[0] == ports[1], "the same port number shares one node port")
        #expect(ports[0] != ports[2])
        #expect(created["spec"]?["healthCheckNodePort"] == nil)
    }

    @Test mutating func requestedNodePortsTakenOrOutsideTheRangeAreRefused() throws {
        let allocator = try ServiceAllocator()
        let first = try create(
            allocator, service("a", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30080]]]))
        let usage = ServiceAllocationUsage(services: [first])
        let taken = Self.error { () throws(ServiceAllocationError) in
            _ = try create(
                allocator, service("b", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30080]]]), usage: usage)
        }
        #expect(
            taken?.fieldErrors.map(\.description) == [
                "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"
            ])
        let outside = Self.error { () throws(ServiceAllocationError) in
            _ = try create(allocator, service("c", ["type": "NodePort", "ports": [["port": 80, "nodePort": 8080]]]))
        }
        #expect(
            outside?.fieldErrors.map(\.description) == [
                "spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767"
            ])
    }

    @Test mutating func aFullNodePortRangeIsAnInternalError() throws {
        let allocator = try ServiceAllocator(serviceNodePortRange: "30000-30001")
        let two = try create(allocator, service(["type": "NodePort", "ports": [["port": 80], ["port": 81]]]))
        let ports = Set(two["spec"]?["ports"]?.arrayValue?.compactMap { $0["nodePort"]?.int64Value } ?? [])
        #expect(ports == [30000, 30001])
        let full = Self.error { () throws(ServiceAllocationError) in
            _ = try create(
                allocator, service("b", ["type": "NodePort", "ports": [["port": 80]]]),
                usage: ServiceAllocationUsage(services: [two]))
        }
        #expect(full == .internalError("failed to allocate a nodePort: range is full"))
    }

    @Test mutating func loadBalancersWithLocalTrafficGetAHealthCheckNodePort() throws {
        let allocator = try ServiceAllocator()
        let local = try create(
            allocator,
            service([
                "type": "LoadBalancer", "externalTrafficPolicy": "Local", "allocateLoadBalancerNodePorts": true,
                "ports": [["port": 443]],
            ]))
        let hc = try #require(local["spec"]?["healthCheckNodePort"]?.int64Value)
        let np = try #require(local["spec"]?["ports"]?.item(0)?["nodePort"]?.int64Value)
        #expect((30000...32767).contains(hc) && hc != np)
        // allocateLoadBalancerNodePorts=false: no node ports (a requested one is still honoured).
        let none = try create(
            allocator,
            service([
                "type": "LoadBalancer", "allocateLoadBalancerNodePorts": false,
                "ports": [["port": 443], ["port": 80, "nodePort": 30500]],
            ]))
        #expect(none["spec"]?["ports"]?.item(0)?["nodePort"] == nil)
        #expect(none["spec"]?["ports"]?.item(1)?["nodePort"] == 30500)
    }

    @Test mutating func aDryRunAllocatesNothingAndShowsPlaceholders() throws {
        let allocator = try ServiceAllocator()
        let taken = try create(allocator, service("a", ["clusterIP": "10.96.0.10"]))
        let usage = ServiceAllocationUsage(services: [taken])
        let dry = try create(
            allocator, service("b", ["type": "NodePort", "ports": [["port": 80], ["port": 81]]]), usage: usage,
            dryRun: true)
        #expect(dry["spec"]?["clusterIP"] == "10.96.0.0", "the range's network address, as the dry-run allocator says")
        #expect(dry["spec"]?["ports"]?.item(0)?["nodePort"] == 32769)
        #expect(dry["spec"]?["ports"]?.item(1)?["nodePort"] == 32770)
        // The dry-run IP allocator checks the range but not whether the address is taken.
        let requested = try create(allocator, service("c", ["clusterIP": "10.96.0.10"]), usage: usage, dryRun: true)
        #expect(requested["spec"]?["clusterIP"] == "10.96.0.10")
    }

    @Test func theUsageTableIsWhatTheServicesHold() throws {
        let usage = ServiceAllocationUsage(services: [
            service(
                "a",
                [
                    "type": "LoadBalancer", "clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5", "fd00::5"],
                    "ports": [["port": 80, "nodePort": 30001]], "healthCheckNodePort": 30002,
                ]),
            service("b", ["clusterIP": "None", "clusterIPs": ["None"]]),
            service("c", ["type": "ExternalName", "externalName": "x.example"]),
        ])
        #expect(usage.addresses == Set(["10.96.0.5", "fd00::5"].compactMap { IPAddress(parsing: $0) }))
        #expect(usage.nodePorts == [30001, 30002])
    }

    // MARK: updates

    @Test mutating func resubmittingAManifestKeepsWhatWasAllocated() throws {
        let allocator = try ServiceAllocator()
        let manifest = service(["type": "NodePort", "ports": [["name": "http", "port": 80]]])
        let stored = try create(allocator, manifest)
        let updated = try update(allocator, manifest, old: stored)
        #expect(updated["spec"] == stored["spec"])
    }

    @Test mutating func nodePortToClusterIPDropsTheNodePorts() throws {
        let allocator = try ServiceAllocator()
        let stored = try create(
            allocator, service(["type": "NodePort", "externalTrafficPolicy": "Cluster", "ports": [["port": 80]]]))
        var change = stored
        change["spec"]?["type"] = "ClusterIP"
        let updated = try update(allocator, change, old: stored)
        #expect(updated["spec"]?["ports"] == [["port": 80]])
        #expect(updated["spec"]?["externalTrafficPolicy"] == nil)
        #expect(updated["spec"]?["clusterIP"] == stored["spec"]?["clusterIP"])
    }

    @Test mutating func clusterIPToNodePortAllocatesNodePorts() throws {
        let allocator = try ServiceAllocator()
        let stored = try create(allocator, service(["ports": [["port": 80]]]))
        var change = stored
        change["spec"]?["type"] = "NodePort"
        let updated = try update(allocator, change, old: stored)
        let np = try #require(updated["spec"]?["ports"]?.item(0)?["nodePort"]?.int64Value)
        #expect((30000...32767).contains(np))
    }

    @Test mutating func externalNameAndBackAllocatesAndDropsTheAddress() throws {
        let allocator = try ServiceAllocator()
        let stored = try create(allocator, service(["ports": [["port": 80]]]))
        var toExternal = stored
        toExternal["spec"]?["type"] = "ExternalName"
        toExternal["spec"]?["externalName"] = "db.example"
        let external = try update(allocator, toExternal, old: stored)
        for key in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
            #expect(external["spec"]?[key] == nil, "\(key)")
        }
        var back = external
        back["spec"]?["type"] = "ClusterIP"
        back["spec"]?["externalName"] = nil
        let again = try update(allocator, back, old: external, usage: ServiceAllocationUsage(services: [external]))
        #expect(again["spec"]?["clusterIP"]?.stringValue != nil)
        #expect(again["spec"]?["ipFamilyPolicy"] == "SingleStack")
    }

    @Test mutating func anUpdateNeverHandsOutWhatTheOldObjectHolds() throws {
        // The old object's ports stay allocated until the update commits, as the
        // apiserver defers releases: a port changed in the same update cannot take them.
        let allocator = try ServiceAllocator(serviceNodePortRange: "30000-30001")
        let stored = try create(allocator, service(["type": "NodePort", "ports": [["name": "a", "port": 80]]]))
        let held = try #require(stored["spec"]?["ports"]?.item(0)?["nodePort"]?.int64Value)
        var change = stored
        change["spec"]?["ports"] = [["name": "b", "port": 81]]
        let updated = try update(allocator, change, old: stored)
        let np = try #require(updated["spec"]?["ports"]?.item(0)?["nodePort"]?.int64Value)
        #expect(np != held)
    }
}

extension ServiceAllocationError {
    var fieldErrors: [FieldError] {
        if case .invalid(let errors) = self { return errors }
        return []
    }
}

extension JSONValue {
    /// The array element at `index`, or nil.
    fileprivate func item(_ index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
