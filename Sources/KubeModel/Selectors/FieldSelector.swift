/// One term of a field selector: `field=value` or `field!=value`.
public struct FieldRequirement: Sendable, Hashable, CustomStringConvertible {
    /// The field label, for example `spec.nodeName`.
    public let field: String
    /// `true` for `!=`.
    public let negated: Bool
    /// The unescaped value.
    public let value: String

    /// A term; `value` is unescaped.
    public init(field: String, negated: Bool, value: String) {
        self.field = field
        self.negated = negated
        self.value = value
    }

    /// A missing field counts as the empty string, like `fields.Set.Get`.
    public func matches(_ fields: [String: String]) -> Bool {
        (fields[field] ?? "") == value ? !negated : negated
    }

    /// `field=value` / `field!=value` with `\`, `,` and `=` escaped in the value.
    public var description: String { field + (negated ? "!=" : "=") + FieldSelector.escape(value) }
}

/// A field selector (`fields.Selector`): `=`/`==`/`!=` terms ANDed together.
///
/// Parsing follows apimachinery's `fields.ParseSelector` (terms split on unescaped
/// commas and sorted; values unescaped), so `description` is the same canonical form
/// the apiserver prints (`==` becomes `=`).
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    /// The terms, in canonical (sorted) order when parsed.
    public private(set) var requirements: [FieldRequirement]

    /// The selector with no terms.
    public static let everything = FieldSelector(requirements: [])

    /// A selector of the given terms, kept in the given order.
    public init(requirements: [FieldRequirement]) { self.requirements = requirements }

    /// Parses a selector; the empty string selects everything.
    public init(parsing selector: String) throws(SelectorError) {
        var terms = Self.splitTerms(selector)
        terms.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var reqs: [FieldRequirement] = []
        for term in terms where !term.isEmpty {
            guard let (lhs, op, rhs) = Self.splitTerm(term) else {
                throw SelectorError("invalid selector: '\(selector)'; can't understand '\(term)'")
            }
            let value = try Self.unescape(rhs)
            reqs.append(FieldRequirement(field: lhs, negated: op == "!=", value: value))
        }
        self.requirements = reqs
    }

    /// True when there are no terms (everything is selected).
    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether an object with these field values (see `ResourceInfo.fieldValues(of:)`) is selected.
    public func matches(_ fields: [String: String]) -> Bool {
        for r in requirements where !r.matches(fields) { return false }
        return true
    }

    /// The canonical form, as the apiserver prints it.
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// The value an `=`/`==` term requires for `field`, if any (for index lookups).
    public func requiredValue(for field: String) -> String? {
        requirements.first { $0.field == field && !$0.negated }?.value
    }

    /// Rejects fields the resource cannot be selected by, as the apiserver's field
    /// label conversion does (`field label not supported: <field>`, or for resources
    /// without selectable fields `"<field>" is not a known field selector: only ...`).
    public func validate(for resource: ResourceInfo) throws(SelectorError) {
        for r in requirements {
            if let message = resource.fieldLabelError(r.field) { throw SelectorError(message) }
        }
    }

    // MARK: syntax helpers (fields/selector.go)

    /// Escapes `\`, `,` and `=` in a value.
    public static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "\\" || $0 == "," || $0 == "=" }) else { return s }
        var out = ""
        for c in s {
            if c == "\\" || c == "," || c == "=" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func unescape(_ s: String) throws(SelectorError) -> String {
        guard s.contains(where: { $0 == "\\" || $0 == "," || $0 == "=" }) else { return s }
        var out = ""
        var inSlash = false
        for c in s.unicodeScalars {
            if inSlash {
                switch c {
                case "\\", ",", "=": out.unicodeScalars.append(c)
                default: throw SelectorError("invalid field selector: invalid escape sequence: \\\(c)")
                }
                inSlash = false
                continue
            }
            switch c {
            case "\\": inSlash = true
            // Go prints the rune with %v, which is its number.
            case ",", "=": throw SelectorError("invalid field selector: unescaped character in value: \(c.value)")
            default: out.unicodeScalars.append(c)
            }
        }
        if inSlash { throw SelectorError("invalid field selector: invalid escape sequence: \\") }
        return out
    }

    static func splitTerms(_ s: String) -> [String] {
        if s.isEmpty { return [] }
        var terms: [String] = []
        var current = ""
        var inSlash = false
        for c in s.unicodeScalars {
            if inSlash {
                inSlash = false
            } else if c == "\\" {
                inSlash = true
            } else if c == "," {
                terms.append(current)
                current = ""
                continue
            }
            current.unicodeScalars.append(c)
        }
        terms.append(current)
        return terms
    }

    static func splitTerm(_ term: String) -> (String, String, String)? {
        let scalars = Array(term.unicodeScalars)
        for i in scalars.indices {
            for op in ["!=", "==", "="] {
                let opScalars = Array(op.unicodeScalars)
                if i + opScalars.count <= scalars.count, Array(scalars[i..<i + opScalars.count]) == opScalars {
                    var lhs = String.UnicodeScalarView()
                    lhs.append(contentsOf: scalars[..<i])
                    var rhs = String.UnicodeScalarView()
                    rhs.append(contentsOf: scalars[(i + opScalars.count)...])
                    return (String(lhs), op, String(rhs))
                }
            }
        }
        return nil
    }
}
