/// One `--service-cluster-ip-range` CIDR and the addresses kube-apiserver's bitmap
/// allocator (`pkg/registry/core/service/ipallocator`, the default in 1.32) hands out
/// from it.
///
/// The network address is never used, nor, for IPv4, the broadcast address; an IPv6
/// range is capped at 65536 addresses (the bitmap's size). Offsets count from the
/// address after the network address. The lower `staticBand` offsets are kept for
/// clients that ask for a specific IP: dynamic allocation scans the upper part first
/// and falls back to the band only when the rest is full.
public struct ServiceIPRange: Sendable, Hashable, CustomStringConvertible {
    /// The family of every address in the range.
    public let family: IPAddress.Family
    /// The masked network address.
    public let network: IPAddress
    /// The prefix length.
    public let prefixLength: Int
    /// How many addresses can be allocated (offsets `0..<size`).
    public let size: Int
    /// The lower offsets dynamic allocation prefers to leave free (`calculateRangeOffset`).
    public let staticBand: Int

    /// Parses `10.96.0.0/12` or `fd00:10:96::/112` (leading zeros allowed in IPv4, as
    /// `ParseCIDRSloppy` allows them); the host bits are masked off.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parsing: String(parts[0])),
            !parts[1].isEmpty, parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            parts[1].count <= 3, let prefix = Int(parts[1])
        else { return nil }
        // An IPv4-mapped network (`::ffff:10.0.0.0/104`) is not accepted as a range.
        guard !(address.family == .ipv4 && parts[0].contains(":")), prefix <= address.family.bits else {
            return nil
        }
        self.init(family: address.family, address: address.value, prefixLength: prefix)
    }

    init(family: IPAddress.Family, address: UInt128, prefixLength: Int) {
        let hostBits = family.bits - prefixLength
        let hostMask: UInt128 = hostBits >= 128 ? .max : (UInt128(1) << UInt128(hostBits)) - 1
        self.family = family
        self.network = IPAddress(family: family, value: address & ~hostMask)
        self.prefixLength = prefixLength
        // netutils.RangeSize: 2^hostBits, saturating at Int64.max from 63 host bits on,
        // and 0 for the whole address space (and half of it).
        let rangeSize: Int =
            hostBits >= family.bits - 1 ? 0 : hostBits >= 63 ? Int.max : 1 << hostBits
        var size = rangeSize
        if family == .ipv6 {
            size = min(size, 65536)
        } else {
            size -= 1  // broadcast
        }
        size -= 1  // network address
        self.size = max(0, size)
        if rangeSize <= 16 {
            self.staticBand = 0
        } else {
            self.staticBand = min(max(rangeSize / 16, 16), 256)
        }
    }

    /// `10.96.0.0/12`, as Go prints an `IPNet`.
    public var description: String { "\(network)/\(prefixLength)" }

    /// The address at `offset` (0 is the address after the network address).
    public func address(at offset: Int) -> IPAddress {
        IPAddress(family: family, value: network.value + 1 + UInt128(offset))
    }

    /// The offset of `address`, or nil when it is outside the range or one of the
    /// addresses the range never hands out (network, IPv4 broadcast, past the cap).
    public func offset(of address: IPAddress) -> Int? {
        guard address.family == family else { return nil }
        let hostBits = family.bits - prefixLength
        if hostBits < 128 && (address.value >> UInt128(hostBits)) != (network.value >> UInt128(hostBits)) {
            return nil
        }
        guard address.value > network.value else { return nil }
        let offset = address.value - network.value - 1
        guard offset < UInt128(size) else { return nil }
        return Int(offset)
    }
}

/// A `--service-node-port-range`: `30000-32767`, `30000+2767` or a single port, as
/// apimachinery's `net.ParsePortRange` reads it. Like the IP ranges, the lower
/// `staticBand` ports are left for explicit requests while others are free.
public struct ServiceNodePortRange: Sendable, Hashable, CustomStringConvertible {
    /// The first port.
    public let base: Int
    /// How many ports (`base..<base+size`).
    public let size: Int
    /// The lower offsets dynamic allocation prefers to leave free (`calculateRangeOffset`).
    public let staticBand: Int

    /// The range `base...last`.
    public init?(base: Int, last: Int) {
        guard base >= 0, last <= 65535, base <= last else { return nil }
        self.init(uncheckedBase: base, size: last - base + 1)
    }

    init(uncheckedBase base: Int, size: Int) {
        self.base = base
        self.size = size
        self.staticBand = size <= 16 ? 0 : min(max(size / 32, 16), 128)
    }

    /// Parses `low-high`, `low+offset` or `port` (surrounding spaces ignored).
    public init?(parsing text: String) {
        let value = text.trimmingSpaces
        func port(_ s: Substring) -> Int? {
            guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                s.count <= 5
            else { return nil }
            return Int(s)
        }
        if let dash = value.firstIndex(of: "-") {
            guard !value.contains("+"), let low = port(value[..<dash]),
                let high = port(value[value.index(after: dash)...])
            else { return nil }
            self.init(base: low, last: high)
        } else if let plus = value.firstIndex(of: "+") {
            guard let low = port(value[..<plus]), let offset = port(value[value.index(after: plus)...]) else {
                return nil
            }
            self.init(base: low, last: low + offset)
        } else {
            guard let single = port(value[...]) else { return nil }
            self.init(base: single, last: single)
        }
    }

    /// `30000-32767`, as Go prints a `PortRange`.
    public var description: String { "\(base)-\(base + size - 1)" }

    /// Whether `port` is in the range.
    public func contains(_ port: Int) -> Bool { port >= base && port < base + size }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var s = self[...]
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return s
    }
}
