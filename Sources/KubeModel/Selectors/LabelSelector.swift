/// One requirement of a label selector (`labels.Requirement`).
public struct LabelRequirement: Sendable, Hashable, CustomStringConvertible {
    /// `selection.Operator`; `=` and `==` are kept apart so the canonical form
    /// round-trips, but match the same.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    /// The label key.
    public let key: String
    /// How the key is tested.
    public let op: Operator
    /// Sorted and without duplicates (a set, as in apimachinery).
    public let values: [String]

    /// Builds a requirement, validating it like `labels.NewRequirement`.
    public init(key: String, op: Operator, values: [String]) throws(SelectorError) {
        let sorted = Array(Set(values)).sorted()
        if let error = Self.validate(key: key, op: op, values: sorted) { throw SelectorError(error) }
        self.key = key
        self.op = op
        self.values = sorted
    }

    /// `labels.NewRequirement`'s checks; the aggregated message or nil.
    static func validate(key: String, op: Operator, values: [String]) -> String? {
        var errs: [FieldError] = []
        errs += NameValidation.isQualifiedName(key).map { .invalid("key", key, $0) }
        let rawValues = FieldError.BadValue.raw("[]string{" + values.map(goQuoted).joined(separator: ", ") + "}")
        switch op {
        case .in, .notIn:
            if values.isEmpty {
                errs.append(
                    FieldError(
                        .invalid, field: "values", value: rawValues,
                        detail: "for 'in', 'notin' operators, values set can't be empty"))
            }
        case .equals, .doubleEquals, .notEquals:
            if values.count != 1 {
                errs.append(
                    FieldError(
                        .invalid, field: "values", value: rawValues,
                        detail: "exact-match compatibility requires one single value"))
            }
        case .exists, .doesNotExist:
            if !values.isEmpty {
                errs.append(
                    FieldError(
                        .invalid, field: "values", value: rawValues,
                        detail: "values set must be empty for exists and does not exist"))
            }
        case .greaterThan, .lessThan:
            if values.count != 1 {
                errs.append(
                    FieldError(
                        .invalid, field: "values", value: rawValues,
                        detail: "for 'Gt', 'Lt' operators, exactly one value is required"))
            }
            for (i, v) in values.enumerated() where Int64(v) == nil {
                errs.append(.invalid("values[\(i)]", v, "for 'Gt', 'Lt' operators, the value must be an integer"))
            }
        }
        for (i, v) in values.enumerated() {
            let msgs = NameValidation.isValidLabelValue(v)
            if !msgs.isEmpty { errs.append(.invalid("values[\(i)][\(key)]", v, msgs.joined(separator: "; "))) }
        }
        return errs.isEmpty ? nil : errs.aggregateMessage
    }

    /// `Requirement.Matches`: `!=` and `notin` match objects without the key.
    public func matches(_ labels: [String: String]) -> Bool {
        switch op {
        case .equals, .doubleEquals, .in:
            guard let v = labels[key] else { return false }
            return values.count == 1 ? values[0] == v : values.contains(v)
        case .notEquals, .notIn:
            guard let v = labels[key] else { return true }
            return values.count == 1 ? values[0] != v : !values.contains(v)
        case .exists:
            return labels[key] != nil
        case .doesNotExist:
            return labels[key] == nil
        case .greaterThan, .lessThan:
            guard let s = labels[key], let have = Int64(s), values.count == 1, let want = Int64(values[0]) else {
                return false
            }
            return op == .greaterThan ? have > want : have < want
        }
    }

    /// `Requirement.String()`: `k=v`, `k in (a,b)`, `!k`, `k>5`.
    public var description: String {
        switch op {
        case .exists: return key
        case .doesNotExist: return "!" + key
        case .in: return key + " in (" + values.joined(separator: ",") + ")"
        case .notIn: return key + " notin (" + values.joined(separator: ",") + ")"
        case .greaterThan: return key + ">" + values.joined(separator: ",")
        case .lessThan: return key + "<" + values.joined(separator: ",")
        case .equals, .doubleEquals, .notEquals: return key + op.rawValue + values.joined(separator: ",")
        }
    }
}

/// A label selector (`labels.Selector`): requirements ANDed together.
///
/// Parses the full apimachinery grammar (`=`, `==`, `!=`, `in`, `notin`, `k`, `!k`,
/// `>`, `<`), with the same error messages; `description` is the canonical form
/// (requirements sorted by key) that parses back to an equal selector.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    /// Sorted by key (stable for equal keys).
    public private(set) var requirements: [LabelRequirement]

    /// The selector that matches everything.
    public static let everything = LabelSelector(uncheckedSorted: [])

    init(uncheckedSorted requirements: [LabelRequirement]) { self.requirements = requirements }

    /// A selector of the given requirements (sorted by key).
    public init(requirements: [LabelRequirement]) {
        self.requirements = Self.sortedByKey(requirements)
    }

    /// `labels.SelectorFromSet`: `k=v` for each pair. Throws for invalid keys or values.
    public init(matchLabels: [String: String]) throws(SelectorError) {
        var reqs: [LabelRequirement] = []
        for (k, v) in matchLabels { reqs.append(try LabelRequirement(key: k, op: .equals, values: [v])) }
        self.init(requirements: reqs)
    }

    /// Parses a selector string; the empty (or all-blank) string selects everything.
    public init(parsing string: String) throws(SelectorError) {
        var parser = LabelSelectorParser(string)
        self.init(requirements: try parser.parse())
    }

    static func sortedByKey(_ reqs: [LabelRequirement]) -> [LabelRequirement] {
        // Stable sort so equal keys keep their parse order (deterministic round trips).
        reqs.enumerated().sorted { a, b in
            a.element.key != b.element.key ? a.element.key < b.element.key : a.offset < b.offset
        }.map(\.element)
    }

    /// True when the selector has no requirements and so matches everything.
    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether an object with `labels` is selected.
    public func matches(_ labels: [String: String]) -> Bool {
        for r in requirements where !r.matches(labels) { return false }
        return true
    }

    /// The canonical string form (empty for everything).
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// The value a `=`/`==`/single-value `in` requirement demands for `key`, if any
    /// (lets callers use a label index).
    public func requiredValue(for key: String) -> String? {
        for r in requirements where r.key == key {
            switch r.op {
            case .equals, .doubleEquals: return r.values.first
            case .in where r.values.count == 1: return r.values[0]
            default: continue
            }
        }
        return nil
    }

    /// Adds a requirement (keeps the key order).
    public func adding(_ requirement: LabelRequirement) -> LabelSelector {
        LabelSelector(requirements: requirements + [requirement])
    }
}
