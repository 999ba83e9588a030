import KubeModel

/// Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`,
/// which kubectl 1.32+ sends for its typed `create` subcommands and kubelet, kube-proxy
/// and controllers send by default) into the JSON the client would have sent.
///
/// Every built-in kind of the catalog is understood, through the Go struct shapes
/// in ``BuiltInTypes`` and encoding/json's rules: non-pointer scalars tagged
/// `omitempty` are left out when zero, pointers are kept whenever set, empty
/// slices and maps are left out, embedded structs are inlined, non-pointer structs
/// are always written (`"status":{}`). One deliberate difference: a zero
/// metav1.Time (which encoding/json prints as `null`, as in
/// `"creationTimestamp":null`) is left out; the apiserver treats both alike.
///
/// Anything not understood — an unknown kind, an unknown field number, a wrong wire
/// type — is refused rather than silently dropped.
enum ProtobufBody {
    /// The deepest nesting of messages accepted (real objects stay below 20).
    static let maxDepth = 64

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding, contentType} → the object as JSON bytes.
    static func decode(_ bytes: [UInt8], types: BuiltInTypes.Table = BuiltInTypes.table) throws(DecodeError) -> [UInt8]
    {
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
        guard let message = types.root(apiVersion: apiVersion, kind: kind) else {
            throw DecodeError(
                description:
                    "protobuf bodies are decoded for the built-in kinds, not apiVersion \(apiVersion) kind \(kind)")
        }
        var decoder = MessageDecoder(types: types)
        var object = JSONObject()
        object.appendUnchecked("kind", .string(kind))
        object.appendUnchecked("apiVersion", .string(apiVersion))
        for (k, v) in try decoder.decode(raw, message, depth: 0) { object[k] = v }
        return JSONValue.object(object).serialized()
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
