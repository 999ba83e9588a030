// The basic value types of the event log (the design: docs/ARCHITECTURE.md).
import Logging

/// AKE's resource version: strictly increasing, gapless, assigned by the log.
public typealias ResourceVersion = UInt64

/// A small integer naming an interned resource (`GroupVersionResource.storageKey`).
public typealias ResourceID = UInt32

/// What an event did to its object.
public enum EventType: UInt8, Sendable, Hashable {
    case added = 1
    case modified = 2
    case deleted = 3
}

/// Who caused an event.
public enum EventOrigin: Sendable, Hashable {
    /// A client of this AKE (the string identifies it, e.g. user agent or user).
    case local(client: String)
    /// Synced down from the cloud by the sync scope with this id.
    case upstream(scope: UInt32)
    /// The pending-write reconciler.
    case reconciler
    /// AKE itself (bootstrap objects, garbage collection, namespace cleanup).
    case system
}

/// Lifecycle state of an event (offline writes are `pending` until reconciled).
public struct EventState: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let committed = EventState(rawValue: 1)
    public static let pending = EventState(rawValue: 2)
    public static let conflicted = EventState(rawValue: 4)
}

/// An event to append. The log assigns its RV and time.
public struct NewEvent: Sendable {
    public var type: EventType
    public var resource: ResourceID
    public var namespace: String
    public var name: String
    public var uid: String
    public var origin: EventOrigin
    /// The cloud's resourceVersion of this object version; empty when none.
    public var upstreamRV: String
    public var state: EventState
    /// RV of the previous event of the same object; 0 when none.
    public var previousRV: ResourceVersion
    /// The object's JSON bytes (for DELETED: the object as it was when deleted).
    public var object: [UInt8]

    public init(
        type: EventType, resource: ResourceID, namespace: String, name: String, uid: String,
        origin: EventOrigin, upstreamRV: String = "", state: EventState = .committed,
        previousRV: ResourceVersion = 0, object: [UInt8]
    ) {
        self.type = type
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.origin = origin
        self.upstreamRV = upstreamRV
        self.state = state
        self.previousRV = previousRV
        self.object = object
    }
}

/// An owned copy of a stored event.
public struct LogEvent: Sendable, Hashable {
    public var rv: ResourceVersion
    /// Commit time, microseconds since the Unix epoch.
    public var time: UInt64
    public var type: EventType
    public var resource: ResourceID
    public var namespace: String
    public var name: String
    public var uid: String
    public var origin: EventOrigin
    public var upstreamRV: String
    public var state: EventState
    public var previousRV: ResourceVersion
    public var object: [UInt8]
}

/// Errors of the event log.
public enum EventLogError: Error, Sendable, Equatable {
    /// A read asked for events below the compaction horizon (the API maps this to 410 Expired).
    case belowHorizon(requested: ResourceVersion, horizon: ResourceVersion)
    /// An LMDB call failed (`code` is the LMDB or errno value).
    case lmdb(code: Int32, message: String)
    /// The log was closed (or is closing); no more reads or writes.
    case closed
    /// A write was attempted on a log opened read-only.
    case readOnly
    /// The environment in this directory is already open in this process (LMDB allows one per process).
    case alreadyOpen(path: String)
    /// A read-only open found no initialized database.
    case notInitialized(path: String)
    /// The database was written by an incompatible schema version.
    case incompatibleSchema(found: UInt32, supported: UInt32)
    /// A table the projector needs does not exist (read-only open of a database created without it).
    case missingTable(String)
    /// A stored event record could not be decoded.
    case corruptRecord(ResourceVersion)
    /// A key was empty or longer than LMDB's limit (511 bytes).
    case invalidKey(length: Int)
    /// A `WriteTransaction` was used after its body ended, or after an earlier failure in it
    /// (a failed append/put leaves the nested transaction unusable; let the error propagate).
    case transactionUnusable
    /// The map could not grow any further (`Options.maxMapSize` reached).
    case mapFull(mapSize: Int)
    /// The database holds `usedBytes` of live pages, at or above `Options.quotaBytes`: new
    /// events (other than deletions) are refused until compaction gives pages back.
    case quotaExceeded(usedBytes: Int, quotaBytes: Int)
}

/// How much of its disk quota the database uses (see `EventLog.Options.quotaBytes`).
public struct StorageUsage: Sendable, Hashable {
    /// Bytes in live pages: every table's B-tree pages plus the two meta pages. Pages on
    /// LMDB's free list are not counted: later writes reuse them without growing the file.
    public var usedBytes: Int
    /// Size of `data.mdb` on disk (it never shrinks by itself; `ake compact-db` rewrites it).
    public var fileBytes: Int
    /// The quota, if any.
    public var quotaBytes: Int?

    /// Memberwise.
    public init(usedBytes: Int, fileBytes: Int, quotaBytes: Int?) {
        self.usedBytes = usedBytes
        self.fileBytes = fileBytes
        self.quotaBytes = quotaBytes
    }

    /// usedBytes / quotaBytes (0 without a quota).
    public var fraction: Double {
        guard let quotaBytes, quotaBytes > 0 else { return 0 }
        return Double(usedBytes) / Double(quotaBytes)
    }

    /// At or above the quota: appends other than deletions are refused.
    public var isExceeded: Bool { quotaBytes.map { usedBytes >= $0 } ?? false }
}

/// Declares a named LMDB sub-database a client (Projections) needs.
public struct TableSpec: Sendable, Hashable {
    /// The table's name, e.g. "proj.objects".
    public var name: String
    /// Whether the table keeps several sorted values per key (MDB_DUPSORT).
    public var duplicateSort: Bool

    /// Declares a table.
    public init(name: String, duplicateSort: Bool = false) {
        self.name = name
        self.duplicateSort = duplicateSort
    }
}

/// A handle to an open table (wraps MDB_dbi). Valid for the life of the EventLog.
public struct Table: Sendable, Hashable {
    /// The table's name.
    public let name: String
    /// The LMDB database handle.
    let dbi: UInt32
    /// Whether the table is MDB_DUPSORT.
    public let duplicateSort: Bool
}

/// Called by the writer thread, inside the write transaction, for every appended
/// event and for every event compaction removes. Implemented by Projections so its
/// tables can never disagree with the log (same transaction, one commit).
public protocol LogProjector: Sendable {
    /// Tables the projector needs; created/opened by EventLog at open time.
    var tables: [TableSpec] { get }
    /// `event` was just appended in `txn` (its RV is `event.rv`).
    func apply(_ event: EventView, in txn: WriteTransaction) throws
    /// Compaction is about to delete `event` from the log in `txn`.
    func willRemove(_ event: EventView, in txn: WriteTransaction) throws
    /// A nested write (one `write` body) or a whole batch was rolled back:
    /// forget anything buffered for RVs >= `rv`.
    func rolledBack(from rv: ResourceVersion)
    /// The batch up to and including `head` is durably committed (called on the
    /// writer thread right after the commit, before callers resume).
    func didCommit(head: ResourceVersion)
}

/// How much history to keep. Either limit may be nil (no limit of that kind).
public struct RetentionPolicy: Sendable, Hashable {
    /// Events older than this (by commit time) may be compacted away.
    public var maxAge: Duration?
    /// At most this many RVs are kept above the horizon (plus, below it, each live object's newest event).
    public var maxEvents: Int?

    /// A retention policy.
    public init(maxAge: Duration? = nil, maxEvents: Int? = nil) {
        self.maxAge = maxAge
        self.maxEvents = maxEvents
    }
}

/// What a compaction did.
public struct CompactionReport: Sendable, Hashable {
    /// The horizon after compaction.
    public var horizon: ResourceVersion
    /// Events examined below the new horizon.
    public var scanned: Int
    /// Events deleted from the log.
    public var removed: Int
    /// Write transactions used.
    public var batches: Int
}

/// Entry and page counts of one table.
public struct TableStatistics: Sendable, Hashable {
    /// Data items (for DUPSORT tables: every value).
    public var entries: Int
    /// B-tree depth.
    public var depth: Int
    /// Branch + leaf + overflow pages.
    public var pages: Int
}

/// Size of the data file and LMDB stats (for `ake log stats` and metrics).
public struct LogStatistics: Sendable, Hashable {
    /// Size of `data.mdb` in bytes.
    public var fileSize: Int
    /// Current map size in bytes.
    public var mapSize: Int
    /// LMDB page size in bytes.
    public var pageSize: Int
    /// Pages in use up to the last used page (last page number + 1).
    public var usedPages: Int
    /// Pages on LMDB's free list (reusable without growing the file).
    public var freePages: Int
    /// Reader slots configured / in use (across processes).
    public var maxReaders: Int
    public var readersInUse: Int
    /// Events in the log (including survivors below the horizon).
    public var eventCount: Int
    /// Last committed RV.
    public var head: ResourceVersion
    /// Compaction horizon.
    public var horizon: ResourceVersion
    /// Durable commits by this process's writer since open.
    public var commits: Int
    /// Write bodies those commits carried (commits / bodies = mean group-commit size).
    public var committedBodies: Int
    /// Times the map grew since open.
    public var mapGrowths: Int
    /// Per-table statistics, by table name ("log", "meta", "resources", projector tables, …).
    public var tables: [String: TableStatistics]
}
