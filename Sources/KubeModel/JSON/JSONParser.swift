/// Why a JSON text was rejected, and where.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset (from the start of the input) at which the problem was found.
    public var offset: Int
    /// What is wrong, in words.
    public var message: String

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
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    var pos = 0

    /// One entry per open container: `true` for an object, `false` for an array.
    private var kinds: [Bool] = []
    private var arrays: [[JSONValue]] = []
    private var objects: [[JSONObject.Element]] = []
    /// The key waiting for its value, one per open object.
    private var keys: [String] = []

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONLimits) {
        self.base = base
        self.count = count
        self.maxDepth = max(0, limits.maxDepth)
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

    /// Opens a container; the caller has checked the depth limit.
    @inline(__always)
    private mutating func push(object: Bool) {
        kinds.append(object)
        if object {
            objects.append([])
        } else {
            arrays.append([])
        }
    }

    /// Reads `"key"` then `:` and leaves the cursor at the value.
    @inline(__always)
    private mutating func parseKey() throws(JSONParseError) -> String {
        guard pos < count, base[pos] == quote else { throw unexpected(expected: "a string key") }
        let key = try parseString()
        skipWhitespace()
        guard pos < count, base[pos] == colon else { throw unexpected(expected: "':'") }
        pos += 1
        skipWhitespace()
        return key
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        var value: JSONValue
        parseValue: while true {
            guard pos < count else { throw error("unexpected end of input, expected a value") }
            let c = base[pos]
            switch c {
            case openBrace:
                if kinds.count >= maxDepth { throw error("nesting deeper than the limit of \(maxDepth)") }
                pos += 1
                skipWhitespace()
                if pos < count && base[pos] == closeBrace {
                    pos += 1
                    value = .object(JSONObject())
                } else {
                    push(object: true)
                    keys.append(try parseKey())
                    continue parseValue
                }
            case openBracket:
                if kinds.count >= maxDepth { throw error("nesting deeper than the limit of \(maxDepth)") }
                pos += 1
                skipWhitespace()
                if pos < count && base[pos] == closeBracket {
                    pos += 1
                    value = .array([])
                } else {
                    push(object: false)
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
                guard let isObject = kinds.last else {
                    skipWhitespace()
                    if pos < count { throw error("unexpected \(describe(base[pos])) after the value") }
                    return value
                }
                skipWhitespace()
                if isObject {
                    let key = keys.removeLast()
                    objects[objects.count - 1].append((key, value))
                    guard pos < count else { throw unexpected(expected: "',' or '}'") }
                    let c = base[pos]
                    if c == comma {
                        pos += 1
                        skipWhitespace()
                        keys.append(try parseKey())
                        continue parseValue
                    } else if c == closeBrace {
                        pos += 1
                        kinds.removeLast()
                        value = .object(JSONObject(parsedMembers: objects.removeLast()))
                    } else {
                        throw unexpected(expected: "',' or '}'")
                    }
                } else {
                    arrays[arrays.count - 1].append(value)
                    guard pos < count else { throw unexpected(expected: "',' or ']'") }
                    let c = base[pos]
                    if c == comma {
                        pos += 1
                        skipWhitespace()
                        continue parseValue
                    } else if c == closeBracket {
                        pos += 1
                        kinds.removeLast()
                        value = .array(arrays.removeLast())
                    } else {
                        throw unexpected(expected: "',' or ']'")
                    }
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
        pos += 1  // opening quote
        let start = pos
        // Fast path: plain ASCII without escapes becomes a String straight from the buffer.
        while pos < count {
            let c = base[pos]
            if c == quote {
                let s = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
                pos += 1
                return s
            }
            if c == backslash || c < 0x20 || c >= 0x80 { break }
            pos += 1
        }
        return try parseStringSlow(start: start)
    }

    /// Handles escapes, non-ASCII (validated as UTF-8) and errors; `pos` is where the fast path stopped.
    private mutating func parseStringSlow(start: Int) throws(JSONParseError) -> String {
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
