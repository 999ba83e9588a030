import Foundation
import KubeModel

/// Decodes one gogo-protobuf message of a built-in Go struct into the JSON members
/// encoding/json would write for it, in Go declaration order.
struct MessageDecoder {
    let types: BuiltInTypes.Table
    var flavor: ProtobufBody.Flavor = .requestBody

    /// One field's collected value while the wire is read.
    private enum Slot {
        case single(JSONValue)
        case list([JSONValue])
        case map(JSONObject)
    }

    mutating func decode(
        _ bytes: ArraySlice<UInt8>, _ message: BuiltInTypes.Message, depth: Int
    ) throws(ProtobufBody.DecodeError) -> [(String, JSONValue)] {
        guard depth < ProtobufBody.maxDepth else {
            throw .init(description: "\(message.name) nested deeper than \(ProtobufBody.maxDepth) messages")
        }
        var slots = [Slot?](repeating: nil, count: message.fields.count)
        var reader = ProtoReader(bytes)
        while let (number, value) = try reader.next() {
            guard let index = message.fieldIndex(number: number) else {
                throw .init(description: "unknown field \(number) of \(message.name)")
            }
            let field = message.fields[index]
            switch field.kind {
            case .map(let keyKind, let valueKind):
                var object: JSONObject
                if case .map(let o) = slots[index] { object = o } else { object = JSONObject() }
                let (k, v) = try mapEntry(value, keyKind, valueKind, in: message, depth: depth)
                object[k] = v
                slots[index] = .map(object)
            default:
                if field.repeated {
                    var list: [JSONValue]
                    if case .list(let l) = slots[index] { list = l } else { list = [] }
                    if case .bytes(let packed) = value, field.kind.isPackable {
                        // Packed repeated scalars: one length-delimited run of values.
                        var r = PackedReader(bytes: packed, kind: field.kind)
                        while let v = try r.next() { list.append(v) }
                    } else {
                        list.append(try single(value, field.kind, in: message, depth: depth))
                    }
                    slots[index] = .list(list)
                } else {
                    slots[index] = .single(try single(value, field.kind, in: message, depth: depth))
                }
            }
        }
        var members: [(String, JSONValue)] = []
        for (field, slot) in zip(message.fields, slots) {
            guard let slot else {
                // kube-apiserver answers an empty list with `"items":[]`, never null.
                if flavor == .goJSON, field.repeated, field.jsonName == "items", message.name.hasSuffix("List") {
                    members.append((field.jsonName, .array([])))
                    continue
                }
                if flavor == .goJSON, let zero = goJSONZero(field) {
                    members.append((field.jsonName, zero))
                    continue
                }
                // gogo-protobuf always writes non-pointer scalars; a leaner encoder may not:
                // encoding/json would still print them when not omitempty.
                if !field.omitEmpty, !field.pointer, !field.repeated, let zero = field.kind.zeroValue {
                    members.append((field.jsonName, zero))
                }
                continue
            }
            switch slot {
            case .map(let object):
                if !(field.omitEmpty && object.isEmpty) { members.append((field.jsonName, .object(object))) }
            case .list(let list):
                if !(field.omitEmpty && list.isEmpty) { members.append((field.jsonName, .array(list))) }
            case .single(let value):
                if field.inline {
                    if case .object(let inner) = value {
                        for (k, v) in inner { members.append((k, v)) }
                    }
                    continue
                }
                if flavor == .requestBody, case .time = field.kind, value == .null { continue }
                if flavor == .requestBody, case .microTime = field.kind, value == .null { continue }
                if field.omitEmpty, !field.pointer, field.kind.isScalar, value.isZeroScalar { continue }
                members.append((field.jsonName, value))
            }
        }
        return members
    }

    /// What encoding/json prints for a field the wire left out (nil for nothing): a nil
    /// slice or map is `null` unless omitempty; a struct is never omitted (a zero
    /// metav1.Time prints `null`, a zero Quantity `"0"`, a struct `{}`).
    private func goJSONZero(_ field: BuiltInTypes.Field) -> JSONValue? {
        if field.pointer || field.inline { return nil }
        if field.repeated { return field.omitEmpty ? nil : .null }
        switch field.kind {
        case .map: return field.omitEmpty ? nil : .null
        case .time, .microTime: return .null
        case .quantity: return .string("0")
        case .intOrString: return .number(JSONNumber(0))
        case .duration: return .string("0s")
        case .message: return .object(JSONObject())
        case .rawExtension, .fieldsV1: return .null
        default: return nil
        }
    }

    private mutating func single(
        _ value: ProtoValue, _ kind: BuiltInTypes.Kind, in message: BuiltInTypes.Message, depth: Int
    ) throws(ProtobufBody.DecodeError) -> JSONValue {
        switch kind {
        case .string: return .string(try value.string())
        case .bool: return .bool(try value.varint() != 0)
        case .int32: return .number(JSONNumber(Int(Int32(truncatingIfNeeded: try value.varint()))))
        case .int64: return .number(JSONNumber(Int64(bitPattern: try value.varint())))
        case .double:
            guard case .fixed64(let bits) = value else {
                throw .init(description: "expected a double in \(message.name)")
            }
            return .number(JSONNumber(Double(bitPattern: bits)))
        case .bytes: return .string(Data(try value.bytes()).base64EncodedString())
        case .message(let name):
            guard let inner = types.messages[name] else {
                throw .init(description: "no type description for \(name)")
            }
            return .object(JSONObject(try decode(value.bytes(), inner, depth: depth + 1)))
        case .time, .microTime:
            var seconds: Int64 = 0
            var nanos: Int32 = 0
            var r = ProtoReader(try value.bytes())
            while let (f, v) = try r.next() {
                switch f {
                case 1: seconds = Int64(bitPattern: try v.varint())
                case 2: nanos = Int32(truncatingIfNeeded: try v.varint())
                default: throw .init(description: "unknown Timestamp field \(f)")
                }
            }
            if seconds == 0 && nanos == 0 { return .null }
            guard let text = RFC3339.format(seconds: seconds, nanos: nanos, microseconds: kind == .microTime) else {
                throw .init(description: "timestamp out of range")
            }
            return .string(text)
        case .duration:
            var nanos: Int64 = 0
            var r = ProtoReader(try value.bytes())
            while let (f, v) = try r.next() {
                guard f == 1 else { throw .init(description: "unknown Duration field \(f)") }
                nanos = Int64(bitPattern: try v.varint())
            }
            return .string(GoDuration.string(nanoseconds: nanos))
        case .quantity:
            var text = ""
            var r = ProtoReader(try value.bytes())
            while let (f, v) = try r.next() {
                guard f == 1 else { throw .init(description: "unknown Quantity field \(f)") }
                text = try v.string()
            }
            return .string(text.isEmpty ? "0" : text)
        case .intOrString:
            var type: UInt64 = 0
            var int: Int32 = 0
            var str = ""
            var r = ProtoReader(try value.bytes())
            while let (f, v) = try r.next() {
                switch f {
                case 1: type = try v.varint()
                case 2: int = Int32(truncatingIfNeeded: try v.varint())
                case 3: str = try v.string()
                default: throw .init(description: "unknown IntOrString field \(f)")
                }
            }
            return type == 1 ? .string(str) : .number(JSONNumber(Int(int)))
        case .rawExtension, .fieldsV1:
            var raw: ArraySlice<UInt8> = []
            var r = ProtoReader(try value.bytes())
            while let (f, v) = try r.next() {
                guard f == 1 else { throw .init(description: "unknown raw JSON field \(f)") }
                raw = try v.bytes()
            }
            if raw.isEmpty { return .null }
            do {
                return try JSONValue(parsing: raw)
            } catch {
                throw .init(description: "embedded object in \(message.name) is not JSON: \(error)")
            }
        case .wrappedStrings:
            var items: [JSONValue] = []
            var r = ProtoReader(try value.bytes())
            while let (f, v) = try r.next() {
                guard f == 1 else { throw .init(description: "unknown string list field \(f)") }
                items.append(.string(try v.string()))
            }
            return .array(items)
        case .map:
            throw .init(description: "nested map in \(message.name)")
        }
    }

    private mutating func mapEntry(
        _ value: ProtoValue, _ keyKind: BuiltInTypes.Kind, _ valueKind: BuiltInTypes.Kind,
        in message: BuiltInTypes.Message, depth: Int
    ) throws(ProtobufBody.DecodeError) -> (String, JSONValue) {
        var key = ""
        var result: JSONValue?
        var r = ProtoReader(try value.bytes())
        while let (f, v) = try r.next() {
            switch f {
            case 1:
                switch try single(v, keyKind, in: message, depth: depth) {
                case .string(let s): key = s
                case .number(let n): key = n.text
                case .bool(let b): key = b ? "true" : "false"
                default: throw .init(description: "unsupported map key in \(message.name)")
                }
            case 2: result = try single(v, valueKind, in: message, depth: depth + 1)
            default: throw .init(description: "unknown map entry field \(f) in \(message.name)")
            }
        }
        // An absent value is the value type's zero (gogo omits empty messages in map entries).
        if result == nil, case .message = valueKind { result = .object(JSONObject()) }
        return (key, result ?? valueKind.zeroValue ?? .null)
    }
}

extension BuiltInTypes.Kind {
    /// Kinds encoding/json's `omitempty` can leave out (structs never are).
    var isScalar: Bool {
        switch self {
        case .string, .bool, .int32, .int64, .double, .bytes: true
        default: false
        }
    }

    /// Kinds whose repeated form may be packed into one length-delimited field.
    var isPackable: Bool {
        switch self {
        case .bool, .int32, .int64, .double: true
        default: false
        }
    }

    /// The JSON of the Go zero value, for kinds that have a plain one.
    var zeroValue: JSONValue? {
        switch self {
        case .string, .bytes: .string("")
        case .bool: .bool(false)
        case .int32, .int64, .double: .number(JSONNumber(0))
        case .quantity: .string("0")
        case .intOrString: .number(JSONNumber(0))
        default: nil
        }
    }
}

extension JSONValue {
    fileprivate var isZeroScalar: Bool {
        switch self {
        case .string(let s): s.isEmpty
        case .bool(let b): !b
        case .number(let n): n.text == "0"
        default: false
        }
    }
}

/// Reads packed repeated scalars.
private struct PackedReader {
    var bytes: ArraySlice<UInt8>
    let kind: BuiltInTypes.Kind

    mutating func next() throws(ProtobufBody.DecodeError) -> JSONValue? {
        guard !bytes.isEmpty else { return nil }
        if kind == .double {
            guard bytes.count >= 8 else { throw .init(description: "truncated packed double") }
            var bits: UInt64 = 0
            for (i, b) in bytes.prefix(8).enumerated() { bits |= UInt64(b) << (8 * UInt64(i)) }
            bytes = bytes.dropFirst(8)
            return .number(JSONNumber(Double(bitPattern: bits)))
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let b = bytes.first, shift < 64 else { throw .init(description: "bad packed varint") }
            bytes = bytes.dropFirst()
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        switch kind {
        case .bool: return .bool(value != 0)
        case .int32: return .number(JSONNumber(Int(Int32(truncatingIfNeeded: value))))
        default: return .number(JSONNumber(Int64(bitPattern: value)))
        }
    }
}

/// Go's `time.Duration.String()` ("1h2m3.5s", "150ms", "0s"), as metav1.Duration marshals.
public enum GoDuration {
    public static func string(nanoseconds d: Int64) -> String {
        if d == 0 { return "0s" }
        let negative = d < 0
        let u = d.magnitude
        var text: String
        if u < 1_000_000_000 {
            let (unit, divisor): (String, UInt64) =
                u < 1000 ? ("ns", 1) : u < 1_000_000 ? ("µs", 1000) : ("ms", 1_000_000)
            text = fraction(u, divisor) + unit
        } else {
            text = fraction(u % 60_000_000_000, 1_000_000_000) + "s"
            let minutes = u / 60_000_000_000
            if minutes > 0 {
                text = "\(minutes % 60)m" + text
                if minutes >= 60 { text = "\(minutes / 60)h" + text }
            }
        }
        return negative ? "-" + text : text
    }

    /// `value / divisor` with the fraction's trailing zeros trimmed.
    private static func fraction(_ value: UInt64, _ divisor: UInt64) -> String {
        let whole = String(value / divisor)
        guard divisor > 1, value % divisor != 0 else { return whole }
        var digits = String(value % divisor)
        let width = String(divisor).count - 1
        digits = String(repeating: "0", count: width - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return whole + "." + digits
    }
}
