import KubeModel
import Testing

@testable import Admission

/// Addresses, CIDRs and port ranges as kube-apiserver parses, prints and sizes them.
@Suite struct AllocationRangeTests {
    @Test func ipv4IsParsedSloppilyAndPrintedDotted() throws {
        #expect(IPAddress(parsing: "10.96.0.1")?.description == "10.96.0.1")
        // ParseIPSloppy accepts leading zeros (read as decimal).
        #expect(IPAddress(parsing: "010.096.000.001")?.description == "10.96.0.1")
        for bad in ["1.2.3", "256.1.1.1", "1.2.3.4.5", "1..2.3", "", " 1.2.3.4", "a.b.c.d"] {
            #expect(IPAddress(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func ipv6IsPrintedTheWayGoPrintsIt() {
        #expect(IPAddress(parsing: "fd00:0:0:0:0:0:0:1")?.description == "fd00::1")
        #expect(IPAddress(parsing: "2001:DB8:0:1:0:0:0:1")?.description == "2001:db8:0:1::1")
        // A single zero group is not compressed; the first of two equal runs is.
        #expect(IPAddress(parsing: "1:0:2:3:4:5:6:7")?.description == "1:0:2:3:4:5:6:7")
        #expect(IPAddress(parsing: "1:0:0:2:0:0:3:4")?.description == "1::2:0:0:3:4")
        #expect(IPAddress(parsing: "::")?.description == "::")
        #expect(IPAddress(parsing: "::1")?.family == .ipv6)
        #expect(IPAddress(parsing: "64:ff9b::10.1.2.3")?.description == "64:ff9b::a01:203")
        for bad in ["1::2::3", "1:2:3:4:5:6:7:8:9", ":1", "1:", "12345::", "g::1"] {
            #expect(IPAddress(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func anIPv4MappedAddressIsIPv4() {
        let mapped = IPAddress(parsing: "::ffff:10.1.2.3")
        #expect(mapped?.family == .ipv4)
        #expect(mapped?.description == "10.1.2.3")
    }

    @Test func aRangeLeavesOutTheNetworkAndBroadcastAddresses() throws {
        let range = try #require(ServiceIPRange(parsing: "10.0.0.0/24"))
        #expect(range.size == 254)
        #expect(range.offset(of: try #require(IPAddress(parsing: "10.0.0.0"))) == nil)
        #expect(range.offset(of: try #require(IPAddress(parsing: "10.0.0.255"))) == nil)
        #expect(range.offset(of: try #require(IPAddress(parsing: "10.0.0.1"))) == 0)
        #expect(range.offset(of: try #require(IPAddress(parsing: "10.0.0.254"))) == 253)
        #expect(range.offset(of: try #require(IPAddress(parsing: "10.0.1.1"))) == nil)
        #expect(range.address(at: 0).description == "10.0.0.1")
    }

    @Test func theDefaultRangeAndItsStaticBand() throws {
        let range = try #require(ServiceIPRange(parsing: "10.96.0.0/12"))
        #expect(range.description == "10.96.0.0/12")
        #expect(range.size == (1 << 20) - 2)
        // min(max(16, size/16), 256)
        #expect(range.staticBand == 256)
        #expect(try #require(ServiceIPRange(parsing: "10.0.0.0/24")).staticBand == 16)
        #expect(try #require(ServiceIPRange(parsing: "10.0.0.0/28")).staticBand == 0)
        #expect(try #require(ServiceIPRange(parsing: "10.0.0.0/26")).staticBand == 16)
    }

    @Test func hostBitsAreMaskedOff() throws {
        #expect(try #require(ServiceIPRange(parsing: "10.96.5.7/12")).description == "10.96.0.0/12")
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/a", "fd00::/129", "::ffff:10.0.0.0/104"] {
            #expect(ServiceIPRange(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func anIPv6RangeKeepsItsBroadcastAndIsCappedAt65536() throws {
        let small = try #require(ServiceIPRange(parsing: "fd00:10:96::/120"))
        #expect(small.family == .ipv6)
        #expect(small.size == 255)
        #expect(small.offset(of: try #require(IPAddress(parsing: "fd00:10:96::ff"))) == 254)
        let large = try #require(ServiceIPRange(parsing: "fd00::/64"))
        #expect(large.size == 65535)
        #expect(large.staticBand == 256)
        #expect(large.address(at: 65534).description == "fd00::ffff")
        #expect(large.offset(of: try #require(IPAddress(parsing: "fd00::1:0"))) == nil)
    }

    @Test func nodePortRangesInTheirThreeNotations() throws {
        let range = try #require(ServiceNodePortRange(parsing: "30000-32767"))
        #expect(range.size == 2768)
        #expect(range.staticBand == 86)
        #expect(range.description == "30000-32767")
        #expect(try #require(ServiceNodePortRange(parsing: "30000+10")).description == "30000-30010")
        #expect(try #require(ServiceNodePortRange(parsing: " 8080 ")).size == 1)
        #expect(try #require(ServiceNodePortRange(parsing: "30000-30015")).staticBand == 0)
        for bad in ["", "a-b", "40000-30000", "0-70000", "1-2-3", "1+-2"] {
            #expect(ServiceNodePortRange(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func flagValuesAreCheckedAsKubeAPIServerChecksThem() throws {
        let defaults = try ServiceAllocator()
        #expect(defaults == ServiceAllocator.kubeDefaults)
        #expect(defaults.ipRanges.map(\.description) == ["10.96.0.0/12"])
        #expect(defaults.nodePortRange.description == "30000-32767")
        let dual = try ServiceAllocator(serviceClusterIPRange: "10.96.0.0/16,fd00::/108")
        #expect(dual.primaryFamily == .ipv4)
        #expect(dual.ipRanges.map(\.family) == [.ipv4, .ipv6])

        #expect(throws: ServiceRangeConfigurationError.self) {
            try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/16,10.1.0.0/16")
        }
        #expect(throws: ServiceRangeConfigurationError.self) {
            try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/16,fd00::/108,10.2.0.0/16")
        }
        #expect(throws: ServiceRangeConfigurationError.self) {
            try ServiceAllocator(serviceNodePortRange: "nope")
        }
        do {
            _ = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/8")
            Issue.record("a /8 range was accepted")
        } catch {
            #expect(
                error.description
                    == "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12"
            )
        }
        do {
            _ = try ServiceAllocator(serviceClusterIPRange: "fd00::/64")
            Issue.record("a /64 range was accepted")
        } catch {
            #expect(
                error.description
                    == "specified --service-cluster-ip-range is too large; for 128-bit addresses, the mask must be >= 108"
            )
        }
    }
}
