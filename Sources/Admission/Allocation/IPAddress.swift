/// An IPv4 or IPv6 address, parsed and printed the way kube-apiserver's Go code does
/// (`netutils.ParseIPSloppy` and `net.IP.String()`).
///
/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is an IPv4 address, as Go's
/// `IP.To4()` makes it: it belongs to the IPv4 family and prints in dotted form.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The two families a Service can have (`spec.ipFamilies` values).
    public enum Family: String, Sendable, Hashable, CaseIterable {
        case ipv4 = "IPv4"
        case ipv6 = "IPv6"

        /// Address width in bits.
        public var bits: Int { self == .ipv4 ? 32 : 128 }
        /// The other family (dual-stack pairs one of each).
        public var other: Family { self == .ipv4 ? .ipv6 : .ipv4 }
    }

    /// The family of the address.
    public let family: Family
    /// The address as an integer; IPv4 uses the low 32 bits.
    public let value: UInt128

    /// An address of `family` with integer `value` (truncated to the family's width).
    public init(family: Family, value: UInt128) {
        self.family = family
        self.value = family == .ipv4 ? value & 0xFFFF_FFFF : value
    }

    /// Parses dotted IPv4 (leading zeros allowed, as `ParseIPSloppy` allows them) or
    /// IPv6 text (with `::` and an optional trailing dotted IPv4 part); nil if invalid.
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        if let v4 = Self.parseIPv4(bytes[...]) {
            self.init(family: .ipv4, value: UInt128(v4))
            return
        }
        guard let v6 = Self.parseIPv6(bytes[...]) else { return nil }
        if v6 >> 32 == 0xFFFF {
            self.init(family: .ipv4, value: v6 & 0xFFFF_FFFF)
        } else {
            self.init(family: .ipv6, value: v6)
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.family == .ipv4 ? 0 : 1, lhs.value) < (rhs.family == .ipv4 ? 0 : 1, rhs.value)
    }

    /// Go's `net.IP.String()`: dotted decimal, or RFC 5952 IPv6 (lowercase, the first
    /// longest run of two or more zero groups written `::`).
    public var description: String {
        if family == .ipv4 {
            let v = UInt32(truncatingIfNeeded: value)
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        }
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(16 * (7 - $0))) }
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else {
                i += 1
                continue
            }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > bestLength {
                bestStart = i
                bestLength = j - i
            }
            i = j
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }

    private static func parseIPv4(_ s: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var fields = 0
        var index = s.startIndex
        while fields < 4 {
            if fields > 0 {
                guard index < s.endIndex, s[index] == UInt8(ascii: ".") else { return nil }
                index += 1
            }
            var n = 0
            var digits = 0
            while index < s.endIndex, s[index] >= UInt8(ascii: "0"), s[index] <= UInt8(ascii: "9") {
                n = n * 10 + Int(s[index] - UInt8(ascii: "0"))
                digits += 1
                guard n <= 0xFF else { return nil }
                index += 1
            }
            guard digits > 0 else { return nil }
            value = value << 8 | UInt32(n)
            fields += 1
        }
        return index == s.endIndex ? value : nil
    }

    private static func parseIPv6(_ s: ArraySlice<UInt8>) -> UInt128? {
        var groups: [UInt16] = []
        var ellipsis: Int?
        var index = s.startIndex
        if s.count >= 2, s[index] == UInt8(ascii: ":"), s[index + 1] == UInt8(ascii: ":") {
            ellipsis = 0
            index += 2
            if index == s.endIndex { return 0 }
        }
        while index < s.endIndex {
            // A hex group, or a trailing dotted IPv4 part filling two groups.
            var n = 0
            var digits = 0
            var cursor = index
            while cursor < s.endIndex, let d = hexDigit(s[cursor]) {
                n = n * 16 + d
                digits += 1
                guard digits <= 4 else { return nil }
                cursor += 1
            }
            guard digits > 0 else { return nil }
            if cursor < s.endIndex, s[cursor] == UInt8(ascii: ".") {
                guard ellipsis != nil || groups.count == 6, groups.count <= 6,
                    let v4 = parseIPv4(s[index...])
                else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                index = s.endIndex
                break
            }
            groups.append(UInt16(n))
            index = cursor
            guard index < s.endIndex else { break }
            guard s[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < s.endIndex, s[index] == UInt8(ascii: ":") {
                guard ellipsis == nil else { return nil }
                ellipsis = groups.count
                index += 1
                if index == s.endIndex { break }
            } else if index == s.endIndex {
                return nil
            }
            guard groups.count < 8 else { return nil }
        }
        if let at = ellipsis {
            guard groups.count < 8 else { return nil }
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: at)
        }
        guard groups.count == 8 else { return nil }
        return groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    private static func hexDigit(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
