/// A unified diff of two texts, line by line (`diff -u` style hunks).
public enum LineDiff {
    /// One line of an edit script.
    public enum Line: Sendable, Hashable {
        case same(String)
        case removed(String)
        case added(String)
    }

    /// Largest `old.count × new.count` solved exactly; beyond it the texts are shown
    /// as one removal and one addition (bounded memory for huge objects).
    static let maxCells = 4_000_000

    /// The edit script turning `old` into `new` (a longest-common-subsequence alignment).
    public static func lines(_ old: [String], _ new: [String]) -> [Line] {
        // Trim the common prefix and suffix first: most edits touch a few lines.
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        let a = Array(old[prefix..<(old.count - suffix)])
        let b = Array(new[prefix..<(new.count - suffix)])
        var out: [Line] = old[..<prefix].map { .same($0) }
        if a.count * b.count > maxCells || a.isEmpty || b.isEmpty {
            out += a.map { .removed($0) } + b.map { .added($0) }
        } else {
            // lcs[i][j] = LCS length of a[i...] and b[j...]
            let width = b.count + 1
            var lcs = [Int32](repeating: 0, count: (a.count + 1) * width)
            for i in stride(from: a.count - 1, through: 0, by: -1) {
                for j in stride(from: b.count - 1, through: 0, by: -1) {
                    lcs[i * width + j] =
                        a[i] == b[j]
                        ? lcs[(i + 1) * width + j + 1] + 1 : max(lcs[(i + 1) * width + j], lcs[i * width + j + 1])
                }
            }
            var i = 0
            var j = 0
            while i < a.count, j < b.count {
                if a[i] == b[j] {
                    out.append(.same(a[i]))
                    i += 1
                    j += 1
                } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
                    out.append(.removed(a[i]))
                    i += 1
                } else {
                    out.append(.added(b[j]))
                    j += 1
                }
            }
            out += a[i...].map { .removed($0) } + b[j...].map { .added($0) }
        }
        out += old[(old.count - suffix)...].map { .same($0) }
        return out
    }

    /// `diff -u` output (without file headers): `@@ -l,s +l,s @@` hunks with
    /// `context` unchanged lines around each change. Empty when the texts are equal.
    public static func unified(_ old: String, _ new: String, context: Int = 3) -> String {
        let script = lines(splitLines(old), splitLines(new))
        guard script.contains(where: { if case .same = $0 { false } else { true } }) else { return "" }
        // Group changed indices into hunks separated by more than 2×context unchanged lines.
        var hunks: [Range<Int>] = []
        var idx = 0
        while idx < script.count {
            guard case .same = script[idx] else {
                var end = idx
                var lastChange = idx
                while end < script.count {
                    if case .same = script[end] {
                        if end - lastChange > 2 * context { break }
                    } else {
                        lastChange = end
                    }
                    end += 1
                }
                let lo = max(0, idx - context)
                let hi = min(script.count, lastChange + context + 1)
                hunks.append(lo..<hi)
                idx = lastChange + 1
                continue
            }
            idx += 1
        }
        var out = ""
        for hunk in hunks {
            var oldStart = 1
            var newStart = 1
            for line in script[..<hunk.lowerBound] {
                switch line {
                case .same:
                    oldStart += 1
                    newStart += 1
                case .removed: oldStart += 1
                case .added: newStart += 1
                }
            }
            var oldCount = 0
            var newCount = 0
            var body = ""
            for line in script[hunk] {
                switch line {
                case .same(let s):
                    oldCount += 1
                    newCount += 1
                    body += " \(s)\n"
                case .removed(let s):
                    oldCount += 1
                    body += "-\(s)\n"
                case .added(let s):
                    newCount += 1
                    body += "+\(s)\n"
                }
            }
            // diff -u numbers an empty side from the line before it.
            out +=
                "@@ -\(oldCount == 0 ? oldStart - 1 : oldStart),\(oldCount) +\(newCount == 0 ? newStart - 1 : newStart),\(newCount) @@\n"
            out += body
        }
        return out
    }

    static func splitLines(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
