extension JSONValue {
    /// Compact JSON (no whitespace) in UTF-8, object members in their stored order.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        serialize(into: &out)
        return out
    }

    /// Appends the compact JSON of this value to `out`.
    public func serialize(into out: inout [UInt8]) {
        switch self {
        case .null:
            appendASCII("null", to: &out)
        case .bool(let b):
            appendASCII(b ? "true" : "false", to: &out)
        case .number(let n):
            appendRaw(n.text, to: &out)
        case .string(let s):
            appendJSONString(s, to: &out)
        case .array(let items):
            out.append(0x5B)
            var first = true
            for item in items {
                if !first { out.append(0x2C) }
                first = false
                item.serialize(into: &out)
            }
            out.append(0x5D)
        case .object(let object):
            out.append(0x7B)
            var first = true
            for (key, value) in object.members {
                if !first { out.append(0x2C) }
                first = false
                appendJSONString(key, to: &out)
                out.append(0x3A)
                value.serialize(into: &out)
            }
            out.append(0x7D)
        }
    }

    /// The compact JSON text of this value.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}

@inline(__always)
private func appendASCII(_ s: StaticString, to out: inout [UInt8]) {
    out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
}

@inline(__always)
private func appendRaw(_ s: String, to out: inout [UInt8]) {
    var s = s
    s.withUTF8 { out.append(contentsOf: $0) }
}

/// For each byte: 0 = copy as is, otherwise the character after the backslash
/// (`u` meaning a `\u00XX` escape).
private let escapeTable: [UInt8] = (0..<256).map { (b: Int) -> UInt8 in
    switch b {
    case 0x08: return 0x62  // b
    case 0x09: return 0x74  // t
    case 0x0A: return 0x6E  // n
    case 0x0C: return 0x66  // f
    case 0x0D: return 0x72  // r
    case 0..<0x20: return 0x75  // u
    case 0x22: return 0x22
    case 0x5C: return 0x5C
    default: return 0
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Appends `s` as a quoted JSON string: `"`, `\` and control characters are
/// escaped; everything else (including non-ASCII) is copied as UTF-8 in runs.
@inline(__always)
private func appendJSONString(_ s: String, to out: inout [UInt8]) {
    var s = s
    out.append(0x22)
    s.withUTF8 { buf in
        escapeTable.withUnsafeBufferPointer { table in
            let n = buf.count
            var runStart = 0
            var i = 0
            while i < n {
                let esc = table[Int(buf[i])]
                if esc == 0 {
                    i += 1
                    continue
                }
                if runStart < i {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i]))
                }
                out.append(0x5C)
                out.append(esc)
                if esc == 0x75 {
                    let b = Int(buf[i])
                    out.append(0x30)
                    out.append(0x30)
                    out.append(hexDigits[b >> 4])
                    out.append(hexDigits[b & 0xF])
                }
                i += 1
                runStart = i
            }
            if runStart < n {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<n]))
            }
        }
    }
    out.append(0x22)
}
