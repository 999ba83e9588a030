import ArgumentParser
import EventLog
import Forensics
import Foundation
import Glibc

/// `ake backup`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent, compacted copy of the database to a new directory.",
        discussion: """
            Safe while `ake serve` runs: the copy is one LMDB read snapshot (mdb_env_copy2 with \
            MDB_CP_COMPACT, so free pages are left out) and never blocks the server. The copy is a \
            complete data directory: `ake log`, `ake replay` and `ake serve` accept it as --data-dir.
            """)

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("Where to write the copy; must not exist or be empty.", valueName: "dir"))
    var directory: String

    func run() async throws {
        try await data.withDatabase { db in
            let target = directory + "/data.mdb"
            let meter = ProgressMeter("backup", unit: .bytes, total: db.log.storageUsage.usedBytes)
            let summary = try meter.sampling({ CompactDBCommand.size(target) }) { try db.backup(to: directory) }
            Output.write(
                "backed up \(data.dataDir) to \(directory): RV \(summary.horizon)..\(summary.head), \(summary.fileSize) bytes\n"
            )
        }
    }
}

/// `ake compact-db`: gives the space compaction freed back to the file system.
struct CompactDBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact-db",
        abstract: "Rewrite the database without its free pages, shrinking data.mdb (offline: stop `ake serve` first).",
        discussion: """
            LMDB reuses the pages compaction frees but never returns them to the file system, so \
            data.mdb keeps its largest size. This writes a compacted copy (mdb_env_copy2 with \
            MDB_CP_COMPACT, as `ake backup` does) next to it, checks that the copy opens with the \
            same head, and renames it over data.mdb: a crash at any point leaves either the old or \
            the new file, never a mix. Refuses to run while a server holds the data directory.
            """)

    @OptionGroup var data: DataDirOptions

    func run() async throws {
        try await runForensicTool {
            let dataDir = data.dataDir
            let fm = FileManager.default
            let dataFile = dataDir + "/data.mdb"
            guard fm.fileExists(atPath: dataFile) else {
                throw ValidationError("\(dataDir) holds no AKE database (no data.mdb)")
            }
            let lock = try DataDirLock(dataDir: dataDir)
            defer { lock.release() }
            let before = Self.size(dataFile)
            let staging = dataDir + "/compact-db.tmp"
            try? fm.removeItem(atPath: staging)  // left by an interrupted run
            let summary: BackupSummary
            let sourceHead: ResourceVersion
            do {
                let db = try data.open()
                defer { db.close() }
                sourceHead = db.log.head
                let meter = ProgressMeter("compacting", unit: .bytes, total: db.log.storageUsage.usedBytes)
                summary = try meter.sampling({ Self.size(staging + "/data.mdb") }) { try db.backup(to: staging) }
            }
            guard summary.head == sourceHead else {
                try? fm.removeItem(atPath: staging)
                throw ValidationError(
                    "the compacted copy ends at RV \(summary.head), not \(sourceHead); data.mdb left as it was")
            }
            try Self.syncFile(staging + "/data.mdb")
            guard rename(staging + "/data.mdb", dataFile) == 0 else {
                let reason = String(cString: strerror(errno))
                try? fm.removeItem(atPath: staging)
                throw ValidationError("cannot replace \(dataFile): \(reason)")
            }
            try Self.syncFile(dataDir)  // the rename itself
            try? fm.removeItem(atPath: staging)
            // The reader table describes the old file; LMDB makes a new one on the next open.
            try? fm.removeItem(atPath: dataDir + "/lock.mdb")
            let after = Self.size(dataFile)
            Output.write(
                "compacted \(dataFile): \(formatBytes(before)) -> \(formatBytes(after)) (RV \(summary.horizon)..\(summary.head))\n"
            )
        }
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// fsync(2) a file or directory so a rename that follows (or just happened) is durable.
    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ValidationError("cannot open \(path) to sync it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ValidationError("fsync \(path) failed: \(String(cString: strerror(errno)))") }
    }
}
