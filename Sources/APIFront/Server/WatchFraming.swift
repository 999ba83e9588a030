import Endpoint
import KubeProtobuf
import NIOCore

/// How one watch's events become bytes: a `{"type":..,"object":..}\n` line per event, the
/// object as it is, as a Table (`kubectl get -w`) or as a PartialObjectMetadata — or, with
/// `protobuf`, a length-prefixed protobuf frame (``KubeProtobuf/ProtobufWatchFrame``).
///
/// A live change reaches every watcher of its resource as the same event, carrying
/// ``SharedFrames``: the first watcher to send it encodes it under this framing's ``key``
/// and every other watcher with the same key writes the very same `ByteBuffer` (NIO shares
/// its storage, so 1,000 watchers cost one encoding and no copies). Another encoding (a
/// protobuf frame, say) plugs in by choosing a key of its own that names everything its
/// bytes depend on besides the event.
struct WatchFraming: Sendable {
    var table: TableWatchFraming?
    let metadata: MetadataRequest?
    var protobuf = false

    /// The shared-frames key for this watcher's next event: everything its bytes depend on
    /// besides the event (a Table's first event carries the column definitions, later ones don't).
    var key: String {
        var key = protobuf ? "protobuf" : "json"
        if let table {
            key += "|table|\(table.version)|\(table.includeObject)|\(table.headersSent ? "rows" : "headers")"
        }
        if let metadata { key += "|meta|\(metadata.version)" }
        return key
    }

    /// The bytes of `event` on this watch (shared with the event's other watchers when it
    /// carries frames); nil when the event has no protobuf encoding (a kind outside the
    /// type table), which ends a protobuf watch.
    mutating func line(_ event: APIWatchEvent) -> ByteBuffer? {
        let framing = self
        let line = event.frames?.frame(key) { framing.encoded(event) } ?? framing.encoded(event)
        // Any event (ERROR included) uses up a Table's column definitions.
        table?.headersSent = true
        return line
    }

    /// Encodes `event` afresh.
    func encoded(_ event: APIWatchEvent) -> ByteBuffer? {
        var event = event
        if var table { event = table.frame(event) }
        if let metadata { event = metadata.frame(event) }
        guard protobuf else { return Self.watchLine(event) }
        guard let frame = try? ProtobufWatchFrame.encode(type: event.type.rawValue, object: event.object) else {
            return nil
        }
        return ByteBuffer(bytes: frame)
    }

    /// `{"type":"…","object":…}\n`.
    static func watchLine(_ event: APIWatchEvent) -> ByteBuffer {
        let type = event.type.rawValue
        var buffer = ByteBufferAllocator().buffer(capacity: event.object.count + type.utf8.count + 24)
        buffer.writeString("{\"type\":\"")
        buffer.writeString(type)
        buffer.writeString("\",\"object\":")
        buffer.writeBytes(event.object)
        buffer.writeString("}\n")
        return buffer
    }
}
