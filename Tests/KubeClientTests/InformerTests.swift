import Foundation
import KubeClient
import KubeModel
import Testing

/// Collects informer events so a test can await them instead of sleeping.
actor EventRecorder {
    var events: [String] = []
    var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    func record(_ e: InformerEvent<ConfigMap>) {
        switch e {
        case .added(let o): events.append("added \(o.name ?? "")")
        case .updated(_, let n): events.append("updated \(n.name ?? "") \(n.data["v"] ?? "")")
        case .deleted(let o): events.append("deleted \(o.name ?? "")")
        }
        let ready = waiters.filter { events.count >= $0.0 }
        waiters.removeAll { events.count >= $0.0 }
        for w in ready { w.1.resume() }
    }

    /// Waits until `count` events were recorded, at most `seconds`.
    func wait(forCount count: Int, seconds: Double = 20) async -> [String] {
        if events.count < count {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.suspend(until: count) }
                group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
                await group.next()
                group.cancelAll()
                self.releaseAll()
            }
        }
        return events
    }

    private func suspend(until count: Int) async {
        if events.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    private func releaseAll() {
        for w in waiters { w.1.resume() }
        waiters = []
    }

    func reset() { events = [] }
}

@Suite("Informer", .serialized)
struct InformerTests {
    @Test(
        "an informer syncs, follows changes and survives a compaction that forces a relist",
        arguments: ClientFixture.Kind.allCases, [false, true])
    func informer(kind: ClientFixture.Kind, useWatchList: Bool) async throws {
        let f = try await ClientFixture.make(kind)
        do {
            try await scenario(f, useWatchList: useWatchList)
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    /// With `useWatchList` the syncs are watch-list streams (initial events, then the
    /// initial-events-end bookmark) instead of paged lists; the observable behaviour is the same.
    func scenario(_ f: ClientFixture, useWatchList: Bool) async throws {
        let cms = f.clientset.coreV1.configMaps("default")
        for n in ["a", "b", "c"] {
            var cm = ConfigMap(name: n, data: ["v": "0"])
            cm.labels = ["group": n == "c" ? "two" : "one"]
            _ = try await cms.create(cm)
        }
        let informer = Informer(
            client: cms, pageSize: 2, watchTimeoutSeconds: 30...30,
            indexers: ["group": { [$0.labels["group"] ?? ""] }], useWatchList: useWatchList)
        let recorder = EventRecorder()
        await informer.addHandler { await recorder.record($0) }
        var run = Task { await informer.run() }
        await informer.waitForSync()
        #expect(await informer.list().compactMap(\.name) == ["a", "b", "c"])
        #expect(await informer.byIndex("group", "one").compactMap(\.name) == ["a", "b"])
        _ = await recorder.wait(forCount: 3)
        await recorder.reset()

        _ = try await cms.create(ConfigMap(name: "d", data: ["v": "0"]))
        _ = try await cms.patch("a", type: .merge, ["data": ["v": "1"]])
        try await cms.delete("b")
        let followed = await recorder.wait(forCount: 3)
        #expect(followed == ["added d", "updated a 1", "deleted b"])
        #expect(await informer.get("default/a")?.data["v"] == "1")
        #expect(await informer.get("default/b") == nil)
        #expect(await informer.listCount == 1)

        // Stop, change things, compact the log past what the informer saw, restart:
        // the resumed watch gets 410 and the informer relists, delivering only differences.
        run.cancel()
        await run.value
        await recorder.reset()
        _ = try await cms.create(ConfigMap(name: "e", data: ["v": "0"]))
        _ = try await cms.patch("c", type: .merge, ["data": ["v": "9"]])
        try await cms.delete("d")
        try await f.compactEverything()
        run = Task { await informer.run() }
        let afterRelist = await recorder.wait(forCount: 3)
        #expect(afterRelist.sorted() == ["added e", "deleted d", "updated c 9"])
        #expect(await informer.listCount == 2)
        #expect(await informer.list().compactMap(\.name) == ["a", "c", "e"])
        run.cancel()
        await run.value
    }
}
