import EventLog

/// Small values other layers keep beside the objects, in the log's meta table: edge
/// sync's scopes and the discovery mirror. The layers above read and write them here
/// rather than opening log transactions themselves; a value that must commit with the
/// events it describes goes through `MutationContext.setMeta` instead.
extension ObjectStore {
    /// The value stored under `key`, or nil (one short read transaction).
    public func meta(_ key: String) throws -> [UInt8]? {
        try log.read { txn in try txn.meta(key) }
    }

    /// The values whose key starts with `prefix`, in key order (one read transaction).
    public func metaValues(withPrefix prefix: String) throws -> [[UInt8]] {
        try log.read { txn in
            var values: [[UInt8]] = []
            try txn.metaEntries(withPrefix: prefix) { _, value in
                values.append(Array(value))
                return true
            }
            return values
        }
    }

    /// Removes the values under `keys` in one durable write; returns how many there were.
    public func removeMeta(_ keys: [String]) async throws -> Int {
        try await log.write { txn in
            var removed = 0
            for key in keys where try txn.meta(key) != nil {
                try txn.removeMeta(key)
                removed += 1
            }
            return removed
        }
    }

    /// Stores every value in one durable write (they commit together).
    public func setMeta(_ values: [String: [UInt8]]) async throws {
        try await log.write { txn in
            for (key, value) in values { try txn.setMeta(key, value) }
        }
    }
}
