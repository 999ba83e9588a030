import EventLog
import Foundation
import Testing

/// The disk quota (`EventLog.Options.quotaBytes`): what is refused at it, what keeps
/// working, and that compaction under pressure gives the space back.
@Suite("EventLog disk quota")
struct QuotaTests {
    static let quota = 2 << 20
    static let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)

    /// Modifies one object until an append is refused; returns the refusal and the last RV.
    static func fill(_ log: EventLog, previous start: ResourceVersion) async throws -> (EventLogError?, ResourceVersion)
    {
        var previous = start
        for _ in 0..<10_000 {
            do {
                previous = try await log.append([
                    sampleEvent("big", type: previous == 0 ? .added : .modified, previousRV: previous, object: payload)
                ])[0]
            } catch let error as EventLogError {
                return (error, previous)
            }
        }
        return (nil, previous)
    }

    @Test("at the quota, appends fail with quotaExceeded; reads, deletions and compaction work; then appends resume")
    func refusesAtQuotaAndRecovers() async throws {
        let quota = Self.quota
        try await withTemporaryLog(options: .init(mapSize: 16 << 20, quotaBytes: quota)) { log, _ in
            let victim = try await log.append([sampleEvent("victim")])[0]
            let (refusal, last) = try await Self.fill(log, previous: 0)
            guard case .quotaExceeded(let used, let reportedQuota) = refusal else {
                Issue.record("expected quotaExceeded, got \(String(describing: refusal))")
                return
            }
            #expect(reportedQuota == quota)
            #expect(used >= quota)
            let usage = log.storageUsage
            #expect(usage.isExceeded)
            #expect(usage.fileBytes <= quota + EventLog.Options.quotaHeadroom(quota))

            // Reads are unaffected.
            let stored = try log.read { txn in try txn.event(at: last)?.name }
            #expect(stored == "big")
            // A deletion is accepted (it is how a client frees space).
            let deleted = try await log.append([sampleEvent("victim", type: .deleted, previousRV: victim)])
            #expect(deleted.count == 1)

            // Compaction beyond the retention policy brings usage under the pressure threshold.
            let reports = try await log.compactUnderPressure()
            #expect(!reports.isEmpty)
            #expect(log.storageUsage.fraction < EventLog.quotaPressureThreshold)
            let resumed = try await log.append([
                sampleEvent("big", type: .modified, previousRV: last, object: Self.payload)
            ])
            #expect(resumed == [last + 2])
            // The newest state of every live object survived.
            #expect(try log.read { txn in try txn.event(at: last)?.name } == "big")
        }
    }

    @Test("below the pressure threshold compactUnderPressure does nothing")
    func noPressureNoCompaction() async throws {
        try await withTemporaryLog(options: .init(mapSize: 16 << 20, quotaBytes: 64 << 20)) { log, _ in
            let start = log.horizon
            _ = try await log.append((0..<10).map { sampleEvent("n\($0)") })
            #expect(try await log.compactUnderPressure().isEmpty)
            #expect(log.horizon == start)
            #expect(log.storageUsage.usedBytes > 0)
        }
    }

    @Test("reopened with the quota still full, the log opens, serves reads and keeps refusing appends")
    func restartWhileFull() async throws {
        let directory = try TemporaryDirectory()
        let options = EventLog.Options(mapSize: 16 << 20, quotaBytes: Self.quota)
        var last: ResourceVersion = 0
        do {
            let log = try EventLog(directory: directory.path, options: options)
            defer { log.close() }
            let (refusal, previous) = try await Self.fill(log, previous: 0)
            guard case .quotaExceeded = refusal else {
                Issue.record("expected quotaExceeded, got \(String(describing: refusal))")
                return
            }
            last = previous
        }
        let log = try EventLog(directory: directory.path, options: options)
        defer { log.close() }
        #expect(log.head == last)
        #expect(log.storageUsage.isExceeded)
        #expect(try log.read { txn in try txn.event(at: last)?.name } == "big")
        await #expect(throws: EventLogError.self) {
            _ = try await log.append([sampleEvent("more", object: Self.payload)])
        }
    }

    @Test("without a quota nothing is refused and usage has no fraction")
    func noQuota() async throws {
        try await withTemporaryLog { log, _ in
            _ = try await log.append([sampleEvent("a", object: Self.payload)])
            let usage = log.storageUsage
            #expect(usage.quotaBytes == nil)
            #expect(usage.fraction == 0)
            #expect(!usage.isExceeded)
            #expect(usage.usedBytes > 0 && usage.fileBytes >= usage.usedBytes)
        }
    }

    @Test("a body that admits writes over the quota (a deletion with finalizers) may append MODIFIED events")
    func admittedOverQuota() async throws {
        try await withTemporaryLog(options: .init(mapSize: 16 << 20, quotaBytes: Self.quota)) { log, _ in
            let kept = try await log.append([sampleEvent("kept")])[0]
            let (refusal, _) = try await Self.fill(log, previous: 0)
            guard case .quotaExceeded = refusal else {
                Issue.record("expected quotaExceeded, got \(String(describing: refusal))")
                return
            }
            await #expect(throws: EventLogError.self) {
                _ = try await log.append([sampleEvent("kept", type: .modified, previousRV: kept)])
            }
            let marked = try await log.write { txn in
                txn.admitsOverQuota = true
                return try txn.append(sampleEvent("kept", type: .modified, previousRV: kept))
            }
            #expect(marked > kept)
        }
    }
}
