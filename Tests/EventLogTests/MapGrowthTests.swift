import EventLog
import Foundation
import Synchronization
import Testing

@Suite("EventLog map growth")
struct MapGrowthTests {
    @Test("starting from a 64 KiB map, the map grows by itself and no acknowledged event is lost")
    func growsWithoutLoss() async throws {
        let projector = RecordingProjector()
        try await withTemporaryLog(options: .init(mapSize: 64 * 1024), projector: projector) { log, _ in
            let start = log.head
            let initialMap = try log.statistics().mapSize
            let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)
            let appendsDone = Atomic(false)
            // Readers run throughout, so growth has to wait for them at the gate.
            async let reads: Int = {
                var reads = 0
                for _ in 0..<100_000 {
                    if appendsDone.load(ordering: .acquiring) { break }
                    let head = try log.read { txn -> ResourceVersion in
                        var count = 0
                        try txn.events(after: max(txn.horizon - 1, txn.head - 5)) { _ in
                            count += 1
                            return true
                        }
                        return txn.head
                    }
                    #expect(head >= start)
                    reads += 1
                    await Task.yield()
                }
                return reads
            }()
            let acknowledged = try await withThrowingTaskGroup(of: [ResourceVersion].self) { group in
                for appender in 0..<16 {
                    group.addTask {
                        var mine: [ResourceVersion] = []
                        for i in 0..<40 {
                            // Mix of single-event and multi-event bodies.
                            let count = i % 5 == 0 ? 4 : 1
                            mine += try await log.append(
                                (0..<count).map { sampleEvent("g\(appender)-\(i)-\($0)", object: payload) })
                        }
                        return mine
                    }
                }
                var all: [ResourceVersion] = []
                for try await rvs in group { all += rvs }
                return all
            }
            appendsDone.store(true, ordering: .releasing)
            _ = try await reads
            let stats = try log.statistics()
            #expect(stats.mapSize > initialMap)
            #expect(acknowledged.count == 16 * (32 + 8 * 4))
            #expect(acknowledged.sorted() == Array((start + 1)...(start + UInt64(acknowledged.count))))
            #expect(stats.eventCount == acknowledged.count)
            try log.read { txn in
                for rv in acknowledged {
                    let event = try #require(try txn.event(at: rv))
                    #expect(event.object.count == 1024)
                }
            }
            // The projector saw each event once in the committed attempt; retried attempts were rolled back.
            let calls = projector.calls.withLock { $0 }
            #expect(Set(calls.applied).isSuperset(of: acknowledged))
            #expect(!calls.rolledBack.isEmpty)
        }
    }

    @Test("a single write larger than twice the map still commits after repeated growth")
    func oneLargeWrite() async throws {
        try await withTemporaryLog(options: .init(mapSize: 64 * 1024)) { log, _ in
            let payload = [UInt8](repeating: 7, count: 4096)
            let rvs = try await log.append((0..<200).map { sampleEvent("big\($0)", object: payload) })
            #expect(rvs.count == 200)
            #expect(try log.statistics().eventCount == 200)
        }
    }

    @Test("a map that may not grow further fails the write without corrupting the log")
    func capped() async throws {
        try await withTemporaryLog(options: .init(mapSize: 128 * 1024, maxMapSize: 128 * 1024)) { log, _ in
            let small = try await log.append([sampleEvent("small")])
            let payload = [UInt8](repeating: 7, count: 4096)
            await #expect(throws: EventLogError.self) {
                _ = try await log.append((0..<200).map { sampleEvent("big\($0)", object: payload) })
            }
            #expect(log.head == small[0])
            let next = try await log.append([sampleEvent("after")])
            #expect(next[0] == small[0] + 1)
        }
    }
}
