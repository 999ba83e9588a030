// The single writer: one OS thread owns every write transaction and group-commits the
// queued write bodies, each in its own nested transaction.
import CLMDB
import Dispatch
import Foundation
import Logging
import Synchronization

/// One queued `write` call, type-erased.
struct WriteJob: Sendable {
    /// Runs the body and stores its result (may run more than once).
    let run: @Sendable (WriteTransaction) throws -> Void
    /// Resumes the caller once the outcome is durable (or failed).
    let finish: @Sendable (Result<Void, any Error>) -> Void
}

/// State the writer thread keeps across bodies: the encode buffer, the projector, the
/// monotonic commit clock. Only ever touched on the writer thread (and, before the thread
/// starts, by `EventLog.init`), hence no lock.
final class WriterContext {
    let projector: (any LogProjector)?
    /// `EventLog.Options.quotaBytes`.
    let quotaBytes: Int?
    /// Live bytes as of the last commit (what appends are checked against).
    var usedBytes: Int
    private var scratch: [UInt8] = []
    private var lastTime: UInt64 = 0

    init(projector: (any LogProjector)?, quotaBytes: Int? = nil, usedBytes: Int = 0) {
        self.projector = projector
        self.quotaBytes = quotaBytes
        self.usedBytes = usedBytes
        scratch.reserveCapacity(64 * 1024)
    }

    /// The reusable encode buffer (empty if already borrowed).
    func takeScratch() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &scratch)
        return taken
    }

    func returnScratch(_ buffer: [UInt8]) {
        if buffer.capacity > scratch.capacity { scratch = buffer }
    }

    /// Wall-clock µs, never going backwards within this process.
    func commitTime() -> UInt64 {
        lastTime = max(lastTime, wallClockMicros())
        return lastTime
    }
}

/// Everything readers and the writer share.
final class LogCore: Sendable {
    let env: EnvironmentHandle
    let schema: Schema
    let gate = TransactionGate()
    let waiters = HeadWaiters()
    let head: Atomic<UInt64>
    let horizon: Atomic<UInt64>
    /// Durable commits and write bodies committed so far (bodies / commits = mean group-commit size).
    let commits = Atomic<Int>(0)
    let committedBodies = Atomic<Int>(0)
    /// Map growths so far.
    let mapGrowths = Atomic<Int>(0)
    /// Live bytes as of the last commit (`StorageUsage.usedBytes`).
    let usedBytes: Atomic<Int>
    let quotaBytes: Int?
    let readOnly: Bool
    let logger: Logger

    init(
        env: EnvironmentHandle, schema: Schema, head: UInt64, horizon: UInt64, readOnly: Bool,
        quotaBytes: Int? = nil, usedBytes: Int = 0, logger: Logger
    ) {
        self.env = env
        self.schema = schema
        self.head = Atomic(head)
        self.horizon = Atomic(horizon)
        self.readOnly = readOnly
        self.quotaBytes = quotaBytes
        self.usedBytes = Atomic(usedBytes)
        self.logger = logger
    }

    /// Adopts a map size another process set (MDB_MAP_RESIZED); needs no active transaction.
    func adoptMapSize() throws {
        try gate.exclusive { try check(mdb_env_set_mapsize(env.pointer, 0), "mdb_env_set_mapsize") }
    }

    func mapSize() -> Int {
        var info = MDB_envinfo()
        mdb_env_info(env.pointer, &info)
        return info.me_mapsize
    }
}

/// The log's single writer: one dedicated thread that owns every LMDB write transaction,
/// group-commits queued `write` bodies and resumes their callers after the commit.
final class WriterThread: @unchecked Sendable {
    // Safe: `queue` is a Mutex; `context` and the LMDB write transactions are used only on the
    // writer thread (`run`), which is the only caller of `process`.
    private struct Queue {
        var jobs: [WriteJob] = []
        var closing = false
    }

    private let core: LogCore
    private let context: WriterContext
    private let maxBatch: Int
    private let maxMapSize: Int
    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(core: LogCore, projector: (any LogProjector)?, maxBatch: Int, maxMapSize: Int) {
        self.core = core
        self.context = WriterContext(
            projector: projector, quotaBytes: core.quotaBytes, usedBytes: core.usedBytes.load(ordering: .relaxed))
        self.maxBatch = max(1, maxBatch)
        self.maxMapSize = maxMapSize
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "ake.eventlog.writer"
        thread.start()
    }

    /// Queues a job; false when the writer is closing.
    func enqueue(_ job: WriteJob) -> Bool {
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.closing else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted { wake.signal() }
        return accepted
    }

    /// Stops accepting jobs, lets the queued ones finish, and waits for the thread to exit.
    func stop() {
        let first = queue.withLock { queue -> Bool in
            defer { queue.closing = true }
            return !queue.closing
        }
        guard first else { return }
        wake.signal()
        finished.wait()
    }

    private func run() {
        while true {
            wake.wait()
            while true {
                let (batch, closing) = queue.withLock { queue -> ([WriteJob], Bool) in
                    let n = min(maxBatch, queue.jobs.count)
                    let batch = Array(queue.jobs.prefix(n))
                    queue.jobs.removeFirst(n)
                    return (batch, queue.closing)
                }
                if batch.isEmpty {
                    if closing {
                        finished.signal()
                        return
                    }
                    break
                }
                process(batch)
            }
        }
    }

    private enum Outcome {
        case committed([Result<Void, any Error>], head: ResourceVersion, horizon: ResourceVersion?, usedBytes: Int?)
        case mapFull
        /// MDB_TXN_FULL with several bodies in the batch: commit them in smaller batches.
        case tooLarge
        case failed(any Error)
    }

    /// Commits `batch` durably, growing the map and retrying as often as needed.
    private func process(_ batch: [WriteJob]) {
        while true {
            switch attempt(batch) {
            case .committed(let results, let head, let horizon, let usedBytes):
                if let horizon { core.horizon.store(horizon, ordering: .releasing) }
                if let usedBytes {
                    context.usedBytes = usedBytes
                    core.usedBytes.store(usedBytes, ordering: .relaxed)
                }
                core.head.store(head, ordering: .releasing)
                core.commits.add(1, ordering: .relaxed)
                core.committedBodies.add(batch.count, ordering: .relaxed)
                context.projector?.didCommit(head: head)
                core.waiters.headMoved(to: head)
                for (job, result) in zip(batch, results) { job.finish(result) }
                return
            case .mapFull:
                do {
                    try grow()
                } catch {
                    for job in batch { job.finish(.failure(error)) }
                    return
                }
            case .tooLarge:
                let half = batch.count / 2
                process(Array(batch[..<half]))
                process(Array(batch[half...]))
                return
            case .failed(let error):
                core.logger.error("write batch failed", metadata: ["error": "\(error)"])
                for job in batch { job.finish(.failure(error)) }
                return
            }
        }
    }

    /// Doubles the map size once no in-process reader is active.
    private func grow() throws {
        let current = core.mapSize()
        guard current < maxMapSize else { throw EventLogError.mapFull(mapSize: current) }
        let target = min(maxMapSize, current * 2)
        try core.gate.exclusive {
            try check(mdb_env_set_mapsize(core.env.pointer, target), "mdb_env_set_mapsize")
        }
        core.mapGrowths.add(1, ordering: .relaxed)
        core.logger.info("event log map grown", metadata: ["from": "\(current)", "to": "\(target)"])
    }

    private func beginParent() throws -> OpaquePointer {
        var txn: OpaquePointer?
        var rc = mdb_txn_begin(core.env.pointer, nil, 0, &txn)
        if rc == MDB_MAP_RESIZED {
            try core.adoptMapSize()
            rc = mdb_txn_begin(core.env.pointer, nil, 0, &txn)
        }
        try check(rc, "mdb_txn_begin")
        guard let txn else { throw lmdbError(EINVAL, "mdb_txn_begin") }
        return txn
    }

    private func attempt(_ batch: [WriteJob]) -> Outcome {
        let startRV = core.head.load(ordering: .acquiring) + 1
        let parent: OpaquePointer
        do {
            parent = try beginParent()
        } catch {
            return .failed(error)
        }
        // Undo everything of this attempt (the projector forgets its buffered state too).
        func abandon() {
            mdb_txn_abort(parent)
            context.projector?.rolledBack(from: startRV)
        }
        var nextRV = startRV
        var newHorizon: ResourceVersion?
        var results: [Result<Void, any Error>] = []
        results.reserveCapacity(batch.count)
        for job in batch {
            var child: OpaquePointer?
            let rc = mdb_txn_begin(core.env.pointer, parent, 0, &child)
            guard rc == MDB_SUCCESS, let child else {
                abandon()
                return rc == MDB_MAP_FULL ? .mapFull : .failed(lmdbError(rc, "mdb_txn_begin(nested)"))
            }
            let txn = WriteTransaction(
                core: TransactionCore(txn: child, schema: core.schema), context: context, nextRV: nextRV)
            do {
                try job.run(txn)
                txn.isActive = false
                // The body swallowed an error that left the nested transaction unusable.
                if let failure = txn.failure { throw failure }
                let rc = mdb_txn_commit(child)
                if rc == MDB_MAP_FULL {
                    abandon()
                    return .mapFull
                }
                if rc == MDB_TXN_FULL && batch.count > 1 {
                    abandon()
                    return .tooLarge
                }
                if rc != MDB_SUCCESS {
                    abandon()
                    return .failed(lmdbError(rc, "mdb_txn_commit(nested)"))
                }
                nextRV = txn.nextRV
                if let h = txn.newHorizon { newHorizon = max(newHorizon ?? 0, h) }
                results.append(.success(()))
            } catch {
                txn.isActive = false
                mdb_txn_abort(child)
                if txn.hitMapFull {
                    abandon()
                    return .mapFull
                }
                // The batch as a whole outgrew one transaction; this body alone may still fit.
                if txn.hitTransactionFull && batch.count > 1 {
                    abandon()
                    return .tooLarge
                }
                context.projector?.rolledBack(from: txn.startRV)
                results.append(.failure(error))
            }
        }
        let head = nextRV - 1
        if nextRV > startRV {
            var key = MetaKey.head
            var value = ResourceVersionKey.encode(head)
            let rc = key.withUnsafeMutableBytes { k in
                value.withUnsafeMutableBytes { v in
                    var kv = MDB_val(UnsafeRawBufferPointer(k))
                    var vv = MDB_val(UnsafeRawBufferPointer(v))
                    return mdb_put(parent, core.schema.meta, &kv, &vv, 0)
                }
            }
            if rc != MDB_SUCCESS {
                abandon()
                return rc == MDB_MAP_FULL ? .mapFull : .failed(lmdbError(rc, "mdb_put(head)"))
            }
        }
        // Measured before the commit (the parent still sees every table); a failure only
        // leaves the previous measurement in place.
        let usedBytes = try? TransactionCore(txn: parent, schema: core.schema).liveBytes()
        // Durable: the environment is opened without MDB_NOSYNC/MDB_NOMETASYNC.
        let rc = mdb_txn_commit(parent)
        if rc != MDB_SUCCESS {
            context.projector?.rolledBack(from: startRV)
            return rc == MDB_MAP_FULL ? .mapFull : .failed(lmdbError(rc, "mdb_txn_commit"))
        }
        return .committed(results, head: head, horizon: newHorizon, usedBytes: usedBytes)
    }
}
