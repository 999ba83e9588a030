/// Why a JSON text was rejected, and where.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset (from the start of the input) at which the problem was found.
    public var offset: Int
    /// What is wrong, in words.
    public var message: String

    /// An error at byte `offset` of the input.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// Bounds the parser enforces so that hostile input fails fast instead of
/// exhausting memory or the stack.
public struct JSONLimits: Sendable, Hashable {
    /// The deepest nesting of arrays and objects accepted (`[[1]]` has depth 2).
    ///
    /// The parser itself never recurses, but destroying, comparing and serializing a
    /// `JSONValue` do, so keep this in the hundreds or low thousands.
    public var maxDepth: Int
    /// The largest input accepted, in bytes.
    public var maxBytes: Int

    /// Limits with the given bounds (defaults: 512 levels, 64 MiB).
    public init(maxDepth: Int = 512, maxBytes: Int = 64 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    /// 512 levels, 64 MiB.
    public static let `default` = JSONLimits()
}

extension JSONValue {
    /// Parses one RFC 8259 JSON text from UTF-8 bytes.
    ///
    /// Numbers keep their text, object key order is kept and a duplicate key keeps
    /// the first position with the last value.
    public init(parsing bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONParseError) {
        let fast: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buf in
            Result { () throws(JSONParseError) in
                try JSONValue(parsing: UnsafeRawBufferPointer(buf), limits: limits)
            }
        }
        if let fast {
            self = try fast.get()
            return
        }
        let copy = Array(bytes)
        let result: Result<JSONValue, JSONParseError> = copy.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try JSONValue(parsing: raw, limits: limits) }
        }
        self = try result.get()
    }

    /// Parses one JSON text held in a string (its UTF-8 form).
    public init(parsing string: String, limits: JSONLimits = .default) throws(JSONParseError) {
        var string = string
        let result: Result<JSONValue, JSONParseError> = string.withUTF8 { buf in
            Result { () throws(JSONParseError) in
                try JSONValue(parsing: UnsafeRawBufferPointer(buf), limits: limits)
            }
        }
        self = try result.get()
    }

    /// Parses one JSON text from raw UTF-8 bytes; the buffer is only read during the call.
    public init(parsing buffer: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(JSONParseError) {
        if buffer.count > limits.maxBytes {
            throw JSONParseError(
                offset: limits.maxBytes,
                message: "input of \(buffer.count) bytes exceeds the limit of \(limits.maxBytes)")
        }
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(offset: 0, message: "unexpected end of input, expected a value")
        }
        var parser = JSONParser(base: base.assumingMemoryBound(to: UInt8.self), count: buffer.count, limits: limits)
        self = try parser.parseDocument()
    }
}

// ASCII codes the parser looks for.
private let quote: UInt8 = 0x22
private let backslash: UInt8 = 0x5C
private let slash: UInt8 = 0x2F
private let comma: UInt8 = 0x2C
private let colon: UInt8 = 0x3A
private let openBracket: UInt8 = 0x5B
private let closeBracket: UInt8 = 0x5D
private let openBrace: UInt8 = 0x7B
private let closeBrace: UInt8 = 0x7D
private let minus: UInt8 = 0x2D
private let plus: UInt8 = 0x2B
private let dot: UInt8 = 0x2E
private let zero: UInt8 = 0x30
private let nine: UInt8 = 0x39

/// A one-pass parser over a UTF-8 buffer.
///
/// Nesting is handled with explicit stacks (not recursion), so depth is bounded
/// only by `JSONLimits.maxDepth` and deep input can never overflow the call stack.
/// Values of open containers wait on one value stack and are moved (not copied)
/// into an exactly-sized array when their container closes.
struct JSONParser: ~Copyable {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    var pos = 0

    /// An open array or object and where its values (and keys) start on the stacks.
    private struct Frame {
        var isObject: Bool
        var valueStart: Int
        var keyStart: Int
    }

    /// A parsed key; `rawStart >= 0` when it was plain ASCII (no escapes), so
    /// duplicates can be found by comparing input bytes.
    struct PendingKey {
        var string: String
        var rawStart: Int
        var rawLength: Int
        /// Length and first and last bytes of a plain key (0 for others): unequal
        /// fingerprints mean unequal keys, so most pairs cost one comparison.
        var fingerprint: UInt64
    }

    private var frames: [Frame] = []
    private var values = MoveStack<JSONValue>(capacity: 64)
    private var keys = MoveStack<PendingKey>(capacity: 32)
    /// Set by `parseString`: the string just read was ASCII without escapes.
    private var lastStringWasPlain = false
    private let known = JSONKnownStrings.shared

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONLimits) {
        self.base = base
        self.count = count
        self.maxDepth = max(0, limits.maxDepth)
        frames.reserveCapacity(16)
    }

    @inline(__always)
    private func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? pos, message: message)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < count {
            let c = base[pos]
            // space, \t, \n, \r
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                pos += 1
            } else {
                return
            }
        }
    }

    private func describe(_ c: UInt8) -> String {
        if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x" + String(c, radix: 16, uppercase: true)
    }

    private func unexpected(expected: String) -> JSONParseError {
        if pos >= count { return error("unexpected end of input, expected \(expected)") }
        return error("unexpected \(describe(base[pos])), expected \(expected)")
    }

    /// Reads `"key"` then `:`, pushes the key and leaves the cursor at the value.
    @inline(__always)
    private mutating func parseKey() throws(JSONParseError) {
        guard pos < count, base[pos] == quote else { throw unexpected(expected: "a string key") }
        let rawStart = pos + 1
        let key = try parseString()
        let length = pos - 1 - rawStart
        var fingerprint: UInt64 = 0
        if lastStringWasPlain && length > 0 {
            fingerprint =
                UInt64(truncatingIfNeeded: length) << 32 | UInt64(base[rawStart]) << 16 | UInt64(base[pos - 2]) << 8
                | 1
        }
        keys.push(
            PendingKey(
                string: key, rawStart: lastStringWasPlain ? rawStart : -1, rawLength: length, fingerprint: fingerprint))
        skipWhitespace()
        guard pos < count, base[pos] == colon else { throw unexpected(expected: "':'") }
        pos += 1
        skipWhitespace()
    }

    @inline(__always)
    private func sameKey(_ a: UnsafePointer<PendingKey>, _ b: UnsafePointer<PendingKey>) -> Bool {
        let fa = a.pointee.fingerprint
        let fb = b.pointee.fingerprint
        if fa != 0 && fb != 0 {
            if fa != fb { return false }
            let n = a.pointee.rawLength
            let pa = base + a.pointee.rawStart
            let pb = base + b.pointee.rawStart
            for i in 0..<n where pa[i] != pb[i] { return false }
            return true
        }
        if fa == 0 && fb == 0 && a.pointee.rawLength == 0 && b.pointee.rawLength == 0 { return true }
        return a.pointee.string == b.pointee.string
    }

    /// Builds the object whose keys and values sit on the stacks above `frame`'s starts.
    private mutating func closeObject(_ frame: Frame) -> JSONObject {
        let n = keys.count - frame.keyStart
        var duplicate = false
        if n > 16 {
            var seen = Set<String>(minimumCapacity: n)
            for i in frame.keyStart..<keys.count where !seen.insert(keys[i].string).inserted {
                duplicate = true
                break
            }
        } else if n > 1 {
            let kp = UnsafePointer(keys.pointer(at: frame.keyStart))
            outer: for i in 1..<n {
                for j in 0..<i where sameKey(kp + i, kp + j) {
                    duplicate = true
                    break outer
                }
            }
        }
        let keyBase = keys.pointer(at: frame.keyStart)
        let valueBase = values.pointer(at: frame.valueStart)
        // reserveCapacity + append specialize fully here; Array(unsafeUninitializedCapacity:)
        // went through an unspecialized path that looks up type metadata on every call.
        var members: [JSONObject.Element] = []
        members.reserveCapacity(n)
        for i in 0..<n {
            members.append((key: (keyBase + i).move().string, value: (valueBase + i).move()))
        }
        keys.forgetTop(from: frame.keyStart)
        values.forgetTop(from: frame.valueStart)
        return duplicate ? JSONObject(parsedMembers: members) : JSONObject(uniqueMembers: members)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        var value: JSONValue
        parseValue: while true {
            guard pos < count else { throw error("unexpected end of input, expected a value") }
            let c = base[pos]
            switch c {
            case openBrace:
                if frames.count >= maxDepth { throw error("nesting deeper than the limit of \(maxDepth)") }
                pos += 1
                skipWhitespace()
                if pos < count && base[pos] == closeBrace {
                    pos += 1
                    value = .object(JSONObject())
                } else {
                    frames.append(Frame(isObject: true, valueStart: values.count, keyStart: keys.count))
                    try parseKey()
                    continue parseValue
                }
            case openBracket:
                if frames.count >= maxDepth { throw error("nesting deeper than the limit of \(maxDepth)") }
                pos += 1
                skipWhitespace()
                if pos < count && base[pos] == closeBracket {
                    pos += 1
                    value = .array([])
                } else {
                    frames.append(Frame(isObject: false, valueStart: values.count, keyStart: keys.count))
                    continue parseValue
                }
            case quote:
                value = .string(try parseString())
            case minus, zero...nine:
                value = .number(try parseNumber())
            case 0x74:  // t
                try expectLiteral("true")
                value = .bool(true)
            case 0x66:  // f
                try expectLiteral("false")
                value = .bool(false)
            case 0x6E:  // n
                try expectLiteral("null")
                value = .null
            default:
                throw unexpected(expected: "a value")
            }

            // A value is complete: hand it to its container, then read what follows.
            while true {
                guard let frame = frames.last else {
                    skipWhitespace()
                    if pos < count { throw error("unexpected \(describe(base[pos])) after the value") }
                    return value
                }
                values.push(consume value)
                skipWhitespace()
                guard pos < count else { throw unexpected(expected: frame.isObject ? "',' or '}'" : "',' or ']'") }
                let c = base[pos]
                if c == comma {
                    pos += 1
                    skipWhitespace()
                    if frame.isObject { try parseKey() }
                    continue parseValue
                }
                if frame.isObject {
                    guard c == closeBrace else { throw unexpected(expected: "',' or '}'") }
                    pos += 1
                    frames.removeLast()
                    value = .object(closeObject(frame))
                } else {
                    guard c == closeBracket else { throw unexpected(expected: "',' or ']'") }
                    pos += 1
                    frames.removeLast()
                    value = .array(values.popArray(from: frame.valueStart))
                }
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let n = literal.utf8CodeUnitCount
        let start = pos
        let lit = literal.utf8Start
        for i in 0..<n {
            guard start + i < count else {
                throw error("unexpected end of input in literal '\(literal)'", at: start + i)
            }
            if base[start + i] != lit[i] {
                throw error("invalid literal, expected '\(literal)'", at: start + i)
            }
        }
        pos = start + n
    }

    // MARK: numbers

    @inline(__always)
    private func isDigit(_ c: UInt8) -> Bool { c &- zero < 10 }

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        if base[pos] == minus {
            pos += 1
        }
        guard pos < count, isDigit(base[pos]) else { throw unexpected(expected: "a digit") }
        if base[pos] == zero {
            pos += 1
            if pos < count && isDigit(base[pos]) { throw error("leading zeros are not allowed in numbers") }
        } else {
            pos += 1
            while pos < count && isDigit(base[pos]) { pos += 1 }
        }
        if pos < count && base[pos] == dot {
            pos += 1
            guard pos < count, isDigit(base[pos]) else { throw unexpected(expected: "a digit after '.'") }
            while pos < count && isDigit(base[pos]) { pos += 1 }
        }
        if pos < count && (base[pos] | 0x20) == 0x65 {  // e or E
            pos += 1
            if pos < count && (base[pos] == plus || base[pos] == minus) { pos += 1 }
            guard pos < count, isDigit(base[pos]) else { throw unexpected(expected: "a digit in the exponent") }
            while pos < count && isDigit(base[pos]) { pos += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        return JSONNumber(unchecked: text)
    }

    // MARK: strings

    /// Reads a string starting at its opening quote; leaves the cursor after the closing quote.
    @inline(__always)
    private mutating func parseString() throws(JSONParseError) -> String {
        let start = pos &+ 1  // after the opening quote
        var p = start
        // Fast path: plain ASCII without escapes becomes a String straight from the
        // buffer (or a shared known string). Eight bytes at a time; the lowest flagged
        // byte of a word is the first special one.
        while p &+ 8 <= count {
            let mask = attentionMask(UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)))
            if mask != 0 {
                p &+= mask.trailingZeroBitCount >> 3
                break
            }
            p &+= 8
        }
        while p < count {
            let c = base[p]
            if c == quote {
                let n = p &- start
                lastStringWasPlain = true
                pos = p &+ 1
                if n > 0, let s = known.lookup(base + start, n) { return s }
                return makeASCIIString(base + start, n)
            }
            if c == backslash || c < 0x20 || c >= 0x80 { break }
            p &+= 1
        }
        pos = p
        return try parseStringSlow(start: start)
    }

    /// Handles escapes, non-ASCII (validated as UTF-8) and errors; `pos` is where the fast path stopped.
    private mutating func parseStringSlow(start: Int) throws(JSONParseError) -> String {
        lastStringWasPlain = false
        var buffer: [UInt8] = []
        var runStart = start
        var escaped = false
        while pos < count {
            let c = base[pos]
            if c == quote {
                let s: String
                if escaped {
                    buffer.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos - runStart))
                    s = String(decoding: buffer, as: UTF8.self)
                } else {
                    s = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
                }
                pos += 1
                return s
            } else if c == backslash {
                if !escaped {
                    escaped = true
                    buffer.reserveCapacity(pos - start + 16)
                }
                buffer.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos - runStart))
                try parseEscape(into: &buffer)
                runStart = pos
            } else if c < 0x20 {
                throw error("unescaped control character \(describe(c)) in string")
            } else if c < 0x80 {
                pos += 1
            } else {
                try validateUTF8Sequence(lead: c)
            }
        }
        throw error("unexpected end of input in string (opened at byte \(start - 1))")
    }

    /// Checks one multi-byte UTF-8 sequence at `pos` (Unicode Table 3-7) and steps over it.
    @inline(__always)
    private mutating func validateUTF8Sequence(lead: UInt8) throws(JSONParseError) {
        let length: Int
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            hi = 0x9F  // excludes encoded surrogates
        case 0xF0:
            length = 4
            lo = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            hi = 0x8F
        default:
            throw error("invalid UTF-8 lead byte \(describe(lead))")
        }
        guard pos + length <= count else { throw error("truncated UTF-8 sequence") }
        let second = base[pos + 1]
        guard second >= lo && second <= hi else { throw error("invalid UTF-8 sequence") }
        var i = 2
        while i < length {
            guard base[pos + i] & 0xC0 == 0x80 else { throw error("invalid UTF-8 sequence") }
            i += 1
        }
        pos += length
    }

    /// Decodes the escape at `pos` (a backslash) and appends its UTF-8.
    private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = pos
        pos += 1
        guard pos < count else { throw error("unexpected end of input in escape", at: escapeStart) }
        let c = base[pos]
        pos += 1
        switch c {
        case quote: buffer.append(quote)
        case backslash: buffer.append(backslash)
        case slash: buffer.append(slash)
        case 0x62: buffer.append(0x08)  // b
        case 0x66: buffer.append(0x0C)  // f
        case 0x6E: buffer.append(0x0A)  // n
        case 0x72: buffer.append(0x0D)  // r
        case 0x74: buffer.append(0x09)  // t
        case 0x75:  // u
            var scalar = try parseHex4(escapeStart: escapeStart)
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate.
                guard pos + 1 < count, base[pos] == backslash, base[pos + 1] == 0x75 else {
                    throw error("lone high surrogate \\u\(String(scalar, radix: 16, uppercase: true))", at: escapeStart)
                }
                let lowStart = pos
                pos += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error("high surrogate not followed by a low surrogate", at: lowStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error("lone low surrogate \\u\(String(scalar, radix: 16, uppercase: true))", at: escapeStart)
            }
            appendUTF8(scalar, to: &buffer)
        default:
            throw error("invalid escape \\\(describe(c).trimmingQuotes)", at: escapeStart)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= count else { throw error("unexpected end of input in \\u escape", at: escapeStart) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = base[pos]
            let d: UInt8
            switch c {
            case zero...nine: d = c - zero
            case 0x61...0x66: d = c - 0x61 + 10
            case 0x41...0x46: d = c - 0x41 + 10
            default: throw error("invalid hex digit \(describe(c)) in \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    private func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            buffer.append(UInt8(scalar))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | (scalar >> 6)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | (scalar >> 12)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            buffer.append(UInt8(0xF0 | (scalar >> 18)))
            buffer.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

extension String {
    fileprivate var trimmingQuotes: String {
        if hasPrefix("'") && hasSuffix("'") && count >= 2 { return String(dropFirst().dropLast()) }
        return self
    }
}

/// A stack whose elements leave by being moved, never copied, so building a
/// container from parsed values costs no reference counting.
struct MoveStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Reads an element in place.
    subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(base + index) }
    }

    /// Where element `index` lives; valid until the next push.
    func pointer(at index: Int) -> UnsafeMutablePointer<Element> { base + index }

    /// Drops the elements from `start` up without deinitializing them: the caller
    /// has moved them out through `pointer(at:)`.
    mutating func forgetTop(from start: Int) { count = start }

    /// Moves the elements from `start` up into a new array.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        var array: [Element] = []
        array.reserveCapacity(n)
        for i in start..<count { array.append((base + i).move()) }
        count = start
        return array
    }
}

/// Flags the bytes of `word` that end the plain-ASCII fast path of a string: `"`,
/// `\`, a control character or a non-ASCII byte (SWAR, no per-byte branches).
/// Returns 0 when none is; otherwise the lowest set bit is in the first such byte's
/// high bit (higher bits may be false positives from borrows, which never run downward).
@inline(__always)
private func attentionMask(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let q = word ^ (ones &* 0x22)
    let b = word ^ (ones &* 0x5C)
    let hasQuote = (q &- ones) & ~q
    let hasBackslash = (b &- ones) & ~b
    let hasControl = (word &- ones &* 0x20) & ~word
    return (hasQuote | hasBackslash | hasControl | word) & highs
}

/// A string from bytes already checked to be ASCII.
@inline(__always)
private func makeASCIIString(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
    String(unsafeUninitializedCapacity: n) { buffer in
        guard let out = buffer.baseAddress else { return 0 }
        out.update(from: p, count: n)
        return n
    }
}
