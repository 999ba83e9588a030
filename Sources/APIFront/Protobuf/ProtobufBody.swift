import KubeModel

/// Decodes the Kubernetes protobuf request bodies that kubectl 1.32+ sends for its
/// typed `create` subcommands (`create configmap|secret|namespace|serviceaccount`)
/// into JSON, so those commands work without client configuration.
///
/// Only these kinds are understood; anything else — or any field this decoder does
/// not know — is refused (415) rather than silently dropped. Other protobuf clients
/// (kubelet, kube-proxy) must be configured for JSON.
enum ProtobufBody {
    /// The kinds whose protobuf encoding is decoded.
    static let supportedKinds = ["ConfigMap", "Secret", "Namespace", "ServiceAccount"]

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding, contentType} → the object as JSON bytes.
    static func decode(_ bytes: [UInt8]) throws(DecodeError) -> [UInt8] {
        guard bytes.count >= 4, bytes[0] == 0x6B, bytes[1] == 0x38, bytes[2] == 0x73, bytes[3] == 0x00 else {
            throw DecodeError(description: "missing the k8s protobuf envelope")
        }
        var apiVersion = ""
        var kind = ""
        var raw: ArraySlice<UInt8> = []
        var reader = ProtoReader(bytes[4...])
        while let (field, value) = try reader.next() {
            switch field {
            case 1:
                var tm = ProtoReader(try value.bytes())
                while let (f, v) = try tm.next() {
                    switch f {
                    case 1: apiVersion = try v.string()
                    case 2: kind = try v.string()
                    default: throw DecodeError(description: "unknown TypeMeta field \(f)")
                    }
                }
            case 2: raw = try value.bytes()
            case 3:
                guard try value.string().isEmpty else { throw DecodeError(description: "encoded protobuf bodies") }
            case 4: break
            default: throw DecodeError(description: "unknown envelope field \(field)")
            }
        }
        var object: [(String, JSONValue)] = [("kind", .string(kind)), ("apiVersion", .string(apiVersion))]
        switch (apiVersion, kind) {
        case ("v1", "ConfigMap"):
            object += try message(raw) { f, v, o throws(DecodeError) in
                switch f {
                case 1: o.set("metadata", try objectMeta(v.bytes()))
                case 2: o.addToMap("data", try mapEntry(v.bytes(), bytesValue: false))
                case 3: o.addToMap("binaryData", try mapEntry(v.bytes(), bytesValue: true))
                case 4: o.set("immutable", .bool(try v.varint() != 0))
                default: throw DecodeError(description: "unknown ConfigMap field \(f)")
                }
            }
        case ("v1", "Secret"):
            object += try message(raw) { f, v, o throws(DecodeError) in
                switch f {
                case 1: o.set("metadata", try objectMeta(v.bytes()))
                case 2: o.addToMap("data", try mapEntry(v.bytes(), bytesValue: true))
                case 3: o.setString("type", try v.string())
                case 4: o.addToMap("stringData", try mapEntry(v.bytes(), bytesValue: false))
                case 5: o.set("immutable", .bool(try v.varint() != 0))
                default: throw DecodeError(description: "unknown Secret field \(f)")
                }
            }
        case ("v1", "Namespace"):
            object += try message(raw) { f, v, o throws(DecodeError) in
                switch f {
                case 1: o.set("metadata", try objectMeta(v.bytes()))
                case 2:
                    let spec = try message(v.bytes()) { f, v, s throws(DecodeError) in
                        guard f == 1 else { throw DecodeError(description: "unknown NamespaceSpec field \(f)") }
                        s.append("finalizers", .string(try v.string()))
                    }
                    o.set("spec", obj(spec))
                case 3:
                    let status = try message(v.bytes()) { f, v, s throws(DecodeError) in
                        guard f == 1 else { throw DecodeError(description: "unsupported NamespaceStatus field \(f)") }
                        s.setString("phase", try v.string())
                    }
                    o.set("status", obj(status))
                default: throw DecodeError(description: "unknown Namespace field \(f)")
                }
            }
        case ("v1", "ServiceAccount"):
            object += try message(raw) { f, v, o throws(DecodeError) in
                switch f {
                case 1: o.set("metadata", try objectMeta(v.bytes()))
                case 2:
                    let ref = try message(v.bytes()) { f, v, r throws(DecodeError) in
                        let names = [
                            1: "kind", 2: "namespace", 3: "name", 4: "uid", 5: "apiVersion", 6: "resourceVersion",
                            7: "fieldPath",
                        ]
                        guard let n = names[f] else {
                            throw DecodeError(description: "unknown ObjectReference field \(f)")
                        }
                        r.setString(n, try v.string())
                    }
                    o.append("secrets", obj(ref))
                case 3:
                    let ref = try message(v.bytes()) { f, v, r throws(DecodeError) in
                        guard f == 1 else { throw DecodeError(description: "unknown LocalObjectReference field \(f)") }
                        r.setString("name", try v.string())
                    }
                    o.append("imagePullSecrets", obj(ref))
                case 4: o.set("automountServiceAccountToken", .bool(try v.varint() != 0))
                default: throw DecodeError(description: "unknown ServiceAccount field \(f)")
                }
            }
        default:
            throw DecodeError(
                description:
                    "protobuf bodies are decoded only for \(supportedKinds.joined(separator: ", ")), not \(apiVersion) \(kind)"
            )
        }
        return obj(object).serialized()
    }

    /// ObjectMeta (k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto).
    static func objectMeta(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> JSONValue {
        let members = try message(bytes) { f, v, m throws(DecodeError) in
            switch f {
            case 1: m.setString("name", try v.string())
            case 2: m.setString("generateName", try v.string())
            case 3: m.setString("namespace", try v.string())
            case 4: break  // selfLink: deprecated, never stored
            case 5: m.setString("uid", try v.string())
            case 6: m.setString("resourceVersion", try v.string())
            case 7:
                let g = Int64(bitPattern: try v.varint())
                if g != 0 { m.set("generation", .number(JSONNumber(g))) }
            case 8, 9:
                // Timestamps are set by the server; clients send the zero time.
                _ = try v.bytes()
            case 10: m.set("deletionGracePeriodSeconds", .number(JSONNumber(Int64(bitPattern: try v.varint()))))
            case 11: m.addToMap("labels", try mapEntry(v.bytes(), bytesValue: false))
            case 12: m.addToMap("annotations", try mapEntry(v.bytes(), bytesValue: false))
            case 13:
                let ref = try message(v.bytes()) { f, v, r throws(DecodeError) in
                    switch f {
                    case 1: r.setString("kind", try v.string())
                    case 3: r.setString("name", try v.string())
                    case 4: r.setString("uid", try v.string())
                    case 5: r.setString("apiVersion", try v.string())
                    case 6: r.set("controller", .bool(try v.varint() != 0))
                    case 7: r.set("blockOwnerDeletion", .bool(try v.varint() != 0))
                    default: throw DecodeError(description: "unknown OwnerReference field \(f)")
                    }
                }
                m.append("ownerReferences", obj(ref))
            case 14: m.append("finalizers", .string(try v.string()))
            default: throw DecodeError(description: "unsupported ObjectMeta field \(f)")
            }
        }
        return obj(members)
    }

    /// A map<string, string|bytes> entry {1: key, 2: value}.
    static func mapEntry(_ bytes: ArraySlice<UInt8>, bytesValue: Bool) throws(DecodeError) -> (String, JSONValue) {
        var key = ""
        var value: JSONValue = .string("")
        var r = ProtoReader(bytes)
        while let (f, v) = try r.next() {
            switch f {
            case 1: key = try v.string()
            case 2: value = .string(bytesValue ? base64(try v.bytes()) : try v.string())
            default: throw DecodeError(description: "unknown map entry field \(f)")
            }
        }
        return (key, value)
    }

    /// Reads every field of a message through `body`, collecting JSON members in order.
    static func message(
        _ bytes: ArraySlice<UInt8>, _ body: (Int, ProtoValue, inout Members) throws(DecodeError) -> Void
    ) throws(DecodeError) -> [(String, JSONValue)] {
        var members = Members()
        var r = ProtoReader(bytes)
        while let (f, v) = try r.next() { try body(f, v, &members) }
        return members.list
    }

    /// JSON members being built: scalars set once, arrays and maps grow in place.
    struct Members {
        var list: [(String, JSONValue)] = []

        mutating func set(_ key: String, _ value: JSONValue) {
            if let i = list.firstIndex(where: { $0.0 == key }) { list[i].1 = value } else { list.append((key, value)) }
        }

        /// gogo-protobuf writes every string field, empty ones too; JSON omits them.
        mutating func setString(_ key: String, _ value: String) {
            if !value.isEmpty { set(key, .string(value)) }
        }

        mutating func append(_ key: String, _ value: JSONValue) {
            if let i = list.firstIndex(where: { $0.0 == key }), case .array(var a) = list[i].1 {
                a.append(value)
                list[i].1 = .array(a)
            } else {
                list.append((key, .array([value])))
            }
        }

        mutating func addToMap(_ key: String, _ entry: (String, JSONValue)) {
            if let i = list.firstIndex(where: { $0.0 == key }), case .object(var o) = list[i].1 {
                o[entry.0] = entry.1
                list[i].1 = .object(o)
            } else {
                var o = JSONObject()
                o[entry.0] = entry.1
                list.append((key, .object(o)))
            }
        }
    }

    static func base64(_ bytes: ArraySlice<UInt8>) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b0 = bytes[i]
            let b1: UInt8 = i + 1 < bytes.endIndex ? bytes[i + 1] : 0
            let b2: UInt8 = i + 2 < bytes.endIndex ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.endIndex ? table[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.endIndex ? table[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One field value of the protobuf wire format.
enum ProtoValue {
    case varint(UInt64)
    case fixed64(UInt64)
    case bytes(ArraySlice<UInt8>)
    case fixed32(UInt32)

    func bytes() throws(ProtobufBody.DecodeError) -> ArraySlice<UInt8> {
        guard case .bytes(let b) = self else { throw .init(description: "expected a length-delimited field") }
        return b
    }

    func string() throws(ProtobufBody.DecodeError) -> String {
        guard let s = String(validating: try bytes(), as: UTF8.self) else {
            throw .init(description: "invalid UTF-8 in a string field")
        }
        return s
    }

    func varint() throws(ProtobufBody.DecodeError) -> UInt64 {
        guard case .varint(let v) = self else { throw .init(description: "expected a varint field") }
        return v
    }
}

/// Reads (field number, value) pairs; bounds-checked, never reads past the slice.
struct ProtoReader {
    var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    mutating func next() throws(ProtobufBody.DecodeError) -> (Int, ProtoValue)? {
        guard !bytes.isEmpty else { return nil }
        let key = try readVarint()
        let field = Int(truncatingIfNeeded: key >> 3)
        guard field > 0 else { throw .init(description: "field number 0") }
        switch key & 7 {
        case 0: return (field, .varint(try readVarint()))
        case 1: return (field, .fixed64(try readFixed(8)))
        case 2:
            let n = try readVarint()
            guard n <= UInt64(bytes.count) else { throw .init(description: "truncated field") }
            let v = bytes.prefix(Int(n))
            bytes = bytes.dropFirst(Int(n))
            return (field, .bytes(v))
        case 5: return (field, .fixed32(UInt32(truncatingIfNeeded: try readFixed(4))))
        default: throw .init(description: "unsupported wire type \(key & 7)")
        }
    }

    private mutating func readVarint() throws(ProtobufBody.DecodeError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let b = bytes.first {
            bytes = bytes.dropFirst()
            guard shift < 64 else { throw .init(description: "varint too long") }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
        throw .init(description: "truncated varint")
    }

    private mutating func readFixed(_ n: Int) throws(ProtobufBody.DecodeError) -> UInt64 {
        guard bytes.count >= n else { throw .init(description: "truncated fixed field") }
        var v: UInt64 = 0
        for (i, b) in bytes.prefix(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        bytes = bytes.dropFirst(n)
        return v
    }
}
