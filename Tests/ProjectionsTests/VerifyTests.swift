import EventLog
import KubeModel
import Testing

@testable import Projections

@Suite("Replay and verify")
struct VerifyTests {
    /// Writes a history with updates, deletes, re-creates and node moves, optionally compacted.
    static func writeHistory(_ store: ObjectStore, compact: Bool) async throws {
        for i in 0..<30 {
            try await store.upsert(podsGVR, "ns\(i % 3)", "p\(i % 10)", labels: ["i": "\(i)"], nodeName: "n\(i % 4)")
            try await store.upsert(configMapsGVR, "ns\(i % 2)", "c\(i % 7)", labels: ["i": "\(i)"])
            if i % 4 == 1 { try await store.remove(podsGVR, "ns\(i % 3)", "p\((i + 3) % 10)") }
            if i % 5 == 2 { try await store.remove(configMapsGVR, "ns\(i % 2)", "c\(i % 7)") }
            if compact, i == 20 { _ = try await store.log.compact(to: store.log.head - 15) }
        }
    }

    @Test("verify agrees with the live tables after updates, deletes and compaction", arguments: [false, true])
    func verifyConsistent(compact: Bool) async throws {
        try await withStore { store in
            try await Self.writeHistory(store, compact: compact)
            #expect(try store.verify() == [])
        }
    }

    @Test("verify reports a deliberately corrupted objects row")
    func verifyDetectsCorruptRow() async throws {
        try await withStore { store in
            try await Self.writeHistory(store, compact: false)
            let objects = try #require(store.log.table(named: "proj.objects"))
            let victim = try #require(try store.get(podsGVR, namespace: "ns0", name: "p0"))
            let id = try #require(try store.log.read { try $0.resourceID(for: podsGVR.storageKey) })
            let key = StorageKeys.objectKey(id, namespace: "ns0", name: "p0")
            // Same RV, but the labels no longer match the object: a stale attribute record.
            let forged = ObjectAttributes(deleted: false, uid: victim.uid, labels: ["forged": "yes"], fields: [:])
            try await store.log.write { txn in try txn.put(objects, key: key, value: forged.encodeRow(rv: victim.rv)) }
            let problems = try store.verify()
            #expect(problems.count == 1)
            #expect(problems.first?.contains("ns0/p0") == true)
        }
    }

    @Test("verify reports a missing index entry and an extra object row")
    func verifyDetectsMissingAndExtra() async throws {
        try await withStore { store in
            try await Self.writeHistory(store, compact: false)
            let index = try #require(store.log.table(named: "proj.index"))
            let objects = try #require(store.log.table(named: "proj.objects"))
            let id = try #require(try store.log.read { try $0.resourceID(for: podsGVR.storageKey) })
            let live = try #require(try store.get(podsGVR, namespace: "ns1", name: "p1"))
            let node = try #require(try live.json()["spec"]?["nodeName"]?.stringValue)
            try await store.log.write { txn in
                try txn.delete(
                    index, key: StorageKeys.indexKey(id, value: node, namespace: "ns1", name: "p1"), value: nil)
                try txn.put(
                    objects, key: StorageKeys.objectKey(id, namespace: "ns9", name: "ghost"),
                    value: ObjectAttributes.empty.encodeRow(rv: live.rv))
            }
            let problems = try store.verify()
            #expect(problems.contains { $0.hasPrefix("index: missing row") })
            #expect(problems.contains { $0.hasPrefix("objects: unexpected row") && $0.contains("ghost") })
        }
    }

    @Test("state(at:) replays the exact state at any retained RV")
    func stateAt() async throws {
        try await withStore { store in
            let a = try await store.upsert(configMapsGVR, "ns", "a")
            try await store.upsert(podsGVR, "ns", "p", nodeName: "n")
            let mid = store.log.head
            try await store.remove(configMapsGVR, "ns", "a")
            try await store.upsert(configMapsGVR, "ns", "b")
            let then = try store.state(at: mid, nil)
            #expect(then.map { "\($0.resource.resource)/\($0.name)" }.sorted() == ["configmaps/a", "pods/p"])
            #expect(then.first { $0.name == "a" }?.bytes == a.bytes)
            let now = try store.state(at: store.log.head, configMapsGVR)
            #expect(now.map(\.name) == ["b"])
        }
    }

    @Test("a continue token whose snapshot was compacted away gets 410 Expired")
    func expiredContinue() async throws {
        try await withStore { store in
            for i in 0..<6 { try await store.upsert(configMapsGVR, "ns", "c\(i)") }
            let first = try await store.list(configMapsGVR, ListOptions(limit: 2))
            let token = try #require(first.continueToken)
            for i in 0..<6 { try await store.upsert(configMapsGVR, "ns", "c\(i)", labels: ["v": "2"]) }
            _ = try await store.log.compact(to: store.log.head)
            let e = await thrownStatus {
                _ = try await store.list(configMapsGVR, ListOptions(limit: 2, continueToken: token))
            }
            #expect(e?.code == 410)
            #expect(e?.reason == "Expired")
            #expect(e?.message == StatusError.continueExpiredMessage)
            let exact = await thrownStatus {
                _ = try await store.list(
                    configMapsGVR,
                    ListOptions(resourceVersion: first.resourceVersion, resourceVersionMatch: .exact))
            }
            #expect(exact?.code == 410)
            #expect(exact?.message.hasPrefix("too old resource version: \(first.resourceVersion) (") == true)
            #expect(try store.verify() == [])
        }
    }

    @Test("compaction removes a tombstone together with its delete event")
    func tombstonesGoWithCompaction() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "gone")
            try await store.remove(configMapsGVR, "ns", "gone")
            try await store.upsert(configMapsGVR, "ns", "kept")
            let objects = try #require(store.log.table(named: "proj.objects"))
            func rows() throws -> Int {
                try store.log.read { txn in
                    var n = 0
                    try txn.scan(objects, from: nil) { _, _ in
                        n += 1
                        return true
                    }
                    return n
                }
            }
            #expect(try rows() == 2)
            _ = try await store.log.compact(to: store.log.head)
            #expect(try rows() == 1)
            #expect(try store.verify() == [])
        }
    }
}
