import EventLog
import KubeModel
import Synchronization

/// The projection tables. `objects` holds one row per object key (latest event RV +
/// attributes, tombstones included); `index` holds field-value index entries.
enum ProjectionTable: Sendable {
    case objects, index

    var spec: TableSpec {
        switch self {
        case .objects: TableSpec(name: "proj.objects")
        case .index: TableSpec(name: "proj.index")
        }
    }
}

/// Where a projection step reads and writes rows: the live write transaction, or
/// the in-memory scratch tables `verify()` rebuilds into.
protocol ProjectionTables {
    func row(_ table: ProjectionTable, _ key: [UInt8]) throws -> [UInt8]?
    mutating func put(_ table: ProjectionTable, _ key: [UInt8], _ value: [UInt8]) throws
    mutating func remove(_ table: ProjectionTable, _ key: [UInt8]) throws
    func storageKey(for id: ResourceID) throws -> String?
}

/// Field indexes: resource storage key → indexed selectable field.
let indexedFields: [String: String] = ["/v1/pods": "spec.nodeName"]

/// An appended event, decoded once on the writer thread for the watch hub.
struct ChangeRecord: Sendable {
    var rv: ResourceVersion
    var type: EventType
    var storageKey: String
    var namespace: String
    var name: String
    /// Attributes of this version (for DELETED: of the object as deleted).
    var attributes: ObjectAttributes
    /// Attributes of the previous live version, if any.
    var previous: ObjectAttributes?
    var object: [UInt8]
}

/// The pure projection step shared by the live projector and `verify()`.
enum Projection {
    /// Applies one event to the tables; returns the decoded change.
    static func apply<T: ProjectionTables>(
        _ event: EventView, to tables: inout T, catalog: ResourceCatalog, copyObject: Bool
    ) throws -> ChangeRecord {
        let key = StorageKeys.objectKey(event.resource, namespace: event.namespace, name: event.name)
        let storageKey = try tables.storageKey(for: event.resource) ?? ""
        let info = GroupVersionResource(storageKey: storageKey).flatMap { catalog.resource(for: $0) }
        let old = try tables.row(.objects, key).flatMap { row in
            row.withUnsafeBytes { ObjectAttributes.decodeRow($0) }
        }
        let attributes = ObjectAttributes.of(event: event, info: info)
        try tables.put(.objects, key, attributes.encodeRow(rv: event.rv))
        if let field = indexedFields[storageKey] {
            let oldLive = old.flatMap { $0.attributes.deleted ? nil : $0.attributes }
            let oldKey = oldLive.map {
                StorageKeys.indexKey(
                    event.resource, value: $0.fields[field] ?? "", namespace: event.namespace, name: event.name)
            }
            let newKey =
                attributes.deleted
                ? nil
                : StorageKeys.indexKey(
                    event.resource, value: attributes.fields[field] ?? "", namespace: event.namespace,
                    name: event.name)
            if oldKey != newKey {
                if let oldKey { try tables.remove(.index, oldKey) }
                if let newKey { try tables.put(.index, newKey, [1]) }
            }
        }
        let previous = old.flatMap { $0.attributes.deleted ? nil : $0.attributes }
        return ChangeRecord(
            rv: event.rv, type: event.type, storageKey: storageKey, namespace: event.namespace, name: event.name,
            attributes: attributes, previous: previous, object: copyObject ? Array(event.object) : [])
    }

    /// Compaction removes `event`: a tombstone whose delete event goes leaves nothing.
    static func willRemove<T: ProjectionTables>(_ event: EventView, from tables: inout T) throws {
        guard event.type == .deleted else { return }
        let key = StorageKeys.objectKey(event.resource, namespace: event.namespace, name: event.name)
        guard let row = try tables.row(.objects, key) else { return }
        let isThisTombstone = row.withUnsafeBytes {
            ObjectAttributes.rowRV($0) == event.rv && ObjectAttributes.rowDeleted($0)
        }
        if isThisTombstone { try tables.remove(.objects, key) }
    }
}

/// The live tables: the EventLog's write transaction.
struct TransactionTables: ProjectionTables {
    let txn: WriteTransaction
    let objects: Table
    let index: Table

    private func handle(_ t: ProjectionTable) -> Table { t == .objects ? objects : index }

    func row(_ table: ProjectionTable, _ key: [UInt8]) throws -> [UInt8]? {
        try txn.get(handle(table), key: key).map { Array($0) }
    }
    func put(_ table: ProjectionTable, _ key: [UInt8], _ value: [UInt8]) throws {
        try txn.put(handle(table), key: key, value: value)
    }
    func remove(_ table: ProjectionTable, _ key: [UInt8]) throws {
        try txn.delete(handle(table), key: key, value: nil)
    }
    func storageKey(for id: ResourceID) throws -> String? { try txn.storageKey(for: id) }
}

/// Table handles, known once the EventLog has opened them.
struct ProjectionHandles: Sendable {
    var objects: Table
    var index: Table
}

/// Keeps the projection tables in step with the log (inside the same write
/// transaction) and hands committed changes to the watch hub.
final class ObjectProjector: LogProjector {
    let catalog: ResourceCatalog
    let hub: WatchHub
    let handles = Mutex<ProjectionHandles?>(nil)
    /// Changes applied in the current, not yet committed, batch.
    private let pending = Mutex<[ChangeRecord]>([])

    init(catalog: ResourceCatalog, hub: WatchHub) {
        self.catalog = catalog
        self.hub = hub
    }

    var tables: [TableSpec] { [ProjectionTable.objects.spec, ProjectionTable.index.spec] }

    private func liveTables(_ txn: WriteTransaction) throws -> TransactionTables {
        guard let h = handles.withLock({ $0 }) else { throw ProjectionError.notOpen }
        return TransactionTables(txn: txn, objects: h.objects, index: h.index)
    }

    func apply(_ event: EventView, in txn: WriteTransaction) throws {
        var tables = try liveTables(txn)
        let record = try Projection.apply(event, to: &tables, catalog: catalog, copyObject: true)
        pending.withLock { $0.append(record) }
    }

    func willRemove(_ event: EventView, in txn: WriteTransaction) throws {
        var tables = try liveTables(txn)
        try Projection.willRemove(event, from: &tables)
    }

    func rolledBack(from rv: ResourceVersion) {
        pending.withLock { $0.removeAll { $0.rv >= rv } }
    }

    func didCommit(head: ResourceVersion) {
        let records = pending.withLock { p -> [ChangeRecord] in
            let committed = p.filter { $0.rv <= head }
            p.removeAll { $0.rv <= head }
            return committed
        }
        hub.publish(records, head: head)
    }
}

/// Internal errors of the projections (not client errors).
enum ProjectionError: Error, CustomStringConvertible {
    case notOpen
    case corruptRow(String)

    var description: String {
        switch self {
        case .notOpen: "projection tables are not open"
        case .corruptRow(let s): "corrupt projection row: \(s)"
        }
    }
}
