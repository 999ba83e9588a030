// Read and write transactions over the log's tables.
import CLMDB
import Foundation

/// Read access shared by read and write transactions. All returned buffers are
/// valid only inside the transaction (in a write transaction: only until the next
/// write in it).
public protocol TransactionReader {
    /// The value stored under `key`, or nil.
    func get(_ table: Table, key: some Collection<UInt8>) throws -> UnsafeRawBufferPointer?
    /// Visits entries with key >= `from` (all if nil) in key order until `body` returns false.
    /// For DUPSORT tables every (key, value) pair is visited.
    func scan(
        _ table: Table, from: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws
    /// Visits entries with key < `before` (or from the last key if nil) in descending order.
    func scanBackward(
        _ table: Table, before: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws
    /// The stored event with this RV, or nil (compacted away or never written).
    /// Below the horizon only compaction survivors exist; this does not throw for them.
    func event(at rv: ResourceVersion) throws -> EventView?
    /// Events with RV > `rv` in order, until `body` returns false. Throws
    /// `EventLogError.belowHorizon` if `rv + 1 < horizon` (events were compacted away).
    func events(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws
    /// Every event the log still holds with RV > `rv`, in order: first the compaction
    /// survivors below the horizon (each live object's version as of the horizon), then
    /// the whole history from the horizon on. Unlike `events(after:)` it never throws
    /// `belowHorizon`; for tools that inspect what is stored (forensics, verify).
    func retainedEvents(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws
    /// A meta value another module stored with `WriteTransaction.setMeta`, or nil.
    func meta(_ key: String) throws -> [UInt8]?
    /// Visits the meta values stored with `setMeta` whose key starts with `prefix`, in key
    /// order, until `body` returns false (keys as given to `setMeta`).
    func metaEntries(withPrefix prefix: String, _ body: (String, UnsafeRawBufferPointer) throws -> Bool) throws
    /// Head as of this transaction.
    var head: ResourceVersion { get }
    /// Compaction horizon as of this transaction.
    var horizon: ResourceVersion { get }
    /// The id of an interned storage key, or nil.
    func resourceID(for storageKey: String) throws -> ResourceID?
    /// The storage key of an interned id, or nil.
    func storageKey(for id: ResourceID) throws -> String?
    /// The open table with this name (same as `EventLog.table(named:)`; handy inside a projector).
    func table(named name: String) -> Table?
}

/// The reading code both transaction kinds share.
struct TransactionCore {
    let txn: OpaquePointer
    let schema: Schema

    func get(_ dbi: MDB_dbi, key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        guard key.count > 0, key.count <= maxKeySize else { throw EventLogError.invalidKey(length: key.count) }
        var k = MDB_val(key)
        var v = MDB_val()
        let rc = mdb_get(txn, dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get")
        return v.buffer
    }

    func get(_ dbi: MDB_dbi, key: some Collection<UInt8>) throws -> UnsafeRawBufferPointer? {
        try withBytes(key) { try get(dbi, key: $0) }
    }

    func withCursor<R>(_ dbi: MDB_dbi, _ body: (OpaquePointer) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open")
        guard let cursor else { throw lmdbError(EINVAL, "mdb_cursor_open") }
        defer { mdb_cursor_close(cursor) }
        return try body(cursor)
    }

    func scan(
        _ dbi: MDB_dbi, from: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try withCursor(dbi) { cursor in
            var k = MDB_val()
            var v = MDB_val()
            var rc: Int32
            if let from {
                rc = from.withUnsafeBytes { bytes in
                    k = MDB_val(bytes)
                    return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
                }
            } else {
                rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
            }
            while rc == MDB_SUCCESS {
                guard try body(k.buffer, v.buffer) else { return }
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
            }
            if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get") }
        }
    }

    func scanBackward(
        _ dbi: MDB_dbi, before: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try withCursor(dbi) { cursor in
            var k = MDB_val()
            var v = MDB_val()
            var rc: Int32
            if let before {
                rc = before.withUnsafeBytes { bytes in
                    k = MDB_val(bytes)
                    return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
                }
                if rc == MDB_SUCCESS {
                    rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)
                } else if rc == MDB_NOTFOUND {
                    rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
                }
            } else {
                rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
            }
            while rc == MDB_SUCCESS {
                guard try body(k.buffer, v.buffer) else { return }
                rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)
            }
            if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get") }
        }
    }

    func metaUInt64(_ key: [UInt8]) throws -> UInt64? {
        try get(schema.meta, key: key).flatMap { ResourceVersionKey.decode($0) }
    }

    var head: ResourceVersion { (try? metaUInt64(MetaKey.head)) ?? 0 }
    var horizon: ResourceVersion { (try? metaUInt64(MetaKey.horizon)) ?? 0 }

    func event(at rv: ResourceVersion) throws -> EventView? {
        try ResourceVersionKey.withBytes(of: rv) { keyBytes in
            guard let value = try get(schema.log, key: keyBytes) else { return nil }
            return try EventView(rv: rv, bytes: value)
        }
    }

    func events(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws {
        let horizon = self.horizon
        if rv &+ 1 < horizon { throw EventLogError.belowHorizon(requested: rv, horizon: horizon) }
        try retainedEvents(after: rv, body)
    }

    func retainedEvents(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws {
        guard rv < UInt64.max else { return }
        try scan(schema.log, from: ResourceVersionKey.encode(rv + 1)) { key, value in
            guard let eventRV = ResourceVersionKey.decode(key) else { throw EventLogError.corruptRecord(0) }
            return try body(EventView(rv: eventRV, bytes: value))
        }
    }

    func meta(_ key: String) throws -> [UInt8]? {
        try get(schema.meta, key: MetaKey.external(key)).map { Array($0) }
    }

    func metaEntries(withPrefix prefix: String, _ body: (String, UnsafeRawBufferPointer) throws -> Bool) throws {
        let stored = MetaKey.external(prefix)
        let external = MetaKey.external("").count
        try scan(schema.meta, from: stored) { key, value in
            guard key.starts(with: stored) else { return false }
            return try body(String(decoding: key.dropFirst(external), as: UTF8.self), value)
        }
    }

    func resourceID(for storageKey: String) throws -> ResourceID? {
        guard let value = try get(schema.resourceByKey, key: Array(storageKey.utf8)), value.count == 4 else {
            return nil
        }
        return UInt32(bigEndian: value.loadUnaligned(as: UInt32.self))
    }

    func storageKey(for id: ResourceID) throws -> String? {
        guard let value = try get(schema.resourceByID, key: withUnsafeBytes(of: id.bigEndian) { Array($0) }) else {
            return nil
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// Bytes in live pages as this transaction sees them: the B-tree pages of every table,
    /// of the table of tables (MAIN_DBI) and of the free list (FREE_DBI), plus the two meta
    /// pages. O(number of tables): each `mdb_stat` reads one stored record.
    func liveBytes() throws -> Int {
        var pages = 2
        var stat = MDB_stat()
        for dbi in [MDB_dbi(0), MDB_dbi(1)] + schema.tables.values.map(\.dbi) {
            try check(mdb_stat(txn, dbi, &stat), "mdb_stat")
            pages += stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages
        }
        return pages * Int(stat.ms_psize)
    }

    func statistics(_ dbi: MDB_dbi) throws -> TableStatistics {
        var stat = MDB_stat()
        try check(mdb_stat(txn, dbi, &stat), "mdb_stat")
        return TableStatistics(
            entries: stat.ms_entries, depth: Int(stat.ms_depth),
            pages: stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages)
    }
}

/// A read transaction (MDB_RDONLY, MDB_NOTLS). Never await while holding one.
public final class ReadTransaction: TransactionReader {
    let core: TransactionCore

    init(core: TransactionCore) { self.core = core }

    public func get(_ table: Table, key: some Collection<UInt8>) throws -> UnsafeRawBufferPointer? {
        try core.get(table.dbi, key: key)
    }
    public func scan(
        _ table: Table, from: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try core.scan(table.dbi, from: from, body)
    }
    public func scanBackward(
        _ table: Table, before: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try core.scanBackward(table.dbi, before: before, body)
    }
    public func event(at rv: ResourceVersion) throws -> EventView? { try core.event(at: rv) }
    public func events(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws {
        try core.events(after: rv, body)
    }
    public func retainedEvents(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws {
        try core.retainedEvents(after: rv, body)
    }
    public func meta(_ key: String) throws -> [UInt8]? { try core.meta(key) }
    public func metaEntries(withPrefix prefix: String, _ body: (String, UnsafeRawBufferPointer) throws -> Bool) throws {
        try core.metaEntries(withPrefix: prefix, body)
    }
    public var head: ResourceVersion { core.head }
    public var horizon: ResourceVersion { core.horizon }
    public func resourceID(for storageKey: String) throws -> ResourceID? { try core.resourceID(for: storageKey) }
    public func storageKey(for id: ResourceID) throws -> String? { try core.storageKey(for: id) }
    public func table(named name: String) -> Table? { core.schema.tables[name] }
}

/// The write transaction the single writer runs a `write` body in. Not Sendable;
/// only valid during the body.
public final class WriteTransaction: TransactionReader {
    let core: TransactionCore
    private let context: WriterContext
    /// RV of the first append of this body (where a rollback resets to).
    let startRV: ResourceVersion
    private var next: ResourceVersion
    /// False once the body has ended; every operation then throws.
    var isActive = true
    /// The first LMDB/projector failure inside this body; the nested transaction is then unusable.
    private(set) var failure: (any Error)?
    /// Whether an operation hit MDB_MAP_FULL (the whole batch must be retried after growing).
    private(set) var hitMapFull = false
    /// Whether an operation hit MDB_TXN_FULL (too many dirty pages for one transaction).
    private(set) var hitTransactionFull = false
    /// A new compaction horizon set by this body (applied in memory after the commit).
    var newHorizon: ResourceVersion?
    /// Appends of this body are taken above the disk quota: the body serves a deletion
    /// (which may first write a MODIFIED event: a finalizer or a grace period), which is how
    /// clients free space. Deletions themselves (DELETED events) are always taken.
    public var admitsOverQuota = false

    init(core: TransactionCore, context: WriterContext, nextRV: ResourceVersion) {
        self.core = core
        self.context = context
        self.startRV = nextRV
        self.next = nextRV
    }

    /// RV the next `append` in this transaction will get.
    public var nextRV: ResourceVersion { next }

    var projectorForCompaction: (any LogProjector)? { context.projector }

    /// Records a failure that leaves this body's transaction unusable.
    func markFailed(_ error: any Error) {
        if failure == nil { failure = error }
    }

    private func ensureUsable() throws {
        guard isActive, failure == nil else { throw EventLogError.transactionUnusable }
    }

    /// Records a failure that leaves the LMDB transaction unusable and returns it for throwing.
    private func poison(_ code: Int32, _ context: String) -> EventLogError {
        if code == MDB_MAP_FULL { hitMapFull = true }
        if code == MDB_TXN_FULL { hitTransactionFull = true }
        let error = lmdbError(code, context)
        failure = error
        return error
    }

    func rawPut(_ dbi: MDB_dbi, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: Int32 = 0) throws {
        guard key.count > 0, key.count <= maxKeySize else { throw EventLogError.invalidKey(length: key.count) }
        var k = MDB_val(key)
        var v = MDB_val(value)
        let rc = mdb_put(core.txn, dbi, &k, &v, UInt32(flags))
        if rc == MDB_KEYEXIST && flags == 0 { return }  // DUPSORT pair already present
        if rc != MDB_SUCCESS { throw poison(rc, "mdb_put") }
    }

    /// Deletes `key` (and `value` for DUPSORT when given). Returns false when absent.
    @discardableResult
    func rawDelete(_ dbi: MDB_dbi, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) throws -> Bool {
        guard key.count > 0, key.count <= maxKeySize else { throw EventLogError.invalidKey(length: key.count) }
        var k = MDB_val(key)
        let rc: Int32
        if let value {
            var v = MDB_val(value)
            rc = mdb_del(core.txn, dbi, &k, &v)
        } else {
            rc = mdb_del(core.txn, dbi, &k, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        if rc != MDB_SUCCESS { throw poison(rc, "mdb_del") }
        return true
    }

    /// Appends one event (assigning `nextRV`), writes it to the log table, and
    /// calls the projector's `apply` in this transaction. Returns its RV.
    /// If this throws, the transaction is unusable: let the error end the body.
    @discardableResult
    public func append(_ event: NewEvent) throws -> ResourceVersion {
        try ensureUsable()
        // Over the quota only deletions are taken: they let clients free space, like etcd's
        // NOSPACE alarm, and they fit in the headroom above the quota.
        if let quota = context.quotaBytes, event.type != .deleted, !admitsOverQuota {
            let used = context.usedBytes
            if used >= quota { throw EventLogError.quotaExceeded(usedBytes: used, quotaBytes: quota) }
        }
        let rv = next
        let time = context.commitTime()
        // Borrow the writer's encode buffer (a projector appending from `apply` gets a fresh one).
        var record = context.takeScratch()
        defer { context.returnScratch(record) }
        EventRecordFormat.encode(event, time: time, into: &record)
        try ResourceVersionKey.withBytes(of: rv) { keyBytes in
            try record.withUnsafeBytes { value in
                try rawPut(core.schema.log, key: keyBytes, value: value, flags: MDB_APPEND)
                if let projector = context.projector {
                    do {
                        try projector.apply(EventView(rv: rv, bytes: value), in: self)
                    } catch {
                        if failure == nil { failure = error }
                        throw error
                    }
                }
            }
        }
        next = rv + 1
        return rv
    }

    /// Stores `value` under `key`.
    public func put(_ table: Table, key: some Collection<UInt8>, value: some Collection<UInt8>) throws {
        try ensureUsable()
        try withBytes(key) { k in try withBytes(value) { v in try rawPut(table.dbi, key: k, value: v) } }
    }

    /// Deletes `key` (for DUPSORT tables: only the given value when `value` is non-nil).
    public func delete(_ table: Table, key: some Collection<UInt8>, value: [UInt8]?) throws {
        try ensureUsable()
        try withBytes(key) { k in
            if let value {
                try value.withUnsafeBytes { v in _ = try rawDelete(table.dbi, key: k, value: v) }
            } else {
                _ = try rawDelete(table.dbi, key: k, value: nil)
            }
        }
    }

    /// Interns a storage key, creating an id on first use (in this transaction).
    public func internResource(_ storageKey: String) throws -> ResourceID {
        try ensureUsable()
        if let id = try core.resourceID(for: storageKey) { return id }
        let keyBytes = Array(storageKey.utf8)
        let id: UInt32
        if let stored = try core.get(core.schema.meta, key: MetaKey.nextResourceID), stored.count == 4 {
            id = UInt32(bigEndian: stored.loadUnaligned(as: UInt32.self))
        } else {
            id = 1
        }
        let idBytes = withUnsafeBytes(of: id.bigEndian) { Array($0) }
        let nextBytes = withUnsafeBytes(of: (id + 1).bigEndian) { Array($0) }
        try keyBytes.withUnsafeBytes { k in
            try idBytes.withUnsafeBytes { i in
                try rawPut(core.schema.resourceByKey, key: k, value: i)
                try rawPut(core.schema.resourceByID, key: i, value: k)
            }
        }
        try putMeta(MetaKey.nextResourceID, nextBytes)
        return id
    }

    func putMeta(_ key: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try rawPut(core.schema.meta, key: k, value: v) }
        }
    }

    /// Stores a small value owned by another module (edge sync's scopes, the discovery
    /// mirror) in the log's meta table, in this transaction.
    public func setMeta(_ key: String, _ value: [UInt8]) throws {
        try ensureUsable()
        try putMeta(MetaKey.external(key), value)
    }

    /// Removes a value stored with `setMeta` (no error when there is none), in this transaction.
    public func removeMeta(_ key: String) throws {
        try ensureUsable()
        try MetaKey.external(key).withUnsafeBytes { k in _ = try rawDelete(core.schema.meta, key: k, value: nil) }
    }

    public func meta(_ key: String) throws -> [UInt8]? {
        try ensureUsable()
        return try core.meta(key)
    }
    public func metaEntries(withPrefix prefix: String, _ body: (String, UnsafeRawBufferPointer) throws -> Bool) throws {
        try ensureUsable()
        try core.metaEntries(withPrefix: prefix, body)
    }

    public func get(_ table: Table, key: some Collection<UInt8>) throws -> UnsafeRawBufferPointer? {
        try ensureUsable()
        return try core.get(table.dbi, key: key)
    }
    public func scan(
        _ table: Table, from: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try ensureUsable()
        try core.scan(table.dbi, from: from, body)
    }
    public func scanBackward(
        _ table: Table, before: [UInt8]?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try ensureUsable()
        try core.scanBackward(table.dbi, before: before, body)
    }
    public func event(at rv: ResourceVersion) throws -> EventView? {
        try ensureUsable()
        return try core.event(at: rv)
    }
    public func events(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws {
        try ensureUsable()
        try core.events(after: rv, body)
    }
    public func retainedEvents(after rv: ResourceVersion, _ body: (EventView) throws -> Bool) throws {
        try ensureUsable()
        try core.retainedEvents(after: rv, body)
    }
    /// The head as of this transaction: the last RV appended so far (including this body's appends).
    public var head: ResourceVersion { next - 1 }
    public var horizon: ResourceVersion { core.horizon }
    public func resourceID(for storageKey: String) throws -> ResourceID? {
        try ensureUsable()
        return try core.resourceID(for: storageKey)
    }
    public func storageKey(for id: ResourceID) throws -> String? {
        try ensureUsable()
        return try core.storageKey(for: id)
    }
    public func table(named name: String) -> Table? { core.schema.tables[name] }
}
