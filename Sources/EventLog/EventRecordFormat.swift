// The stored form of an event and the zero-copy view over it.
//
// Record layout, version 1 (integers little-endian; the RV is the log key, not stored):
//   0      version (1)
//   1      type (EventType raw value)
//   2      state (EventState raw value)
//   3      origin kind (0 local, 1 upstream, 2 reconciler, 3 system)
//   4..<8  resource id (UInt32)
//   8..<16 commit time, µs since epoch (UInt64)
//   16..<24 previous RV of the same object (UInt64)
//   24..<28 upstream scope id (UInt32; 0 unless origin is upstream)
//   then five length-prefixed (UInt32) UTF-8 strings: namespace, name, uid,
//   local client (empty unless origin is local), upstream RV
//   then the object's JSON bytes up to the end — last, so `object` is a plain slice.

/// The stored byte layout of an event record (encoding; `EventView` decodes).
enum EventRecordFormat {
    static let currentVersion: UInt8 = 1
    static let headerSize = 28

    /// Encodes `event` into `buffer` (cleared first; its capacity is reused).
    static func encode(_ event: NewEvent, time: UInt64, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        let client: String
        let kind: UInt8
        var scope: UInt32 = 0
        switch event.origin {
        case .local(let c):
            kind = 0
            client = c
        case .upstream(let s):
            kind = 1
            scope = s
            client = ""
        case .reconciler:
            kind = 2
            client = ""
        case .system:
            kind = 3
            client = ""
        }
        let strings = [event.namespace, event.name, event.uid, client, event.upstreamRV]
        var size = headerSize + event.object.count
        for s in strings { size += 4 + s.utf8.count }
        buffer.reserveCapacity(size)
        buffer.append(currentVersion)
        buffer.append(event.type.rawValue)
        buffer.append(event.state.rawValue)
        buffer.append(kind)
        append(event.resource, to: &buffer)
        append(time, to: &buffer)
        append(event.previousRV, to: &buffer)
        append(scope, to: &buffer)
        for s in strings {
            append(UInt32(truncatingIfNeeded: s.utf8.count), to: &buffer)
            buffer.append(contentsOf: s.utf8)
        }
        buffer.append(contentsOf: event.object)
    }

    @inline(__always)
    private static func append<I: FixedWidthInteger>(_ value: I, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }
}

/// A zero-copy view of a stored event; its memory belongs to the LMDB
/// transaction that produced it and is valid only until that transaction ends
/// (never store it; call `copy()`). Field accessors decode lazily.
public struct EventView {
    /// The event's resource version (its log key).
    public let rv: ResourceVersion
    private let bytes: UnsafeRawBufferPointer
    /// Offsets of the five strings' length prefixes and of the object bytes (validated at init).
    private let nameOffset: Int
    private let uidOffset: Int
    private let clientOffset: Int
    private let upstreamRVOffset: Int
    private let objectOffset: Int

    /// Validates the record so the accessors below cannot read out of bounds.
    init(rv: ResourceVersion, bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= EventRecordFormat.headerSize, bytes[0] == EventRecordFormat.currentVersion,
            EventType(rawValue: bytes[1]) != nil, bytes[3] <= 3
        else { throw EventLogError.corruptRecord(rv) }
        var offset = EventRecordFormat.headerSize
        // Returns the offset of the string starting at `offset` and advances past it.
        func skipString() throws -> Int {
            guard offset + 4 <= bytes.count else { throw EventLogError.corruptRecord(rv) }
            let start = offset
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4 + length
            guard offset <= bytes.count else { throw EventLogError.corruptRecord(rv) }
            return start
        }
        _ = try skipString()
        nameOffset = try skipString()
        uidOffset = try skipString()
        clientOffset = try skipString()
        upstreamRVOffset = try skipString()
        self.rv = rv
        self.bytes = bytes
        objectOffset = offset
    }

    @inline(__always)
    private func load<I: FixedWidthInteger>(_ offset: Int, as: I.Type) -> I {
        I(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: I.self))
    }

    private func string(at offset: Int) -> String {
        let length = Int(load(offset, as: UInt32.self))
        return String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 4 + length)]), as: UTF8.self)
    }

    /// Commit time, µs since the Unix epoch.
    public var time: UInt64 { load(8, as: UInt64.self) }
    /// What the event did.
    public var type: EventType { EventType(rawValue: bytes[1]) ?? .modified }
    /// The interned resource.
    public var resource: ResourceID { load(4, as: UInt32.self) }
    /// The object's namespace ("" for cluster-scoped).
    public var namespace: String { string(at: EventRecordFormat.headerSize) }
    /// The object's name.
    public var name: String { string(at: nameOffset) }
    /// The object's uid.
    public var uid: String { string(at: uidOffset) }
    /// Who caused the event.
    public var origin: EventOrigin {
        switch bytes[3] {
        case 0: return .local(client: string(at: clientOffset))
        case 1: return .upstream(scope: load(24, as: UInt32.self))
        case 2: return .reconciler
        default: return .system
        }
    }
    /// The cloud's resourceVersion of this object version ("" when none).
    public var upstreamRV: String { string(at: upstreamRVOffset) }
    /// Lifecycle state.
    public var state: EventState { EventState(rawValue: bytes[2]) }
    /// RV of the previous event of the same object (0 when none).
    public var previousRV: ResourceVersion { load(16, as: UInt64.self) }
    /// The object's JSON bytes, without copying.
    public var object: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[objectOffset...]) }
    /// The whole encoded record (for tools that copy events verbatim).
    public var record: UnsafeRawBufferPointer { bytes }

    /// An owned copy (copies the object bytes once).
    public func copy() -> LogEvent {
        LogEvent(
            rv: rv, time: time, type: type, resource: resource, namespace: namespace, name: name, uid: uid,
            origin: origin, upstreamRV: upstreamRV, state: state, previousRV: previousRV, object: Array(object))
    }
}
