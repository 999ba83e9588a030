import Endpoint
import EventLog
import Foundation
import KubeModel
import Projections
import Testing

@testable import Sync

/// Edge mode against a real HTTP upstream (a standalone AKE in the same process) with
/// tools/linkproxy.py between them to cut the link.
@Suite("Edge sync", .serialized)
struct EdgeSyncTests {
    @Test("objects created in the cloud appear at the edge for get, list with selectors and watch, with edge RVs")
    func objectsFlowDown() async throws {
        let cloud = try await Cloud()
        let dir = try TempDir("ake-edge")
        let edge = try await Edge(directory: dir.path, upstream: cloud.server.url)
        defer { _ = dir }
        try await withCleanup({
            await edge.stop()
            await cloud.stop()
        }) {
            let a = try await cloud.endpoint.createConfigMap("default", "a", labels: ["app": "web"])
            try await cloud.endpoint.createConfigMap("default", "b", labels: ["app": "db"])
            try await edge.eventually("link online") { edge.sync.isOnline }

            // An uncovered list creates a scope and is answered after its first sync.
            let (code, list) = try await edge.endpoint.call(
                .list, configmaps, namespace: "default", query: ["labelSelector": ["app=web"]])
            #expect(code == 200)
            let items = list["items"]?.arrayValue ?? []
            #expect(items.map { $0.name } == ["a"])
            let stored = try #require(try edge.store.get(configmaps, namespace: "default", name: "a"))
            #expect(items.first?.resourceVersion == String(stored.rv))
            #expect(stored.upstreamRV == a.resourceVersion)
            #expect(edge.sync.scopes.count == 1)

            // A get by name is covered by a scope of just that object.
            let (getCode, b) = try await edge.endpoint.call(.get, configmaps, namespace: "default", name: "b")
            #expect(getCode == 200)
            #expect(b["metadata"]?["labels"]?["app"]?.stringValue == "db")

            // Watch from the list's RV: a change in the cloud arrives as MODIFIED with an edge RV.
            let listRV = try #require(list["metadata"]?["resourceVersion"]?.stringValue)
            var events = try await edge.endpoint.watch(
                configmaps, namespace: "default",
                query: ["labelSelector": ["app=web"], "resourceVersion": [listRV], "timeoutSeconds": ["60"]]
            ).makeAsyncIterator()
            let modified = try await cloud.endpoint.setData("default", "a", "v2")
            let got = try await nextEvents(&events, count: 1)
            #expect(got.map(\.0) == [.modified])
            #expect(got.first?.1["data"]?["k"]?.stringValue == "v2")
            let edgeA = try #require(try edge.store.get(configmaps, namespace: "default", name: "a"))
            #expect(got.first?.1.resourceVersion == String(edgeA.rv))
            #expect(edgeA.upstreamRV == modified.resourceVersion)
        }
    }

    @Test(
        "a write through the edge lands in the cloud, is readable at the edge at once, and its echo is not appended twice"
    )
    func writesReadYourOwn() async throws {
        let cloud = try await Cloud()
        let dir = try TempDir("ake-edge")
        let edge = try await Edge(
            directory: dir.path, upstream: cloud.server.url,
            options: EdgeSyncOptions(preload: [ScopeSelector(resource: configmaps)], probeInterval: .milliseconds(200)))
        try await withCleanup({
            await edge.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("scope synced") { edge.sync.scopes.first?.phase == .synced }
            let created = try await edge.endpoint.createConfigMap("default", "mine", data: "x")
            let edgeCopy = try #require(try edge.store.get(configmaps, namespace: "default", name: "mine"))
            #expect(created.resourceVersion == String(edgeCopy.rv))
            let (cloudCode, inCloud) = try await cloud.endpoint.call(
                .get, configmaps, namespace: "default", name: "mine")
            #expect(cloudCode == 200)
            #expect(inCloud.resourceVersion == edgeCopy.upstreamRV)
            // The cloud records the client's Update entry (named from its User-Agent, not the
            // edge's); the edge keeps the cloud's managedFields as synced and adds none.
            let managers = inCloud["metadata"]?["managedFields"]?.arrayValue ?? []
            #expect(managers.map { $0["manager"]?.stringValue } == ["test"])
            #expect(managers.first?["operation"] == "Update")
            #expect(created["metadata"]?["managedFields"] == inCloud["metadata"]?["managedFields"])

            // Update with the edge's RV as precondition: translated to the cloud's.
            var update = created
            update["data"] = ["k": "y"]
            let (updateCode, updated) = try await edge.endpoint.call(
                .update, configmaps, namespace: "default", name: "mine", body: update)
            #expect(updateCode == 200)
            #expect(updated["data"]?["k"]?.stringValue == "y")
            // A stale edge RV is a conflict, as at any apiserver.
            let (staleCode, _) = try await edge.endpoint.call(
                .update, configmaps, namespace: "default", name: "mine", body: update)
            #expect(staleCode == 409)

            // A later cloud change arriving proves the echoes of our writes went by.
            try await cloud.endpoint.createConfigMap("default", "marker")
            try await edge.eventually("marker synced") {
                try edge.store.get(configmaps, namespace: "default", name: "marker") != nil
            }
            let history = try edge.store.log.read { txn -> [EventType] in
                var types: [EventType] = []
                try txn.events(after: max(txn.horizon, 1) - 1) { ev in
                    if ev.name == "mine" { types.append(ev.type) }
                    return true
                }
                return types
            }
            #expect(history == [.added, .modified])

            // Delete through the edge: gone at the edge at once.
            let (deleteCode, _) = try await edge.endpoint.call(.delete, configmaps, namespace: "default", name: "mine")
            #expect(deleteCode == 200)
            #expect(try edge.store.get(configmaps, namespace: "default", name: "mine") == nil)
        }
    }

    @Test(
        "a cut link: reads answer from disk, uncovered reads and writes get 503, and after heal open watches get the missed changes without relist"
    )
    func linkCutAndResume() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        let edge = try await Edge(
            directory: dir.path, upstream: proxy.url,
            options: EdgeSyncOptions(
                preload: [ScopeSelector(resource: configmaps, namespace: "default")], probeInterval: .milliseconds(200),
                initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
                quietProbeInterval: .milliseconds(200)))
        try await withCleanup({
            await edge.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            for i in 0..<20 { try await cloud.endpoint.createConfigMap("default", "cm\(i)") }
            try await edge.eventually("20 objects at the edge") {
                try await edge.endpoint.configMapData("default").count == 20
            }
            let (_, list) = try await edge.endpoint.call(.list, configmaps, namespace: "default")
            let listRV = try #require(list["metadata"]?["resourceVersion"]?.stringValue)
            var watch = try await edge.endpoint.watch(
                configmaps, namespace: "default",
                query: ["resourceVersion": [listRV], "allowWatchBookmarks": ["true"], "timeoutSeconds": ["40"]]
            ).makeAsyncIterator()

            proxy.cut()
            try await edge.eventually("link offline") { !edge.sync.isOnline }
            // Covered reads keep answering from disk.
            #expect(try await edge.endpoint.configMapData("default").count == 20)
            let (getCode, _) = try await edge.endpoint.call(.get, configmaps, namespace: "default", name: "cm3")
            #expect(getCode == 200)
            // Uncovered reads: 503 with Retry-After, never an empty list.
            let (uncovered, status) = try await edge.endpoint.call(.list, secrets, namespace: "default")
            #expect(uncovered == 503)
            #expect((status["details"]?["retryAfterSeconds"]?.int64Value ?? 0) > 0)
            let (writeCode, _) = try await edge.endpoint.call(
                .create, configmaps, namespace: "default",
                body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "offline"]])
            #expect(writeCode == 503)

            // Changes in the cloud during the cut.
            try await cloud.endpoint.setData("default", "cm1", "changed")
            try await cloud.endpoint.setData("default", "cm2", "changed")
            _ = try await cloud.endpoint.call(.delete, configmaps, namespace: "default", name: "cm5")
            try await cloud.endpoint.createConfigMap("default", "new")

            proxy.heal()
            let got = try await nextEvents(&watch, count: 4)
            #expect(got.map(\.0) == [.modified, .modified, .deleted, .added])
            #expect(got.map { $0.1.name ?? "" } == ["cm1", "cm2", "cm5", "new"])
            let status2 = edge.sync.status
            #expect(status2.relists.values.reduce(0, +) == 0)
            #expect(status2.resumes.values.reduce(0, +) >= 1)
            #expect(try await edge.endpoint.configMapData("default") == cloud.endpoint.configMapData("default"))

            // A cut longer than the cloud's retention: the resume point is compacted away,
            // the edge relists and diffs, and local watchers still see only the differences.
            proxy.cut()
            try await edge.eventually("link offline again") { !edge.sync.isOnline }
            try await cloud.endpoint.setData("default", "cm7", "late")
            _ = try await cloud.endpoint.call(.delete, configmaps, namespace: "default", name: "cm8")
            try await cloud.endpoint.createConfigMap("default", "newer")
            _ = try await cloud.store.log.compact(to: cloud.store.log.head)
            proxy.heal()
            let after = try await nextEvents(&watch, count: 3)
            #expect(
                Set(after.map { "\($0.0.rawValue) \($0.1.name ?? "")" }) == [
                    "MODIFIED cm7", "DELETED cm8", "ADDED newer",
                ])
            try await edge.eventually("edge equals cloud") {
                try await edge.endpoint.configMapData("default") == cloud.endpoint.configMapData("default")
            }
            #expect(edge.sync.status.relists.values.reduce(0, +) == 1)
        }
    }

    @Test("a scope's persisted resume point covers every event the edge has applied, written in the same transaction")
    func resumePointCommitsWithEvents() async throws {
        let cloud = try await Cloud()
        let dir = try TempDir("ake-edge")
        let edge = try await Edge(
            directory: dir.path, upstream: cloud.server.url,
            options: EdgeSyncOptions(
                preload: [ScopeSelector(resource: configmaps, namespace: "default")], probeInterval: .milliseconds(200))
        )
        try await withCleanup({
            await edge.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("scope synced") { edge.sync.scopes.first?.phase == .synced }
            let id = try #require(edge.sync.scopes.first?.id)
            for i in 0..<5 {
                try await cloud.endpoint.createConfigMap("default", "e\(i)")
                try await edge.eventually("e\(i) at the edge") {
                    try edge.store.get(configmaps, namespace: "default", name: "e\(i)") != nil
                }
                // Read at once: no second write may be needed for the resume point to move.
                let stored = try #require(try edge.store.get(configmaps, namespace: "default", name: "e\(i)"))
                let raw = try #require(try await edge.store.log.write { txn in try txn.meta(SyncScope.metaKey(id)) })
                let persisted = try JSONDecoder().decode(SyncScope.self, from: Data(raw))
                let persistedRV = try #require(UInt64(persisted.upstreamRV))
                let eventRV = try #require(UInt64(stored.upstreamRV))
                #expect(persistedRV >= eventRV, "persisted \(persistedRV) < applied \(eventRV)")
            }
        }
    }

    @Test("an edge restarted while the cloud is unreachable serves its data at once")
    func restartOffline() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        try await withCleanup({
            proxy.stop()
            await cloud.stop()
        }) {
            for i in 0..<5 { try await cloud.endpoint.createConfigMap("kube-system", "c\(i)") }
            let first = try await Edge(directory: dir.path, upstream: proxy.url)
            #expect(try await first.endpoint.configMapData("kube-system").count == 5)
            await first.stop()
            proxy.cut()
            let second = try await Edge(directory: dir.path, upstream: proxy.url)
            let (code, list) = try await second.endpoint.call(.list, configmaps, namespace: "kube-system")
            #expect(code == 200)
            #expect(list["items"]?.arrayValue?.count == 5)
            await second.stop()
        }
    }

    @Test("a second edge syncing from the first edge (chaining) sees the cloud's objects and writes through both")
    func chaining() async throws {
        let cloud = try await Cloud()
        let dir1 = try TempDir("ake-edge1")
        let dir2 = try TempDir("ake-edge2")
        let site = try await Edge(directory: dir1.path, upstream: cloud.server.url)
        let siteServer = try await TestAPIServer(endpoint: site.endpoint)
        let node = try await Edge(directory: dir2.path, upstream: siteServer.url)
        try await withCleanup({
            await node.stop()
            await siteServer.stop()
            await site.stop()
            await cloud.stop()
        }) {
            try await cloud.endpoint.createConfigMap("default", "top", labels: ["tier": "x"])
            let data = try await node.endpoint.configMapData("default")
            #expect(data["default/top"] == "v1")
            try await node.endpoint.createConfigMap("default", "from-node")
            let (code, _) = try await cloud.endpoint.call(.get, configmaps, namespace: "default", name: "from-node")
            #expect(code == 200)
            try await cloud.endpoint.setData("default", "top", "v2")
            try await node.eventually("change reaches the node through the site") {
                try await node.endpoint.configMapData("default")["default/top"] == "v2"
            }
        }
    }
}
