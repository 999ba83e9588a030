extension LabelSelector {
    /// Converts a `metav1.LabelSelector` JSON object (`matchLabels`, `matchExpressions`)
    /// like `metav1.LabelSelectorAsSelector`.
    ///
    /// Returns `nil` for an absent or `null` selector, which selects **nothing** (as
    /// for PodDisruptionBudgets); `{}` selects everything.
    public static func fromLabelSelectorJSON(_ json: JSONValue?) throws(SelectorError) -> LabelSelector? {
        guard let json, !json.isNull else { return nil }
        guard json.objectValue != nil else { throw SelectorError("label selector must be an object") }
        var reqs: [LabelRequirement] = []
        if let ml = json["matchLabels"], !ml.isNull {
            guard let o = ml.objectValue else { throw SelectorError("matchLabels must be an object") }
            for (k, v) in o {
                guard let s = v.stringValue else { throw SelectorError("matchLabels values must be strings") }
                reqs.append(try LabelRequirement(key: k, op: .equals, values: [s]))
            }
        }
        if let me = json["matchExpressions"], !me.isNull {
            guard let exprs = me.arrayValue else { throw SelectorError("matchExpressions must be an array") }
            for e in exprs {
                let key = e["key"]?.stringValue ?? ""
                let opText = e["operator"]?.stringValue ?? ""
                let op: LabelRequirement.Operator
                switch opText {
                case "In": op = .in
                case "NotIn": op = .notIn
                case "Exists": op = .exists
                case "DoesNotExist": op = .doesNotExist
                default: throw SelectorError("\(goQuoted(opText)) is not a valid label selector operator")
                }
                let values = (e["values"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
                reqs.append(try LabelRequirement(key: key, op: op, values: values))
            }
        }
        return LabelSelector(requirements: reqs)
    }
}
