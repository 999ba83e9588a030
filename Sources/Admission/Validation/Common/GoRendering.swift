import KubeModel

/// How Go's `%#v` prints the bad values of `field.Invalid` errors that are maps or
/// structs (the apiserver has no nicer printer for internal types), so that AKE's
/// messages read exactly like kube-apiserver's.
enum GoRendering {
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
