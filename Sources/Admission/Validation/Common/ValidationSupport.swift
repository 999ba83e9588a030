import KubeModel

/// The small building blocks of `pkg/apis/*/validation` that every group uses:
/// `ValidateNonnegativeField`, `ValidateImmutableField`, label selector checks and the
/// Go renderings of bad values that are structs or maps.
enum ValidationSupport {
    /// `apimachinery validation.IsNegativeErrorMsg`.
    static let isNegativeErrorMsg = "must be greater than or equal to 0"
    /// `apimachinery validation.FieldImmutableErrorMsg`.
    static let fieldImmutableErrorMsg = "field is immutable"

    /// `ValidateNonnegativeField`.
    static func nonNegative(_ value: Int64, _ path: String) -> [FieldError] {
        value < 0 ? [FieldError(.invalid, field: path, value: .integer(value), detail: isNegativeErrorMsg)] : []
    }

    /// `ValidateNonnegativeField` on an optional integer member: nothing when absent.
    static func nonNegative(_ value: JSONValue?, _ path: String) -> [FieldError] {
        guard let v = value?.int64Value else { return [] }
        return nonNegative(v, path)
    }

    /// `ValidateImmutableField(new, old, path)`: compares the two values as the apiserver's
    /// semantic equality does (absent, `null` and empty collections are equal) and reports
    /// the new value rendered by `render`.
    static func immutable(
        _ new: JSONValue?, _ old: JSONValue?, _ path: String, render: (JSONValue?) -> FieldError.BadValue
    ) -> [FieldError] {
        semanticallyEqual(new, old)
            ? [] : [FieldError(.invalid, field: path, value: render(new), detail: fieldImmutableErrorMsg)]
    }

    /// `ValidateImmutableField` for a string member (printed quoted).
    static func immutableString(_ new: JSONValue?, _ old: JSONValue?, _ path: String) -> [FieldError] {
        immutable(new, old, path) { .string($0?.stringValue ?? "") }
    }

    /// `apiequality.Semantic.DeepEqual` over JSON: `null`, absent, `[]` and `{}` members
    /// compare equal, as nil and empty Go slices and maps do.
    static func semanticallyEqual(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        normalized(a) == normalized(b)
    }

    private static func normalized(_ v: JSONValue?) -> JSONValue? {
        guard let v else { return nil }
        switch v {
        case .null: return nil
        case .array(let items):
            return items.isEmpty ? nil : .array(items.map { normalized($0) ?? .null })
        case .object(let o):
            var out = JSONObject()
            for (k, member) in o.sorted(by: { $0.key < $1.key }) {
                if let n = normalized(member) { out[k] = n }
            }
            return out.isEmpty ? nil : .object(out)
        default: return v
        }
    }

    // MARK: labels and selectors (apimachinery meta/v1/validation)

    /// `ValidateLabelName`.
    static func labelName(_ name: String, _ path: String) -> [FieldError] {
        NameValidation.isQualifiedName(name).map { .invalid(path, name, $0) }
    }

    /// `metav1validation.ValidateLabels` at `path` (keys sorted for a stable order; Go's
    /// order is the map's, random).
    static func labels(_ labels: JSONValue?, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (k, v) in stringMap(labels).sorted(by: { $0.key < $1.key }) {
            errs += labelName(k, path)
            errs += NameValidation.isValidLabelValue(v).map { .invalid(path, v, $0) }
        }
        return errs
    }

    /// `ValidateLabelSelector` with `AllowInvalidLabelValueInSelector` as given.
    static func labelSelector(_ selector: JSONValue?, _ path: String, allowInvalidLabelValue: Bool = false)
        -> [FieldError]
    {
        guard let selector, !selector.isNull else { return [] }
        var errs = labels(selector["matchLabels"], path + ".matchLabels")
        for (i, expr) in (selector["matchExpressions"]?.arrayValue ?? []).enumerated() {
            let p = "\(path).matchExpressions[\(i)]"
            let op = expr["operator"]?.stringValue ?? ""
            let values = (expr["values"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
            switch op {
            case "In", "NotIn":
                if values.isEmpty {
                    errs.append(.required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"))
                }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    errs.append(
                        .forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                }
            default:
                errs.append(.invalid(p + ".operator", op, "not a valid selector operator"))
            }
            errs += labelName(expr["key"]?.stringValue ?? "", p + ".key")
            if !allowInvalidLabelValue {
                for (j, value) in values.enumerated() {
                    errs += NameValidation.isValidLabelValue(value).map { .invalid("\(p).values[\(j)]", value, $0) }
                }
            }
        }
        return errs
    }

    /// `metav1.LabelSelectorAsSelector`: nil when the selector cannot be converted; an
    /// absent selector converts to one that selects nothing (`labels.Nothing()`), which
    /// `Empty()` reports as not empty and which matches no labels.
    static func selectorAsSelector(_ selector: JSONValue?) -> ConvertedSelector? {
        guard let selector, !selector.isNull else { return .nothing }
        let hasTerms =
            !(selector["matchLabels"]?.objectValue?.isEmpty ?? true)
            || !(selector["matchExpressions"]?.arrayValue?.isEmpty ?? true)
        if !hasTerms { return .everything }
        guard let converted = try? LabelSelector.fromLabelSelectorJSON(selector) else { return nil }
        return .selector(converted)
    }

    /// What `LabelSelectorAsSelector` returns.
    enum ConvertedSelector {
        case nothing, everything
        case selector(LabelSelector)

        /// `labels.Selector.Empty()`.
        var isEmpty: Bool {
            if case .everything = self { return true }
            return false
        }

        /// `labels.Selector.Matches`.
        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .nothing: false
            case .everything: true
            case .selector(let s): s.matches(labels)
            }
        }
    }

    /// A JSON object of strings as a dictionary (non-strings read as empty).
    static func stringMap(_ v: JSONValue?) -> [String: String] {
        guard let o = v?.objectValue else { return [:] }
        var m: [String: String] = [:]
        for (k, v) in o { m[k] = v.stringValue ?? "" }
        return m
    }

    /// `IsValidPercent`.
    static func isValidPercent(_ s: String) -> [String] {
        let digits = s.dropLast()
        if s.hasSuffix("%"), !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return [] }
        return [
            "a valid percent string must be a numeric string followed by an ending '%' "
                + "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
        ]
    }
}
