import KubeModel

/// The protobuf stream of a watch, as kube-apiserver writes it for
/// `Accept: application/vnd.kubernetes.protobuf` (`…;stream=watch` in the response's
/// Content-Type): each event is one frame, a 4-byte big-endian length followed by a bare
/// metav1.WatchEvent message (no envelope: the stream serializer is the raw one) —
/// `{1: type, 2: RawExtension{1: the object in its k8s\0 envelope}}`.
public enum ProtobufWatchFrame {
    /// Media type of a protobuf watch response.
    public static let contentType = "application/vnd.kubernetes.protobuf;stream=watch"

    /// One event's frame from its type (`ADDED`, …) and object JSON. A pure function
    /// of its inputs, so a fan-out can encode an event once and share the bytes.
    public static func encode(
        type: String, object: [UInt8], encoder: ProtobufEncoder = .builtIn
    ) throws(ProtobufEncoder.EncodeError) -> [UInt8] {
        let value: JSONValue
        do { value = try JSONValue(parsing: object) } catch {
            throw ProtobufEncoder.EncodeError(description: "watch event object is not JSON: \(error)")
        }
        return try encode(type: type, object: value, encoder: encoder)
    }

    /// One event's frame from its type and parsed object JSON.
    public static func encode(
        type: String, object: JSONValue, encoder: ProtobufEncoder = .builtIn
    ) throws(ProtobufEncoder.EncodeError) -> [UInt8] {
        frame(type: type, envelopedObject: try encoder.encode(object))
    }

    /// The frame of an event whose object is already enveloped protobuf.
    public static func frame(type: String, envelopedObject e: [UInt8]) -> [UInt8] {
        let rawExtension = 1 + varintSize(UInt64(e.count)) + e.count
        let typeBytes = Array(type.utf8)
        let message =
            1 + varintSize(UInt64(typeBytes.count)) + typeBytes.count + 1
            + varintSize(UInt64(rawExtension)) + rawExtension
        var out: [UInt8] = []
        out.reserveCapacity(4 + message)
        let n = UInt32(truncatingIfNeeded: message)
        out += [
            UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8),
            UInt8(truncatingIfNeeded: n),
        ]
        out.append(0x0a)
        appendVarint(UInt64(typeBytes.count), to: &out)
        out += typeBytes
        out.append(0x12)
        appendVarint(UInt64(rawExtension), to: &out)
        out.append(0x0a)
        appendVarint(UInt64(e.count), to: &out)
        out += e
        return out
    }

    /// Decodes one frame's payload (without its length) into the event type and the object
    /// as the JSON kube-apiserver would have sent (``ProtobufBody/Flavor/goJSON``).
    public static func decode(
        _ payload: ArraySlice<UInt8>, types: BuiltInTypes.Table = BuiltInTypes.table
    ) throws(ProtobufBody.DecodeError) -> (type: String, object: JSONValue) {
        var type = ""
        var raw: ArraySlice<UInt8> = []
        var reader = ProtoReader(payload)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: type = try value.string()
            case 2:
                var ext = ProtoReader(try value.bytes())
                while let (f, v) = try ext.next() {
                    guard f == 1 else { throw .init(description: "unknown RawExtension field \(f)") }
                    raw = try v.bytes()
                }
            default: throw .init(description: "unknown WatchEvent field \(field)")
            }
        }
        guard !type.isEmpty else { throw .init(description: "watch event without a type") }
        return (type, try ProtobufBody.decodeObject(raw, types: types, flavor: .goJSON))
    }

    static func varintSize(_ v: UInt64) -> Int {
        var n = 1
        var v = v
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// Splits a byte stream into length-delimited frames (4-byte big-endian length, then
/// the payload), as apimachinery's LengthDelimitedFrameReader reads them.
public struct LengthDelimitedFrames: Sendable {
    /// A frame longer than the limit.
    public struct FrameTooLong: Error, CustomStringConvertible {
        public var length: Int
        public var limit: Int
        public var description: String { "a watch frame of \(length) bytes exceeds the limit of \(limit)" }
    }

    private var buffer: [UInt8] = []
    private var start = 0
    /// The longest frame accepted.
    public let limit: Int

    public init(limit: Int = 64 << 20) { self.limit = limit }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame's payload, or nil until more bytes arrive.
    public mutating func next() throws(FrameTooLong) -> [UInt8]? {
        guard buffer.count - start >= 4 else { return nil }
        let n =
            Int(buffer[start]) << 24 | Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8
            | Int(buffer[start + 3])
        guard n <= limit else { throw FrameTooLong(length: n, limit: limit) }
        guard buffer.count - start - 4 >= n else { return nil }
        let frame = Array(buffer[(start + 4)..<(start + 4 + n)])
        start += 4 + n
        return frame
    }

    /// Bytes received that do not yet form a frame.
    public var pendingCount: Int { buffer.count - start }
}
