// Small helpers the three patch kinds share.

extension JSONValue {
    /// JSON equality as RFC 6902 `test` defines it: numbers compare by value (`1` equals
    /// `1.0`), objects ignore member order, arrays compare element by element.
    func patchEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a.patchEquals(b)
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            for i in a.indices where !a[i].patchEquals(b[i]) { return false }
            return true
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (k, v) in a {
                guard let w = b[k], v.patchEquals(w) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Compact JSON text for error messages (bounded, so a huge patch cannot blow up a log line).
    var patchDescription: String {
        var out = ""
        appendPatchDescription(to: &out, budget: 2048)
        return out
    }

    private func appendPatchDescription(to out: inout String, budget: Int) {
        if out.utf8.count > budget {
            if !out.hasSuffix("…") { out += "…" }
            return
        }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.text
        case .string(let s): out += "\"" + s.replacingAll("\"", with: "\\\"") + "\""
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.appendPatchDescription(to: &out, budget: budget)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, m) in o.members.enumerated() {
                if i > 0 { out += "," }
                out += "\"" + m.key.replacingAll("\"", with: "\\\"") + "\":"
                m.value.appendPatchDescription(to: &out, budget: budget)
            }
            out += "}"
        }
    }
}

extension JSONNumber {
    /// Numeric equality: identical text, or the same integer, or the same double.
    func patchEquals(_ other: JSONNumber) -> Bool {
        if text == other.text { return true }
        if let a = Int64(text), let b = Int64(other.text) { return a == b }
        if let a = Double(text), let b = Double(other.text) { return a == b }
        return false
    }
}

extension String {
    /// Foundation-free replacement of every occurrence of `target` (a single character here).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
