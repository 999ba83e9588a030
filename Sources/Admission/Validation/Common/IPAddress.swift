/// An IP address parsed like k8s.io/utils `netutils.ParseIPSloppy` (Go 1.16's
/// `net.ParseIP`, which also accepts IPv4 octets with leading zeros), as 16 bytes.
struct IPAddress: Hashable {
    /// The address in IPv6 form (IPv4 as `::ffff:a.b.c.d`).
    var bytes: [UInt8]

    /// The IPv4 address, or nil for an IPv6 one (`To4()`).
    var ipv4: [UInt8]? {
        let prefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
        if Array(bytes[0..<12]) == prefix { return Array(bytes[12..<16]) }
        return nil
    }

    /// An address from its 16 bytes.
    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses dotted IPv4 or IPv6 text; nil when invalid.
    init?(_ s: String) {
        let b = Array(s.utf8)
        if b.contains(58) {  // ':'
            guard let v6 = IPAddress.parseIPv6(b) else { return nil }
            bytes = v6
        } else if let v4 = IPAddress.parseIPv4(b[...]) {
            bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + v4
        } else {
            return nil
        }
    }

    private static func parseIPv4(_ b: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = b.split(separator: 46, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3 || p.allSatisfy({ $0 == 48 }) else { return nil }
            var v = 0
            for c in p {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
                if v > 255 { return nil }
            }
            out.append(UInt8(v))
        }
        return out
    }

    private static func parseIPv6(_ b: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 16)
        var i = 0
        var j = 0
        var ellipsis = -1
        if b.count >= 2 && b[0] == 58 && b[1] == 58 {
            ellipsis = 0
            i = 2
            if i == b.count { return out }
        }
        while i < b.count {
            // a hex group (or an embedded IPv4 address)
            var n = 0
            var k = i
            while k < b.count, let d = hexValue(b[k]) {
                n = n * 16 + d
                k += 1
                if n > 0xFFFF { return nil }
            }
            if k == i { return nil }
            if k < b.count && b[k] == 46 {
                // IPv4 tail
                if ellipsis < 0 && j != 12 { return nil }
                if j + 4 > 16 { return nil }
                guard let v4 = parseIPv4(b[i...]) else { return nil }
                out[j] = v4[0]
                out[j + 1] = v4[1]
                out[j + 2] = v4[2]
                out[j + 3] = v4[3]
                i = b.count
                j += 4
                break
            }
            if k - i > 4 { return nil }
            if j + 2 > 16 { return nil }
            out[j] = UInt8(n >> 8)
            out[j + 1] = UInt8(n & 0xFF)
            j += 2
            i = k
            if i == b.count { break }
            guard b[i] == 58, i + 1 < b.count else { return nil }
            i += 1
            if b[i] == 58 {
                if ellipsis >= 0 { return nil }
                ellipsis = j
                i += 1
                if i == b.count { break }
            }
            if j == 16 { return nil }
        }
        if i != b.count { return nil }
        if j < 16 {
            guard ellipsis >= 0 else { return nil }
            let n = 16 - j
            for k in stride(from: j - 1, through: ellipsis, by: -1) {
                out[k + n] = out[k]
            }
            for k in stride(from: ellipsis + n - 1, through: ellipsis, by: -1) { out[k] = 0 }
        } else if ellipsis >= 0 {
            return nil
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: Int(c - 48)
        case 97...102: Int(c - 87)
        case 65...70: Int(c - 55)
        default: nil
        }
    }

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
