import Endpoint
import EventLog
import Foundation
import KubeModel
import Logging
import Projections
import Prometheus
import Testing

@testable import Sync

private func meta(_ name: String, uid: String? = nil, rv: String) -> UpstreamObjectMeta {
    UpstreamObjectMeta(namespace: "default", name: name, uid: uid ?? "uid-\(name)", upstreamRV: rv)
}

private func key(_ name: String) -> ObjectKey { ObjectKey(namespace: "default", name: name) }

/// A ConfigMap as the cloud would send it.
private func upstream(_ name: String, uid: String? = nil, rv: String, data: String = "v") -> UpstreamObject {
    let uid = uid ?? "uid-\(name)"
    let json: JSONValue = [
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": [
            "name": .string(name), "namespace": "default", "uid": .string(uid), "resourceVersion": .string(rv),
        ],
        "data": ["k": .string(data)],
    ]
    return UpstreamObject(namespace: "default", name: name, uid: uid, upstreamRV: rv, bytes: json.serialized())
}

@Suite("Relist from metadata: the plan")
struct MetadataRelistPlanTests {
    @Test(
        "same uid at the listed RV (or later) is unchanged; another RV, another uid or a new object is fetched; an owned object not listed is removed"
    )
    func classifies() {
        let owned: [ObjectKey: (uid: String, upstreamRV: String)] = [
            key("same"): ("uid-same", "10"), key("changed"): ("uid-changed", "11"),
            key("recreated"): ("old-uid", "12"), key("gone"): ("uid-gone", "13"),
            key("forwarded"): ("uid-forwarded", "40"),
        ]
        var listed = [
            meta("same", rv: "10"), meta("changed", rv: "21"), meta("recreated", rv: "22"), meta("new", rv: "23"),
            meta("forwarded", rv: "30"),
        ]
        listed += (0..<20).map { meta("filler\($0)", rv: "5") }
        var withFillers = owned
        for i in 0..<20 { withFillers[key("filler\(i)")] = ("uid-filler\(i)", "5") }
        let plan = MetadataRelistPlan.plan(
            owned: withFillers, pendingKeys: [], listed: listed, listRV: "50", averageObjectBytes: 2000)
        #expect(plan.fullListReason == nil)
        #expect(plan.fetch.map(\.name) == ["changed", "recreated", "new"])
        // "forwarded": the edge holds a newer version (a write it forwarded) than the list.
        #expect(plan.unchanged == 22)
        #expect(plan.removed == [key("gone")])
    }

    @Test("objects with writes waiting for the cloud are neither fetched nor removed")
    func pendingUntouched() {
        let owned: [ObjectKey: (uid: String, upstreamRV: String)] = [
            key("a"): ("uid-a", "1"), key("b"): ("uid-b", "1"),
        ]
        let plan = MetadataRelistPlan.plan(
            owned: owned, pendingKeys: [key("a")], listed: [meta("a", rv: "9"), meta("b", rv: "1")], listRV: "9",
            averageObjectBytes: 1000)
        #expect(plan.fetch.isEmpty)
        #expect(plan.pending == 1)
        #expect(plan.unchanged == 1)
        #expect(plan.removed.isEmpty)
    }

    @Test("when the GETs would cost more than a third of the list's bytes, the plan is the full list")
    func largeChangeSetFallsBack() {
        var owned: [ObjectKey: (uid: String, upstreamRV: String)] = [:]
        var listed: [UpstreamObjectMeta] = []
        for i in 0..<30 {
            owned[key("o\(i)")] = ("uid-o\(i)", "1")
            listed.append(meta("o\(i)", rv: i < 10 ? "2" : "1"))
        }
        // 10 of 30 changed, 2 KB objects: 10 × 2.4 KB of GETs > 60 KB / 3.
        let many = MetadataRelistPlan.plan(
            owned: owned, pendingKeys: [], listed: listed, listRV: "3", averageObjectBytes: 2000)
        #expect(many.fullListReason != nil)
        // 10 of 30 changed, but objects of 20 KB: the heads matter less; still over a third.
        let big = MetadataRelistPlan.plan(
            owned: owned, pendingKeys: [], listed: listed, listRV: "3", averageObjectBytes: 20000)
        #expect(big.fullListReason != nil)
        // 5 of 30 changed: fetched one by one.
        let few = MetadataRelistPlan.plan(
            owned: owned, pendingKeys: [], listed: Array(listed[5...]), listRV: "3", averageObjectBytes: 2000)
        #expect(few.fullListReason == nil)
        #expect(few.fetch.count == 5)
        #expect(few.removed.count == 5)
    }

    @Test("the metadata list is asked for only when it is likely to cost at most half the full list on the wire")
    func metadataListPays() {
        // ConfigMaps with data: metadata is a fifth of the bytes.
        #expect(MetadataRelistPlan.metadataListPays(objectBytes: 50_000, metadataBytes: 10_000))
        // Services: metadata (managedFields) is most of each object.
        #expect(!MetadataRelistPlan.metadataListPays(objectBytes: 50_000, metadataBytes: 36_000))
        // A full list above the gzip threshold, its metadata below it (sent uncompressed).
        #expect(!MetadataRelistPlan.metadataListPays(objectBytes: 180_000, metadataBytes: 100_000))
        // Both gzipped.
        #expect(MetadataRelistPlan.metadataListPays(objectBytes: 2_000_000, metadataBytes: 600_000))
        // The scope's last list in protobuf (not gzipped): 40 KB of it against 90 KB of JSON.
        // Its 35 KB of JSON metadata come to ~16 KB in protobuf: the metadata list pays.
        #expect(
            MetadataRelistPlan.metadataListPays(objectBytes: 90_000, metadataBytes: 35_000, listWireBytes: 40_000))
        // The same objects' list gzipped to 6 KB (JSON above the threshold): it does not.
        #expect(
            !MetadataRelistPlan.metadataListPays(objectBytes: 180_000, metadataBytes: 35_000, listWireBytes: 6_000))
    }

    @Test("resource versions that are not integers cannot be ordered: the plan is the full list")
    func opaqueRVsFallBack() {
        let owned: [ObjectKey: (uid: String, upstreamRV: String)] = [key("a"): ("uid-a", "1")]
        #expect(
            MetadataRelistPlan.plan(
                owned: owned, pendingKeys: [], listed: [meta("a", rv: "1")], listRV: "abc", averageObjectBytes: 1
            ).fullListReason != nil)
        #expect(
            MetadataRelistPlan.plan(
                owned: owned, pendingKeys: [], listed: [meta("a", rv: "x1")], listRV: "5", averageObjectBytes: 1
            ).fullListReason != nil)
    }
}

@Suite("Reflector state machine: metadata relists")
struct MetadataRelistMachineTests {
    @Test("a 410 relists as metadata pages, then applies them and watches from the list RV")
    func relistThroughMetadata() {
        var m = ReflectorStateMachine(resumeFrom: "10", metadataRelist: true)
        _ = m.start()
        #expect(
            m.watchEnded(code: 410, clean: false, message: "gone", jitter: 0) == .listMetadataPage(continueToken: nil))
        let a = meta("a", rv: "5")
        let b = meta("b", rv: "7")
        #expect(
            m.metadataPageReceived([a], continueToken: "t", upstreamRV: "20") == .listMetadataPage(continueToken: "t"))
        #expect(
            m.metadataPageReceived([b], continueToken: nil, upstreamRV: "20")
                == .applyMetadata(items: [a, b], upstreamRV: "20"))
        #expect(m.listApplied(upstreamRV: "20") == .watch(fromUpstreamRV: "20"))
        #expect(m.relists == 1)
        #expect(m.metadataRelists == 1)
    }

    @Test("a full page answered instead starts the full relist with it, and later relists are full")
    func ignoredMetadataUsesThePage() {
        var m = ReflectorStateMachine(resumeFrom: "10", metadataRelist: true)
        _ = m.start()
        _ = m.watchEnded(code: 410, clean: false, message: "gone", jitter: 0)
        let o = UpstreamObject(namespace: "default", name: "a", uid: "u", upstreamRV: "5", bytes: [])
        #expect(
            m.metadataIgnored([o], continueToken: nil, upstreamRV: "20") == .applyList(objects: [o], upstreamRV: "20"))
        #expect(m.listApplied(upstreamRV: "20") == .watch(fromUpstreamRV: "20"))
        #expect(m.metadataRelist == false)
        #expect(m.watchEnded(code: 410, clean: false, message: "gone", jitter: 0) == .listPage(continueToken: nil))
    }

    @Test(
        "406 falls back to the full list for good; 410 on a continue starts the metadata list over; a transport error backs off"
    )
    func failures() {
        var m = ReflectorStateMachine(resumeFrom: "10", metadataRelist: true)
        _ = m.start()
        _ = m.watchEnded(code: 410, clean: false, message: "gone", jitter: 0)
        #expect(m.metadataFailed(code: 410, message: "expired", jitter: 0) == .listMetadataPage(continueToken: nil))
        if case .backoff = m.metadataFailed(code: nil, message: "reset", jitter: 0) {
        } else {
            Issue.record("expected a backoff")
        }
        #expect(m.backoffElapsed() == .listMetadataPage(continueToken: nil))
        #expect(m.metadataFailed(code: 406, message: "no", jitter: 0) == .listPage(continueToken: nil))
        #expect(m.metadataRelist == false)
    }

    @Test("a scope never synced lists in full even with metadata relists on")
    func firstListIsFull() {
        var m = ReflectorStateMachine(metadataRelist: true)
        #expect(m.start() == .listPage(continueToken: nil))
    }
}

/// An edge's store with one scope's objects, to replay a relist and the watch after it.
private final class ReplayStore {
    let dir: TempDir
    let store: ObjectStore
    let ownership = ScopeOwnership()
    let scope: UInt32 = 1

    init() throws {
        dir = try TempDir("ake-relist")
        store = try ObjectStore(
            directory: dir.path, catalog: ResourceCatalog.builtIn(), options: .init(mapSize: 64 << 20),
            logger: Logger(label: "relist"))
    }

    func list(_ objects: [UpstreamObject]) async throws {
        let (scope, ownership) = (self.scope, self.ownership)
        _ = try await store.mutate { ctx in
            try EdgeStoreWriter.applyList(ctx, scope: scope, configmaps, objects: objects, ownership: ownership)
        }
    }

    func relist(listed: [String], fetched: [UpstreamObject]) async throws -> EdgeStoreWriter.Applied {
        let (scope, ownership) = (self.scope, self.ownership)
        return try await store.mutate { ctx in
            try EdgeStoreWriter.applyRelistChanges(
                ctx, scope: scope, configmaps, listed: listed.map(key), fetched: fetched, ownership: ownership)
        }
    }

    @discardableResult
    func event(_ event: UpstreamWatchEvent) async throws -> EdgeStoreWriter.Applied {
        let (scope, ownership) = (self.scope, self.ownership)
        return try await store.mutate { ctx in
            try EdgeStoreWriter.applyEvent(ctx, scope: scope, configmaps, event, ownership: ownership)
        }
    }

    /// `TYPE uid@upstreamRV` of every event of `name`, oldest first.
    func history(_ name: String) throws -> [String] {
        try store.log.read { txn in
            var out: [String] = []
            try txn.events(after: max(txn.horizon, 1) - 1) { ev in
                if ev.name == name {
                    out.append("\(String(describing: ev.type).uppercased()) \(ev.uid)@\(ev.upstreamRV)")
                }
                return true
            }
            return out
        }
    }

    func current(_ name: String) throws -> StoredObject? { try store.get(configmaps, namespace: "default", name: name) }
}

@Suite("Relist from metadata: the watch resumed from the list's RV")
struct MetadataRelistReplayTests {
    @Test(
        "a changed object fetched newer than the list: the watch's events up to that version are skipped, later ones applied"
    )
    func fetchedNewerThanList() async throws {
        let s = try ReplayStore()
        defer { s.store.close() }
        try await s.list([upstream("x", rv: "10"), upstream("y", rv: "11")])
        // Metadata list at 20 shows x@15; its GET (after more changes) returns x@30.
        let applied = try await s.relist(listed: ["x", "y"], fetched: [upstream("x", rv: "30", data: "c")])
        #expect(applied.modified == 1)
        for rv in ["15", "25", "30"] { try await s.event(.modified(upstream("x", rv: rv, data: "old\(rv)"))) }
        try await s.event(.modified(upstream("x", rv: "35", data: "d")))
        #expect(try s.history("x") == ["ADDED uid-x@10", "MODIFIED uid-x@30", "MODIFIED uid-x@35"])
        #expect(try s.current("x")?.upstreamRV == "35")
        #expect(try s.history("y") == ["ADDED uid-y@11"])
    }

    @Test(
        "re-created with a new uid before the GET: DELETED then ADDED locally; the watch's DELETED of the old uid and ADDED of the new are skipped"
    )
    func recreatedWithNewUID() async throws {
        let s = try ReplayStore()
        defer { s.store.close() }
        try await s.list([upstream("x", rv: "10")])
        // Listed at 20 as uid-x@18; deleted at 24, re-created at 40; the GET returns the new one.
        let applied = try await s.relist(listed: ["x"], fetched: [upstream("x", uid: "uid-new", rv: "40")])
        #expect(applied.deleted == 1 && applied.added == 1)
        try await s.event(.modified(upstream("x", rv: "18")))
        try await s.event(.deleted(upstream("x", rv: "24")))
        try await s.event(.added(upstream("x", uid: "uid-new", rv: "40")))
        #expect(
            try s.history("x") == ["ADDED uid-x@10", "DELETED uid-x@10", "ADDED uid-new@40"])
        #expect(try s.current("x")?.uid == "uid-new")
    }

    @Test(
        "deleted after the list (the GET is a 404): the edge keeps what it has and the watch replays the rest, DELETED last"
    )
    func deletedAfterList() async throws {
        let s = try ReplayStore()
        defer { s.store.close() }
        try await s.list([upstream("x", rv: "10")])
        _ = try await s.relist(listed: ["x"], fetched: [])
        try await s.event(.modified(upstream("x", rv: "22", data: "m")))
        try await s.event(.deleted(upstream("x", rv: "24", data: "m")))
        #expect(try s.history("x") == ["ADDED uid-x@10", "MODIFIED uid-x@22", "DELETED uid-x@24"])
        #expect(try s.current("x") == nil)
    }

    @Test(
        "an object new since the edge's last sync and re-created after the list: one ADDED of the new uid, nothing after"
    )
    func newThenRecreated() async throws {
        let s = try ReplayStore()
        defer { s.store.close() }
        try await s.list([upstream("a", rv: "1")])
        _ = try await s.relist(listed: ["a", "x"], fetched: [upstream("x", uid: "uid-2", rv: "40")])
        try await s.event(.deleted(upstream("x", rv: "24")))
        try await s.event(.added(upstream("x", uid: "uid-2", rv: "40")))
        try await s.event(.modified(upstream("x", uid: "uid-2", rv: "41", data: "after")))
        #expect(try s.history("x") == ["ADDED uid-2@40", "MODIFIED uid-2@41"])
    }

    @Test("owned objects the list no longer has leave the edge unless another scope still owns them")
    func removedRespectsOwnership() async throws {
        let s = try ReplayStore()
        defer { s.store.close() }
        try await s.list([upstream("a", rv: "1"), upstream("b", rv: "2"), upstream("c", rv: "3")])
        s.ownership.add(2, configmaps, key("c"))
        let applied = try await s.relist(listed: ["a"], fetched: [])
        #expect(applied.deleted == 1)
        #expect(try s.current("b") == nil)
        #expect(try s.current("c") != nil)
        #expect(s.ownership.owners(configmaps, key("c")) == [2])
        // The watch's DELETED of b (already gone here) changes nothing.
        #expect(try await s.event(.deleted(upstream("b", rv: "25"))).total == 0)
    }

    @Test("a full relist shows a re-created object as DELETED then ADDED too")
    func fullRelistRecreate() async throws {
        let s = try ReplayStore()
        defer { s.store.close() }
        try await s.list([upstream("x", rv: "10")])
        try await s.list([upstream("x", uid: "uid-new", rv: "40")])
        #expect(try s.history("x") == ["ADDED uid-x@10", "DELETED uid-x@10", "ADDED uid-new@40"])
    }
}

/// A cloud with `count` ConfigMaps of ~2 KB in "default", an edge syncing that namespace
/// through a link that can be cut, and a local watcher on the edge.
private struct CutEdge {
    let cloud: Cloud
    let proxy: LinkProxy
    let dir: TempDir
    let edge: Edge
    var watch: WatchStream.Iterator
    /// The edge's metrics.
    let registry: PrometheusCollectorRegistry

    static let payload = String(repeating: "x", count: 2000)

    static func start(count: Int) async throws -> CutEdge {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        let registry = PrometheusCollectorRegistry()
        let edge = try await Edge(
            directory: dir.path, upstream: proxy.url,
            options: EdgeSyncOptions(
                preload: [ScopeSelector(resource: configmaps, namespace: "default")], probeInterval: .milliseconds(200),
                initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
                quietProbeInterval: .milliseconds(200)),
            metricsFactory: PrometheusMetricsFactory(registry: registry))
        for i in 0..<count { try await cloud.endpoint.createConfigMap("default", "cm\(i)", data: payload) }
        try await edge.eventually("\(count) objects at the edge") {
            try await edge.endpoint.configMapData("default").count == count
        }
        let (_, list) = try await edge.endpoint.call(.list, configmaps, namespace: "default")
        let listRV = list["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let watch = try await edge.endpoint.watch(
            configmaps, namespace: "default",
            query: ["resourceVersion": [listRV], "allowWatchBookmarks": ["true"], "timeoutSeconds": ["60"]]
        ).makeAsyncIterator()
        return CutEdge(cloud: cloud, proxy: proxy, dir: dir, edge: edge, watch: watch, registry: registry)
    }

    func stop() async {
        await edge.stop()
        proxy.stop()
        await cloud.stop()
    }

    func cut() async throws {
        proxy.cut()
        try await edge.eventually("link offline") { !edge.sync.isOnline }
    }

    /// Compacts the cloud's log (the edge's resume point is gone: 410), heals the link and
    /// returns the index of the first request the cloud answers after it.
    func compactAndHeal() async throws -> Int {
        _ = try await cloud.store.log.compact(to: cloud.store.log.head)
        let mark = cloud.server.log.count
        proxy.heal()
        return mark
    }

    /// `name → uid:data` of the ConfigMaps in "default".
    static func state(_ endpoint: Endpoint) async throws -> [String: String] {
        let (_, list) = try await endpoint.call(.list, configmaps, namespace: "default")
        var out: [String: String] = [:]
        for item in list["items"]?.arrayValue ?? [] {
            out[item.name ?? ""] = "\(item.uid ?? ""):\(item["data"]?["k"]?.stringValue ?? "")"
        }
        return out
    }

    func converged() async throws {
        try await edge.eventually("edge equals cloud") {
            try await Self.state(edge.endpoint) == Self.state(cloud.endpoint)
        }
    }

    /// The value of the sample of `name` whose labels include all of `labels` (nil if none).
    func metric(_ name: String, _ labels: [String]) -> String? {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix(name + "{") && labels.allSatisfy({ line.contains($0) }) {
            return line.split(separator: " ").last.map(String.init)
        }
        return nil
    }

    /// The ConfigMap requests the cloud answered since `mark`.
    func requests(since mark: Int) -> [TestAPIServer.RecordedRequest] {
        cloud.server.log.since(mark).filter { $0.path.hasSuffix("/configmaps") || $0.path.contains("/configmaps/") }
    }
}

@Suite("Relist from metadata: an edge and its cloud")
struct MetadataRelistEdgeTests {
    @Test(
        "after a cut past the cloud's history the edge lists metadata once, GETs only the changed objects, resumes its watch, and local watchers see just the changes"
    )
    func fetchesOnlyTheChanges() async throws {
        var t = try await CutEdge.start(count: 30)
        try await withCleanup({ await t.stop() }) {
            let (_, old7) = try await t.cloud.endpoint.call(.get, configmaps, namespace: "default", name: "cm7")
            let oldUID = try #require(old7.uid)
            let (_, fullList) = try await t.cloud.endpoint.call(.list, configmaps, namespace: "default")
            let fullListBytes = fullList.serialized().count
            try await t.cut()
            for i in 1...3 { try await t.cloud.endpoint.setData("default", "cm\(i)", "changed\(i)") }
            _ = try await t.cloud.endpoint.call(.delete, configmaps, namespace: "default", name: "cm5")
            _ = try await t.cloud.endpoint.call(.delete, configmaps, namespace: "default", name: "cm7")
            let new7 = try await t.cloud.endpoint.createConfigMap("default", "cm7", data: "again")
            let newUID = try #require(new7.uid)
            let bytesBefore = t.proxy.bytesDown
            let mark = try await t.compactAndHeal()

            let got = try await nextEvents(&t.watch, count: 6)
            let seen = got.map { "\($0.0.rawValue) \($0.1.name ?? "")" }
            #expect(
                seen.sorted() == [
                    "ADDED cm7", "DELETED cm5", "DELETED cm7", "MODIFIED cm1", "MODIFIED cm2", "MODIFIED cm3",
                ])
            // The re-created object: its old uid leaves, then its new one arrives.
            let deleted7 = try #require(got.firstIndex { $0.0 == .deleted && $0.1.name == "cm7" })
            let added7 = try #require(got.firstIndex { $0.0 == .added && $0.1.name == "cm7" })
            #expect(deleted7 < added7)
            #expect(got[deleted7].1.uid == oldUID)
            #expect(got[added7].1.uid == newUID)
            try await t.converged()

            let requests = t.requests(since: mark)
            let lists = requests.filter { $0.verb == .list }
            #expect(lists.count == 1)
            #expect(lists.allSatisfy { $0.metadata })
            let gets = requests.filter { $0.verb == .get }
            #expect(
                gets.map { $0.path.split(separator: "/").last.map(String.init) ?? "" }.sorted() == [
                    "cm1", "cm2", "cm3", "cm7",
                ])
            // The scope's counters are recorded at its loop's next turn, just after the apply.
            try await t.edge.eventually("the metadata relist counted") {
                t.metric("ake_sync_metadata_relists_total", [#"resource="configmaps""#]) == "1"
            }
            #expect(t.edge.sync.status.relists.values.reduce(0, +) == 1)
            #expect(t.metric("ake_upstream_requests_total", [#"resource="configmaps""#, #"purpose="get""#]) == "4")
            // The metadata list, four GETs and the watch's 410 cost far less than the list.
            let healBytes = t.proxy.bytesDown - bytesBefore
            #expect(healBytes < fullListBytes / 2, "heal \(healBytes) B vs list \(fullListBytes) B")

            // The watch resumed from the list: a later change arrives alone, with no list or GET.
            let mark2 = t.cloud.server.log.count
            try await t.cloud.endpoint.setData("default", "cm10", "later")
            let later = try await nextEvents(&t.watch, count: 1)
            #expect(later.map { "\($0.0.rawValue) \($0.1.name ?? "")" } == ["MODIFIED cm10"])
            #expect(t.requests(since: mark2).filter { $0.verb != .watch }.isEmpty)
            try await t.converged()
        }
    }

    @Test(
        "when most objects changed, the edge falls back to the full list after the metadata list, and fetches nothing one by one"
    )
    func largeChangeSetListsInFull() async throws {
        var t = try await CutEdge.start(count: 30)
        try await withCleanup({ await t.stop() }) {
            try await t.cut()
            for i in 0..<20 { try await t.cloud.endpoint.setData("default", "cm\(i)", "changed\(i)") }
            let mark = try await t.compactAndHeal()
            let got = try await nextEvents(&t.watch, count: 20)
            #expect(got.count == 20)
            #expect(got.allSatisfy { $0.0 == .modified })
            try await t.converged()
            let requests = t.requests(since: mark)
            #expect(requests.filter { $0.verb == .list }.map(\.metadata) == [true, false])
            #expect(requests.filter { $0.verb == .get }.isEmpty)
            #expect(t.metric("ake_sync_metadata_relists_total", [#"resource="configmaps""#]) == nil)
        }
    }

    @Test(
        "an upstream without the metadata form (full answer or 406) gets the full relist, and local watchers still see only the changes",
        arguments: [TestAPIServer.MetadataSupport.ignore, .refuse])
    func upstreamWithoutMetadata(_ support: TestAPIServer.MetadataSupport) async throws {
        var t = try await CutEdge.start(count: 30)
        try await withCleanup({ await t.stop() }) {
            t.cloud.server.log.metadata.withLock { $0 = support }
            try await t.cut()
            try await t.cloud.endpoint.setData("default", "cm4", "changed")
            _ = try await t.cloud.endpoint.call(.delete, configmaps, namespace: "default", name: "cm9")
            let mark = try await t.compactAndHeal()
            let got = try await nextEvents(&t.watch, count: 2)
            #expect(got.map { "\($0.0.rawValue) \($0.1.name ?? "")" }.sorted() == ["DELETED cm9", "MODIFIED cm4"])
            try await t.converged()
            let lists = t.requests(since: mark).filter { $0.verb == .list }
            let asked = lists.map { $0.accept.contains("PartialObjectMetadataList") }
            // A full answer to the metadata request is the relist itself; a 406 costs one more request.
            #expect(asked == (support == .ignore ? [true] : [true, false]))
            #expect(t.requests(since: mark).filter { $0.verb == .get }.isEmpty)

            // The next relist of this scope asks for the full list straight away.
            try await t.cut()
            // (Two changes: compaction keeps the newest event, so one alone stays resumable.)
            try await t.cloud.endpoint.setData("default", "cm6", "changed")
            try await t.cloud.endpoint.setData("default", "cm8", "changed")
            let mark2 = try await t.compactAndHeal()
            _ = try await nextEvents(&t.watch, count: 2)
            try await t.converged()
            #expect(
                t.requests(since: mark2).filter { $0.verb == .list }.map { $0.accept.contains("PartialObjectMetadata") }
                    == [false])
        }
    }

    @Test(
        "a relist whose pages are over the gzip threshold in JSON asks for JSON (gzipped); a smaller one, and a first list, ask for protobuf"
    )
    func relistEncodingFollowsTheGzipThreshold() async throws {
        // 80 ConfigMaps of ~2 KB: a ~170 KB JSON list, gzipped by the cloud; ~110 KB in
        // protobuf, which it would send as it is.
        for (count, json) in [(80, true), (30, false)] {
            var t = try await CutEdge.start(count: count)
            try await withCleanup({ await t.stop() }) {
                let first = t.requests(since: 0).first { $0.verb == .list }
                #expect(first?.accept.hasPrefix("application/vnd.kubernetes.protobuf") == true)
                try await t.cut()
                // Most objects change: after the metadata list, the full list.
                for i in 0..<(count * 2 / 3) { try await t.cloud.endpoint.setData("default", "cm\(i)", "changed\(i)") }
                let mark = try await t.compactAndHeal()
                _ = try await nextEvents(&t.watch, count: count * 2 / 3)
                try await t.converged()
                let full = t.requests(since: mark).filter { $0.verb == .list && !$0.metadata }
                #expect(full.count == 1)
                #expect(full.allSatisfy { ($0.accept == "application/json") == json }, "\(count) objects")
            }
        }
    }
}

@Suite("Relist encoding")
struct ListEncodingChoiceTests {
    @Test("JSON exactly when a page's JSON is over the 128 KiB gzip threshold; protobuf when nothing is known")
    func threshold() {
        #expect(!ListEncodingChoice.asksForJSON(objects: 0, meanObjectBytes: 0, pageSize: 500))
        #expect(!ListEncodingChoice.asksForJSON(objects: 30, meanObjectBytes: 2_000, pageSize: 500))
        #expect(ListEncodingChoice.asksForJSON(objects: 80, meanObjectBytes: 2_000, pageSize: 500))
        #expect(!ListEncodingChoice.asksForJSON(objects: 131_072, meanObjectBytes: 1, pageSize: 500))
        // Pages, not the whole list, are what the threshold applies to.
        #expect(!ListEncodingChoice.asksForJSON(objects: 1_000, meanObjectBytes: 2_000, pageSize: 50))
        #expect(ListEncodingChoice.asksForJSON(objects: 1_000, meanObjectBytes: 2_000, pageSize: 100))
    }
}
