import EventLog

/// LMDB's maximum key size. Object keys stay one byte below it so the index's
/// overflow keys (one marker byte longer) always fit.
let maxObjectKeyLength = 510

/// Keys of the projection tables.
///
/// Objects: `resourceID(4, BE) + namespace + 0x00 + name`; their byte order is
/// namespace/name order, the order lists are served in. Index entries:
/// `resourceID + fieldValue + 0x00 + namespace + 0x00 + name`, or, for values that
/// cannot be part of a key (too long or containing 0x00),
/// `resourceID + 0xFF + namespace + 0x00 + name` (0xFF never occurs in UTF-8).
enum StorageKeys {
    static let overflowMarker: UInt8 = 0xFF

    static func resourcePrefix(_ id: ResourceID) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: id >> 24), UInt8(truncatingIfNeeded: id >> 16),
            UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id),
        ]
    }

    static func objectKey(_ id: ResourceID, namespace: String, name: String) -> [UInt8] {
        var k = resourcePrefix(id)
        k.reserveCapacity(6 + namespace.utf8.count + name.utf8.count)
        k.append(contentsOf: namespace.utf8)
        k.append(0)
        k.append(contentsOf: name.utf8)
        return k
    }

    /// Prefix of all object keys of a resource in a namespace.
    static func namespacePrefix(_ id: ResourceID, namespace: String) -> [UInt8] {
        var k = resourcePrefix(id)
        k.append(contentsOf: namespace.utf8)
        k.append(0)
        return k
    }

    static func objectKeyLength(namespace: String, name: String) -> Int {
        5 + namespace.utf8.count + name.utf8.count
    }

    /// Splits an object key (or the `namespace 0 name` tail of any key) into namespace and name.
    static func splitNamespaceName(_ tail: some Collection<UInt8>) -> (namespace: String, name: String) {
        guard let zero = tail.firstIndex(of: 0) else { return ("", String(decoding: tail, as: UTF8.self)) }
        let ns = String(decoding: tail[tail.startIndex..<zero], as: UTF8.self)
        let name = String(decoding: tail[tail.index(after: zero)...], as: UTF8.self)
        return (ns, name)
    }

    static func indexable(_ value: String, namespace: String, name: String) -> Bool {
        !value.utf8.contains(0) && 6 + value.utf8.count + namespace.utf8.count + name.utf8.count <= 511
    }

    /// Prefix of the index entries for one field value (of one namespace when given).
    static func indexPrefix(_ id: ResourceID, value: String, namespace: String?) -> [UInt8] {
        var k = resourcePrefix(id)
        k.append(contentsOf: value.utf8)
        k.append(0)
        if let namespace {
            k.append(contentsOf: namespace.utf8)
            k.append(0)
        }
        return k
    }

    static func indexKey(_ id: ResourceID, value: String, namespace: String, name: String) -> [UInt8] {
        if indexable(value, namespace: namespace, name: name) {
            var k = indexPrefix(id, value: value, namespace: namespace)
            k.append(contentsOf: name.utf8)
            return k
        }
        var k = resourcePrefix(id)
        k.append(overflowMarker)
        k.append(contentsOf: namespace.utf8)
        k.append(0)
        k.append(contentsOf: name.utf8)
        return k
    }

    static func overflowPrefix(_ id: ResourceID) -> [UInt8] { resourcePrefix(id) + [overflowMarker] }

    static func readUInt32(_ b: UnsafeRawBufferPointer, at i: Int) -> UInt32 {
        var v: UInt32 = 0
        for j in 0..<4 { v = v << 8 | UInt32(b[i + j]) }
        return v
    }

    static func hasPrefix(_ key: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        guard key.count >= prefix.count else { return false }
        for i in 0..<prefix.count where key[i] != prefix[i] { return false }
        return true
    }
}

/// What the objects table keeps about an object besides the RV of its latest event:
/// enough to filter lists and watches without parsing the object JSON.
struct ObjectAttributes: Sendable, Hashable {
    /// The latest event is a DELETED (the row is a tombstone).
    var deleted: Bool
    var uid: String
    var labels: [String: String]
    /// Selectable field values except `metadata.name`/`metadata.namespace` (implied by the key).
    var fields: [String: String]

    static let empty = ObjectAttributes(deleted: false, uid: "", labels: [:], fields: [:])

    /// Encodes `rv` followed by the attributes: the objects table's value.
    func encodeRow(rv: ResourceVersion) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        ResourceVersionKey.append(rv, to: &out)
        out.append(deleted ? 1 : 0)
        Self.appendString(uid, to: &out)
        Self.appendMap(labels, to: &out)
        Self.appendMap(fields, to: &out)
        return out
    }

    static func rowRV(_ row: UnsafeRawBufferPointer) -> ResourceVersion? {
        row.count >= 9 ? ResourceVersionKey.read(row, at: 0) : nil
    }

    static func rowDeleted(_ row: UnsafeRawBufferPointer) -> Bool { row.count >= 9 && row[8] == 1 }

    static func decodeRow(_ row: UnsafeRawBufferPointer) -> (rv: ResourceVersion, attributes: ObjectAttributes)? {
        guard row.count >= 9 else { return nil }
        var reader = Reader(buffer: row, offset: 9)
        guard let uid = reader.string(), let labels = reader.map(), let fields = reader.map() else { return nil }
        return (
            ResourceVersionKey.read(row, at: 0),
            ObjectAttributes(deleted: row[8] == 1, uid: uid, labels: labels, fields: fields)
        )
    }

    private static func appendLength(_ n: Int, to out: inout [UInt8]) {
        var v = UInt(n)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private static func appendString(_ s: String, to out: inout [UInt8]) {
        appendLength(s.utf8.count, to: &out)
        out.append(contentsOf: s.utf8)
    }

    private static func appendMap(_ m: [String: String], to out: inout [UInt8]) {
        appendLength(m.count, to: &out)
        // Sorted so equal attributes encode to equal bytes (verify compares rows bytewise).
        for (k, v) in m.sorted(by: { $0.key < $1.key }) {
            appendString(k, to: &out)
            appendString(v, to: &out)
        }
    }

    private struct Reader {
        let buffer: UnsafeRawBufferPointer
        var offset: Int

        mutating func length() -> Int? {
            var v = 0
            var shift = 0
            while offset < buffer.count, shift < 35 {
                let b = buffer[offset]
                offset += 1
                v |= Int(b & 0x7F) << shift
                if b & 0x80 == 0 { return v }
                shift += 7
            }
            return nil
        }

        mutating func string() -> String? {
            guard let n = length(), n <= buffer.count - offset else { return nil }
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + n]), as: UTF8.self)
            offset += n
            return s
        }

        mutating func map() -> [String: String]? {
            guard let n = length(), n <= buffer.count else { return nil }
            var m: [String: String] = [:]
            m.reserveCapacity(n)
            for _ in 0..<n {
                guard let k = string(), let v = string() else { return nil }
                m[k] = v
            }
            return m
        }
    }
}
