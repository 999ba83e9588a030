import KubeModel

/// How Go's `fmt` prints the values that appear in validation messages (`%v` of decoded
/// JSON in custom resource errors, `%#v` of the maps and structs built-in validation
/// prints), so that AKE's messages read exactly like kube-apiserver's.
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

    // MARK: internal types printed with %#v

    /// A `map[string]string` (keys sorted, as `fmt` sorts them); absent or `null` is a nil map.
    static func stringMap(_ v: JSONValue?) -> String {
        guard let o = v?.objectValue else { return "map[string]string(nil)" }
        let items = o.sorted(by: { $0.key < $1.key }).map {
            goQuoted($0.key) + ":" + goQuoted($0.value.stringValue ?? "")
        }
        return "map[string]string{" + items.joined(separator: ", ") + "}"
    }

    /// A `[]string`.
    static func stringSlice(_ v: JSONValue?) -> String {
        guard let a = v?.arrayValue else { return "[]string(nil)" }
        return "[]string{" + a.map { goQuoted($0.stringValue ?? "") }.joined(separator: ", ") + "}"
    }

    /// A `metav1.LabelSelector` value.
    static func labelSelector(_ v: JSONValue?) -> String {
        var exprs = "[]v1.LabelSelectorRequirement(nil)"
        if let a = v?["matchExpressions"]?.arrayValue {
            exprs =
                "[]v1.LabelSelectorRequirement{"
                + a.map { e in
                    "v1.LabelSelectorRequirement{Key:" + goQuoted(e["key"]?.stringValue ?? "") + ", Operator:"
                        + goQuoted(e["operator"]?.stringValue ?? "") + ", Values:" + stringSlice(e["values"]) + "}"
                }.joined(separator: ", ") + "}"
        }
        return "v1.LabelSelector{MatchLabels:" + stringMap(v?["matchLabels"]) + ", MatchExpressions:" + exprs + "}"
    }

    /// The bad value of a label selector error (a pointer: `null` when absent).
    static func labelSelectorValue(_ v: JSONValue?) -> FieldError.BadValue {
        guard let v, !v.isNull else { return .null }
        return .raw(labelSelector(v))
    }

    /// An `intstr.IntOrString` value (`Type` 0 for integers, 1 for strings).
    static func intOrString(_ v: JSONValue?) -> String {
        if let s = v?.stringValue { return "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + goQuoted(s) + "}" }
        return "intstr.IntOrString{Type:0, IntVal:\(v?.int64Value ?? 0), StrVal:\"\"}"
    }

    /// A pointer member of a struct printed by `%#v`: `(*T)(nil)` or an address, which
    /// differs on every run; AKE prints a fixed one.
    static func pointer(_ type: String, _ v: JSONValue?) -> String {
        guard let v, !v.isNull else { return "(*\(type))(nil)" }
        return "(*\(type))(0xc000010000)"
    }
}
