import KubeModel

/// `-o table|json|yaml`.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, yaml
}

/// A plain text table like kubectl's: upper-case headers, columns separated by
/// at least three spaces, the last column not padded.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]] = []

    public init(headers: [String]) { self.headers = headers }

    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The width of each column: its widest cell or header.
    public func columnWidths() -> [Int] {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return widths
    }

    /// One line with cells padded to `widths` (the last cell unpadded), ending in a newline.
    public static func line(_ cells: [String], widths: [Int]) -> String {
        var s = ""
        for (i, cell) in cells.enumerated() {
            if i == cells.count - 1 {
                s += cell
            } else {
                let width = i < widths.count ? max(widths[i], cell.count) : cell.count
                s += cell + String(repeating: " ", count: width - cell.count + 3)
            }
        }
        return s + "\n"
    }

    /// The table text, one line per row, each ending in a newline.
    public func render() -> String {
        let widths = columnWidths()
        return Self.line(headers, widths: widths) + rows.map { Self.line($0, widths: widths) }.joined()
    }
}

/// Turns events and objects into what the tools print, redacting Secrets unless told not to.
public struct ForensicRenderer: Sendable {
    /// Print Secret values as stored.
    public var revealSecrets: Bool

    public init(revealSecrets: Bool = false) { self.revealSecrets = revealSecrets }

    /// Headers of the `ake log tail` table.
    public static let eventHeaders = ["RV", "TIME", "TYPE", "RESOURCE", "NAMESPACE/NAME", "ORIGIN", "SIZE"]

    /// One `ake log tail` table row.
    public func row(_ e: EventRecord) -> [String] {
        [
            String(e.rv), TimeSpec.format(e.time, fractional: false).replacingAll("T", with: " "),
            ForensicNames.typeName(e.type), e.resourceName, e.objectKey, ForensicNames.originColumn(e.origin, e.state),
            String(e.size),
        ]
    }

    /// The object of an event or a stored version, parsed and redacted. An object
    /// that does not parse is shown as a string saying so (never a crash).
    public func object(_ bytes: [UInt8], isSecret: Bool) -> JSONValue {
        guard !bytes.isEmpty else { return .null }
        let parsed: JSONValue
        do {
            parsed = try JSONValue(parsing: bytes)
        } catch {
            return .string("<unparseable JSON: \(bytes.count) bytes: \(error)>")
        }
        return redacted(parsed, isSecret: isSecret)
    }

    /// `value` with Secret data hidden, unless `revealSecrets`.
    public func redacted(_ value: JSONValue, isSecret: Bool) -> JSONValue {
        guard !revealSecrets, isSecret || SecretRedactor.isSecretObject(value) else { return value }
        return SecretRedactor.redact(value)
    }

    /// An event as a JSON object (one line of `ake log tail -o json`).
    public func json(_ e: EventRecord, includeObject: Bool = true) -> JSONValue {
        var o = JSONObject()
        o.appendUnchecked("rv", .number(JSONNumber(unchecked: String(e.rv))))
        o.appendUnchecked("time", .string(TimeSpec.format(e.time)))
        o.appendUnchecked("type", .string(ForensicNames.typeName(e.type)))
        o.appendUnchecked("resource", .string(e.resourceName))
        o.appendUnchecked("storageKey", .string(e.storageKey))
        o.appendUnchecked("namespace", .string(e.namespace))
        o.appendUnchecked("name", .string(e.name))
        o.appendUnchecked("uid", .string(e.uid))
        o.appendUnchecked("origin", .string(ForensicNames.originName(e.origin)))
        o.appendUnchecked("upstreamRV", .string(e.upstreamRV))
        o.appendUnchecked("state", .string(ForensicNames.stateName(e.state)))
        o.appendUnchecked("previousRV", .number(JSONNumber(unchecked: String(e.previousRV))))
        o.appendUnchecked("size", .number(JSONNumber(e.size)))
        if includeObject { o.appendUnchecked("object", object(e.object, isSecret: e.isSecret)) }
        return .object(o)
    }

    /// A list kubectl users recognise: `{"apiVersion":"v1","kind":"List","metadata":{...},"items":[...]}`.
    public func list(_ items: [JSONValue], resourceVersion: ResourceVersionText? = nil) -> JSONValue {
        var metadata = JSONObject()
        if let resourceVersion { metadata.appendUnchecked("resourceVersion", .string(resourceVersion)) }
        return [
            "apiVersion": "v1", "kind": "List", "metadata": .object(metadata), "items": .array(items),
        ]
    }

    /// A value as compact JSON text (one line).
    public static func jsonLine(_ value: JSONValue) -> String { value.jsonString }

    /// A value as YAML text (multi-document streams join these with `---`).
    public static func yaml(_ value: JSONValue) throws -> String { try value.yamlString() }

    /// A scalar for one-line display in diffs: strings quoted only when needed, objects as compact JSON.
    public static func inline(_ value: JSONValue?, limit: Int = 200) -> String {
        guard let value else { return "∅" }
        let text: String =
            switch value {
            case .string(let s): needsQuotes(s) ? value.jsonString : s
            default: value.jsonString
            }
        return text.count > limit ? String(text.prefix(limit)) + "…(\(text.utf8.count) bytes)" : text
    }

    /// Strings are quoted only when bare text would mislead: empty, padded, multi-line,
    /// or spelled like a number, boolean or null.
    static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last else { return true }
        if first.isWhitespace || last.isWhitespace || s.contains("\n") { return true }
        if ["true", "false", "null"].contains(s) { return true }
        return (try? JSONValue(parsing: s))?.int64Value != nil || Double(s) != nil
    }
}

/// A resourceVersion as Kubernetes spells it in metadata: a decimal string.
public typealias ResourceVersionText = String
