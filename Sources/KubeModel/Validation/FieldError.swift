/// A field-level validation error, the equivalent of apimachinery's `field.Error`.
///
/// Its `description` (`metadata.name: Invalid value: "X": ...`) and `body` (the same
/// without the field) are worded exactly like the apiserver's, because clients show
/// them to users and some tests grep them.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem; its raw value is the `StatusCause.reason` the apiserver sends.
    public enum Kind: String, Sendable, Hashable {
        case notFound = "FieldValueNotFound"
        case required = "FieldValueRequired"
        case duplicate = "FieldValueDuplicate"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case internalError = "InternalError"
        case typeInvalid = "FieldValueTypeInvalid"

        /// The human wording (`field.ErrorType.String()`).
        public var phrase: String {
            switch self {
            case .notFound: "Not found"
            case .required: "Required value"
            case .duplicate: "Duplicate value"
            case .invalid, .typeInvalid: "Invalid value"
            case .notSupported: "Unsupported value"
            case .forbidden: "Forbidden"
            case .tooLong: "Too long"
            case .tooMany: "Too many"
            case .internalError: "Internal error"
            }
        }
    }

    /// How the offending value is printed (Go prints strings with `%q`, numbers and
    /// bools bare, and anything else with `%#v`).
    public enum BadValue: Sendable, Hashable {
        case none
        case string(String)
        case integer(Int64)
        case bool(Bool)
        /// Printed verbatim (for Go `%#v` renderings of structs and slices).
        case raw(String)
        case null
    }

    /// What is wrong.
    public var kind: Kind
    /// The JSON path of the field, for example `metadata.name` or `spec.versions[0].name`.
    public var field: String
    /// The offending value, as it is printed.
    public var badValue: BadValue
    /// Why the value is wrong; may be empty.
    public var detail: String

    /// An error of `kind` at `field`.
    public init(_ kind: Kind, field: String, value: BadValue = .none, detail: String = "") {
        self.kind = kind
        self.field = field
        self.badValue = value
        self.detail = detail
    }

    /// `field.Invalid`: the value is shown quoted.
    public static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: .string(value), detail: detail)
    }
    /// `field.Required`.
    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field: field, detail: detail)
    }
    /// `field.Forbidden`.
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field: field, detail: detail)
    }
    /// `field.TooLong`: the value is not shown.
    public static func tooLong(_ field: String, maxBytes: Int) -> FieldError {
        FieldError(.tooLong, field: field, detail: "may not be more than \(maxBytes) bytes")
    }
    /// `field.NotSupported`: lists the supported values quoted.
    public static func notSupported(_ field: String, _ value: String, supported: [String]) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(goQuoted).joined(separator: ", ")
        return FieldError(.notSupported, field: field, value: .string(value), detail: detail)
    }

    /// The message without the field (`field.Error.ErrorBody()`); the `message` of a `StatusCause`.
    public var body: String {
        var s: String
        switch kind {
        case .required, .forbidden, .tooLong, .internalError:
            s = kind.phrase
        default:
            switch badValue {
            case .none: s = kind.phrase
            case .string(let v): s = "\(kind.phrase): \(goQuoted(v))"
            case .integer(let v): s = "\(kind.phrase): \(v)"
            case .bool(let v): s = "\(kind.phrase): \(v)"
            case .raw(let v): s = "\(kind.phrase): \(v)"
            case .null: s = "\(kind.phrase): \"null\""
            }
        }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }

    /// `<field>: <body>`, like `field.Error.Error()`.
    public var description: String { "\(field): \(body)" }

    /// The `StatusCause` the apiserver puts in an Invalid status for this error.
    public var cause: StatusCause { StatusCause(reason: kind.rawValue, message: body, field: field) }
}

extension [FieldError] {
    /// Like `field.ErrorList.ToAggregate().Error()`: one message as is, several
    /// (duplicates dropped) as `[a, b]`; empty for no errors.
    public var aggregateMessage: String { aggregateErrorMessage(map(\.description)) }
}

/// `utilerrors.NewAggregate(...).Error()` over already-rendered messages.
func aggregateErrorMessage(_ messages: [String]) -> String {
    var seen = Set<String>()
    var unique: [String] = []
    for m in messages where seen.insert(m).inserted { unique.append(m) }
    if unique.count == 1 { return unique[0] }
    if unique.isEmpty { return "" }
    return "[" + unique.joined(separator: ", ") + "]"
}

/// Go's `strconv.Quote` (what `%q` prints): escapes quotes, backslashes and
/// control characters, keeps printable Unicode as is.
public func goQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            let v = scalar.value
            if v < 0x20 || v == 0x7F {
                out += "\\x" + hex(v, width: 2)
            } else if v >= 0x80 && !isPrintable(scalar) {
                out += v <= 0xFFFF ? "\\u" + hex(v, width: 4) : "\\U" + hex(v, width: 8)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out += "\""
    return out
}

private func hex(_ v: UInt32, width: Int) -> String {
    let digits = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

private func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
        return false
    case .spaceSeparator:
        return scalar == " "
    default:
        return true
    }
}
