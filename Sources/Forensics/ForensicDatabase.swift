import EventLog
import KubeModel
import Logging
import Projections

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An AKE database opened read-only for inspection, possibly while `ake serve`
/// writes to it from another process.
///
/// Every read is a short LMDB read transaction (long scans are cut into chunks),
/// so the server's writer is never held back and no page stays pinned for long.
public final class ForensicDatabase: Sendable {
    /// The data directory (`ake serve --data-dir`).
    public let directory: String
    /// The projections over the log, opened read-only.
    public let store: ObjectStore
    public var log: EventLog { store.log }
    public var catalog: ResourceCatalog { store.catalog }

    /// Events read per read transaction during long scans.
    static let chunk = 2048

    /// Opens the database in `directory` read-only. Throws
    /// `ForensicsError.noDatabase` when there is none there.
    public init(directory: String, logger: Logger = Logger(label: "ake.forensics")) throws {
        let dir = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.directory = dir
        guard Self.hasDatabase(at: dir) else { throw ForensicsError.noDatabase(directory: dir) }
        var options = EventLog.Options()
        options.readOnly = true
        do {
            store = try ObjectStore(
                directory: dir, catalog: ResourceCatalog.builtIn(), options: options, logger: logger)
        } catch {
            throw ForensicsError.failed("cannot open the AKE database at \(dir): \(error)")
        }
        registerStoredCRDs(logger: logger)
    }

    /// Teaches the catalog the custom resources stored in the database (as `ake serve`
    /// does at start), so their names resolve and `verify()` indexes them as the server did.
    private func registerStoredCRDs(logger: Logger) {
        let crds = GroupVersionResource(
            group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
        guard let head = try? bounds().head, head > 0, let stored = try? store.state(at: head, crds) else { return }
        for crd in stored {
            do {
                _ = try catalog.register(crd: try JSONValue(parsing: crd.bytes))
            } catch {
                logger.warning(
                    "a stored CustomResourceDefinition could not be registered",
                    metadata: ["crd": "\(crd.name)", "error": "\(error)"])
            }
        }
    }

    /// Whether `directory` holds an LMDB data file.
    public static func hasDatabase(at directory: String) -> Bool {
        var st = stat()
        return stat(directory + "/data.mdb", &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    public func close() { store.close() }

    /// Head and horizon as committed right now (a fresh read transaction: the
    /// writer is another process, so cached values would be stale).
    public func bounds() throws -> (head: ResourceVersion, horizon: ResourceVersion) {
        try log.read { txn in (txn.head, txn.horizon) }
    }

    /// Resolves `--resource` arguments against the catalog.
    public func resourcePatterns(_ texts: [String]) -> [ResourcePattern] {
        let aliases = ResourcePattern.aliases(from: catalog)
        return texts.map { ResourcePattern(parsing: $0, aliases: aliases) }
    }

    /// Visits retained events with RV > `after` in order, in chunks of short read
    /// transactions, until `body` returns false or the head (as of each chunk) is
    /// reached. `loadObjects: false` leaves `object` empty (sizes stay exact).
    /// Returns the RV of the last event visited (or `after`).
    @discardableResult
    public func scan(
        after: ResourceVersion, loadObjects: Bool, _ body: (EventRecord) throws -> Bool
    ) throws -> ResourceVersion {
        var cursor = after
        var keys: [ResourceID: String] = [:]
        while true {
            var visited = 0
            var stop = false
            try log.read { txn in
                func key(_ id: ResourceID) throws -> String {
                    if let known = keys[id] { return known }
                    let found = try txn.storageKey(for: id) ?? "#\(id)"
                    keys[id] = found
                    return found
                }
                // Below the horizon the log keeps only compaction survivors (each object's
                // version as of the horizon); `retainedEvents` includes them.
                try txn.retainedEvents(after: cursor) { view in
                    let record = Self.record(view, storageKey: try key(view.resource), loadObject: loadObjects)
                    cursor = record.rv
                    visited += 1
                    if try !body(record) {
                        stop = true
                        return false
                    }
                    return visited < Self.chunk
                }
            }
            if stop || visited < Self.chunk { return cursor }
        }
    }

    /// One event by RV, with its object; nil if it is not in the log (never written or compacted away).
    public func event(at rv: ResourceVersion) throws -> EventRecord? {
        try log.read { txn in
            guard let view = try txn.event(at: rv) else { return nil }
            let key = try txn.storageKey(for: view.resource) ?? "#\(view.resource)"
            return Self.record(view, storageKey: key, loadObject: true)
        }
    }

    static func record(_ view: EventView, storageKey: String, loadObject: Bool) -> EventRecord {
        let bytes = view.object
        return EventRecord(
            rv: view.rv, time: view.time, type: view.type, storageKey: storageKey, namespace: view.namespace,
            name: view.name, uid: view.uid, origin: view.origin, upstreamRV: view.upstreamRV, state: view.state,
            previousRV: view.previousRV, size: bytes.count, object: loadObject ? Array(bytes) : [])
    }

    /// Checks that `rv` names a state the log can still reconstruct.
    public func checkRetained(_ rv: ResourceVersion) throws {
        let (head, horizon) = try bounds()
        if rv < horizon { throw ForensicsError.belowHorizon(requested: rv, horizon: horizon) }
        if rv > head { throw ForensicsError.beyondHead(requested: rv, head: head) }
    }

    /// The RV the log was at, at time `micros`: the last event committed at or
    /// before it. Commit times never decrease along the log and RVs are gapless
    /// from the horizon on, so this is a binary search over `[horizon, head]`.
    public func resourceVersion(atTime micros: UInt64) throws -> ResourceVersion {
        try log.read { txn -> ResourceVersion in
            let head = txn.head
            let low = max(txn.horizon, 1)
            guard head >= low, let first = try txn.event(at: low) else {
                throw ForensicsError.notFound("the log holds no events")
            }
            if micros < first.time {
                throw ForensicsError.timeBeforeHorizon(
                    requested: TimeSpec.format(micros), horizon: low, horizonTime: TimeSpec.format(first.time))
            }
            var lo = low  // time(lo) <= micros
            var hi = head
            while lo < hi {
                let mid = lo + (hi - lo + 1) / 2
                if let e = try txn.event(at: mid), e.time <= micros {
                    lo = mid
                } else {
                    hi = mid - 1
                }
            }
            return lo
        }
    }
}
