/// The Go struct shape of every built-in kind AKE serves: per message, its fields in
/// Go declaration order with protobuf field number, JSON name, kind, pointer-ness,
/// `omitempty` and inlining. Generated from k8s.io/api by `tools/gen-proto-types.py`
/// (see `tableText` in BuiltInTypeTable.swift); parsed once, at first use.
///
/// The protobuf body decoder uses it to turn `application/vnd.kubernetes.protobuf`
/// request bodies into the JSON the client would have sent.
public enum BuiltInTypes {
    /// What a field holds (for repeated fields and maps: what one element holds).
    public indirect enum Kind: Sendable, Hashable {
        case string, bool, int32, int64, double
        /// `[]byte`: base64 in JSON.
        case bytes
        /// A nested Go struct, by message name (for example `core/v1.PodSpec`).
        case message(String)
        /// metav1.Time (RFC 3339, seconds) and metav1.MicroTime (RFC 3339, microseconds).
        case time, microTime
        /// metav1.Duration: Go's `time.Duration.String()` in JSON.
        case duration
        /// resource.Quantity: its canonical string in JSON.
        case quantity
        /// intstr.IntOrString: a number or a string in JSON.
        case intOrString
        /// runtime.RawExtension: embedded JSON.
        case rawExtension
        /// metav1.FieldsV1: embedded JSON.
        case fieldsV1
        /// A named `[]string` used as a map value (for example certificates' ExtraValue).
        case wrappedStrings
        case map(key: Kind, value: Kind)
    }

    /// One field of a Go struct.
    public struct Field: Sendable, Hashable {
        /// The protobuf field number.
        public var number: Int
        /// The JSON member name (empty for an inlined embedded struct).
        public var jsonName: String
        /// The field's type.
        public var kind: Kind
        /// A Go slice (a repeated protobuf field).
        public var repeated: Bool
        /// A Go pointer: present in JSON whenever set, zero values included.
        public var pointer: Bool
        /// The JSON tag has `omitempty`: zero values are left out.
        public var omitEmpty: Bool
        /// An embedded struct whose members JSON merges into the parent.
        public var inline: Bool
    }

    /// One Go struct.
    public struct Message: Sendable {
        /// For example `apps/v1.DeploymentSpec`.
        public var name: String
        /// Fields in Go declaration order (the order encoding/json writes them).
        public var fields: [Field]
        private var indexByNumber: [Int: Int] = [:]

        init(name: String) {
            self.name = name
            fields = []
        }

        mutating func add(_ field: Field) {
            indexByNumber[field.number] = fields.count
            fields.append(field)
        }

        /// The index in ``fields`` of the field with this protobuf number.
        public func fieldIndex(number: Int) -> Int? { indexByNumber[number] }
    }

    /// The parsed table.
    public struct Table: Sendable {
        /// Every struct, by name (for example `apps/v1.DeploymentSpec`).
        public var messages: [String: Message] = [:]
        /// Root message name by `apiVersion + " " + kind`.
        public var roots: [String: String] = [:]
        /// Lines of the table text that did not parse (empty for a well-formed table).
        public var malformedLines: [String] = []

        /// A table in the line format of `tools/gen-proto-types.py` (tests use small ones).
        public init(parsing text: String) { self = BuiltInTypes.parse(text) }

        init() {}

        /// The message of a top-level kind, for example (`apps/v1`, `Deployment`).
        public func root(apiVersion: String, kind: String) -> Message? {
            roots[apiVersion + " " + kind].flatMap { messages[$0] }
        }
    }

    /// The table, parsed at first use (a `static let` initializes once, thread-safely).
    public static let table = Table(parsing: tableText)

    /// The built-in table with more messages and kinds in the same line format (for
    /// kinds served without storage, such as the access reviews).
    public static func table(adding lines: String) -> Table {
        Table(parsing: tableText + "\n" + lines)
    }

    static func parse(_ text: String) -> Table {
        var table = Table()
        var current: Message?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            switch parts.first {
            case "K" where parts.count == 4:
                table.roots[parts[1] + " " + parts[2]] = String(parts[3])
            case "M" where parts.count == 2:
                if let m = current { table.messages[m.name] = m }
                current = Message(name: String(parts[1]))
            case "F" where parts.count == 5 && current != nil:
                guard let number = Int(parts[1]), let kind = parseKind(parts[3]) else {
                    table.malformedLines.append(String(line))
                    continue
                }
                let flags = parts[4]
                let inline = flags.contains("i")
                current?.add(
                    Field(
                        number: number, jsonName: inline ? "" : String(parts[2]), kind: kind,
                        repeated: flags.contains("r"), pointer: flags.contains("p"), omitEmpty: flags.contains("o"),
                        inline: inline))
            default:
                table.malformedLines.append(String(line))
            }
        }
        if let m = current { table.messages[m.name] = m }
        return table
    }

    static func parseKind(_ text: Substring) -> Kind? {
        switch text {
        case "s": return .string
        case "b": return .bool
        case "i32": return .int32
        case "i64": return .int64
        case "f64": return .double
        case "y": return .bytes
        case "time": return .time
        case "mtime": return .microTime
        case "dur": return .duration
        case "qty": return .quantity
        case "ios": return .intOrString
        case "raw": return .rawExtension
        case "fv1": return .fieldsV1
        case "strs": return .wrappedStrings
        default:
            if text.hasPrefix("m:") { return .message(String(text.dropFirst(2))) }
            if text.hasPrefix("map:") {
                let parts = text.dropFirst(4).split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let k = parseKind(parts[0]), let v = parseKind(parts[1]) else { return nil }
                return .map(key: k, value: v)
            }
            return nil
        }
    }
}
