import EventLog
import Foundation
import Synchronization

/// A temporary directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/ake-eventlog-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Opens a log in a fresh temporary directory, runs `body`, closes the log and removes the directory.
func withTemporaryLog<T>(
    options: EventLog.Options = .init(mapSize: 16 << 20), projector: (any LogProjector)? = nil,
    _ body: (EventLog, String) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory()
    let log = try EventLog(directory: directory.path, options: options, projector: projector)
    defer { log.close() }
    return try await body(log, directory.path)
}

func sampleEvent(
    _ name: String, type: EventType = .added, namespace: String = "default", previousRV: ResourceVersion = 0,
    origin: EventOrigin = .system, object: [UInt8]? = nil
) -> NewEvent {
    NewEvent(
        type: type, resource: 1, namespace: namespace, name: name, uid: "uid-\(name)", origin: origin,
        previousRV: previousRV, object: object ?? Array(#"{"metadata":{"name":"\#(name)"}}"#.utf8))
}

/// A projector that mirrors every applied event into its own table (key: RV, value: name)
/// and records the callbacks it receives.
final class RecordingProjector: LogProjector {
    struct Calls {
        var applied: [ResourceVersion] = []
        var removed: [ResourceVersion] = []
        var rolledBack: [ResourceVersion] = []
        var committedHeads: [ResourceVersion] = []
    }

    let calls = Mutex(Calls())
    /// Names whose apply throws (to test a failing projector).
    let failOnName: String?
    let tableName = "test.mirror"

    init(failOnName: String? = nil) { self.failOnName = failOnName }

    var tables: [TableSpec] { [TableSpec(name: tableName), TableSpec(name: "test.dups", duplicateSort: true)] }

    struct Refused: Error {}

    func apply(_ event: EventView, in txn: WriteTransaction) throws {
        if event.name == failOnName { throw Refused() }
        guard let table = txn.table(named: tableName) else { throw Refused() }
        try txn.put(table, key: ResourceVersionKey.encode(event.rv), value: Array(event.name.utf8))
        calls.withLock { $0.applied.append(event.rv) }
    }

    func willRemove(_ event: EventView, in txn: WriteTransaction) throws {
        guard let table = txn.table(named: tableName) else { throw Refused() }
        try txn.delete(table, key: ResourceVersionKey.encode(event.rv), value: nil)
        calls.withLock { $0.removed.append(event.rv) }
    }

    func rolledBack(from rv: ResourceVersion) {
        calls.withLock { $0.rolledBack.append(rv) }
    }

    func didCommit(head: ResourceVersion) {
        calls.withLock { $0.committedHeads.append(head) }
    }
}
