import KubeModel

/// How Go's `fmt` prints the values that appear in custom resource validation messages.
enum GoRendering {
    /// `%v` of a `float64`: strconv's shortest `'g'` format, which switches to exponent
    /// form when the decimal exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`).
    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        // Shortest round-trip digits and decimal exponent, from Swift's description.
        var text = "\(abs(d))"
        var exp10 = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp10 = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var intPart = text
        var fracPart = ""
        if let dot = text.firstIndex(of: ".") {
            intPart = String(text[..<dot])
            fracPart = String(text[text.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var pointPos = intPart.count + exp10  // digits before the decimal point
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointPos -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let exp = pointPos - 1
        let sign = d < 0 ? "-" : ""
        if exp < -4 || exp >= 6 {
            var mantissa = String(digits.first ?? "0")
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let e = abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))"
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + e
        }
        if pointPos <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPos) + digits
        }
        if pointPos >= digits.count {
            return sign + digits + String(repeating: "0", count: pointPos - digits.count)
        }
        let i = digits.index(digits.startIndex, offsetBy: pointPos)
        return sign + digits[..<i] + "." + digits[i...]
    }

    /// `%v` of a decoded JSON value as the field error prints a bad value.
    static func badValue(_ v: JSONValue) -> FieldError.BadValue {
        switch GoValue(v) {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .integer(i)
        case .float(let f): return .raw(float(f))
        case .string(let s): return .string(s)
        case .array, .object: return .raw(sharpV(v))
        }
    }

    /// Go's `%#v` of an unstructured value (`map[string]interface {}{...}`, keys sorted).
    static func sharpV(_ v: JSONValue) -> String {
        switch GoValue(v) {
        case .null: return "interface {}(nil)"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return "\(i)"
        case .float(let f): return float(f)
        case .string(let s): return goQuoted(s)
        case .array(let a): return "[]interface {}{" + a.map(sharpV).joined(separator: ", ") + "}"
        case .object(let o):
            let members = o.members.sorted { $0.key < $1.key }.map { goQuoted($0.key) + ":" + sharpV($0.value) }
            return "map[string]interface {}{" + members.joined(separator: ", ") + "}"
        }
    }

    /// `%v` of an enum's allowed values (`[a b 1]`), as `EnumFail` prints them.
    static func list(_ values: [JSONValue]) -> String {
        "[" + values.map(plainV).joined(separator: " ") + "]"
    }

    /// `%v` (not `%#v`) of an unstructured value.
    static func plainV(_ v: JSONValue) -> String {
        switch GoValue(v) {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return "\(i)"
        case .float(let f): return float(f)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(plainV).joined(separator: " ") + "]"
        case .object(let o):
            return "map["
                + o.members.sorted { $0.key < $1.key }.map { "\($0.key):\(plainV($0.value))" }
                .joined(separator: " ") + "]"
        }
    }
}
