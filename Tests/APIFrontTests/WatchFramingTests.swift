import Foundation
import KubeModel
import KubeProtobuf
import NIOCore
import Projections
import Testing

@testable import APIFront

/// The bytes of a watch: one encoding per event and framing, shared by every watcher of a
/// live change, and exactly the bytes a watcher encoding the event alone would send.
@Suite("Watch framing")
struct WatchFramingTests {
    let pod =
        #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"n","resourceVersion":"5","creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"containers":[{"name":"c"}],"nodeName":"edge-1"},"status":{"phase":"Running"}}"#

    func bytes(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    /// `framing.line(event)`, required to exist.
    func line(_ framing: inout WatchFraming, _ event: WatchEvent) throws -> ByteBuffer {
        let line = framing.line(event)
        return try #require(line)
    }

    @Test("a JSON event is one line: {\"type\":…,\"object\":<the stored bytes>}")
    func jsonLine() throws {
        var framing = WatchFraming(table: nil, metadata: nil)
        let modified = try line(&framing, WatchEvent(type: .modified, rv: 5, object: Array(pod.utf8)))
        #expect(bytes(modified) == #"{"type":"MODIFIED","object":"# + pod + "}\n")
        let mark = #"{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"9"}}"#
        let bookmark = try line(&framing, WatchEvent(type: .bookmark, rv: 9, object: Array(mark.utf8)))
        #expect(bytes(bookmark) == #"{"type":"BOOKMARK","object":"# + mark + "}\n")
    }

    @Test("watchers of one shared event get the same bytes as encoding it alone, encoded once per framing")
    func sharedJSON() throws {
        let event = WatchEvent(type: .added, rv: 5, object: Array(pod.utf8), frames: SharedFrames())
        var a = WatchFraming(table: nil, metadata: nil)
        var b = WatchFraming(table: nil, metadata: nil)
        let la = try line(&a, event)
        let lb = try line(&b, event)
        #expect(la == lb)
        #expect(la == WatchFraming(table: nil, metadata: nil).encoded(event))
        #expect(event.frames?.count == 1)
        // Same storage: the second watcher wrote no copy of its own.
        let pa = la.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let pb = lb.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(pa == pb)

        var meta = WatchFraming(table: nil, metadata: MetadataRequest(kind: "PartialObjectMetadata", version: "v1"))
        let lm = try line(&meta, event)
        #expect(lm != la)
        #expect(
            lm
                == WatchFraming(table: nil, metadata: MetadataRequest(kind: "PartialObjectMetadata", version: "v1"))
                .encoded(event))
        #expect(bytes(lm).hasPrefix(#"{"type":"ADDED","object":{"#))
        #expect(bytes(lm).contains(#""kind":"PartialObjectMetadata""#))
        #expect(event.frames?.count == 2)
    }

    @Test("Table watchers share rows, yet each one's first event still carries the column definitions")
    func sharedTable() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "pods"))
        let table = TableWatchFraming(info: info, version: "v1", includeObject: "Metadata")
        var seasoned = WatchFraming(table: table, metadata: nil)
        _ = try line(&seasoned, WatchEvent(type: .added, rv: 4, object: Array(pod.utf8)))  // uses up its headers
        var fresh = WatchFraming(table: table, metadata: nil)
        var json = WatchFraming(table: nil, metadata: nil)

        let event = WatchEvent(type: .modified, rv: 5, object: Array(pod.utf8), frames: SharedFrames())
        let rows = try JSONValue(parsing: Array(try line(&seasoned, event).readableBytesView.dropLast()))
        let first = try JSONValue(parsing: Array(try line(&fresh, event).readableBytesView.dropLast()))
        let plain = try JSONValue(parsing: Array(try line(&json, event).readableBytesView.dropLast()))
        #expect(rows["type"] == "MODIFIED" && first["type"] == "MODIFIED")
        #expect(rows[path: ["object", "columnDefinitions"]] == .null)
        #expect(first[path: ["object", "columnDefinitions"]]?.arrayValue?.isEmpty == false)
        #expect(rows[path: ["object", "rows"]] == first[path: ["object", "rows"]])
        #expect(plain[path: ["object", "kind"]] == "Pod")
        #expect(event.frames?.count == 3)

        // The fresh watcher's headers are used up now: its next shared event is the rows-only one.
        let next = WatchEvent(type: .modified, rv: 6, object: Array(pod.utf8), frames: SharedFrames())
        let freshNext = try line(&fresh, next)
        let seasonedNext = seasoned.line(next)
        #expect(freshNext == seasonedNext)
        #expect(next.frames?.count == 1)
    }

    @Test("events without frames (initial state, catch-up, bookmarks) are encoded per watcher, the same way")
    func unshared() throws {
        let event = WatchEvent(type: .deleted, rv: 7, object: Array(pod.utf8))
        var a = WatchFraming(table: nil, metadata: nil)
        let deleted = try line(&a, event)
        #expect(bytes(deleted) == #"{"type":"DELETED","object":"# + pod + "}\n")
        #expect(event.frames == nil)
    }

    @Test(
        "protobuf watchers share one frame per event: a 4-byte length and a bare WatchEvent around the enveloped object"
    )
    func sharedProtobuf() throws {
        let event = WatchEvent(type: .added, rv: 5, object: Array(pod.utf8), frames: SharedFrames())
        var a = WatchFraming(table: nil, metadata: nil, protobuf: true)
        var b = WatchFraming(table: nil, metadata: nil, protobuf: true)
        var json = WatchFraming(table: nil, metadata: nil)
        let fa = try line(&a, event)
        let fb = try line(&b, event)
        let expected = try ProtobufWatchFrame.encode(type: "ADDED", object: Array(pod.utf8))
        #expect(Array(fa.readableBytesView) == expected)
        #expect(fa == fb)
        _ = try line(&json, event)
        #expect(event.frames?.count == 2)
        let length = fa.readableBytesView.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        #expect(length == fa.readableBytes - 4)
    }

    @Test("an event outside the protobuf type table has no frame (the watch ends rather than skip it)")
    func protobufUnencodable() {
        let widget = #"{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w","resourceVersion":"3"}}"#
        var framing = WatchFraming(table: nil, metadata: nil, protobuf: true)
        let frame = framing.line(WatchEvent(type: .added, rv: 3, object: Array(widget.utf8)))
        #expect(frame == nil)
    }
}
