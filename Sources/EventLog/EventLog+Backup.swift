// Hot backup for `ake backup` (added by the forensics work; kept apart from the core files).
import CLMDB

extension EventLog {
    /// Writes a consistent copy of the whole environment (log, meta, projector
    /// tables) into the existing, empty directory `directory` as `data.mdb`.
    ///
    /// The copy is taken from one read snapshot, so it is safe while this or another
    /// process writes, and it never blocks the writer. With `compact` (the default)
    /// LMDB's `MDB_CP_COMPACT` leaves free pages out and renumbers the rest, so the
    /// copy is as small as the live data. The result opens as a data directory of its own.
    public func backup(to directory: String, compact: Bool = true) throws {
        let flags = UInt32(compact ? MDB_CP_COMPACT : 0)
        while true {
            try core.gate.enterShared()
            let rc = mdb_env_copy2(core.env.pointer, directory, flags)
            core.gate.leaveShared()
            if rc == MDB_SUCCESS { return }
            guard rc == MDB_MAP_RESIZED else { throw lmdbError(rc, "mdb_env_copy2 \(directory)") }
            // Another process grew the map: adopt its size and take the snapshot again.
            try core.adoptMapSize()
        }
    }
}
