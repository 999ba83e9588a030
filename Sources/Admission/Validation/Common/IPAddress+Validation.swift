/// The byte views and classifications validation needs of the one `IPAddress` type
/// (`Allocation/IPAddress.swift`), named as Go's `net.IP` methods are.
extension IPAddress {
    /// The address in IPv6 form (IPv4 as `::ffff:a.b.c.d`), as Go's 16-byte `net.IP`.
    var bytes: [UInt8] {
        let v = family == .ipv4 ? (UInt128(0xFFFF) << 32) | value : value
        return (0..<16).map { UInt8(truncatingIfNeeded: v >> UInt128(8 * (15 - $0))) }
    }

    /// The IPv4 address, or nil for an IPv6 one (`To4()`).
    var ipv4: [UInt8]? { family == .ipv4 ? Array(bytes[12..<16]) : nil }

    /// An address from its 16 bytes (an IPv4-mapped one is IPv4).
    init(bytes: [UInt8]) {
        var v: UInt128 = 0
        for b in bytes { v = v << 8 | UInt128(b) }
        if v >> 32 == 0xFFFF {
            self.init(family: .ipv4, value: v & 0xFFFF_FFFF)
        } else {
            self.init(family: .ipv6, value: v)
        }
    }

    /// Parses dotted IPv4 or IPv6 text (`netutils.ParseIPSloppy`); nil when invalid.
    init?(_ text: String) { self.init(parsing: text) }

    /// `IsUnspecified`: 0.0.0.0 or ::.
    var isUnspecified: Bool { ipv4.map { $0 == [0, 0, 0, 0] } ?? bytes.allSatisfy { $0 == 0 } }
    /// `IsLoopback`: 127.0.0.0/8 or ::1.
    var isLoopback: Bool { ipv4.map { $0[0] == 127 } ?? (bytes == [UInt8](repeating: 0, count: 15) + [1]) }
    /// `IsLinkLocalUnicast`: 169.254.0.0/16 or fe80::/10.
    var isLinkLocalUnicast: Bool {
        ipv4.map { $0[0] == 169 && $0[1] == 254 } ?? (bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80)
    }
    /// `IsLinkLocalMulticast`: 224.0.0.0/24 or ff02::/16.
    var isLinkLocalMulticast: Bool {
        ipv4.map { $0[0] == 224 && $0[1] == 0 && $0[2] == 0 } ?? (bytes[0] == 0xFF && bytes[1] & 0x0F == 0x02)
    }
}
