import AKETestSupport
import EventLog
import Foundation
import Synchronization
import Testing

@Suite("EventLog compaction")
struct CompactionTests {
    /// One event of the model history.
    struct Recorded {
        var rv: ResourceVersion
        var key: String
        var type: EventType
        var object: [UInt8]
    }

    /// The RVs compaction at `horizon` must keep: every event at or above it, and below it the
    /// newest event of each object unless that event is a deletion.
    static func expectedRVs(_ history: [Recorded], horizon: ResourceVersion) -> Set<ResourceVersion> {
        var newestBelow: [String: Recorded] = [:]
        var kept = Set<ResourceVersion>()
        for event in history {
            if event.rv >= horizon {
                kept.insert(event.rv)
            } else {
                newestBelow[event.key] = event
            }
        }
        for event in newestBelow.values where event.type != .deleted { kept.insert(event.rv) }
        return kept
    }

    @Test(
        "replaying the compacted log gives the current state; deleted-before-horizon objects leave nothing",
        arguments: [1 as UInt64, 2, 3, 4])
    func modelCheck(seed: UInt64) async throws {
        let projector = RecordingProjector()
        try await withTemporaryLog(projector: projector) { log, _ in
            var random = SeededGenerator(seed: seed)
            var history: [Recorded] = []
            var current: [String: (rv: ResourceVersion, object: [UInt8])] = [:]
            var horizon = log.horizon
            for round in 0..<12 {
                // A burst of random creates/updates/deletes over 25 keys, some several per write.
                for _ in 0..<Int.random(in: 20...120, using: &random) {
                    let key = "k\(Int.random(in: 0..<25, using: &random))"
                    let existing = current[key]
                    let type: EventType =
                        existing == nil ? .added : (Int.random(in: 0..<4, using: &random) == 0 ? .deleted : .modified)
                    let object = Array("{\"k\":\"\(key)\",\"round\":\(round),\"n\":\(history.count)}".utf8)
                    let event = sampleEvent(key, type: type, previousRV: existing?.rv ?? 0, object: object)
                    let rv = try await log.append([event])[0]
                    history.append(Recorded(rv: rv, key: key, type: type, object: object))
                    current[key] = type == .deleted ? nil : (rv, object)
                }
                // Compact to a random horizon between the current one and head + 1.
                let target = UInt64.random(in: horizon...(log.head + 1), using: &random)
                let report = try await log.compact(to: target)
                #expect(report.horizon == target)
                horizon = target
                #expect(log.horizon == target)

                let expected = Self.expectedRVs(history, horizon: horizon)
                var replayed: [String: (rv: ResourceVersion, object: [UInt8])] = [:]
                var stored = Set<ResourceVersion>()
                try log.read { txn in
                    #expect(txn.horizon == horizon)
                    // Survivors sit below the horizon: scan the whole log table, in RV order.
                    let logTable = try #require(txn.table(named: "log"))
                    try txn.scan(logTable, from: nil) { key, _ in
                        let rv = try #require(ResourceVersionKey.decode(key))
                        let event = try #require(try txn.event(at: rv))
                        stored.insert(rv)
                        replayed[event.name] = event.type == .deleted ? nil : (rv, Array(event.object))
                        return true
                    }
                    if horizon >= 2 {
                        #expect(throws: EventLogError.belowHorizon(requested: horizon - 2, horizon: horizon)) {
                            try txn.events(after: horizon - 2) { _ in true }
                        }
                    }
                    // Reading from just below the horizon works and yields every event >= horizon.
                    var after: [ResourceVersion] = []
                    try txn.events(after: horizon - 1) {
                        after.append($0.rv)
                        return true
                    }
                    #expect(after == history.map(\.rv).filter { $0 >= horizon })
                    // The projector removed exactly what the log removed.
                    let mirror = try #require(txn.table(named: projector.tableName))
                    var mirrored = Set<ResourceVersion>()
                    try txn.scan(mirror, from: nil) { key, _ in
                        mirrored.insert(try #require(ResourceVersionKey.decode(key)))
                        return true
                    }
                    #expect(mirrored == stored)
                }
                #expect(stored == expected)
                #expect(replayed.count == current.count)
                for (key, value) in current {
                    #expect(replayed[key]?.rv == value.rv)
                    #expect(replayed[key]?.object == value.object)
                }
            }
            let removed = Set(projector.calls.withLock { $0.removed })
            #expect(removed.count == history.count - Self.expectedRVs(history, horizon: horizon).count)
        }
    }

    @Test("compaction works in bounded batches and never lowers the horizon")
    func batchesAndMonotonicHorizon() async throws {
        try await withTemporaryLog { log, _ in
            // 25,000 updates of one object: everything below the horizon but the newest goes.
            var previous: ResourceVersion = 0
            for chunk in 0..<25 {
                let rvs = try await log.write { [previous] txn in
                    var prev = previous
                    var rvs: [ResourceVersion] = []
                    for i in 0..<1000 {
                        prev = try txn.append(
                            sampleEvent("only", type: chunk + i == 0 ? .added : .modified, previousRV: prev))
                        rvs.append(prev)
                    }
                    return rvs
                }
                previous = rvs.last ?? 0
            }
            let head = log.head
            let report = try await log.compact(to: head)
            #expect(report.horizon == head)
            #expect(report.removed == 24_999 - 1)
            #expect(report.batches >= 4)
            let stats = try log.statistics()
            #expect(stats.eventCount == 2)
            #expect(stats.freePages > 0)  // the removed events' pages are reusable
            let lower = try await log.compact(to: head - 10)
            #expect(lower.horizon == head)
            #expect(lower.removed == 0)
            // Beyond head + 1 is clamped.
            let beyond = try await log.compact(to: head + 1000)
            #expect(beyond.horizon == head + 1)
            #expect(try log.statistics().eventCount == 1)
        }
    }

    @Test("appends proceed while a multi-batch compaction runs, and the result is still exact")
    func compactionAlongsideAppends() async throws {
        let projector = RecordingProjector()
        try await withTemporaryLog(projector: projector) { log, _ in
            // 30,000 updates over 100 objects, written in large bodies.
            var latest: [String: ResourceVersion] = [:]
            var history: [Recorded] = []
            for chunk in 0..<30 {
                let snapshot = latest
                let written = try await log.write { txn in
                    var latest = snapshot
                    var written: [Recorded] = []
                    for i in 0..<1000 {
                        let key = "o\((chunk * 1000 + i) % 100)"
                        let type: EventType = latest[key] == nil ? .added : .modified
                        let rv = try txn.append(sampleEvent(key, type: type, previousRV: latest[key] ?? 0))
                        latest[key] = rv
                        written.append(Recorded(rv: rv, key: key, type: type, object: []))
                    }
                    return written
                }
                for event in written { latest[event.key] = event.rv }
                history += written
            }
            let horizon = log.head + 1
            async let report = log.compact(to: horizon)
            let start = log.head
            var appended: [ResourceVersion] = []
            for i in 0..<50 {
                appended += try await log.append([sampleEvent("during\(i)")])
            }
            let result = try await report
            #expect(result.horizon == horizon)
            #expect(result.batches >= 4)
            #expect(appended == Array((start + 1)...(start + 50)))
            let expected = Self.expectedRVs(history, horizon: horizon).union(appended)
            let stored = try log.read { txn in
                var stored = Set<ResourceVersion>()
                let logTable = try #require(txn.table(named: "log"))
                try txn.scan(logTable, from: nil) { key, _ in
                    stored.insert(try #require(ResourceVersionKey.decode(key)))
                    return true
                }
                return stored
            }
            #expect(stored == expected)
            #expect(stored.count == 100 + 50)
        }
    }

    @Test("retention by count and by age picks the horizon")
    func retention() async throws {
        try await withTemporaryLog { log, _ in
            let rvs = try await log.append((0..<50).map { sampleEvent("r\($0)") })
            let byCount = try await log.compact(retention: RetentionPolicy(maxEvents: 20))
            #expect(byCount.horizon == rvs[30])
            // Each object has only one event, so nothing is removed: each is its object's newest.
            #expect(byCount.removed == 0)
            let byAge = try await log.compact(retention: RetentionPolicy(maxAge: .seconds(3600)))
            #expect(byAge.horizon == rvs[30])  // all events are younger than an hour: no change
            let everything = try await log.compact(retention: RetentionPolicy(maxAge: .zero))
            #expect(everything.horizon == log.head + 1)
        }
    }

    @Test("the horizon persists across reopening and reads below it keep failing")
    func horizonPersists() async throws {
        let directory = try TemporaryDirectory()
        var horizon: ResourceVersion = 0
        do {
            let log = try EventLog(directory: directory.path)
            defer { log.close() }
            let rvs = try await log.append((0..<10).map { sampleEvent("p\($0)") })
            horizon = try await log.compact(to: rvs[5]).horizon
        }
        let log = try EventLog(directory: directory.path)
        defer { log.close() }
        #expect(log.horizon == horizon)
        #expect(throws: EventLogError.belowHorizon(requested: horizon - 5, horizon: horizon)) {
            try log.read { txn in try txn.events(after: horizon - 5) { _ in true } }
        }
    }
}
