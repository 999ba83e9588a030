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
public enum ProtobufBody {
    /// The deepest nesting of messages accepted (real objects stay below 20).
    public static let maxDepth = 64

    /// Why bytes are not a protobuf object the table describes.
    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// How decoded JSON treats the zero values encoding/json would print.
    public enum Flavor: Sendable {
        /// Zero times, nil slices and nil maps are left out (`"creationTimestamp":null`
        /// is dropped): the JSON a client would have sent, for request bodies.
        case requestBody
        /// Exactly the members encoding/json prints for the decoded Go struct, `null`s
        /// included, in declaration order: what kube-apiserver would have answered in
        /// JSON (the edge stores objects from the cloud this way).
        case goJSON
    }

    /// The `k8s\0` envelope's parts: runtime.Unknown's TypeMeta and raw message bytes.
    public struct Envelope {
        public var apiVersion: String
        public var kind: String
        public var raw: ArraySlice<UInt8>
    }

    /// Reads the `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding, contentType} envelope.
    public static func envelope(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> Envelope {
        let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]
        guard bytes.count >= 4, bytes.prefix(4).elementsEqual(magic) else {
            throw DecodeError(description: "missing the k8s protobuf envelope")
        }
        var result = Envelope(apiVersion: "", kind: "", raw: [])
        var reader = ProtoReader(bytes.dropFirst(4))
        while let (field, value) = try reader.next() {
            switch field {
            case 1:
                var tm = ProtoReader(try value.bytes())
                while let (f, v) = try tm.next() {
                    switch f {
                    case 1: result.apiVersion = try v.string()
                    case 2: result.kind = try v.string()
                    default: throw DecodeError(description: "unknown TypeMeta field \(f)")
                    }
                }
            case 2: result.raw = try value.bytes()
            case 3:
                guard try value.string().isEmpty else { throw DecodeError(description: "encoded protobuf bodies") }
            case 4: break
            default: throw DecodeError(description: "unknown envelope field \(field)")
            }
        }
        return result
    }

    /// `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding, contentType} → the object as JSON bytes.
    public static func decode(_ bytes: [UInt8], types: BuiltInTypes.Table = BuiltInTypes.table) throws(DecodeError)
        -> [UInt8]
    {
        try decodeObject(bytes[...], types: types, flavor: .requestBody).serialized()
    }

    /// An enveloped object as JSON, `kind` and `apiVersion` first (from the envelope).
    public static func decodeObject(
        _ bytes: ArraySlice<UInt8>, types: BuiltInTypes.Table = BuiltInTypes.table, flavor: Flavor
    ) throws(DecodeError) -> JSONValue {
        let envelope = try envelope(bytes)
        guard let message = types.root(apiVersion: envelope.apiVersion, kind: envelope.kind) else {
            throw DecodeError(
                description:
                    "protobuf bodies are decoded for the built-in kinds, not apiVersion \(envelope.apiVersion) kind \(envelope.kind)"
            )
        }
        var decoder = MessageDecoder(types: types, flavor: flavor)
        var object = JSONObject()
        object.appendUnchecked("kind", .string(envelope.kind))
        object.appendUnchecked("apiVersion", .string(envelope.apiVersion))
        for (k, v) in try decoder.decode(envelope.raw, message, depth: 0) { object[k] = v }
        return .object(object)
    }
}

/// One field value of the protobuf wire format.
public enum ProtoValue {
    case varint(UInt64)
    case fixed64(UInt64)
    case bytes(ArraySlice<UInt8>)
    case fixed32(UInt32)

    public func bytes() throws(ProtobufBody.DecodeError) -> ArraySlice<UInt8> {
        guard case .bytes(let b) = self else { throw .init(description: "expected a length-delimited field") }
        return b
    }

    public func string() throws(ProtobufBody.DecodeError) -> String {
        guard let s = String(validating: try bytes(), as: UTF8.self) else {
            throw .init(description: "invalid UTF-8 in a string field")
        }
        return s
    }

    public func varint() throws(ProtobufBody.DecodeError) -> UInt64 {
        guard case .varint(let v) = self else { throw .init(description: "expected a varint field") }
        return v
    }
}

/// Reads (field number, value) pairs; bounds-checked, never reads past the slice.
public struct ProtoReader {
    public var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    public mutating func next() throws(ProtobufBody.DecodeError) -> (Int, ProtoValue)? {
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
