import EventLog
import Foundation

/// What `ake backup` copied.
public struct BackupSummary: Sendable, Hashable {
    /// Head and horizon of the snapshot that was copied.
    public var head: ResourceVersion
    public var horizon: ResourceVersion
    /// Size of the copy's data file.
    public var fileSize: Int
}

extension ForensicDatabase {
    /// Copies the database into `target` (created; must not exist or be empty) as one
    /// consistent, compacted snapshot, then checks that the copy opens and reports it.
    public func backup(to target: String) throws -> BackupSummary {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: target, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw ForensicsError.invalidArgument("\(target) exists and is not a directory")
            }
            let entries = (try? fm.contentsOfDirectory(atPath: target)) ?? []
            guard entries.isEmpty else {
                throw ForensicsError.invalidArgument("\(target) is not empty; back up into a new or empty directory")
            }
        } else {
            do {
                try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
            } catch {
                throw ForensicsError.failed("cannot create \(target): \(error.localizedDescription)")
            }
        }
        do {
            try log.backup(to: target, compact: true)
        } catch {
            throw ForensicsError.failed("backup to \(target) failed: \(error)")
        }
        // The copy is its own environment: open it (read-only) to prove it is usable.
        let copy = try EventLog(directory: target, options: .init(readOnly: true))
        defer { copy.close() }
        let stats = try copy.statistics()
        return BackupSummary(head: stats.head, horizon: stats.horizon, fileSize: stats.fileSize)
    }
}
