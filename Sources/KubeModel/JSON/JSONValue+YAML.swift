import Yams

/// Why a YAML document could not become JSON (the YAML syntax itself was fine).
public struct YAMLConversionError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in words.
    public var message: String
    /// 1-based line of the offending node, when known.
    public var line: Int?
    /// 1-based column of the offending node, when known.
    public var column: Int?

    /// An error, located at a node when `line` and `column` are known.
    public init(_ message: String, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        if let line, let column { return "YAML line \(line), column \(column): \(message)" }
        return "YAML: \(message)"
    }
}

/// YAML in and out with the semantics Kubernetes clients see (`sigs.k8s.io/yaml`
/// over `yaml.v2`): plain scalars resolve YAML 1.1 style — `true`/`yes`/`on`/`y`
/// are booleans, `~`/`null`/empty are null, `0x1F`/`0o17`/`017`/`0b101`/`1_000`
/// are integers (written out in decimal), `1.5`/`.5`/`1e+3` are floats —
/// while quoted and block scalars always stay strings. Timestamps stay strings.
extension JSONValue {
    /// Converts a YAML text holding at most one document (none gives `null`).
    /// Use `yamlDocuments(_:)` for multi-document streams.
    public init(yaml: String) throws {
        let documents = try Self.yamlDocuments(yaml, keepEmpty: true)
        switch documents.count {
        case 0: self = .null
        case 1: self = documents[0]
        default:
            throw YAMLConversionError("expected one YAML document, found \(documents.count)")
        }
    }

    /// Converts every document of a YAML stream (documents separated by `---`).
    /// Empty documents (nothing, only comments, or a bare `null`) are skipped, as
    /// `kubectl` does.
    public static func yamlDocuments(_ yaml: String) throws -> [JSONValue] {
        try yamlDocuments(yaml, keepEmpty: false)
    }

    private static func yamlDocuments(_ yaml: String, keepEmpty: Bool) throws -> [JSONValue] {
        var documents = try Yams.compose_all(yaml: yaml, .basic)
        // Aliases are shared in Yams' tree but expanded here, so bound the total
        // work ("billion laughs") by a multiple of the input size.
        var converter = YAMLConverter(budget: 10_000 + 16 * yaml.utf8.count)
        var result: [JSONValue] = []
        while let node = documents.next() {
            let value = try converter.convert(node, depth: 0)
            if keepEmpty || !value.isNull { result.append(value) }
        }
        if let error = documents.error { throw error }
        return result
    }

    /// This value as a YAML document (block style, keys in stored order, 2-space
    /// indent). Strings that would read back as another type are quoted.
    public func yamlString() throws -> String {
        try Yams.serialize(node: yamlNode(depth: 0), allowUnicode: true)
    }

    private func yamlNode(depth: Int) throws -> Node {
        if depth > YAMLConverter.maxDepth {
            throw YAMLConversionError("nesting deeper than \(YAMLConverter.maxDepth)")
        }
        switch self {
        case .null: return .scalar(.init("null", Tag(.null), .plain))
        case .bool(let b): return .scalar(.init(b ? "true" : "false", Tag(.bool), .plain))
        case .number(let n): return .scalar(.init(Self.yamlNumberText(n.text), Tag(.int), .plain))
        case .string(let s): return Self.yamlStringNode(s)
        case .array(let items):
            return .sequence(.init(try items.map { try $0.yamlNode(depth: depth + 1) }))
        case .object(let o):
            return .mapping(
                .init(try o.members.map { (Self.yamlStringNode($0.key), try $0.value.yamlNode(depth: depth + 1)) }))
        }
    }

    private static func yamlStringNode(_ s: String) -> Node {
        // Quote only what a reader would otherwise take for a bool, number or null;
        // the emitter itself falls back to quoting when plain style is not possible.
        let style: Node.Scalar.Style = YAMLConverter.resolvePlain(s).isString ? .any : .doubleQuoted
        return .scalar(.init(s, Tag(.str), style))
    }

    /// yaml.v2 reads `1e3` as a string but `1e+3` as a float, so exponents get a sign.
    private static func yamlNumberText(_ text: String) -> String {
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        let after = text.index(after: e)
        if after < text.endIndex, text[after] == "+" || text[after] == "-" { return text }
        return text[..<after] + "+" + text[after...]
    }
}

/// Turns a Yams node tree into JSON values.
private struct YAMLConverter {
    static let maxDepth = 512
    static let strTag = Tag.Name.str.rawValue
    static let intTag = Tag.Name.int.rawValue
    static let floatTag = Tag.Name.float.rawValue
    static let boolTag = Tag.Name.bool.rawValue
    static let nullTag = Tag.Name.null.rawValue

    /// Nodes still allowed to be converted.
    var budget: Int

    mutating func convert(_ node: Node, depth: Int) throws -> JSONValue {
        budget -= 1
        if budget < 0 {
            throw YAMLConversionError("document expands to too many nodes (alias bomb?)")
        }
        if depth > Self.maxDepth {
            throw error("nesting deeper than \(Self.maxDepth)", node)
        }
        switch node {
        case .scalar(let scalar):
            return try convertScalar(scalar, node)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try convert(item, depth: depth + 1)) }
            return .array(items)
        case .mapping(let mapping):
            return .object(try convertMapping(mapping, depth: depth))
        case .alias:
            throw error("unresolved alias", node)
        }
    }

    private mutating func convertMapping(_ mapping: Node.Mapping, depth: Int) throws -> JSONObject {
        var object = JSONObject()
        var explicit = Set<String>()
        // Explicit keys win over merged ones (`<<: *base`), whatever their order.
        for (key, _) in mapping where !Self.isMergeKey(key) {
            explicit.insert(try mappingKey(key))
        }
        for (key, value) in mapping {
            if Self.isMergeKey(key) {
                let sources: [Node]
                switch value {
                case .mapping: sources = [value]
                case .sequence(let s): sources = Array(s)
                default: throw error("a merge key needs a mapping or a list of mappings", value)
                }
                for source in sources {
                    guard case .mapping = source else { throw error("can only merge mappings", source) }
                    let merged = try convert(source, depth: depth + 1).objectValue ?? JSONObject()
                    // Earlier merge sources take precedence over later ones.
                    for (k, v) in merged where !explicit.contains(k) && object[k] == nil { object[k] = v }
                }
            } else {
                object[try mappingKey(key)] = try convert(value, depth: depth + 1)
            }
        }
        return object
    }

    private static func isMergeKey(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.string == "<<" && s.style == .plain
            && (s.tag.rawValue == "" || s.tag.rawValue == strTag || s.tag.rawValue == Tag.Name.merge.rawValue)
    }

    /// JSON keys are strings; scalar keys of other types use their JSON text (as sigs.k8s.io/yaml does).
    private mutating func mappingKey(_ node: Node) throws -> String {
        guard case .scalar(let scalar) = node else {
            throw error("mapping keys must be scalars to become JSON", node)
        }
        switch try convertScalar(scalar, node, isKey: true) {
        case .string(let s): return s
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.text
        case .array, .object: throw error("mapping keys must be scalars to become JSON", node)
        }
    }

    private func convertScalar(_ scalar: Node.Scalar, _ node: Node, isKey: Bool = false) throws -> JSONValue {
        let text = scalar.string
        var tag = scalar.tag.rawValue
        // Yams resolves the tags of mapping keys while building the mapping (to
        // `!!str` with the basic resolver), so a plain `!!str` key counts as untagged.
        if isKey && scalar.style == .plain && tag == Self.strTag { tag = "" }
        switch tag {
        case "":  // plain scalar without a tag
            let resolved = Self.resolvePlain(text)
            if case .nonFinite = resolved {
                throw error("\(text) is not representable in JSON", node)
            }
            return resolved.value(text)
        case Self.strTag, "!":
            return .string(text)
        case Self.nullTag:
            return .null
        case Self.boolTag:
            if case .bool(let b) = Self.resolvePlain(text) { return .bool(b) }
            throw error("\(text.debugDescription) is not a !!bool", node)
        case Self.intTag:
            switch Self.resolvePlain(text) {
            case .integer(let t): return .number(JSONNumber(unchecked: t))
            default: throw error("\(text.debugDescription) is not an !!int", node)
            }
        case Self.floatTag:
            switch Self.resolvePlain(text) {
            case .integer(let t), .float(let t): return .number(JSONNumber(unchecked: t))
            case .nonFinite: throw error("\(text) is not representable in JSON", node)
            default: throw error("\(text.debugDescription) is not a !!float", node)
            }
        default:
            // Other tags (including !!timestamp and custom ones) keep the text.
            return .string(text)
        }
    }

    private func error(_ message: String, _ node: Node) -> YAMLConversionError {
        YAMLConversionError(message, line: node.mark?.line, column: node.mark?.column)
    }

    // MARK: plain scalar resolution (yaml.v2's resolve())

    enum Resolved {
        case string, null, nonFinite
        case bool(Bool)
        /// Decimal JSON text.
        case integer(String)
        /// JSON number text.
        case float(String)

        var isString: Bool {
            if case .string = self { return true }
            return false
        }

        func value(_ original: String) -> JSONValue {
            switch self {
            case .string, .nonFinite: return .string(original)
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .integer(let t), .float(let t): return .number(JSONNumber(unchecked: t))
            }
        }
    }

    static func resolvePlain(_ s: String) -> Resolved {
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
            return .nonFinite
        default: break
        }
        guard let first = s.utf8.first else { return .string }
        if first == UInt8(ascii: ".") {
            if let d = goParseFloat(s) { return .float(jsonText(d)) }
            return .string
        }
        guard first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            return .string
        }
        let plain = s.utf8.contains(UInt8(ascii: "_")) ? s.replacingUnderscores() : s
        if let int = parseGoInteger(plain) { return .integer(int) }
        if isYAMLStyleFloat(plain), let d = goParseFloat(plain) { return .float(jsonText(d)) }
        return .string
    }

    /// `strconv.ParseInt(s, 0, 64)` then `ParseUint`: optional sign, then `0x`, `0o`,
    /// `0b` or a leading `0` (octal) prefix. Returns decimal text, or nil.
    /// Decimal integers too large for 64 bits are kept exactly rather than rounded.
    static func parseGoInteger(_ s: String) -> String? {
        var digits = Substring(s)
        var negative = false
        if let c = digits.first, c == "+" || c == "-" {
            negative = c == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var radix = 10
        if digits.count > 1, digits.first == "0" {
            switch digits.dropFirst().first {
            case "x", "X":
                radix = 16
                digits = digits.dropFirst(2)
            case "o", "O":
                radix = 8
                digits = digits.dropFirst(2)
            case "b", "B":
                radix = 2
                digits = digits.dropFirst(2)
            default:
                radix = 8
                digits = digits.dropFirst()
            }
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        if let magnitude = UInt64(digits, radix: radix) {
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return magnitude == 0 ? "0" : "-" + String(magnitude)
            }
            return String(magnitude)
        }
        // Beyond 64 bits: yaml.v2 falls back to a float; a decimal integer is kept exact instead.
        if radix == 10, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) {
            return (negative ? "-" : "") + digits
        }
        return nil
    }

    /// yaml.v2's `^[-+]?[0-9]*\.?[0-9]+([eE][-+][0-9]+)?$`.
    static func isYAMLStyleFloat(_ s: String) -> Bool {
        var it = Array(s.utf8)[...]
        if let c = it.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { it = it.dropFirst() }
        let isDigit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
        // mantissa: digits, optional '.', then at least one digit
        let intPart = it.prefix(while: isDigit)
        it = it.dropFirst(intPart.count)
        var fracCount = 0
        if it.first == UInt8(ascii: ".") {
            it = it.dropFirst()
            fracCount = it.prefix(while: isDigit).count
            it = it.dropFirst(fracCount)
            if fracCount == 0 { return false }
        } else if intPart.isEmpty {
            return false
        }
        if it.isEmpty { return true }
        guard it.first == UInt8(ascii: "e") || it.first == UInt8(ascii: "E") else { return false }
        it = it.dropFirst()
        guard let sign = it.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return false }
        it = it.dropFirst()
        return !it.isEmpty && it.allSatisfy(isDigit)
    }

    static func goParseFloat(_ s: String) -> Double? {
        guard let d = Double(s), d.isFinite else { return nil }
        return d
    }

    /// A finite double as Go's encoding/json writes it: plain decimal for
    /// 1e-6 ≤ |d| < 1e21 (integers without a fraction), exponent form otherwise.
    static func jsonText(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e18 { return String(Int64(d)) }
        return d.description
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(unicodeScalars.filter { $0 != "_" })
    }
}
