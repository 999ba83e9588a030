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
}
