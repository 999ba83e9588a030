import Foundation
import PropertyBased
import Testing

@testable import KubeModel

/// Parses or fails the test with the error.
private func parse(_ text: String, limits: JSONLimits = .default) throws -> JSONValue {
    try JSONValue(parsing: text, limits: limits)
}

/// The error the parser reports for `bytes`, or nil when it (wrongly) accepts them.
private func parseError(_ bytes: [UInt8], limits: JSONLimits = .default) -> JSONParseError? {
    do {
        _ = try JSONValue(parsing: bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String, limits: JSONLimits = .default) -> JSONParseError? {
    parseError(Array(text.utf8), limits: limits)
}

// MARK: - Random JSON values for property checks

/// Strings that exercise every escaping rule: quotes, backslashes, all control
/// characters, non-ASCII in 2/3/4-byte UTF-8, line separators and NUL.
private let interestingScalars: [Unicode.Scalar] =
    (0..<0x20).compactMap { Unicode.Scalar($0) } + [
        "\"", "\\", "/", "a", "Z", "0", " ", "é", "ß", "中", "\u{2028}", "\u{2029}", "\u{FEFF}", "😀", "\u{10FFFF}",
        "\u{7F}", "<", ">", "&",
    ]

private func randomString(_ rng: inout some RandomNumberGenerator) -> String {
    let length = Int.random(in: 0...24, using: &rng)
    var s = String.UnicodeScalarView()
    for _ in 0..<length {
        if Bool.random(using: &rng) {
            s.append(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &rng)))
        } else {
            s.append(interestingScalars.randomElement(using: &rng) ?? "x")
        }
    }
    return String(s)
}

private func randomDigits(_ n: Int, _ rng: inout some RandomNumberGenerator) -> String {
    String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
}

private func randomNumber(_ rng: inout some RandomNumberGenerator) -> JSONNumber {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0: return JSONNumber(Int64.random(in: Int64.min...Int64.max, using: &rng))
    case 1: return JSONNumber(Int.random(in: -1000...1000, using: &rng))
    case 2:
        // Integers far beyond 64 bits must survive as text.
        let sign = Bool.random(using: &rng) ? "-" : ""
        return JSONNumber(unchecked: sign + "1" + randomDigits(Int.random(in: 20...60, using: &rng), &rng))
    case 3:
        let frac = randomDigits(Int.random(in: 1...20, using: &rng), &rng)
        return JSONNumber(unchecked: "\(Int.random(in: -99...99, using: &rng)).\(frac)")
    default:
        let e = ["e", "E", "e+", "e-", "E-"].randomElement(using: &rng) ?? "e"
        return JSONNumber(unchecked: "\(Int.random(in: 0...9, using: &rng))\(e)\(Int.random(in: 0...400, using: &rng))")
    }
}

private func randomValue(depth: Int, _ rng: inout some RandomNumberGenerator) -> JSONValue {
    let choice = Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &rng)
    switch choice {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(randomNumber(&rng))
    case 3, 4: return .string(randomString(&rng))
    case 5:
        return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(depth: depth - 1, &rng) })
    default:
        var o = JSONObject()
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            o[randomString(&rng)] = randomValue(depth: depth - 1, &rng)
        }
        return .object(o)
    }
}

/// Random JSON documents up to five levels deep.
private let jsonValues = Generator<JSONValue, Shrink.None<JSONValue>> { rng in
    randomValue(depth: 5, &rng)
}

/// A JSON value with members compared in order (JSONObject's `==` ignores order).
private func orderedEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)):
        return x.keys == y.keys && zip(x.members, y.members).allSatisfy { orderedEqual($0.value, $1.value) }
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { orderedEqual($0, $1) }
    default:
        return a == b
    }
}

/// `value` with every number replaced by 1.
private func replacingNumbers(_ value: JSONValue) -> JSONValue {
    switch value {
    case .number: return 1
    case .array(let a): return .array(a.map(replacingNumbers))
    case .object(let o): return .object(JSONObject(o.members.map { ($0.key, replacingNumbers($0.value)) }))
    default: return value
    }
}

@Suite("JSON parse and serialize")
struct JSONParserTests {
    // MARK: round trips

    @Test("parse(serialize(v)) == v for generated values, with key order and number text kept")
    func roundTripProperty() async {
        await propertyCheck(count: 300, input: jsonValues) { value in
            let bytes = value.serialized()
            let back = try? JSONValue(parsing: bytes)
            #expect(back.map { orderedEqual($0, value) } == true, "round trip of \(value.jsonString)")
            // Serializing is deterministic, so a second round trip gives the same bytes.
            #expect(back?.serialized() == bytes)
        }
    }

    @Test("the serializer's output is valid JSON for Foundation too, with the same strings")
    func serializedIsStandardJSON() async {
        await propertyCheck(count: 100, input: jsonValues) { value in
            // Foundation rejects numbers beyond Double's range, so compare strings and structure only.
            let wrapped = JSONValue.array([replacingNumbers(value)])
            let foundation = try? JSONSerialization.jsonObject(with: Data(wrapped.serialized()), options: [])
            #expect(foundation != nil, "Foundation rejects \(wrapped.jsonString)")
            // (Foundation drops a leading U+FEFF inside strings; that is its quirk, not ours.)
            if case .string(let s) = value, !s.unicodeScalars.contains("\u{FEFF}") {
                #expect((foundation as? [Any])?.first as? String == s)
            }
        }
    }

    @Test("every RFC 8259 value kind parses")
    func valueKinds() throws {
        let v = try parse(#" { "a" : [ 1 , -2.5e3 , true , false , null , "x" , { } , [ ] ] } "#)
        #expect(v == ["a": [1, .number(JSONNumber(unchecked: "-2.5e3")), true, false, nil, "x", [:], []]])
        #expect(try parse("0") == 0)
        #expect(try parse("-0") == .number(JSONNumber(unchecked: "-0")))
        #expect(try parse("\"\"") == "")
        #expect(try parse(" \t\r\n[]\n") == [])
    }

    @Test("object key order is kept through parse and serialize")
    func keyOrder() throws {
        let text = #"{"z":1,"a":2,"m":{"y":true,"b":false},"c":null}"#
        let v = try parse(text)
        #expect(v.objectValue?.keys == ["z", "a", "m", "c"])
        #expect(v.jsonString == text)
    }

    @Test("a duplicate key keeps its first position and its last value")
    func duplicateKeys() throws {
        let v = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(v.objectValue?.keys == ["a", "b"])
        #expect(v["a"] == 3)
        // Escaped spellings and empty keys are compared by their decoded text.
        let escaped = try parse(#"{"a":1,"\u0061":2,"":3,"b":4,"":5}"#)
        #expect(escaped.objectValue?.keys == ["a", "", "b"])
        #expect(escaped["a"] == 2)
        #expect(escaped[""] == 5)
        // Same length, first and last byte, different middle: not duplicates.
        #expect(try parse(#"{"abc":1,"axc":2}"#).objectValue?.count == 2)
        // Large objects take the hashing path; same rule.
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let big = try parse("{\(members),\"k5\":\"last\"}")
        #expect(big.objectValue?.count == 40)
        #expect(big.objectValue?.keys.first == "k0")
        #expect(big["k5"] == "last")
        #expect(big.objectValue?.index(forKey: "k5") == 5)
    }

    @Test("numbers keep their exact text, however large or precise")
    func exactNumbers() throws {
        let huge = "123456789012345678901234567890123456789012345678901234567890"
        let text = "[\(huge),-\(huge).000100e-999,0.1,1E400,9223372036854775808]"
        let v = try parse(text)
        #expect(v.jsonString == text)
        #expect(v.arrayValue?[0] == .number(JSONNumber(unchecked: huge)))
        #expect(v.arrayValue?[4].int64Value == nil)  // out of Int64 range, but kept
        #expect(try parse("9223372036854775807").int64Value == Int64.max)
        #expect(try parse("-9223372036854775808").int64Value == Int64.min)
    }

    @Test("escapes decode, including surrogate pairs")
    func escapes() throws {
        let v = try parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u4E2D\ud83d\ude00\u0000""#)
        #expect(v == .string("\"\\/\u{08}\u{0C}\n\r\tAé中😀\u{0}"))
    }

    @Test("raw UTF-8 in strings is kept")
    func rawUTF8() throws {
        let v = try parse("\"héllo 中文 😀 \u{10FFFF}\"")
        #expect(v == "héllo 中文 😀 \u{10FFFF}")
    }

    @Test("the serializer escapes quote, backslash and control characters and nothing else")
    func serializerEscaping() {
        let v: JSONValue = .string("a\"b\\c\n\r\t\u{08}\u{0C}\u{0}\u{1F}/é😀\u{7F}")
        #expect(v.jsonString == #""a\"b\\c\n\r\t\b\f\u0000\u001f/é😀"# + "\u{7F}\"")
        let keyed: JSONValue = ["k\"\n": "v"]
        #expect(keyed.jsonString == #"{"k\"\n":"v"}"#)
    }

    @Test("a special character at any position of a long string is found (word-at-a-time scans)")
    func specialCharacterPositions() throws {
        let specials: [(raw: String, escaped: String)] = [
            ("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{01}", #"\u0001"#), ("\u{1F}", #"\u001f"#),
            ("é", "é"), ("😀", "😀"), ("\u{7F}", "\u{7F}"),
        ]
        for length in [7, 8, 9, 15, 16, 17, 31, 33] {
            for position in 0..<length {
                for special in specials {
                    let prefix = String(repeating: "a", count: position)
                    let suffix = String(repeating: "z", count: length - position - 1)
                    let value = prefix + special.raw + suffix
                    let json = "\"" + prefix + special.escaped + suffix + "\""
                    #expect(JSONValue.string(value).jsonString == json)
                    #expect(try parse(json) == .string(value))
                }
            }
        }
    }

    @Test("serialize(into:) appends to what is there")
    func serializeAppends() {
        var out = Array("prefix:".utf8)
        JSONValue.array([1, "two", nil]).serialize(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:[1,"two",null]"#)
    }

    @Test("all three entry points (bytes, string, raw buffer) agree")
    func entryPoints() throws {
        let text = #"{"a":[1,"é"]}"#
        let bytes = Array(text.utf8)
        let fromBytes = try JSONValue(parsing: bytes)
        let fromSlice = try JSONValue(parsing: bytes[...])
        let fromString = try JSONValue(parsing: text)
        let fromBuffer = try bytes.withUnsafeBytes { try JSONValue(parsing: $0) }
        // A non-contiguous collection goes through a copy.
        let fromLazy = try JSONValue(parsing: bytes.lazy.map { $0 })
        #expect(fromBytes == fromString)
        #expect(fromBytes == fromBuffer)
        #expect(fromBytes == fromSlice)
        #expect(fromBytes == fromLazy)
    }

    // MARK: adversarial input

    @Test("100,000 levels of nesting fail with a depth error, not a crash")
    func deepNesting() {
        let deepArrays = [UInt8](repeating: 0x5B, count: 100_000)
        let e1 = parseError(deepArrays)
        #expect(e1?.message.contains("nesting") == true)
        #expect(e1?.offset == 512)

        let deepObjects = Array(String(repeating: #"{"a":"#, count: 100_000).utf8)
        let e2 = parseError(deepObjects)
        #expect(e2?.message.contains("nesting") == true)
        #expect(e2?.offset == 512 * 5)

        // Even with the depth limit lifted the parser uses no recursion: the input
        // below fails only at its end.
        let unlimited = JSONLimits(maxDepth: 200_000, maxBytes: 1 << 20)
        let e3 = parseError(deepArrays, limits: unlimited)
        #expect(e3?.offset == 100_000)
        #expect(e3?.message.contains("end of input") == true)
    }

    @Test("nesting exactly at the limit is accepted, one deeper is not")
    func depthBoundary() throws {
        let limits = JSONLimits(maxDepth: 3, maxBytes: 1024)
        #expect(try parse("[[[1]]]", limits: limits) == [[[1]]])
        #expect(try parse(#"{"a":{"b":[]}}"#, limits: limits) == ["a": ["b": []]])
        #expect(parseError("[[[[1]]]]", limits: limits)?.offset == 3)
        #expect(parseError("1", limits: JSONLimits(maxDepth: 0, maxBytes: 10)) == nil)
        #expect(parseError("[]", limits: JSONLimits(maxDepth: 0, maxBytes: 10)) != nil)
    }

    @Test("input over the size limit is rejected before parsing")
    func sizeLimit() {
        let e = parseError("[1,2,3]", limits: JSONLimits(maxDepth: 10, maxBytes: 4))
        #expect(e?.offset == 4)
        #expect(e?.message.contains("limit") == true)
    }

    @Test(
        "malformed documents are rejected at the right byte",
        arguments: [
            ("", 0), (" ", 1), ("01", 1), ("-01", 2), ("1.", 2), (".5", 0), ("1e", 2), ("1e+", 3), ("-", 1),
            ("+1", 0), ("0x10", 1), ("[1,]", 3), ("[,1]", 1), (#"{"a":1,}"#, 7), (#"{"a" 1}"#, 5), ("{a:1}", 1),
            ("[1 2]", 3), ("nul", 3), ("nulL", 3), ("truex", 4), ("[1]]", 3), ("{}x", 2), ("\"abc", 4),
            ("[\"a\\x\"]", 3), ("\"\\u12G4\"", 5), ("\"\\u12\"", 1), ("\"\t\"", 1), ("\"a\nb\"", 2),
            ("NaN", 0), ("Infinity", 0), ("[1,2", 4), (#"{"a":"#, 5), (#"{"a""#, 4), ("\u{FEFF}1", 0),
            ("'a'", 0), ("[1]/*c*/", 3),
        ])
    func malformed(text: String, offset: Int) {
        let e = parseError(text)
        #expect(e != nil, "accepted \(text.debugDescription)")
        #expect(e?.offset == offset, "\(text.debugDescription): \(e?.description ?? "")")
    }

    @Test(
        "invalid UTF-8 inside strings is rejected with the offending byte's offset",
        arguments: [
            [0x22, 0x80, 0x22],  // lone continuation byte
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xC1, 0xBF, 0x22],  // overlong
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong 3-byte
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate U+D800
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],  // invalid lead
            [0x22, 0xFF, 0x22],
            [0x22, 0xE4, 0xB8, 0x22],  // truncated by the quote
            [0x22, 0xC3],  // truncated by the end
            [0x22, 0xF0, 0x9F, 0x98],
        ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        let e = parseError(bytes)
        #expect(e != nil)
        #expect(e?.offset == 1, "\(e?.description ?? "")")
    }

    @Test("non-ASCII outside strings is an unexpected byte")
    func nonASCIIOutsideStrings() {
        #expect(parseError([0x5B, 0xC3, 0xA9, 0x5D])?.offset == 1)
    }

    @Test(
        "lone or mismatched surrogate escapes are rejected",
        arguments: [
            (#""\ud800""#, 1), (#""\udc00""#, 1), (#""a\ud83dx""#, 2), (#""\ud83d\u0041""#, 7),
            (#""\ud83d\ud83d""#, 7), (#""\ude00\ud83d""#, 1), (#""\ud83d\""#, 1),
        ])
    func loneSurrogates(text: String, offset: Int) {
        let e = parseError(text)
        #expect(e != nil, "accepted \(text)")
        #expect(e?.offset == offset, "\(e?.description ?? "")")
    }

    @Test("every truncation of a valid document fails with an offset inside the input")
    func truncations() throws {
        let text = #"{"kind":"Pod","n":[1,-2.5e+3,true,false,null],"s":"é\u00e9\ud83d\ude00\n","o":{}}"#
        let bytes = Array(text.utf8)
        _ = try JSONValue(parsing: bytes)
        for cut in 0..<bytes.count {
            // Every strict prefix is incomplete except a bare number, which has none here.
            let e = parseError(Array(bytes[0..<cut]))
            #expect(e != nil, "prefix of \(cut) bytes accepted")
            if let e { #expect(e.offset >= 0 && e.offset <= cut) }
        }
    }

    @Test("random byte strings never crash the parser and any error has an offset inside the input")
    func fuzz() async {
        let bytes = Gen.uint8(in: 0...255).array(of: 0...64)
        await propertyCheck(count: 500, input: bytes) { input in
            if let e = parseError(input) {
                #expect(e.offset >= 0 && e.offset <= input.count)
            }
        }
    }

    @Test("mutating one byte of a valid document never crashes and errors stay in range")
    func mutationFuzz() async {
        let base = Array(#"{"a":[1,2.5e3,"x\u00e9y",true,null],"b":{"c":"é"}}"#.utf8)
        await propertyCheck(count: 500, input: Gen.int(in: 0...(base.count - 1)), Gen.uint8(in: 0...255)) {
            index, byte in
            var input = base
            input[index] = byte
            if let e = parseError(input) {
                #expect(e.offset >= 0 && e.offset <= input.count)
            }
        }
    }

    @Test("error descriptions name the offset")
    func errorDescription() {
        let e = JSONParseError(offset: 7, message: "boom")
        #expect(e.description.contains("7"))
        #expect(e.description.contains("boom"))
    }
}
