import ArgumentParser
import EventLog
import Forensics
import Foundation

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
            let summary = try db.backup(to: directory)
            Output.write(
                "backed up \(data.dataDir) to \(directory): RV \(summary.horizon)..\(summary.head), \(summary.fileSize) bytes\n"
            )
        }
    }
}
