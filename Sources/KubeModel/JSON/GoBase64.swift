/// How Go's `encoding/json` reads a `[]byte` field: standard base64 with padding
/// (`base64.StdEncoding`), where `\r` and `\n` anywhere are skipped. A string it refuses
/// makes the apiserver's decoder fail with `illegal base64 data at input byte N`, and the
/// request is a 400 (`Secret in version "v1" cannot be handled as a Secret: …`).
public enum GoBase64 {
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
}
