import EventLog
import Foundation
import Synchronization
import Testing

@Suite("EventLog core")
struct EventLogCoreTests {
    @Test("an appended event reads back with every field, its object as a zero-copy slice")
    func roundTrip() async throws {
        try await withTemporaryLog { log, _ in
            let object = Array(#"{"kind":"Pod","metadata":{"name":"p"}}"#.utf8)
            let origins: [EventOrigin] = [.local(client: "kubectl/v1.30"), .upstream(scope: 7), .reconciler, .system]
            var events: [NewEvent] = []
            for (i, origin) in origins.enumerated() {
                events.append(
                    NewEvent(
                        type: i == 3 ? .deleted : .modified, resource: 42, namespace: "ns-\(i)", name: "p\(i)",
                        uid: "u\(i)", origin: origin, upstreamRV: "up\(i)", state: i == 2 ? .pending : .committed,
                        previousRV: UInt64(i), object: object))
            }
            let before = UInt64(Date().timeIntervalSince1970 * 1_000_000) - 1_000_000
            let rvs = try await log.append(events)
            #expect(rvs.count == 4)
            #expect(log.head == rvs[3])
            try log.read { txn in
                #expect(txn.head == rvs[3])
                for (i, rv) in rvs.enumerated() {
                    let view = try #require(try txn.event(at: rv))
                    #expect(view.rv == rv)
                    #expect(view.type == events[i].type)
                    #expect(view.resource == 42)
                    #expect(view.namespace == "ns-\(i)")
                    #expect(view.name == "p\(i)")
                    #expect(view.uid == "u\(i)")
                    #expect(view.origin == origins[i])
                    #expect(view.upstreamRV == "up\(i)")
                    #expect(view.state == events[i].state)
                    #expect(view.previousRV == UInt64(i))
                    #expect(Array(view.object) == object)
                    #expect(view.time >= before)
                    let copy = view.copy()
                    #expect(copy.rv == rv && copy.object == object && copy.origin == origins[i])
                }
            }
        }
    }

    @Test("a new database starts its RVs at the wall clock in microseconds, and reopening continues them")
    func wallClockBase() async throws {
        let directory = try TemporaryDirectory()
        let before = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        var first: ResourceVersion = 0
        do {
            let log = try EventLog(directory: directory.path)
            defer { log.close() }
            #expect(log.head + 1 >= before)
            #expect(log.horizon == log.head + 1)
            first = try await log.append([sampleEvent("a")])[0]
            #expect(first >= before)
            #expect(first < before + 60_000_000)
        }
        let reopened = try EventLog(directory: directory.path)
        defer { reopened.close() }
        #expect(reopened.head == first)
        let next = try await reopened.append([sampleEvent("b")])[0]
        #expect(next == first + 1)
    }

    @Test("64 concurrent appenders get unique, gapless RVs and the projector sees every event in the same txn")
    func concurrentAppenders() async throws {
        let projector = RecordingProjector()
        try await withTemporaryLog(projector: projector) { log, _ in
            let start = log.head
            let rvs = try await withThrowingTaskGroup(of: [ResourceVersion].self) { group in
                for appender in 0..<64 {
                    group.addTask {
                        var mine: [ResourceVersion] = []
                        for i in 0..<20 {
                            mine += try await log.append([sampleEvent("a\(appender)-\(i)")])
                        }
                        return mine
                    }
                }
                var all: [ResourceVersion] = []
                for try await rvs in group { all += rvs }
                return all
            }
            #expect(rvs.count == 64 * 20)
            #expect(Set(rvs).count == rvs.count)
            #expect(rvs.sorted() == Array((start + 1)...(start + 1280)))
            #expect(log.head == start + 1280)
            let applied = projector.calls.withLock { $0.applied }
            #expect(applied == Array((start + 1)...(start + 1280)))
            #expect(projector.calls.withLock { $0.committedHeads.last } == log.head)
            let stats = try log.statistics()
            #expect(stats.committedBodies == 1280)
            #expect(stats.commits >= 1 && stats.commits <= 1280)
            try log.read { txn in
                let mirror = try #require(txn.table(named: projector.tableName))
                var seen: [ResourceVersion] = []
                try txn.events(after: start) { event in
                    seen.append(event.rv)
                    let mirrored = try txn.get(mirror, key: ResourceVersionKey.encode(event.rv))
                    #expect(mirrored.map { String(decoding: $0, as: UTF8.self) } == event.name)
                    return true
                }
                #expect(seen == Array((start + 1)...(start + 1280)))
            }
        }
    }

    @Test("a throwing write body rolls back only itself and leaves no RV gap")
    func nestedRollback() async throws {
        let projector = RecordingProjector()
        try await withTemporaryLog(projector: projector) { log, _ in
            struct BodyFailed: Error {}
            let start = log.head
            let outcomes = await withTaskGroup(of: (Int, [ResourceVersion]?).self) { group in
                for i in 0..<40 {
                    group.addTask {
                        let rvs = try? await log.write { txn -> [ResourceVersion] in
                            let a = try txn.append(sampleEvent("w\(i)-a"))
                            let b = try txn.append(sampleEvent("w\(i)-b"))
                            if let table = txn.table(named: "test.dups") {
                                try txn.put(table, key: Array("k".utf8), value: Array("w\(i)".utf8))
                            }
                            if i % 3 == 0 { throw BodyFailed() }
                            return [a, b]
                        }
                        return (i, rvs)
                    }
                }
                var outcomes: [Int: [ResourceVersion]?] = [:]
                for await (i, rvs) in group { outcomes[i] = rvs }
                return outcomes
            }
            let failed = outcomes.filter { $0.value == nil }.map(\.key)
            #expect(Set(failed) == Set(stride(from: 0, to: 40, by: 3)))
            let committed = outcomes.values.compactMap { $0 }.flatMap { $0 }.sorted()
            #expect(committed == Array((start + 1)...(start + UInt64(committed.count))))
            #expect(log.head == start + UInt64(committed.count))
            #expect(projector.calls.withLock { $0.rolledBack.count } >= failed.count)
            try log.read { txn in
                var names: [String] = []
                try txn.events(after: start) {
                    names.append($0.name)
                    return true
                }
                #expect(names.count == committed.count)
                #expect(!names.contains { $0.hasPrefix("w0-") || $0.hasPrefix("w3-") })
                let mirror = try #require(txn.table(named: projector.tableName))
                var mirrored = 0
                try txn.scan(mirror, from: nil) { _, _ in
                    mirrored += 1
                    return true
                }
                #expect(mirrored == committed.count)
                // DUPSORT table: one value per successful body under the same key.
                let dups = try #require(txn.table(named: "test.dups"))
                var values: [String] = []
                try txn.scan(dups, from: nil) { _, v in
                    values.append(String(decoding: v, as: UTF8.self))
                    return true
                }
                #expect(values.count == 40 - failed.count)
                #expect(!values.contains("w0"))
            }
        }
    }

    @Test("a projector failure fails only that write, even if the body swallows the error")
    func projectorFailure() async throws {
        let projector = RecordingProjector(failOnName: "bad")
        try await withTemporaryLog(projector: projector) { log, _ in
            let start = log.head
            await #expect(throws: RecordingProjector.Refused.self) {
                try await log.write { txn in
                    try txn.append(sampleEvent("fine"))
                    _ = try? txn.append(sampleEvent("bad"))
                    return 0
                }
            }
            let rv = try await log.append([sampleEvent("after")])[0]
            #expect(rv == start + 1)
            let name = try log.read { txn in try txn.event(at: rv)?.name }
            #expect(name == "after")
        }
    }

    @Test("events(after:) visits in RV order and stops when asked; below the horizon it throws belowHorizon")
    func eventsAfter() async throws {
        try await withTemporaryLog { log, _ in
            let rvs = try await log.append((0..<10).map { sampleEvent("e\($0)") })
            try log.read { txn in
                var seen: [ResourceVersion] = []
                try txn.events(after: rvs[4]) {
                    seen.append($0.rv)
                    return seen.count < 3
                }
                #expect(seen == Array(rvs[5...7]))
                var all: [ResourceVersion] = []
                try txn.events(after: rvs[0] - 1) {
                    all.append($0.rv)
                    return true
                }
                #expect(all == rvs)
                #expect(throws: EventLogError.belowHorizon(requested: 5, horizon: rvs[0])) {
                    try txn.events(after: 5) { _ in true }
                }
                #expect(try txn.event(at: rvs[9] + 1) == nil)
            }
        }
    }

    @Test("waitForHead returns when the head moves, at once when already beyond, and on cancellation or close")
    func waitForHead() async throws {
        try await withTemporaryLog { log, _ in
            let head = log.head
            await log.waitForHead(beyond: head - 1)  // already beyond: returns at once
            let waiters = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<1000 { group.addTask { await log.waitForHead(beyond: head) } }
                }
                return log.head
            }
            _ = try await log.append([sampleEvent("wake")])
            let seen = await waiters.value
            #expect(seen > head)

            let cancelled = Task { await log.waitForHead(beyond: log.head + 100) }
            cancelled.cancel()
            await cancelled.value

            let beforeClose = Task { await log.waitForHead(beyond: log.head + 100) }
            log.close()
            await beforeClose.value
            await log.waitForHead(beyond: log.head + 100)  // closed: returns at once
        }
    }

    @Test("resources are interned once, both directions, and survive reopening; meta values too")
    func interning() async throws {
        let directory = try TemporaryDirectory()
        do {
            let log = try EventLog(directory: directory.path)
            defer { log.close() }
            let ids = try await log.write { txn in
                [
                    try txn.internResource("v1/pods"), try txn.internResource("apps/v1/deployments"),
                    try txn.internResource("v1/pods"),
                ]
            }
            #expect(ids[0] == ids[2])
            #expect(ids[0] != ids[1])
            try await log.write { txn in try txn.setMeta("sync.scope.1", [1, 2, 3]) }
        }
        let log = try EventLog(directory: directory.path)
        defer { log.close() }
        try log.read { txn in
            let pods = try #require(try txn.resourceID(for: "v1/pods"))
            #expect(try txn.storageKey(for: pods) == "v1/pods")
            #expect(try txn.resourceID(for: "v1/secrets") == nil)
        }
        let next = try await log.write { txn in (try txn.internResource("v1/secrets"), try txn.meta("sync.scope.1")) }
        #expect(next.0 == 3)
        #expect(next.1 == [1, 2, 3])
    }

    @Test("tables support get, forward and backward scans (DUPSORT visits every pair) and deletes")
    func tables() async throws {
        try await withTemporaryLog(projector: RecordingProjector()) { log, _ in
            let dups = try #require(log.table(named: "test.dups"))
            try await log.write { txn in
                for k in ["a", "b", "c"] {
                    for v in ["1", "2"] { try txn.put(dups, key: Array(k.utf8), value: Array(v.utf8)) }
                }
                try txn.delete(dups, key: Array("b".utf8), value: Array("1".utf8))
            }
            try log.read { txn in
                func text(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b, as: UTF8.self) }
                var forward: [String] = []
                try txn.scan(dups, from: Array("b".utf8)) { k, v in
                    forward.append(text(k) + text(v))
                    return true
                }
                #expect(forward == ["b2", "c1", "c2"])
                var backward: [String] = []
                try txn.scanBackward(dups, before: Array("c".utf8)) { k, v in
                    backward.append(text(k) + text(v))
                    return true
                }
                #expect(backward == ["b2", "a2", "a1"])
                var fromEnd: [String] = []
                try txn.scanBackward(dups, before: nil) { k, v in
                    fromEnd.append(text(k) + text(v))
                    return fromEnd.count < 2
                }
                #expect(fromEnd == ["c2", "c1"])
                #expect(try txn.get(dups, key: Array("a".utf8)).map(text) == "1")
                #expect(try txn.get(dups, key: Array("z".utf8)) == nil)
            }
        }
    }

    @Test("one environment per path per process; a read-only open refuses writes")
    func openRules() async throws {
        try await withTemporaryLog { log, path in
            _ = try await log.append([sampleEvent("x")])
            #expect(throws: EventLogError.alreadyOpen(path: URL(fileURLWithPath: path).standardizedFileURL.path)) {
                _ = try EventLog(directory: path, options: .init(readOnly: true))
            }
        }
        let directory = try TemporaryDirectory()
        #expect(throws: EventLogError.notInitialized(path: directory.path)) {
            _ = try EventLog(directory: directory.path, options: .init(readOnly: true))
        }
        do {
            let log = try EventLog(directory: directory.path)
            _ = try await log.append([sampleEvent("x")])
            log.close()
        }
        let readOnly = try EventLog(directory: directory.path, options: .init(readOnly: true))
        defer { readOnly.close() }
        await #expect(throws: EventLogError.readOnly) { _ = try await readOnly.append([sampleEvent("y")]) }
        #expect(try readOnly.read { txn in try txn.event(at: txn.head)?.name } == "x")
        #expect(readOnly.table(named: "log") != nil)
    }

    @Test("writes after close fail with closed; reads too")
    func closed() async throws {
        try await withTemporaryLog { log, _ in
            log.close()
            await #expect(throws: EventLogError.closed) { _ = try await log.append([sampleEvent("late")]) }
            #expect(throws: EventLogError.closed) { try log.read { _ in 0 } }
        }
    }

    @Test("statistics report events, head, horizon and pages")
    func statistics() async throws {
        try await withTemporaryLog { log, _ in
            _ = try await log.append((0..<100).map { sampleEvent("s\($0)") })
            let stats = try log.statistics()
            #expect(stats.eventCount == 100)
            #expect(stats.head == log.head)
            #expect(stats.horizon == log.horizon)
            #expect(stats.fileSize > 0)
            #expect(stats.pageSize > 0)
            #expect(stats.usedPages > 0)
            #expect(stats.tables["log"]?.entries == 100)
        }
    }
}
