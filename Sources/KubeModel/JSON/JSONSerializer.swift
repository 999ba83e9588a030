extension JSONValue {
    /// Compact JSON (no whitespace) in UTF-8, object members in their stored order.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter(capacity: 4096)
        writer.write(self)
        return writer.takeArray()
    }

    /// Appends the compact JSON of this value to `out`.
    public func serialize(into out: inout [UInt8]) {
        var writer = JSONWriter(capacity: 4096)
        writer.write(self)
        writer.append(to: &out)
    }

    /// The compact JSON text of this value.
    public var jsonString: String {
        var writer = JSONWriter(capacity: 4096)
        writer.write(self)
        return writer.takeString()
    }
}

/// Writes JSON into one growing byte buffer: each write reserves its worst case
/// once and then stores bytes without further checks.
struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if capacity - count < n { grow(n) }
    }

    @inline(never)
    private mutating func grow(_ n: Int) {
        let newCapacity = max(capacity * 2, count + n)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    private mutating func byte(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @inline(__always)
    private mutating func raw(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        reserve(n)
        (base + count).update(from: s.utf8Start, count: n)
        count += n
    }

    /// The bytes written, as a new array.
    consuming func takeArray() -> [UInt8] {
        let n = count
        let source = base
        return [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            guard let out = buffer.baseAddress else {
                initialized = 0
                return
            }
            out.update(from: source, count: n)
            initialized = n
        }
    }

    /// The bytes written, as a string (they are valid UTF-8 by construction).
    consuming func takeString() -> String {
        String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }

    func append(to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            raw("null")
        case .bool(let b):
            if b { raw("true") } else { raw("false") }
        case .number(let n):
            writeUnescaped(n.text)
        case .string(let s):
            writeString(s)
        case .array(let items):
            byte(0x5B)
            var first = true
            for item in items {
                if !first { byte(0x2C) }
                first = false
                write(item)
            }
            byte(0x5D)
        case .object(let object):
            byte(0x7B)
            var first = true
            for member in object.members {
                if !first { byte(0x2C) }
                first = false
                writeString(member.key)
                byte(0x3A)
                write(member.value)
            }
            byte(0x7D)
        }
    }

    /// Number text: valid JSON already, copied as is.
    private mutating func writeUnescaped(_ s: String) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { utf8 in
            reserve(utf8.count)
            if let p = utf8.baseAddress { (base + count).update(from: p, count: utf8.count) }
            count += utf8.count
        }
        if done == nil {
            for b in s.utf8 { byte(b) }
        }
    }

    private mutating func writeString(_ s: String) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { utf8 in
            writeEscaped(utf8)
        }
        if done == nil {
            let bytes = Array(s.utf8)
            bytes.withUnsafeBufferPointer { writeEscaped($0) }
        }
    }

    /// Writes `"…"`: quote, backslash and control characters are escaped (short
    /// forms where JSON has them); everything else, non-ASCII included, is copied
    /// in runs found eight bytes at a time.
    @inline(__always)
    private mutating func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        let n = utf8.count
        // Worst case: every byte becomes \u00XX, plus the quotes.
        reserve(n &* 6 &+ 2)
        var out = base + count
        out.pointee = 0x22
        out += 1
        guard let src = utf8.baseAddress else {
            out.pointee = 0x22
            count = out + 1 - base
            return
        }
        var i = 0
        while i < n {
            // Find the next byte that needs escaping.
            var j = i
            while j &+ 8 <= n {
                let word = UnsafeRawPointer(src + j).loadUnaligned(as: UInt64.self)
                if needsEscape(word) { break }
                j &+= 8
            }
            while j < n {
                let c = src[j]
                if c < 0x20 || c == 0x22 || c == 0x5C { break }
                j &+= 1
            }
            if j > i {
                out.update(from: src + i, count: j &- i)
                out += j &- i
            }
            if j == n { break }
            let c = src[j]
            out.pointee = 0x5C
            switch c {
            case 0x22, 0x5C:
                out[1] = c
                out += 2
            case 0x0A:
                out[1] = 0x6E
                out += 2
            case 0x0D:
                out[1] = 0x72
                out += 2
            case 0x09:
                out[1] = 0x74
                out += 2
            case 0x08:
                out[1] = 0x62
                out += 2
            case 0x0C:
                out[1] = 0x66
                out += 2
            default:
                out[1] = 0x75  // u
                out[2] = 0x30
                out[3] = 0x30
                out[4] = hexDigit(c >> 4)
                out[5] = hexDigit(c & 0xF)
                out += 6
            }
            i = j &+ 1
        }
        out.pointee = 0x22
        count = out + 1 - base
    }
}

@inline(__always)
private func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x61 + v - 10 }

/// Whether any byte of `word` is `"`, `\` or below 0x20 (SWAR, no branches per byte).
@inline(__always)
private func needsEscape(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    // A byte is zero after XOR exactly when it matched; (x - 1) & ~x & 0x80 flags zero bytes.
    let q = word ^ (ones &* 0x22)
    let b = word ^ (ones &* 0x5C)
    let hasQuote = (q &- ones) & ~q & highs
    let hasBackslash = (b &- ones) & ~b & highs
    // Bytes below 0x20: (x - 0x20) borrows into the high bit; exclude bytes ≥ 0x80.
    let hasControl = (word &- ones &* 0x20) & ~word & highs
    return (hasQuote | hasBackslash | hasControl) != 0
}
