/// How Go's `encoding/json` reads a `[]byte` field: standard base64 with padding
/// (`base64.StdEncoding`), where `\r` and `\n` anywhere are skipped. A string it refuses
/// makes the apiserver's decoder fail with `illegal base64 data at input byte N`, and the
/// request is a 400 (`Secret in version "v1" cannot be handled as a Secret: …`).
///
/// This is the project's one base64 codec: the `[]byte` fields of objects, the protobuf
/// `bytes` fields, continue tokens and the size rules of Secrets all use it.
public enum GoBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = Int8(i)
        }
        return table
    }()

    /// The byte offset Go's decoder reports (`CorruptInputError`) for `s`, or nil when
    /// `s` decodes. The offsets follow the Go decoder's quantum rules: an unknown byte is
    /// reported where it stands; a quantum cut short by the end of the input at its start;
    /// a missing second `=` at the input's end; bytes after the padding where they begin.
    public static func corruptInputOffset(_ s: String) -> Int? {
        let src = Array(s.utf8)
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        let pad = UInt8(ascii: "=")
        var si = 0
        while si < src.count {
            // One quantum of four symbols.
            var j = 0
            while j < 4 {
                if si == src.count {
                    if j == 0 { return nil }
                    return si - j
                }
                let c = src[si]
                si += 1
                if values[Int(c)] >= 0 {
                    j += 1
                    continue
                }
                if c == cr || c == lf { continue }
                if c != pad { return si - 1 }
                // Padding: only in the third or fourth place, and it ends the input.
                switch j {
                case 0, 1:
                    return si - 1
                case 2:
                    while si < src.count && (src[si] == cr || src[si] == lf) { si += 1 }
                    if si == src.count { return src.count }
                    if src[si] != pad { return si - 1 }
                    si += 1
                default:
                    break
                }
                while si < src.count && (src[si] == cr || src[si] == lf) { si += 1 }
                return si < src.count ? si : nil
            }
            // A full quantum: newlines before the next one are skipped by the loop above.
        }
        return nil
    }

    /// The bytes `s` decodes to as Go's `base64.StdEncoding` reads it (newlines skipped,
    /// unused trailing bits ignored), or nil when Go would refuse it.
    public static func decode(_ s: String) -> [UInt8]? {
        guard corruptInputOffset(s) == nil else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count / 4 * 3)
        var acc: UInt32 = 0
        var bits = 0
        for c in s.utf8 {
            let v = values[Int(c)]
            // Only newlines and the final padding are not symbols in a valid string.
            guard v >= 0 else { continue }
            acc = (acc << 6) | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }

    /// The number of bytes `s` decodes to; for a string Go refuses, an estimate from its
    /// length (three bytes per four characters), so size limits still apply to it.
    public static func decodedLength(_ s: String) -> Int {
        guard corruptInputOffset(s) == nil else { return s.utf8.count / 4 * 3 }
        var symbols = 0
        for c in s.utf8 where values[Int(c)] >= 0 { symbols += 1 }
        return symbols * 6 / 8
    }

    /// Standard base64 with padding, as Go's `encoding/json` writes a `[]byte`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
            let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What the apiserver returns for a `[]byte` it was sent as `s`: Go decodes the
    /// string and encodes the bytes again, so newlines and unused trailing bits do not
    /// survive. nil when `s` is already in that form or does not decode.
    public static func canonical(_ s: String) -> String? {
        guard let bytes = decode(s) else { return nil }
        let again = encode(bytes)
        return again == s ? nil : again
    }
}
