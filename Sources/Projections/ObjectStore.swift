import EventLog
import KubeModel
import Logging
import Synchronization

/// The object store: the event log plus the projections kept in step with it.
///
/// Objects live only in the log; the `proj.objects` table maps each object key to
/// the RV of its latest event and a compact attribute record (tombstone flag, uid,
/// labels, selectable field values), so lists filter without parsing JSON.
/// Tombstones stay until compaction removes their delete event, which lets lists at
/// older snapshots (continue tokens, Exact) walk each key's `previousRV` chain back
/// to the version at the snapshot.
///
/// `previousRV` of an appended event is the RV of the key's latest event, a
/// tombstone included: the chain of a key runs across delete and re-create, so a
/// walk back from a re-created object finds the deletion, not the older object.
public final class ObjectStore: Sendable {
    /// The underlying log.
    public let log: EventLog
    /// The resources this store serves.
    public let catalog: ResourceCatalog
    let logger: Logger
    let hub: WatchHub
    let handles: ProjectionHandles
    /// Resource ids seen committed (ids never change once committed).
    private let resourceIDs = Mutex<[String: ResourceID]>([:])
    /// The size of the last complete list body per resource and namespace, so the next
    /// one reserves its buffer once instead of growing it item by item.
    let listSizeHints = Mutex<[String: Int]>([:])

    /// Opens (creating if needed) the store in `directory`.
    public init(
        directory: String, catalog: ResourceCatalog, options: EventLog.Options = .init(), logger: Logger
    ) throws {
        let hub = WatchHub(head: 0)
        let projector = ObjectProjector(catalog: catalog, hub: hub)
        let log = try EventLog(directory: directory, options: options, projector: projector, logger: logger)
        guard let objects = log.table(named: ProjectionTable.objects.spec.name),
            let index = log.table(named: ProjectionTable.index.spec.name)
        else {
            log.close()
            throw EventLogError.missingTable("proj.objects/proj.index")
        }
        let handles = ProjectionHandles(objects: objects, index: index)
        projector.handles.withLock { $0 = handles }
        hub.publishedHead.store(log.head, ordering: .sequentiallyConsistent)
        self.log = log
        self.catalog = catalog
        self.logger = logger
        self.hub = hub
        self.handles = handles
    }

    /// Ends all watches and closes the log.
    public func close() {
        hub.closeAll()
        log.close()
    }

    /// When the batch committing `rv` was handed to the watch hub, if it was the last one (benchmarks).
    package func publishInstant(of rv: ResourceVersion) -> ContinuousClock.Instant? {
        hub.lastPublish.withLock { p in p.flatMap { $0.0 >= rv ? $0.1 : nil } }
    }

    /// Number of open watches (for metrics and tests).
    public var watcherCount: Int { hub.watcherCount }

    // MARK: - Reading

    /// The id of `gvr` in this transaction, if any object of it was ever stored.
    func resourceID(_ txn: some TransactionReader, _ gvr: GroupVersionResource, cache: Bool = true) throws
        -> ResourceID?
    {
        let key = gvr.storageKey
        if let id = resourceIDs.withLock({ $0[key] }) { return id }
        guard let id = try txn.resourceID(for: key) else { return nil }
        if cache { resourceIDs.withLock { $0[key] = id } }
        return id
    }

    /// The current (non-deleted) version of an object.
    public func get(_ gvr: GroupVersionResource, namespace: String, name: String) throws -> StoredObject? {
        guard StorageKeys.objectKeyLength(namespace: namespace, name: name) <= maxObjectKeyLength else { return nil }
        return try log.read { txn in try current(txn, gvr, namespace: namespace, name: name, cacheID: true) }
    }

    func current(
        _ txn: some TransactionReader, _ gvr: GroupVersionResource, namespace: String, name: String, cacheID: Bool
    ) throws -> StoredObject? {
        guard StorageKeys.objectKeyLength(namespace: namespace, name: name) <= maxObjectKeyLength,
            let id = try resourceID(txn, gvr, cache: cacheID)
        else { return nil }
        let key = StorageKeys.objectKey(id, namespace: namespace, name: name)
        guard let row = try txn.get(handles.objects, key: key) else { return nil }
        guard let rv = ObjectAttributes.rowRV(row) else { throw ProjectionError.corruptRow(gvr.description) }
        if ObjectAttributes.rowDeleted(row) { return nil }
        return try storedObject(txn, gvr, rv: rv)
    }

    func storedObject(_ txn: some TransactionReader, _ gvr: GroupVersionResource, rv: ResourceVersion) throws
        -> StoredObject
    {
        guard let ev = try txn.event(at: rv) else {
            throw ProjectionError.corruptRow("\(gvr) row points at missing event \(rv)")
        }
        return StoredObject(
            resource: gvr, namespace: ev.namespace, name: ev.name, uid: ev.uid, rv: rv, upstreamRV: ev.upstreamRV,
            bytes: Array(ev.object))
    }

    /// Visits, in key order, the objects of resource `id` under `prefix` (after
    /// `afterKey`) as they were at `snapshot` (`nil` = the latest state), that match
    /// `filter`. `visit` gets the object key and the RV of the version; it returns
    /// false to stop.
    func scanObjects(
        _ txn: some TransactionReader, id: ResourceID, info: ResourceInfo?, prefix: [UInt8], after afterKey: [UInt8]?,
        snapshot: ResourceVersion?, filter: ObjectFilter,
        _ visit: (UnsafeRawBufferPointer, ResourceVersion) throws -> Bool
    ) throws {
        let checkKey = filter.namespace != nil || filter.name != nil
        let start = afterKey.map { $0 + [0] } ?? prefix
        try txn.scan(handles.objects, from: start) { key, row in
            guard StorageKeys.hasPrefix(key, prefix) else { return false }
            guard let rowRV = ObjectAttributes.rowRV(row) else { throw ProjectionError.corruptRow("short row") }
            var ns = ""
            var name = ""
            if checkKey || filter.needsAttributes {
                (ns, name) = StorageKeys.splitNamespaceName(UnsafeRawBufferPointer(rebasing: key[4...]))
                if !filter.matchesKey(namespace: ns, name: name) { return true }
            }
            let limit = snapshot ?? .max
            if rowRV <= limit {
                if ObjectAttributes.rowDeleted(row) { return true }
                if filter.needsAttributes {
                    guard let (_, attributes) = ObjectAttributes.decodeRow(row) else {
                        throw ProjectionError.corruptRow("undecodable row")
                    }
                    if !filter.matchesAttributes(namespace: ns, name: name, attributes) { return true }
                }
                return try visit(key, rowRV)
            }
            // The latest version is newer than the snapshot: walk the chain back.
            guard let version = try self.version(txn, from: rowRV, atOrBefore: limit) else {
                return true
            }
            if filter.needsAttributes {
                guard let ev = try txn.event(at: version) else { return true }
                let attributes = ObjectAttributes.of(event: ev, info: info)
                if !filter.matchesAttributes(namespace: ns, name: name, attributes) { return true }
            }
            return try visit(key, version)
        }
    }

    /// The RV of the newest non-deleted version at or before `limit` on the chain
    /// that starts at `rv`; `nil` when the object did not exist then.
    func version(_ txn: some TransactionReader, from rv: ResourceVersion, atOrBefore limit: ResourceVersion) throws
        -> ResourceVersion?
    {
        var current = rv
        // Each step moves to a strictly smaller RV, so this ends.
        while true {
            guard let ev = try txn.event(at: current) else { return nil }
            if current <= limit { return ev.type == .deleted ? nil : current }
            let previous = ev.previousRV
            guard previous != 0, previous < current else { return nil }
            current = previous
        }
    }

    /// Whether a latest-state list can use the field index, and for which value.
    func indexedLookup(_ gvr: GroupVersionResource, _ filter: ObjectFilter) -> (field: String, value: String)? {
        guard let field = indexedFields[gvr.storageKey], let value = filter.fieldSelector?.requiredValue(for: field)
        else { return nil }
        return (field, value)
    }

    /// Visits, via the field index, the latest objects whose `field` equals `value`
    /// (and match `filter`), in namespace/name order. Returns false when the index
    /// cannot answer alone (entries in its overflow area), without visiting anything.
    func scanIndex(
        _ txn: some TransactionReader, id: ResourceID, value: String, after afterKey: [UInt8]?, filter: ObjectFilter,
        _ visit: (UnsafeRawBufferPointer, ResourceVersion) throws -> Bool
    ) throws -> Bool {
        let overflow = StorageKeys.overflowPrefix(id)
        var hasOverflow = false
        try txn.scan(handles.index, from: overflow) { key, _ in
            hasOverflow = StorageKeys.hasPrefix(key, overflow)
            return false
        }
        if hasOverflow || value.utf8.contains(0) { return false }
        let prefix = StorageKeys.indexPrefix(id, value: value, namespace: filter.namespace)
        var start = prefix
        if let afterKey, afterKey.count > 4 {
            let (ns, name) = StorageKeys.splitNamespaceName(afterKey[4...])
            start = StorageKeys.indexPrefix(id, value: value, namespace: ns) + Array(name.utf8) + [0]
        }
        let tailOffset = 4 + value.utf8.count + 1
        try txn.scan(handles.index, from: start) { key, _ in
            guard StorageKeys.hasPrefix(key, prefix) else { return false }
            let (ns, name) = StorageKeys.splitNamespaceName(UnsafeRawBufferPointer(rebasing: key[tailOffset...]))
            let objectKey = StorageKeys.objectKey(id, namespace: ns, name: name)
            guard let row = try txn.get(handles.objects, key: objectKey),
                let (rv, attributes) = ObjectAttributes.decodeRow(row)
            else { throw ProjectionError.corruptRow("index entry without object \(ns)/\(name)") }
            if attributes.deleted || !filter.matches(namespace: ns, name: name, attributes) { return true }
            return try objectKey.withUnsafeBytes { try visit($0, rv) }
        }
        return true
    }

    /// State at a retained RV (>= horizon - 1: compaction keeps the state just below the horizon), for replay/export; all resources when `gvr` is nil.
    public func state(at rv: ResourceVersion, _ gvr: GroupVersionResource?) throws -> [StoredObject] {
        try log.read { txn in
            if rv + 1 < txn.horizon || rv > txn.head {
                throw StatusError.tooOldResourceVersion(requested: rv, oldest: txn.horizon)
            }
            let all = ObjectFilter(namespace: nil, name: nil, labelSelector: nil, fieldSelector: nil)
            var ids: [(ResourceID, GroupVersionResource)] = []
            if let gvr {
                if let id = try resourceID(txn, gvr) { ids.append((id, gvr)) }
            } else {
                var seen = Set<ResourceID>()
                try txn.scan(handles.objects, from: nil) { key, _ in
                    if key.count >= 4 { seen.insert(StorageKeys.readUInt32(key, at: 0)) }
                    return true
                }
                for id in seen.sorted() {
                    if let sk = try txn.storageKey(for: id), let g = GroupVersionResource(storageKey: sk) {
                        ids.append((id, g))
                    }
                }
            }
            var out: [StoredObject] = []
            for (id, g) in ids {
                try scanObjects(
                    txn, id: id, info: catalog.resource(for: g), prefix: StorageKeys.resourcePrefix(id), after: nil,
                    snapshot: rv == txn.head ? nil : rv, filter: all
                ) { _, version in
                    out.append(try storedObject(txn, g, rv: version))
                    return true
                }
            }
            return out
        }
    }

    // MARK: - Writing

    /// Runs `body` inside one write transaction (group-committed, durable before
    /// return). May run more than once; errors thrown by body abort only this body.
    public func mutate<T: Sendable>(_ body: @escaping @Sendable (MutationContext) throws -> T) async throws -> T {
        try await log.write { txn in
            let context = MutationContext(txn: txn, store: self)
            return try body(context)
        }
    }
}

/// What a write body may do inside one write transaction (see `ObjectStore.mutate`).
public final class MutationContext {
    let txn: WriteTransaction
    let store: ObjectStore

    init(txn: WriteTransaction, store: ObjectStore) {
        self.txn = txn
        self.store = store
    }

    /// The RV the next `append` gets.
    public var nextRV: ResourceVersion { txn.nextRV }

    /// Takes this body's writes even above the disk quota (`EventLog.Options.quotaBytes`):
    /// for deletions, which may write a MODIFIED event first (finalizers, grace periods).
    public func admitOverQuota() {
        txn.admitsOverQuota = true
    }

    /// Sets an EventLog meta value in the same transaction as the appends (edge sync
    /// keeps a scope's resume point there, so it never disagrees with the events it covers).
    public func setMeta(_ key: String, _ value: [UInt8]) throws {
        try txn.setMeta(key, value)
    }

    /// A meta value (as stored with `setMeta`, also earlier in this body), or nil.
    public func meta(_ key: String) throws -> [UInt8]? {
        try txn.meta(key)
    }

    /// Removes a meta value in the same transaction as the appends.
    public func removeMeta(_ key: String) throws {
        try txn.removeMeta(key)
    }

    /// The current version of an object, including appends made earlier in this body.
    public func current(_ gvr: GroupVersionResource, namespace: String, name: String) throws -> StoredObject? {
        try store.current(txn, gvr, namespace: namespace, name: name, cacheID: false)
    }

    /// Current objects of a resource (namespace nil = all), in namespace/name order.
    public func list(_ gvr: GroupVersionResource, namespace: String?) throws -> [StoredObject] {
        guard let id = try store.resourceID(txn, gvr, cache: false) else { return [] }
        let prefix =
            namespace.map { StorageKeys.namespacePrefix(id, namespace: $0) } ?? StorageKeys.resourcePrefix(id)
        var rvs: [ResourceVersion] = []
        try store.scanObjects(
            txn, id: id, info: nil, prefix: prefix, after: nil, snapshot: nil,
            filter: ObjectFilter(namespace: nil, name: nil, labelSelector: nil, fieldSelector: nil)
        ) { _, rv in
            rvs.append(rv)
            return true
        }
        return try rvs.map { try store.storedObject(txn, gvr, rv: $0) }
    }

    /// Appends an event for the object and updates the projections. `object` must
    /// already carry `metadata.resourceVersion == String(nextRV)`. The event's
    /// `previousRV` is the RV of the key's latest event (tombstones included).
    /// Throws a StatusError (422) for names/namespaces too long to be a key.
    @discardableResult
    public func append(
        _ type: EventType, _ gvr: GroupVersionResource, object: [UInt8], namespace: String, name: String,
        uid: String, origin: EventOrigin, upstreamRV: String = "", state: EventState = .committed
    ) throws -> StoredObject {
        guard StorageKeys.objectKeyLength(namespace: namespace, name: name) <= maxObjectKeyLength else {
            throw StatusError.invalid(
                kind: store.catalog.resource(for: gvr)?.kind ?? gvr.resource, name: name,
                causes: [
                    StatusCause(
                        reason: "FieldValueTooLong",
                        message:
                            "namespace and name together must be no more than \(maxObjectKeyLength - 5) bytes",
                        field: "metadata.name")
                ])
        }
        let id = try txn.internResource(gvr.storageKey)
        let key = StorageKeys.objectKey(id, namespace: namespace, name: name)
        let previous = try txn.get(store.handles.objects, key: key).flatMap { ObjectAttributes.rowRV($0) } ?? 0
        let rv = try txn.append(
            NewEvent(
                type: type, resource: id, namespace: namespace, name: name, uid: uid, origin: origin,
                upstreamRV: upstreamRV, state: state, previousRV: previous, object: object))
        return StoredObject(
            resource: gvr, namespace: namespace, name: name, uid: uid, rv: rv, upstreamRV: upstreamRV, bytes: object)
    }
}
