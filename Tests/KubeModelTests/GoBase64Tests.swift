import KubeModel
import Testing

/// Go's `encoding/json` reading of `[]byte`, case for case. The expected offsets were
/// recorded from the real decoder (k8s 1.32's `legacyscheme.Codecs.UniversalDecoder` on a

/// table): nil = decodes, N = `illegal base64 data at input byte N`.
@Suite("Go base64 ([]byte in JSON)")
struct GoBase64Tests {
    static let recorded: [(String, Int?)] = [
        ("YWJj", nil), ("YWI=", nil), ("YQ==", nil), ("", nil),
        ("YWJj\nZGVm", nil), ("YWJj\r\n", nil), ("YQ==\n", nil), ("YQ=\n=", nil),
        ("YWJ", 0), ("YQ", 0), ("Y", 0), ("====", 0),
        ("YW=j", 2), ("Y===", 1), ("YQ=", 3), ("YQ==YQ==", 4), ("YWJj!", 4), ("a b", 1), ("YWJjZA", 4),
        ("YW*j", 2),
    ]

    @Test("offsets of the first error match Go's decoder", arguments: recorded)
    func offsets(_ input: String, _ expected: Int?) {
        #expect(GoBase64.corruptInputOffset(input) == expected)
    }

    /// What the apiserver returns after storing each input: k8s 1.32's decoder, converted
    /// to a v1.Secret and marshalled again with encoding/json (recorded the same way).
    static let canonical: [(String, String)] = [
        ("YWJj", "YWJj"), ("YWJj\nZGVm", "YWJjZGVm"), ("YWJj\r\n", "YWJj"), ("YQ==\n", "YQ=="), ("YQ=\n=", "YQ=="),
        ("YR==", "YQ=="), ("YWK=", "YWI="), ("\nYWJj", "YWJj"), ("", ""), ("aGVsbG8gd29ybGQ=\n", "aGVsbG8gd29ybGQ="),
    ]

    @Test("a value Go reads comes back decoded and encoded again", arguments: canonical)
    func canonicalForm(_ input: String, _ expected: String) {
        #expect((GoBase64.canonical(input) ?? input) == expected)
        #expect(GoBase64.decodedLength(input) == GoBase64.decode(input)?.count)
    }

    @Test("encode and decode are inverse on every length and byte value")
    func roundTrip() {
        for length in 0..<9 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 97 + 200) }
            let text = GoBase64.encode(bytes)
            #expect(GoBase64.decode(text) == bytes)
            #expect(GoBase64.canonical(text) == nil)
        }
        #expect(GoBase64.encode(Array("hello world".utf8)) == "aGVsbG8gd29ybGQ=")
        #expect(GoBase64.decode("YW=j") == nil)
    }
}
