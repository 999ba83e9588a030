/// `metadata.generateName` support: the apiserver's simple name generator.
public enum GenerateName {
    /// The characters of the random suffix (`k8s.io/apimachinery/pkg/util/rand`):
    /// no vowels and no confusable digits, so generated names never spell words.
    public static let alphabet: [Character] = Array("bcdfghjklmnpqrstvwxz2456789")
    /// The length of the random suffix.
    public static let randomLength = 5
    /// Longest prefix kept from generateName (63 − 5), so the result fits a DNS label.
    public static let maxPrefixLength = 58

    /// `base` (cut to 58 bytes) followed by five random characters from `alphabet`.
    public static func generate(base: String) -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(base: base, using: &rng)
    }

    /// Like `generate(base:)` with a caller-supplied random source (for tests).
    public static func generate<R: RandomNumberGenerator>(base: String, using rng: inout R) -> String {
        var prefix = base
        if prefix.utf8.count > maxPrefixLength {
            // Cut on a byte count like Go, but never inside a scalar.
            var bytes = 0
            var cut = prefix.unicodeScalars.startIndex
            for i in prefix.unicodeScalars.indices {
                let n = String(prefix.unicodeScalars[i]).utf8.count
                if bytes + n > maxPrefixLength { break }
                bytes += n
                cut = prefix.unicodeScalars.index(after: i)
            }
            prefix = String(prefix.unicodeScalars[..<cut])
        }
        var out = prefix
        for _ in 0..<randomLength {
            out.append(alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))])
        }
        return out
    }
}
