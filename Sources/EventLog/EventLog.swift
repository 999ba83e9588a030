// The event log: an LMDB environment with the log, meta and resource tables, one writer
// thread, and synchronous read transactions.
import CLMDB
import Foundation
import Logging
import Synchronization

/// The append-only, LMDB-backed event log (see docs/ARCHITECTURE.md, "The one idea: the log is the database").
public final class EventLog: Sendable {
    /// How to open the log.
    public struct Options: Sendable {
        /// Initial map size, bytes (default 1 GiB); grows on MDB_MAP_FULL.
        public var mapSize: Int
        /// Reader slots (across processes), default 1024.
        public var maxReaders: Int
        /// Open an existing database read-only (other processes: ake log/replay).
        public var readOnly: Bool
        /// Max write bodies per group commit (default 1024).
        public var maxBatch: Int
        /// The map never grows beyond this (default 1 TiB); writes then fail with `mapFull`.
        public var maxMapSize: Int
        /// A disk quota for live pages (nil: none). At or above it, appends other than deletions
        /// fail with `quotaExceeded` while reads, deletions and compaction keep working. The map
        /// is capped at `quotaBytes + quotaHeadroom(quotaBytes)`, so `data.mdb` stays below that.
        public var quotaBytes: Int?

        /// Options with defaults.
        public init(
            mapSize: Int = 1 << 30, maxReaders: Int = 1024, readOnly: Bool = false, maxBatch: Int = 1024,
            maxMapSize: Int = 1 << 40, quotaBytes: Int? = nil
        ) {
            self.mapSize = mapSize
            self.maxReaders = maxReaders
            self.readOnly = readOnly
            self.maxBatch = maxBatch
            self.maxMapSize = maxMapSize
            self.quotaBytes = quotaBytes
        }

        /// Room above the quota for what must still work when it is reached: deletions,
        /// compaction (its deletes copy pages too), and pages a long reader keeps from reuse.
        /// An eighth of the quota, at least 1 MiB.
        public static func quotaHeadroom(_ quotaBytes: Int) -> Int { max(quotaBytes / 8, 1 << 20) }

        /// The map size limit with the quota applied.
        var effectiveMaxMapSize: Int {
            guard let quotaBytes else { return max(maxMapSize, mapSize) }
            return min(maxMapSize, quotaBytes + Self.quotaHeadroom(quotaBytes))
        }
    }

    let core: LogCore
    private let writer: WriterThread?
    private let path: String
    private let closed = Mutex(false)
    /// The directory holding `data.mdb` and `lock.mdb`.
    public let directory: String

    /// Opens (creating if needed, unless readOnly) the environment in `directory`.
    public init(
        directory: String, options: Options = .init(), projector: (any LogProjector)? = nil,
        logger: Logger = Logger(label: "ake.eventlog")
    ) throws {
        let fm = FileManager.default
        if !options.readOnly {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        guard fm.fileExists(atPath: directory + "/data.mdb") || !options.readOnly else {
            throw EventLogError.notInitialized(path: directory)
        }
        let path = URL(fileURLWithPath: directory).resolvingSymlinksInPath().standardizedFileURL.path
        try OpenEnvironments.claim(path)
        var envPointer: OpaquePointer?
        do {
            try check(mdb_env_create(&envPointer), "mdb_env_create")
            guard let envPointer else { throw lmdbError(EINVAL, "mdb_env_create") }
            do {
                let projectorTables = projector?.tables ?? []
                try check(mdb_env_set_maxreaders(envPointer, UInt32(max(1, options.maxReaders))), "set_maxreaders")
                try check(mdb_env_set_maxdbs(envPointer, MDB_dbi(max(64, 16 + projectorTables.count))), "set_maxdbs")
                let initialMap = min(max(options.mapSize, 64 * 1024), max(options.effectiveMaxMapSize, 64 * 1024))
                try check(mdb_env_set_mapsize(envPointer, initialMap), "set_mapsize")
                var flags = UInt32(MDB_NOTLS)
                if options.readOnly { flags |= UInt32(MDB_RDONLY) }
                try check(mdb_env_open(envPointer, path, flags, 0o644), "mdb_env_open \(path)")
                // Free reader slots left by dead processes (e.g. a killed `ake log`).
                var staleReaders: Int32 = 0
                _ = mdb_reader_check(envPointer, &staleReaders)
                let env = EnvironmentHandle(pointer: envPointer)
                let (schema, head, horizon, usedBytes) =
                    try options.readOnly
                    ? Self.openReadOnly(env, projectorTables: projectorTables, path: path)
                    : Self.openReadWrite(env, projectorTables: projectorTables)
                core = LogCore(
                    env: env, schema: schema, head: head, horizon: horizon, readOnly: options.readOnly,
                    quotaBytes: options.quotaBytes, usedBytes: usedBytes, logger: logger)
            } catch {
                mdb_env_close(envPointer)
                throw error
            }
        } catch {
            OpenEnvironments.release(path)
            throw error
        }
        self.path = path
        self.directory = directory
        if options.readOnly {
            writer = nil
        } else {
            let writer = WriterThread(
                core: core, projector: projector, maxBatch: options.maxBatch,
                maxMapSize: options.effectiveMaxMapSize)
            writer.start()
            self.writer = writer
        }
        logger.debug(
            "event log open",
            metadata: [
                "path": "\(path)", "head": "\(core.head.load(ordering: .relaxed))", "readOnly": "\(options.readOnly)",
            ])
    }

    deinit { close() }

    private static func openTable(
        _ txn: OpaquePointer, _ name: String, duplicateSort: Bool, create: Bool
    ) throws -> Table? {
        var dbi: MDB_dbi = 0
        var flags: Int32 = 0
        if create { flags |= MDB_CREATE }
        if duplicateSort && create { flags |= MDB_DUPSORT }
        let rc = mdb_dbi_open(txn, name, UInt32(flags), &dbi)
        if rc == MDB_NOTFOUND && !create { return nil }
        try check(rc, "mdb_dbi_open \(name)")
        var actual: UInt32 = 0
        try check(mdb_dbi_flags(txn, dbi, &actual), "mdb_dbi_flags \(name)")
        if create && duplicateSort != ((actual & UInt32(MDB_DUPSORT)) != 0) {
            throw lmdbError(MDB_INCOMPATIBLE, "table \(name) exists with other duplicateSort")
        }
        return Table(name: name, dbi: dbi, duplicateSort: (actual & UInt32(MDB_DUPSORT)) != 0)
    }

    private static let fixedTables = ["meta", "log", "resources.byKey", "resources.byID"]

    private static func makeSchema(_ tables: [String: Table]) throws -> Schema {
        guard let meta = tables["meta"], let log = tables["log"], let byKey = tables["resources.byKey"],
            let byID = tables["resources.byID"]
        else { throw EventLogError.missingTable("meta/log/resources") }
        return Schema(meta: meta.dbi, log: log.dbi, resourceByKey: byKey.dbi, resourceByID: byID.dbi, tables: tables)
    }

    private static func openReadWrite(
        _ env: EnvironmentHandle, projectorTables: [TableSpec]
    ) throws -> (Schema, ResourceVersion, ResourceVersion, Int) {
        var txnPointer: OpaquePointer?
        try check(mdb_txn_begin(env.pointer, nil, 0, &txnPointer), "mdb_txn_begin")
        guard let txn = txnPointer else { throw lmdbError(EINVAL, "mdb_txn_begin") }
        var committed = false
        defer { if !committed { mdb_txn_abort(txn) } }
        var tables: [String: Table] = [:]
        for name in fixedTables {
            tables[name] = try openTable(txn, name, duplicateSort: false, create: true)
        }
        for spec in projectorTables {
            tables[spec.name] = try openTable(txn, spec.name, duplicateSort: spec.duplicateSort, create: true)
        }
        let schema = try makeSchema(tables)
        let core = TransactionCore(txn: txn, schema: schema)
        func put(_ key: [UInt8], _ value: [UInt8]) throws {
            try key.withUnsafeBytes { k in
                try value.withUnsafeBytes { v in
                    var kv = MDB_val(k)
                    var vv = MDB_val(v)
                    try check(mdb_put(txn, schema.meta, &kv, &vv, 0), "mdb_put meta")
                }
            }
        }
        if let version = try core.get(schema.meta, key: MetaKey.schema) {
            let found = version.count == 4 ? UInt32(bigEndian: version.loadUnaligned(as: UInt32.self)) : 0
            guard found == Schema.version else {
                throw EventLogError.incompatibleSchema(found: found, supported: Schema.version)
            }
        } else {
            // A new database: RVs start at the wall clock in µs so a recreated database
            // never reissues an RV a client has seen.
            let base = wallClockMicros()
            try put(MetaKey.schema, withUnsafeBytes(of: Schema.version.bigEndian) { Array($0) })
            try put(MetaKey.rvBase, ResourceVersionKey.encode(base))
            try put(MetaKey.head, ResourceVersionKey.encode(base - 1))
            try put(MetaKey.horizon, ResourceVersionKey.encode(base))
            try put(MetaKey.compactedTo, ResourceVersionKey.encode(base))
        }
        let head = try core.metaUInt64(MetaKey.head) ?? 0
        let horizon = try core.metaUInt64(MetaKey.horizon) ?? 0
        let usedBytes = try core.liveBytes()
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
        committed = true
        return (schema, head, horizon, usedBytes)
    }

    private static func openReadOnly(
        _ env: EnvironmentHandle, projectorTables: [TableSpec], path: String
    ) throws -> (Schema, ResourceVersion, ResourceVersion, Int) {
        var txnPointer: OpaquePointer?
        var rc = mdb_txn_begin(env.pointer, nil, UInt32(MDB_RDONLY), &txnPointer)
        if rc == MDB_MAP_RESIZED {
            try check(mdb_env_set_mapsize(env.pointer, 0), "mdb_env_set_mapsize")
            rc = mdb_txn_begin(env.pointer, nil, UInt32(MDB_RDONLY), &txnPointer)
        }
        try check(rc, "mdb_txn_begin")
        guard let txn = txnPointer else { throw lmdbError(EINVAL, "mdb_txn_begin") }
        var committed = false
        defer { if !committed { mdb_txn_abort(txn) } }
        // Open every named table that exists so tools can use `table(named:)` without a projector.
        var names: [String] = []
        var mainDBI: MDB_dbi = 0
        try check(mdb_dbi_open(txn, nil, 0, &mainDBI), "mdb_dbi_open main")
        try TransactionCore(txn: txn, schema: Schema(meta: 0, log: 0, resourceByKey: 0, resourceByID: 0, tables: [:]))
            .scan(mainDBI, from: nil) { key, _ in
                names.append(String(decoding: key, as: UTF8.self))
                return true
            }
        var tables: [String: Table] = [:]
        for name in names {
            if let table = try openTable(txn, name, duplicateSort: false, create: false) { tables[name] = table }
        }
        for spec in projectorTables where tables[spec.name] == nil {
            throw EventLogError.missingTable(spec.name)
        }
        guard fixedTables.allSatisfy({ tables[$0] != nil }) else { throw EventLogError.notInitialized(path: path) }
        let schema = try makeSchema(tables)
        let core = TransactionCore(txn: txn, schema: schema)
        if let version = try core.get(schema.meta, key: MetaKey.schema) {
            let found = version.count == 4 ? UInt32(bigEndian: version.loadUnaligned(as: UInt32.self)) : 0
            guard found == Schema.version else {
                throw EventLogError.incompatibleSchema(found: found, supported: Schema.version)
            }
        }
        let head = try core.metaUInt64(MetaKey.head) ?? 0
        let horizon = try core.metaUInt64(MetaKey.horizon) ?? 0
        let usedBytes = try core.liveBytes()
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
        committed = true
        return (schema, head, horizon, usedBytes)
    }

    /// Stops the writer (queued writes finish first), wakes all waiters and closes the
    /// environment once no read is active. Idempotent.
    public func close() {
        let first = closed.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        writer?.stop()
        core.waiters.close()
        core.gate.exclusive(close: true) {
            mdb_env_close(core.env.pointer)
        }
        OpenEnvironments.release(path)
    }

    /// Last durably committed RV (in-memory, cheap). Read-only logs read it from the database.
    public var head: ResourceVersion {
        if core.readOnly, let head = try? read({ $0.head }) { return head }
        return core.head.load(ordering: .acquiring)
    }

    /// The compaction horizon: events below it are gone except each live object's newest one.
    public var horizon: ResourceVersion {
        if core.readOnly, let horizon = try? read({ $0.horizon }) { return horizon }
        return core.horizon.load(ordering: .acquiring)
    }

    /// Runs `body` on the writer thread inside a nested transaction of the current
    /// group-commit batch, commits durably (fsync), then returns its result. If
    /// `body` throws, only its own changes are rolled back and the error is rethrown.
    /// `body` may run more than once (retry after map growth) — keep it a pure
    /// function of what it reads in `txn`.
    public func write<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws -> T) async throws -> T {
        guard let writer else { throw EventLogError.readOnly }
        let box = ResultBox<T>()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = WriteJob(
                run: { txn in box.set(try body(txn)) },
                finish: { continuation.resume(with: $0) })
            if !writer.enqueue(job) { continuation.resume(throwing: EventLogError.closed) }
        }
        guard let value = box.take() else { throw EventLogError.transactionUnusable }
        return value
    }

    /// Convenience: append events in one body. Returns their RVs.
    public func append(_ events: [NewEvent]) async throws -> [ResourceVersion] {
        try await write { txn in try events.map { try txn.append($0) } }
    }

    /// Runs `body` in a fresh read transaction (synchronous; do not await inside).
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        var txnPointer: OpaquePointer?
        while true {
            try core.gate.enterShared()
            let rc = mdb_txn_begin(core.env.pointer, nil, UInt32(MDB_RDONLY), &txnPointer)
            if rc == MDB_SUCCESS { break }
            core.gate.leaveShared()
            guard rc == MDB_MAP_RESIZED else { throw lmdbError(rc, "mdb_txn_begin(read)") }
            // Another process grew the map: adopt its size (needs no active txn in this process).
            try core.adoptMapSize()
        }
        defer { core.gate.leaveShared() }
        guard let txn = txnPointer else { throw lmdbError(EINVAL, "mdb_txn_begin(read)") }
        defer { mdb_txn_abort(txn) }
        return try body(ReadTransaction(core: TransactionCore(txn: txn, schema: core.schema)))
    }

    /// Returns once `head > rv` (immediately if already), or when the task is cancelled or the log closes.
    /// On a read-only log (another process writes) the head is polled every 50 ms.
    public func waitForHead(beyond rv: ResourceVersion) async {
        if core.readOnly {
            while !Task.isCancelled, !core.gate.isClosed, head <= rv {
                try? await Task.sleep(for: .milliseconds(50))
            }
            return
        }
        let core = self.core
        await core.waiters.wait(beyond: rv) { core.head.load(ordering: .acquiring) }
    }

    /// The table with this name (fixed tables: "meta", "log", "resources.byKey", "resources.byID").
    public func table(named name: String) -> Table? {
        core.schema.tables[name]
    }

    /// Live bytes against the quota (cheap: the writer measures after every commit).
    /// A read-only log measures in a read transaction.
    public var storageUsage: StorageUsage {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/data.mdb")
        let fileBytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        var used = core.usedBytes.load(ordering: .relaxed)
        if core.readOnly, let measured = try? read({ try $0.core.liveBytes() }) { used = measured }
        return StorageUsage(usedBytes: used, fileBytes: fileBytes, quotaBytes: core.quotaBytes)
    }

    /// Size of the data file and LMDB stats, for `ake log stats` and metrics.
    public func statistics() throws -> LogStatistics {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/data.mdb")
        let fileSize = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        return try read { txn in
            var info = MDB_envinfo()
            try check(mdb_env_info(core.env.pointer, &info), "mdb_env_info")
            var envStat = MDB_stat()
            try check(mdb_env_stat(core.env.pointer, &envStat), "mdb_env_stat")
            var tables: [String: TableStatistics] = [:]
            for (name, table) in core.schema.tables {
                tables[name] = try txn.core.statistics(table.dbi)
            }
            // Free pages: sum of the page counts stored in LMDB's free-list DB (dbi 0), like `mdb_stat -f`.
            var freePages = 0
            try txn.core.scan(0, from: nil) { _, value in
                if value.count >= MemoryLayout<Int>.size { freePages += value.loadUnaligned(as: Int.self) }
                return true
            }
            return LogStatistics(
                fileSize: fileSize, mapSize: info.me_mapsize, pageSize: Int(envStat.ms_psize),
                usedPages: info.me_last_pgno + 1, freePages: freePages, maxReaders: Int(info.me_maxreaders),
                readersInUse: Int(info.me_numreaders), eventCount: tables["log"]?.entries ?? 0, head: txn.head,
                horizon: txn.horizon, commits: core.commits.load(ordering: .relaxed),
                committedBodies: core.committedBodies.load(ordering: .relaxed),
                mapGrowths: core.mapGrowths.load(ordering: .relaxed), tables: tables)
        }
    }
}

/// Carries a write body's result from the writer thread to the awaiting caller.
final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ newValue: sending T) { value.withLock { $0 = newValue } }
    func take() -> T? { value.withLock { $0.take() } }
}
