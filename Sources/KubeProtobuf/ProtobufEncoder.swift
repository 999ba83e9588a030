import Foundation
import KubeModel

/// Encodes built-in objects from their JSON into Kubernetes protobuf
/// (`application/vnd.kubernetes.protobuf`), byte for byte as kube-apiserver's serializer
/// writes the Go struct encoding/json would decode from that JSON:
///
/// - the object goes in the `k8s\0` envelope: runtime.Unknown{TypeMeta{apiVersion, kind},
///   raw, contentEncoding "", contentType ""};
/// - fields in ascending field number (gogo-protobuf's generated Marshal); non-pointer
///   scalars and structs are always written, zero or not; pointers, slices and maps only
///   when set; `[]byte` whenever the JSON had a value; repeated scalars unpacked;
/// - map entries sorted by key bytes, key and value always written;
/// - metav1.Time as Timestamp{seconds, nanos 0}, metav1.MicroTime with nanos truncated to
///   microseconds, a zero time as an empty message; resource.Quantity as its canonical
///   string; IntOrString as {type, intVal, strVal}; metav1.Duration as nanoseconds;
///   RawExtension and FieldsV1 as their JSON bytes;
/// - JSON members the Go struct does not have (kind and apiVersion of list items among
///   them) are ignored, as encoding/json ignores them.
///
/// The encoder writes every message back to front into one buffer (so a nested message's
/// length is known when its tag is written) and reverses it once at the end.
public struct ProtobufEncoder: Sendable {
    /// Why an object cannot be encoded (the caller answers JSON instead).
    public struct EncodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// One field with what the encoder needs precomputed.
    struct FieldPlan: Sendable {
        var field: BuiltInTypes.Field
        /// The message of a `.message` field (or map value), as an index into `plans`.
        var child: Int?
        /// The tag bytes of the field, reversed (as the back-to-front writer emits them).
        var reversedTag: [UInt8]
    }

    /// One message: fields in ascending field number, and where each JSON name goes.
    struct MessagePlan: Sendable {
        var name: String
        var fields: [FieldPlan]
        /// JSON member name → index in `fields`; a member of an inlined struct maps to the
        /// inline field's index.
        var byJSONName: [String: Int]
    }

    let plans: [MessagePlan]
    let rootIndex: [String: Int]

    /// The encoder of the built-in table, built once.
    public static let builtIn = ProtobufEncoder(types: BuiltInTypes.table)

    /// An encoder for the messages and kinds of `types`.
    public init(types: BuiltInTypes.Table) {
        let messageNames = types.messages.keys.sorted()
        var index: [String: Int] = [:]
        for (i, n) in messageNames.enumerated() { index[n] = i }
        func messageName(_ kind: BuiltInTypes.Kind) -> String? {
            switch kind {
            case .message(let n): n
            case .map(_, let v): messageName(v)
            default: nil
            }
        }
        var plans: [MessagePlan] = []
        for name in messageNames {
            guard let message = types.messages[name] else { continue }
            let sorted = message.fields.sorted { $0.number < $1.number }
            var fields: [FieldPlan] = []
            for f in sorted {
                let wire: UInt64 = Self.wireType(f.kind)
                let tag = Self.varintBytes(UInt64(f.number) << 3 | wire)
                fields.append(
                    FieldPlan(field: f, child: messageName(f.kind).flatMap { index[$0] }, reversedTag: tag.reversed()))
            }
            plans.append(MessagePlan(name: name, fields: fields, byJSONName: [:]))
        }
        // JSON names, including the members of inlined structs (one level is all the table has;
        // deeper inlining is followed recursively).
        func jsonNames(of planIndex: Int, depth: Int) -> [String] {
            guard depth < 8 else { return [] }
            var out: [String] = []
            for f in plans[planIndex].fields {
                if f.field.inline, let c = f.child {
                    out += jsonNames(of: c, depth: depth + 1)
                } else {
                    out.append(f.field.jsonName)
                }
            }
            return out
        }
        for p in plans.indices {
            var byName: [String: Int] = [:]
            for (i, f) in plans[p].fields.enumerated() {
                if f.field.inline, let c = f.child {
                    for n in jsonNames(of: c, depth: 1) where byName[n] == nil { byName[n] = i }
                } else {
                    byName[f.field.jsonName] = i
                }
            }
            plans[p].byJSONName = byName
        }
        self.plans = plans
        var roots: [String: Int] = [:]
        for (key, message) in types.roots { roots[key] = index[message] }
        rootIndex = roots
    }

    /// Whether objects of this apiVersion and kind can be encoded.
    public func canEncode(apiVersion: String, kind: String) -> Bool {
        rootIndex[apiVersion + " " + kind] != nil
    }

    /// The envelope-wrapped protobuf of an object JSON; `kind` and `apiVersion` come from
    /// the JSON itself.
    public func encode(_ object: JSONValue) throws(EncodeError) -> [UInt8] {
        guard case .object(let o) = object, case .string(let kind)? = o["kind"],
            case .string(let apiVersion)? = o["apiVersion"]
        else { throw EncodeError(description: "an object without kind and apiVersion") }
        return try encode(o, apiVersion: apiVersion, kind: kind)
    }

    /// The envelope-wrapped protobuf of an object JSON of a given kind.
    public func encode(_ object: JSONObject, apiVersion: String, kind: String) throws(EncodeError) -> [UInt8] {
        guard let root = rootIndex[apiVersion + " " + kind] else {
            throw EncodeError(description: "no protobuf encoding for apiVersion \(apiVersion) kind \(kind)")
        }
        var w = ReverseWriter()
        w.out.reserveCapacity(1024)
        // runtime.Unknown, fields 4 … 1: contentType "", contentEncoding "", raw, typeMeta.
        w.bytes([0x00, 0x22])
        w.bytes([0x00, 0x1a])
        let rawEnd = w.out.count
        try message(object, root, &w, depth: 0)
        w.varint(UInt64(w.out.count - rawEnd))
        w.byte(0x12)
        let typeMetaEnd = w.out.count
        w.string(kind)
        w.varint(UInt64(kind.utf8.count))
        w.byte(0x12)
        w.string(apiVersion)
        w.varint(UInt64(apiVersion.utf8.count))
        w.byte(0x0a)
        w.varint(UInt64(w.out.count - typeMetaEnd))
        w.byte(0x0a)
        w.bytes([0x00, 0x73, 0x38, 0x6B])  // "k8s\0", back to front
        w.out.reverse()
        return w.out
    }

    // MARK: - Messages

    private func message(_ object: JSONObject, _ planIndex: Int, _ w: inout ReverseWriter, depth: Int)
        throws(EncodeError)
    {
        guard depth < 64 else { throw EncodeError(description: "nesting deeper than 64 messages") }
        let plan = plans[planIndex]
        // Each member's value by field; inlined structs collect their members.
        var values = [JSONValue?](repeating: nil, count: plan.fields.count)
        var inlined: [Int: JSONObject] = [:]
        for (key, value) in object {
            guard let i = plan.byJSONName[key] else { continue }
            if plan.fields[i].field.inline {
                inlined[i, default: JSONObject()].appendUnchecked(key, value)
            } else {
                values[i] = value
            }
        }
        for i in plan.fields.indices.reversed() {
            let f = plan.fields[i]
            if f.field.inline {
                guard let child = f.child else { continue }
                let end = w.out.count
                try message(inlined[i] ?? JSONObject(), child, &w, depth: depth + 1)
                w.varint(UInt64(w.out.count - end))
                w.bytes(f.reversedTag)
                continue
            }
            try field(values[i], f, &w, depth: depth, in: plan.name)
        }
    }

    private func field(_ value: JSONValue?, _ f: FieldPlan, _ w: inout ReverseWriter, depth: Int, in name: String)
        throws(EncodeError)
    {
        let field = f.field
        if case .map(let keyKind, let valueKind) = field.kind {
            guard case .object(let entries)? = value else {
                if let value, value != .null { throw mismatch(field, name) }
                return
            }
            // gogo sorts keys (sort.Strings: byte order); written back to front.
            let sorted = entries.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (key, v) in sorted.reversed() {
                let end = w.out.count
                try mapValue(v, valueKind, child: f.child, &w, depth: depth, field: field, in: name)
                try mapKey(key, keyKind, &w, field: field, in: name)
                w.varint(UInt64(w.out.count - end))
                w.bytes(f.reversedTag)
            }
            return
        }
        if field.repeated {
            guard case .array(let items)? = value else {
                if let value, value != .null { throw mismatch(field, name) }
                return
            }
            for item in items.reversed() {
                try single(item, field.kind, child: f.child, present: true, &w, depth: depth, field: field, in: name)
                w.bytes(f.reversedTag)
            }
            return
        }
        let present = value != nil && value != .null
        if field.pointer && !present { return }
        if case .bytes = field.kind, !present { return }
        // A non-pointer field is always written: its JSON value, or the Go zero value.
        let written = try single(
            value ?? .null, field.kind, child: f.child, present: present, &w, depth: depth, field: field, in: name)
        if written { w.bytes(f.reversedTag) }
    }

    /// Writes one value (without its tag); false when nothing is to be written.
    @discardableResult
    private func single(
        _ value: JSONValue, _ kind: BuiltInTypes.Kind, child: Int?, present: Bool, _ w: inout ReverseWriter,
        depth: Int, field: BuiltInTypes.Field, in name: String
    ) throws(EncodeError) -> Bool {
        switch kind {
        case .string:
            switch value {
            case .string(let s):
                w.string(s)
                w.varint(UInt64(s.utf8.count))
            case .null: w.varint(0)
            default: throw mismatch(field, name)
            }
        case .bool:
            switch value {
            case .bool(let b): w.byte(b ? 1 : 0)
            case .null: w.byte(0)
            default: throw mismatch(field, name)
            }
        case .int32, .int64:
            switch value {
            case .number(let n):
                guard let v = Self.integer(n) else { throw mismatch(field, name) }
                // Negative int32s are sign-extended to ten bytes, as Go's uint64(int32) is.
                w.varint(UInt64(bitPattern: kind == .int32 ? Int64(Int32(truncatingIfNeeded: v)) : v))
            case .null: w.varint(0)
            default: throw mismatch(field, name)
            }
        case .double:
            let d: Double
            switch value {
            case .number(let n):
                guard let v = n.doubleValue else { throw mismatch(field, name) }
                d = v
            case .null: d = 0
            default: throw mismatch(field, name)
            }
            var bits = d.bitPattern
            var le: [UInt8] = []
            for _ in 0..<8 {
                le.append(UInt8(truncatingIfNeeded: bits))
                bits >>= 8
            }
            w.bytes(le.reversed())
        case .bytes:
            switch value {
            case .string(let s):
                guard let data = GoBase64.decode(s) else { throw mismatch(field, name) }
                w.bytes(data.reversed())
                w.varint(UInt64(data.count))
            case .null: w.varint(0)
            default: throw mismatch(field, name)
            }
        case .message:
            guard let child else { throw EncodeError(description: "no type description for \(field.jsonName)") }
            let end = w.out.count
            switch value {
            case .object(let o): try message(o, child, &w, depth: depth + 1)
            case .null: try message(JSONObject(), child, &w, depth: depth + 1)
            default: throw mismatch(field, name)
            }
            w.varint(UInt64(w.out.count - end))
        case .time, .microTime:
            switch value {
            case .string(let s):
                guard let (seconds, nanos) = GoTime.parseRFC3339(s) else { throw mismatch(field, name) }
                let end = w.out.count
                // metav1.Time drops the fraction; MicroTime keeps microseconds.
                w.varint(UInt64(bitPattern: Int64(kind == .microTime ? nanos / 1000 * 1000 : 0)))
                w.byte(0x10)
                w.varint(UInt64(bitPattern: seconds))
                w.byte(0x08)
                w.varint(UInt64(w.out.count - end))
            case .null: w.varint(0)
            default: throw mismatch(field, name)
            }
        case .duration:
            var nanos: Int64 = 0
            switch value {
            case .string(let s):
                guard let d = GoDuration.parse(s) else { throw mismatch(field, name) }
                nanos = d
            case .null: break
            default: throw mismatch(field, name)
            }
            let end = w.out.count
            w.varint(UInt64(bitPattern: nanos))
            w.byte(0x08)
            w.varint(UInt64(w.out.count - end))
        case .quantity:
            let text: String
            do {
                text = try Quantity(json: value)?.description ?? "0"
            } catch {
                throw mismatch(field, name)
            }
            let end = w.out.count
            w.string(text)
            w.varint(UInt64(text.utf8.count))
            w.byte(0x0a)
            w.varint(UInt64(w.out.count - end))
        case .intOrString:
            var type: Int64 = 0
            var int: Int64 = 0
            var str = ""
            switch value {
            case .number(let n):
                guard let v = Self.integer(n) else { throw mismatch(field, name) }
                int = Int64(Int32(truncatingIfNeeded: v))
            case .string(let s):
                type = 1
                str = s
            case .null: break
            default: throw mismatch(field, name)
            }
            let end = w.out.count
            w.string(str)
            w.varint(UInt64(str.utf8.count))
            w.byte(0x1a)
            w.varint(UInt64(bitPattern: int))
            w.byte(0x10)
            w.varint(UInt64(bitPattern: type))
            w.byte(0x08)
            w.varint(UInt64(w.out.count - end))
        case .rawExtension, .fieldsV1:
            let end = w.out.count
            if value != .null {
                let raw = value.serialized()
                w.bytes(raw.reversed())
                w.varint(UInt64(raw.count))
                w.byte(0x0a)
            }
            w.varint(UInt64(w.out.count - end))
        case .wrappedStrings:
            let end = w.out.count
            switch value {
            case .array(let items):
                for item in items.reversed() {
                    guard case .string(let s) = item else { throw mismatch(field, name) }
                    w.string(s)
                    w.varint(UInt64(s.utf8.count))
                    w.byte(0x0a)
                }
            case .null: break
            default: throw mismatch(field, name)
            }
            w.varint(UInt64(w.out.count - end))
        case .map:
            throw EncodeError(description: "nested map in \(name)")
        }
        return true
    }

    private func mapValue(
        _ value: JSONValue, _ kind: BuiltInTypes.Kind, child: Int?, _ w: inout ReverseWriter, depth: Int,
        field: BuiltInTypes.Field, in name: String
    ) throws(EncodeError) {
        // gogo writes a nil []byte map value as no field at all.
        if case .bytes = kind, value == .null { return }
        try single(value, kind, child: child, present: true, &w, depth: depth, field: field, in: name)
        w.byte(Self.varintBytes(2 << 3 | Self.wireType(kind))[0])
    }

    private func mapKey(
        _ key: String, _ kind: BuiltInTypes.Kind, _ w: inout ReverseWriter, field: BuiltInTypes.Field, in name: String
    )
        throws(EncodeError)
    {
        switch kind {
        case .string:
            w.string(key)
            w.varint(UInt64(key.utf8.count))
            w.byte(0x0a)
        case .int32, .int64:
            guard let v = Int64(key) else { throw mismatch(field, name) }
            w.varint(UInt64(bitPattern: v))
            w.byte(0x08)
        default:
            throw EncodeError(description: "unsupported map key in \(name)")
        }
    }

    private func mismatch(_ field: BuiltInTypes.Field, _ name: String) -> EncodeError {
        EncodeError(description: "\(name).\(field.jsonName): the JSON value does not fit the Go type")
    }

    // MARK: - Wire helpers

    static func wireType(_ kind: BuiltInTypes.Kind) -> UInt64 {
        switch kind {
        case .bool, .int32, .int64: 0
        case .double: 1
        default: 2
        }
    }

    static func varintBytes(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    /// A JSON number as Go's encoding/json reads it into an integer field (`1.0` is refused there
    /// too, but a float without fraction is accepted here rather than failing the response).
    static func integer(_ n: JSONNumber) -> Int64? {
        if let v = Int64(n.text) { return v }
        guard let d = Double(n.text), d == d.rounded(), abs(d) < 9.2e18 else { return nil }
        return Int64(d)
    }
}

/// Appends bytes back to front: the final buffer is reversed once.
struct ReverseWriter {
    var out: [UInt8] = []

    mutating func byte(_ b: UInt8) { out.append(b) }

    /// `bytes` already in reverse order.
    mutating func bytes(_ b: some Sequence<UInt8>) { out.append(contentsOf: b) }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { buffer in
            var i = buffer.count
            while i > 0 {
                i -= 1
                out.append(buffer[i])
            }
        }
    }

    /// A varint, reversed (its last byte first).
    mutating func varint(_ value: UInt64) {
        if value < 0x80 {
            out.append(UInt8(value))
            return
        }
        var v = value
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { t in
            while v >= 0x80 {
                t[n] = UInt8(truncatingIfNeeded: v) | 0x80
                v >>= 7
                n += 1
            }
            t[n] = UInt8(v)
            n += 1
            var i = n
            while i > 0 {
                i -= 1
                out.append(t[i])
            }
        }
    }
}

/// Go's `time.Parse(time.RFC3339, …)` for the timestamps JSON carries.
enum GoTime {
    /// Seconds since the epoch and nanoseconds of `2006-01-02T15:04:05[.fraction](Z|±hh:mm)`.
    static func parseRFC3339(_ text: String) -> (Int64, Int32)? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int64? {
            guard at + n <= b.count else { return nil }
            var v: Int64 = 0
            for i in at..<(at + n) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45,
            let day = digits(8, 2), b[10] == 84 || b[10] == 116, let hour = digits(11, 2), b[13] == 58,
            let minute = digits(14, 2), b[16] == 58, let second = digits(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale: Int64 = 100_000_000
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                nanos += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset: Int64 = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = digits(i + 4, 2) else {
                return nil
            }
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = RFC3339.days(year: year, month: month, day: day)
        return (days * 86400 + hour * 3600 + minute * 60 + second - offset, Int32(nanos))
    }
}

extension GoDuration {
    /// Go's `time.ParseDuration` ("1h2m3.5s", "150ms", "-1.5h"); nil when malformed or out of range.
    public static func parse(_ text: String) -> Int64? {
        var s = Substring(text)
        var negative = false
        if let f = s.first, f == "-" || f == "+" {
            negative = f == "-"
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        guard !s.isEmpty else { return nil }
        var total: Double = 0
        let units: [(String, Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12),
        ]
        while !s.isEmpty {
            let numberEnd = s.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? s.endIndex
            guard numberEnd > s.startIndex, let number = Double(s[s.startIndex..<numberEnd]) else { return nil }
            s = s[numberEnd...]
            guard let (unit, scale) = units.first(where: { s.hasPrefix($0.0) }) else { return nil }
            s = s.dropFirst(unit.count)
            total += number * scale
        }
        guard total < 9.2e18 else { return nil }
        let value = Int64(total.rounded())
        return negative ? -value : value
    }
}
