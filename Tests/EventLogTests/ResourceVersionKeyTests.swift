import EventLog
import Testing

@Suite("Resource version keys and the read API over stored data")
struct ResourceVersionKeyTests {
    @Test("an RV encodes to 8 big-endian bytes whose byte order is RV order")
    func encodingOrder() {
        let rvs: [ResourceVersion] = [0, 1, 255, 256, 65_535, 1 << 32, 1_764_000_000_000_000, .max - 1, .max]
        let keys = rvs.map(ResourceVersionKey.encode)
        #expect(keys.allSatisfy { $0.count == ResourceVersionKey.size })
        #expect(ResourceVersionKey.encode(0x0102_0304_0506_0708) == [1, 2, 3, 4, 5, 6, 7, 8])
        for (a, b) in zip(keys, keys.dropFirst()) { #expect(a.lexicographicallyPrecedes(b)) }
    }

    @Test("decoding gives back the RV from arrays, slices and raw buffers; any other length is no RV")
    func roundTrip() {
        for rv: ResourceVersion in [0, 42, 1_764_000_000_000_000, .max] {
            let bytes = ResourceVersionKey.encode(rv)
            #expect(ResourceVersionKey.decode(bytes) == rv)
            #expect(ResourceVersionKey.decode(([9] + bytes)[1...]) == rv)
            #expect(bytes.withUnsafeBytes { ResourceVersionKey.decode($0) } == rv)
            #expect(ResourceVersionKey.withBytes(of: rv) { Array($0) } == bytes)
        }
        #expect(ResourceVersionKey.decode([UInt8](repeating: 0, count: 7)) == nil)
        #expect(ResourceVersionKey.decode([UInt8](repeating: 0, count: 9)) == nil)
        #expect([UInt8]().withUnsafeBytes { ResourceVersionKey.decode($0) } == nil)
    }

    @Test("an RV appended to a row reads back at its offset")
    func appendAndRead() {
        var row: [UInt8] = [0xAA]
        ResourceVersionKey.append(1_764_000_000_000_123, to: &row)
        row.append(0xBB)
        #expect(row.count == 10)
        #expect(row.withUnsafeBytes { ResourceVersionKey.read($0, at: 1) } == 1_764_000_000_000_123)
    }

    @Test("retainedEvents visits compaction survivors below the horizon, where events(after:) refuses")
    func retainedEventsIncludeSurvivors() async throws {
        try await withTemporaryLog { log, _ in
            let (a1, a2, b, c1, c2) = try await log.write { txn in
                let a1 = try txn.append(sampleEvent("a"))
                let a2 = try txn.append(sampleEvent("a", type: .modified, previousRV: a1))
                let b = try txn.append(sampleEvent("b"))
                let c1 = try txn.append(sampleEvent("c"))
                let c2 = try txn.append(sampleEvent("c", type: .deleted, previousRV: c1))
                return (a1, a2, b, c1, c2)
            }
            _ = try await log.compact(to: c2 + 1)
            try log.read { txn in
                var retained: [ResourceVersion] = []
                try txn.retainedEvents(after: 0) { event in
                    retained.append(event.rv)
                    return true
                }
                // a's first version, c's two events are gone; a's latest and b survive.
                #expect(retained == [a2, b])
                #expect(!retained.contains(a1) && !retained.contains(c1))
                var afterA2: [ResourceVersion] = []
                try txn.retainedEvents(after: a2) { event in
                    afterA2.append(event.rv)
                    return true
                }
                #expect(afterA2 == [b])
                #expect(throws: EventLogError.self) { try txn.events(after: 0) { _ in true } }
            }
        }
    }

    @Test("meta values set by other modules read back in read transactions, alone or by prefix")
    func metaReads() async throws {
        try await withTemporaryLog { log, _ in
            try await log.write { txn in
                try txn.setMeta("sync.scope.2", [2])
                try txn.setMeta("sync.scope.1", [1])
                try txn.setMeta("sync.scopes", [9])
                try txn.setMeta("other", [7])
            }
            try log.read { txn in
                #expect(try txn.meta("sync.scope.1") == [1])
                #expect(try txn.meta("missing") == nil)
                // The log's own meta entries (head, horizon, …) are not visible under any prefix.
                #expect(try txn.meta("head") == nil)
                var entries: [String: [UInt8]] = [:]
                try txn.metaEntries(withPrefix: "sync.scope.") { key, value in
                    entries[key] = Array(value)
                    return true
                }
                #expect(entries == ["sync.scope.1": [1], "sync.scope.2": [2]])
                var all: [String] = []
                try txn.metaEntries(withPrefix: "") { key, _ in
                    all.append(key)
                    return true
                }
                #expect(all == ["other", "sync.scope.1", "sync.scope.2", "sync.scopes"])
            }
        }
    }
}
