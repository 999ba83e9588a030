// Thin helpers over the LMDB C API: error mapping, MDB_val conversion,
// the in-process transaction gate and the one-environment-per-path registry.
import CLMDB
import Foundation
import Synchronization

/// An LMDB environment pointer that can be shared between threads.
/// Safe because LMDB documents `MDB_env` as usable from any thread; what is thread-bound
/// (write transactions) is confined to the writer thread by construction.
struct EnvironmentHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The LMDB database handles of the fixed tables plus the projector's tables.
struct Schema: Sendable {
    static let version: UInt32 = 1
    let meta: MDB_dbi
    let log: MDB_dbi
    /// storage key (UTF-8) → ResourceID (4 bytes BE)
    let resourceByKey: MDB_dbi
    /// ResourceID (4 bytes BE) → storage key
    let resourceByID: MDB_dbi
    /// Every open named table, including the fixed ones.
    let tables: [String: Table]
}

/// Keys of the fixed meta entries (other modules' entries live under `ext/`).
enum MetaKey {
    static let schema = Array("schema".utf8)
    static let rvBase = Array("rvBase".utf8)
    static let head = Array("head".utf8)
    static let horizon = Array("horizon".utf8)
    /// The RV from which the next compaction batch scans (everything below it is compacted).
    static let compactedTo = Array("compactedTo".utf8)
    static let nextResourceID = Array("nextResourceID".utf8)
    static func external(_ key: String) -> [UInt8] { Array("ext/".utf8) + Array(key.utf8) }
}

/// LMDB's maximum key size with the default build (`mdb_env_get_maxkeysize`).
let maxKeySize = 511

func lmdbError(_ code: Int32, _ context: String) -> EventLogError {
    let text = mdb_strerror(code).map { String(cString: $0) } ?? "error \(code)"
    return .lmdb(code: code, message: "\(context): \(text)")
}

@inline(__always)
func check(_ code: Int32, _ context: @autoclosure () -> String) throws {
    if code != MDB_SUCCESS { throw lmdbError(code, context()) }
}

/// Runs `body` with the bytes of `collection` (contiguous, copying only if needed).
@inline(__always)
func withBytes<C: Collection<UInt8>, R>(_ collection: C, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    if let result = try collection.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return try Array(collection).withUnsafeBytes(body)
}

extension MDB_val {
    @inline(__always)
    init(_ buffer: UnsafeRawBufferPointer) {
        self.init(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }

    @inline(__always)
    var buffer: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }
}

/// Wall-clock microseconds since the Unix epoch.
func wallClockMicros() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
}

/// Lets many in-process readers run at once while holding off the operations LMDB
/// requires to happen with no transaction active in this process: changing the map
/// size and closing the environment. Exclusive entry waits for current readers and
/// blocks new ones (so a stream of readers cannot starve a resize).
final class TransactionGate: @unchecked Sendable {
    // Safe: `readers`, `exclusive` and `closed` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var readers = 0
    private var exclusive = false
    private var closed = false

    func enterShared() throws {
        condition.lock()
        defer { condition.unlock() }
        while exclusive { condition.wait() }
        if closed { throw EventLogError.closed }
        readers += 1
    }

    func leaveShared() {
        condition.lock()
        readers -= 1
        if readers == 0 { condition.broadcast() }
        condition.unlock()
    }

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Runs `body` with no in-process reader active. `close` marks the gate closed for good.
    func exclusive<T>(close: Bool = false, _ body: () throws -> T) rethrows -> T {
        condition.lock()
        while exclusive { condition.wait() }
        exclusive = true
        while readers > 0 { condition.wait() }
        condition.unlock()
        defer {
            condition.lock()
            exclusive = false
            if close { closed = true }
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}

/// LMDB forbids opening the same environment twice in one process (closing one
/// handle would drop the other's file locks).
enum OpenEnvironments {
    static let paths = Mutex<Set<String>>([])

    static func claim(_ path: String) throws {
        try paths.withLock { paths in
            guard paths.insert(path).inserted else { throw EventLogError.alreadyOpen(path: path) }
        }
    }

    static func release(_ path: String) {
        _ = paths.withLock { $0.remove(path) }
    }
}
