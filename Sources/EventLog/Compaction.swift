// Compaction: at horizon C, drop every event with RV < C except, for each object that
// existed at C, its newest event below C (an object deleted before C leaves nothing).
//
// Decided with previousRV chains: scanning the not-yet-compacted events below C in RV order,
// an event e supersedes its predecessor e.previousRV (removed), and a DELETED e removes itself.
// Survivors of earlier compactions are removed when a later event of their object (necessarily
// in the newly scanned range) is scanned. So every event is examined once, in bounded batches,
// each its own write body through the single writer. Requires `NewEvent.previousRV` to name
// the previous event of the same object (0 for a creation).
import CLMDB
import Foundation

extension EventLog {
    /// Events examined per compaction transaction (keeps appends from stalling behind compaction).
    public static let compactionBatchSize = 10_000

    /// Compacts to `horizon` (clamped to head + 1; never lowered) in bounded batches; persists the horizon.
    /// The horizon is raised first, so reads below it fail with `belowHorizon` while removal proceeds.
    public func compact(to horizon: ResourceVersion) async throws -> CompactionReport {
        let effective = try await write { txn -> ResourceVersion in
            let current = txn.horizon
            let target = max(current, min(horizon, txn.head + 1))
            if target > current { try txn.setHorizon(target) }
            return target
        }
        var report = CompactionReport(horizon: effective, scanned: 0, removed: 0, batches: 1)
        while true {
            let batch = try await write { txn in try txn.compactBatch(limit: Self.compactionBatchSize) }
            report.batches += 1
            report.scanned += batch.scanned
            report.removed += batch.removed
            if batch.done { break }
        }
        core.logger.info(
            "event log compacted",
            metadata: [
                "horizon": "\(report.horizon)", "removed": "\(report.removed)", "scanned": "\(report.scanned)",
            ])
        return report
    }

    /// Applies a retention policy (max age, max events) and compacts accordingly: the horizon becomes
    /// the highest of head + 1 − maxEvents and the first RV committed within maxAge.
    public func compact(retention: RetentionPolicy) async throws -> CompactionReport {
        let head = self.head
        var target = horizon
        if let maxEvents = retention.maxEvents {
            let keep = UInt64(max(0, maxEvents))
            if head + 1 > keep { target = max(target, head + 1 - keep) }
        }
        if let maxAge = retention.maxAge {
            let (seconds, attoseconds) = maxAge.components
            let ageMicros = UInt64(max(0, seconds)) &* 1_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000_000)
            let now = wallClockMicros()
            let cutoff = now > ageMicros ? now - ageMicros : 0
            target = max(target, try firstRV(committedAtOrAfter: cutoff))
        }
        return try await compact(to: target)
    }

    /// Storage fraction from which `compactUnderPressure` compacts beyond the retention policy.
    public static let quotaPressureThreshold = 0.8

    /// Near the quota (at least `quotaPressureThreshold` of it in use), compacts beyond the retention
    /// policy: each round halves the retained history (at the end only each live object's newest
    /// event is left) until usage falls below the threshold or nothing more can go.
    /// Returns the rounds' reports (empty when not under pressure).
    public func compactUnderPressure() async throws -> [CompactionReport] {
        var reports: [CompactionReport] = []
        while storageUsage.fraction >= Self.quotaPressureThreshold {
            let head = self.head
            let horizon = self.horizon
            guard horizon <= head else { break }  // already at head + 1: only live objects remain
            let retained = head + 1 - horizon
            let target = retained <= 1 ? head + 1 : horizon + (retained + 1) / 2
            let usage = storageUsage
            core.logger.warning(
                "event log near its disk quota: compacting beyond the retention policy",
                metadata: [
                    "usedBytes": "\(usage.usedBytes)", "quotaBytes": "\(usage.quotaBytes ?? 0)",
                    "horizon": "\(horizon)", "newHorizon": "\(target)",
                ])
            reports.append(try await compact(to: target))
        }
        return reports
    }

    /// The first retained RV whose commit time is >= `cutoff` (head + 1 if none), by binary search
    /// over [horizon, head], where the log is gapless and commit times never decrease.
    func firstRV(committedAtOrAfter cutoff: UInt64) throws -> ResourceVersion {
        try read { txn in
            var low = txn.horizon
            var high = txn.head + 1
            while low < high {
                let mid = low + (high - low) / 2
                if let event = try txn.event(at: mid), event.time >= cutoff {
                    high = mid
                } else {
                    low = mid + 1
                }
            }
            return low
        }
    }
}

extension WriteTransaction {
    /// Persists a new compaction horizon (applied in memory after the commit).
    func setHorizon(_ horizon: ResourceVersion) throws {
        try putMeta(MetaKey.horizon, ResourceVersionKey.encode(horizon))
        newHorizon = horizon
    }

    /// Examines up to `limit` not-yet-compacted events below the horizon and removes the superseded ones.
    func compactBatch(limit: Int) throws -> (scanned: Int, removed: Int, done: Bool) {
        let horizon = core.horizon
        let from = try core.metaUInt64(MetaKey.compactedTo) ?? 0
        guard from < horizon else { return (0, 0, true) }
        struct Item {
            var rv: ResourceVersion
            var previousRV: ResourceVersion
            var deleted: Bool
        }
        var items: [Item] = []
        items.reserveCapacity(min(limit, 1024))
        // Collect first, then delete: no cursor is open while the tree changes.
        try core.scan(core.schema.log, from: ResourceVersionKey.encode(from)) { key, value in
            guard let rv = ResourceVersionKey.decode(key), rv < horizon, items.count < limit else { return false }
            let event = try EventView(rv: rv, bytes: value)
            items.append(Item(rv: rv, previousRV: event.previousRV, deleted: event.type == .deleted))
            return true
        }
        let done = items.count < limit
        var removed = 0
        for item in items {
            if item.previousRV != 0, item.previousRV < item.rv, try removeEvent(item.previousRV) { removed += 1 }
            if item.deleted, try removeEvent(item.rv) { removed += 1 }
        }
        let next = done ? horizon : (items.last.map { $0.rv + 1 } ?? horizon)
        try putMeta(MetaKey.compactedTo, ResourceVersionKey.encode(next))
        return (items.count, removed, done)
    }

    /// Removes one event from the log after telling the projector. False when already gone.
    private func removeEvent(_ rv: ResourceVersion) throws -> Bool {
        let key = ResourceVersionKey.encode(rv)
        guard let value = try core.get(core.schema.log, key: key) else { return false }
        // Copy: the projector's own writes may move the page `value` points into.
        let record = Array(value)
        if let projector = projectorForCompaction {
            try record.withUnsafeBytes { bytes in
                do {
                    try projector.willRemove(EventView(rv: rv, bytes: bytes), in: self)
                } catch {
                    markFailed(error)
                    throw error
                }
            }
        }
        return try key.withUnsafeBytes { try rawDelete(core.schema.log, key: $0, value: nil) }
    }
}
