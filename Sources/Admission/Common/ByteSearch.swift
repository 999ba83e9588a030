/// Substring tests done on UTF-8 bytes. Some files of this module import Foundation, and
/// then `String.contains(_: String)` resolves to Foundation's locale-aware search, which
/// costs microseconds per call; validation runs these tests on every member of a write.
extension String {
    /// Whether the string contains a `/`.
    var hasSlash: Bool { utf8.contains(UInt8(ascii: "/")) }

    /// Whether `needle` occurs in the string (byte for byte).
    func hasSubstring(_ needle: String) -> Bool {
        let hay = utf8
        let pattern = needle.utf8
        guard let first = pattern.first else { return true }
        var start = hay.startIndex
        while let i = hay[start...].firstIndex(of: first) {
            if hay[i...].starts(with: pattern) { return true }
            start = hay.index(after: i)
        }
        return false
    }
}
