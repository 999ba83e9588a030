import Endpoint
import EventLog
import Foundation
import KubeModel
import Projections
import Testing

@testable import Sync

let leasesGVR = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
let podsResource = GroupVersionResource(group: "", version: "v1", resource: "pods")
let eventsGVR = GroupVersionResource(group: "", version: "v1", resource: "events")

extension Endpoint {
    /// Like `call`, to a subresource and with a client name.
    func send(
        _ verb: APIVerb, _ gvr: GroupVersionResource, namespace: String? = nil, name: String? = nil,
        subresource: String? = nil, body: JSONValue? = nil, contentType: String? = nil, client: String = "kubelet"
    ) async throws -> (Int, JSONValue) {
        let request = APIRequest(
            verb: verb, resource: gvr, namespace: namespace, name: name, subresource: subresource, query: [:],
            body: body?.serialized(), contentType: contentType, client: client)
        switch await handle(request) {
        case .response(let r): return (r.code, try JSONValue(parsing: r.body))
        case .watch: throw Edge.TimedOut(what: "unexpected watch")
        }
    }
}

func nodeLease(renew: String) -> JSONValue {
    [
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": ["name": "node1", "namespace": "kube-node-lease"],
        "spec": ["holderIdentity": "node1", "leaseDurationSeconds": 40, "renewTime": .string(renew)],
    ]
}

func kubeEvent(_ name: String, reason: String) -> JSONValue {
    [
        "apiVersion": "v1", "kind": "Event",
        "metadata": ["name": .string(name), "namespace": "default"],
        "involvedObject": ["kind": "Pod", "namespace": "default", "name": "web", "apiVersion": "v1"],
        "reason": .string(reason), "message": "offline", "type": "Normal", "count": 1,
        "source": ["component": "kubelet", "host": "node1"],
        "firstTimestamp": "2026-12-03T10:00:00Z", "lastTimestamp": "2026-12-03T10:00:00Z",
    ]
}

/// Offline writes against a real HTTP cloud through tools/linkproxy.py.
@Suite("Offline writes", .serialized)
struct OfflineWriteTests {
    @Test(
        "offline, node-agent writes are accepted, visible at once and kept pending; after heal the cloud has each once and the edge equals the cloud"
    )
    func pendingThenReconciled() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        // The cloud's objects before the cut.
        let (leaseCode, _) = try await cloud.endpoint.send(
            .create, leasesGVR, namespace: "kube-node-lease", body: nodeLease(renew: "2026-12-03T10:00:00.000000Z"))
        #expect(leaseCode == 201)
        let podBody: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "default"],
            "spec": ["nodeName": "node1", "containers": [["name": "c", "image": "nginx"]]],
        ]
        #expect(try await cloud.endpoint.send(.create, podsResource, namespace: "default", body: podBody).0 == 201)
        try await cloud.endpoint.createConfigMap("default", "held")
        let edge = try await Edge(
            directory: dir.path, upstream: proxy.url,
            options: EdgeSyncOptions(
                preload: [
                    ScopeSelector(resource: leasesGVR, namespace: "kube-node-lease"),
                    ScopeSelector(resource: podsResource, namespace: "default"),
                    ScopeSelector(resource: eventsGVR, namespace: "default"),
                    ScopeSelector(resource: configmaps, namespace: "default"),
                ], probeInterval: .milliseconds(200), initialBackoff: .milliseconds(50),
                maxBackoff: .milliseconds(500), writeTimeout: .seconds(2)))
        try await withCleanup({
            await edge.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("scopes synced") {
                edge.sync.scopes.count >= 4 && edge.sync.scopes.allSatisfy { $0.phase == .synced }
            }
            let (_, leaseList) = try await edge.endpoint.call(.list, leasesGVR, namespace: "kube-node-lease")
            let listRV = try #require(leaseList["metadata"]?["resourceVersion"]?.stringValue)
            var watch = try await edge.endpoint.watch(
                leasesGVR, namespace: "kube-node-lease", query: ["resourceVersion": [listRV], "timeoutSeconds": ["60"]]
            ).makeAsyncIterator()

            proxy.command("refuse")
            try await edge.eventually("link offline") { !edge.sync.isOnline }

            // Ten lease renewals: each answered at once, read back at once, one pending entry.
            var lastRenew = ""
            for i in 1...10 {
                let (_, current) = try await edge.endpoint.call(
                    .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
                var renewed = current
                lastRenew = "2026-12-03T10:00:\(String(format: "%02d", i)).000000Z"
                renewed["spec"]?["renewTime"] = .string(lastRenew)
                let (code, answer) = try await edge.endpoint.send(
                    .update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: renewed)
                #expect(code == 200, "\(answer)")
                #expect(answer["spec"]?["renewTime"]?.stringValue == lastRenew)
                if i == 10 {
                    // A stale resourceVersion is a conflict offline too.
                    let (stale, _) = try await edge.endpoint.send(
                        .update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: renewed)
                    #expect(stale == 409)
                }
            }
            let watched = try await nextEvents(&watch, count: 10)
            #expect(watched.map(\.0) == Array(repeating: .modified, count: 10))

            // Pod status (a merge patch to /status) and an Event.
            let (statusCode, patched) = try await edge.endpoint.send(
                .patch, podsResource, namespace: "default", name: "web", subresource: "status",
                body: ["status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]],
                contentType: "application/merge-patch+json")
            #expect(statusCode == 200, "\(patched)")
            #expect(patched["status"]?["phase"] == "Running")
            let (eventCode, event) = try await edge.endpoint.send(
                .create, eventsGVR, namespace: "default", body: kubeEvent("web.1", reason: "Started"))
            #expect(eventCode == 201, "\(event)")
            // A pod the edge does not sync: the cloud may have it, so 503 rather than 404.
            let (uncovered, _) = try await edge.endpoint.send(
                .patch, podsResource, namespace: "elsewhere", name: "web", subresource: "status",
                body: ["status": ["phase": "Running"]], contentType: "application/merge-patch+json")
            #expect(uncovered == 503)
            // One it syncs and does not hold does not exist.
            let (missing, _) = try await edge.endpoint.send(
                .patch, podsResource, namespace: "default", name: "ghost", subresource: "status",
                body: ["status": ["phase": "Running"]], contentType: "application/merge-patch+json")
            #expect(missing == 404)
            // Validated as the cloud would: an invalid name is 422 offline too.
            let invalid = kubeEvent("Web_2!", reason: "Bad")
            #expect(try await edge.endpoint.send(.create, eventsGVR, namespace: "default", body: invalid).0 == 422)

            // Forward-policy writes offline: what the edge can decide, else 503.
            let held: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "held"]]
            #expect(try await edge.endpoint.send(.create, configmaps, namespace: "default", body: held).0 == 409)
            let fresh: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "fresh"]]
            let (refused, status) = try await edge.endpoint.send(.create, configmaps, namespace: "default", body: fresh)
            #expect(refused == 503)
            #expect((status["details"]?["retryAfterSeconds"]?.int64Value ?? 0) > 0)
            let (_, heldCopy) = try await edge.endpoint.call(.get, configmaps, namespace: "default", name: "held")
            var stale = heldCopy
            stale["metadata"]?["resourceVersion"] = "1"
            stale["data"] = ["k": "edge"]
            #expect(
                try await edge.endpoint.send(.update, configmaps, namespace: "default", name: "held", body: stale).0
                    == 409)
            var current = heldCopy
            current["data"] = ["k": "edge"]
            // Valid against the edge's copy: only the cloud can take it.
            #expect(
                try await edge.endpoint.send(.update, configmaps, namespace: "default", name: "held", body: current).0
                    == 503)
            #expect(try await edge.endpoint.send(.delete, configmaps, namespace: "default", name: "held").0 == 503)
            #expect(
                try await edge.endpoint.call(.get, configmaps, namespace: "default", name: "held").1["data"]?["k"]
                    == "v1")

            #expect(edge.sync.pendingCount == 3)
            let ledger = try EdgeSync.ledger(edge.store)
            let leaseEntry = try #require(ledger.first { $0.resource == "leases" })
            #expect(leaseEntry.writes == 10 && leaseEntry.kind == .update)
            #expect(edge.sync.status.readinessDetail.contains("3 objects have writes pending"))

            // Heal: reconciled in log order; the cloud has the final values, each once.
            proxy.heal()
            try await edge.eventually("ledger empty", timeout: .seconds(30)) { edge.sync.pendingCount == 0 }
            let (_, cloudLease) = try await cloud.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            #expect(cloudLease["spec"]?["renewTime"]?.stringValue == lastRenew)
            let (_, cloudPod) = try await cloud.endpoint.call(.get, podsResource, namespace: "default", name: "web")
            #expect(cloudPod["status"]?["phase"] == "Running")
            let (_, cloudEvents) = try await cloud.endpoint.call(.list, eventsGVR, namespace: "default")
            #expect(cloudEvents["items"]?.arrayValue?.compactMap(\.name) == ["web.1"])
            // The edge's copies carry the cloud's RVs now; local watchers saw a MODIFIED, no relist.
            let edgeLease = try #require(try edge.store.get(leasesGVR, namespace: "kube-node-lease", name: "node1"))
            #expect(edgeLease.upstreamRV == cloudLease.resourceVersion)
            let after = try await nextEvents(&watch, count: 1)
            #expect(after.map(\.0) == [.modified])
            #expect(edge.sync.status.relists.values.reduce(0, +) == 0)

            // The log tells the story: ten pending lease events, then the reconciler's.
            let history = try edge.store.log.read { txn -> [(EventOrigin, EventState)] in
                var out: [(EventOrigin, EventState)] = []
                try txn.retainedEvents(after: 0) { ev in
                    if ev.name == "node1" { out.append((ev.origin, ev.state)) }
                    return true
                }
                return out
            }
            #expect(history.filter { $0.1 == .pending }.count == 10)
            #expect(history.last.map { $0.0 == .reconciler && $0.1 == .committed } == true)

            // Uploads happen once: another pass finds nothing to do.
            #expect(await edge.sync.reconcilePass())
            let (_, again) = try await cloud.endpoint.call(.list, eventsGVR, namespace: "default")
            #expect(again["items"]?.arrayValue?.count == 1)
        }
    }

    @Test(
        "pending writes survive a restart, and an upload that reached the cloud before the edge died is not applied again"
    )
    func restartWithUnknownFate() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        _ = try await cloud.endpoint.send(
            .create, leasesGVR, namespace: "kube-node-lease", body: nodeLease(renew: "2026-12-03T10:00:00.000000Z"))
        let options = EdgeSyncOptions(
            preload: [
                ScopeSelector(resource: leasesGVR, namespace: "kube-node-lease"),
                ScopeSelector(resource: eventsGVR, namespace: "default"),
            ], probeInterval: .milliseconds(200), initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
            writeTimeout: .seconds(2))
        var edge = try await Edge(directory: dir.path, upstream: proxy.url, options: options)
        let renew = "2026-12-03T10:05:00.000000Z"
        do {
            try await edge.eventually("scopes synced") { edge.sync.scopes.allSatisfy { $0.phase == .synced } }
            proxy.command("refuse")
            try await edge.eventually("link offline") { !edge.sync.isOnline }
            let (_, current) = try await edge.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            var renewed = current
            renewed["spec"]?["renewTime"] = .string(renew)
            #expect(
                try await edge.endpoint.send(
                    .update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: renewed
                ).0 == 200)
            #expect(
                try await edge.endpoint.send(
                    .create, eventsGVR, namespace: "default", body: kubeEvent("web.1", reason: "Started")
                ).0 == 201)
            await edge.stop()
        }
        // The uploads arrived in the cloud, but the edge died before recording the answers.
        let (_, cloudLease) = try await cloud.endpoint.call(
            .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
        var landed = cloudLease
        landed["spec"]?["renewTime"] = .string(renew)
        #expect(
            try await cloud.endpoint.send(.update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: landed)
                .0 == 200)
        #expect(
            try await cloud.endpoint.send(
                .create, eventsGVR, namespace: "default", body: kubeEvent("web.1", reason: "Started")
            ).0 == 201)
        let cloudHead = cloud.store.log.head

        proxy.heal()
        edge = try await Edge(directory: dir.path, upstream: proxy.url, options: options)
        try await withCleanup({
            await edge.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            #expect(edge.sync.pendingCount == 2)
            try await edge.eventually("ledger empty") { edge.sync.pendingCount == 0 }
            // Nothing was written to the cloud again.
            #expect(cloud.store.log.head == cloudHead)
            let (_, events) = try await cloud.endpoint.call(.list, eventsGVR, namespace: "default")
            #expect(events["items"]?.arrayValue?.count == 1)
            let edgeLease = try #require(try edge.store.get(leasesGVR, namespace: "kube-node-lease", name: "node1"))
            let (_, finalLease) = try await cloud.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            #expect(edgeLease.upstreamRV == finalLease.resourceVersion)
        }
    }

    @Test(
        "pod status written offline reaches the cloud as one merge patch of what changed, without a GET, and keeps what the cloud changed meanwhile"
    )
    func statusAsPatch() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        let podBody: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "default"],
            "spec": ["nodeName": "node1", "containers": [["name": "c", "image": "nginx"]]],
        ]
        #expect(try await cloud.endpoint.send(.create, podsResource, namespace: "default", body: podBody).0 == 201)
        let pending: JSONValue = ["status": ["phase": "Pending", "message": "scheduled"]]
        #expect(
            try await cloud.endpoint.send(
                .patch, podsResource, namespace: "default", name: "web", subresource: "status", body: pending,
                contentType: "application/merge-patch+json"
            ).0 == 200)
        let edge = try await Edge(
            directory: dir.path, upstream: proxy.url,
            options: EdgeSyncOptions(
                preload: [ScopeSelector(resource: podsResource, namespace: "default")],
                probeInterval: .milliseconds(200), initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
                writeTimeout: .seconds(2)))
        try await withCleanup({
            await edge.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("scope synced") { edge.sync.scopes.allSatisfy { $0.phase == .synced } }
            proxy.command("refuse")
            try await edge.eventually("link offline") { !edge.sync.isOnline }
            // Two status patches offline (kubelet's), coalesced into one pending entry.
            for phase in ["ContainerCreating", "Running"] {
                let (code, answer) = try await edge.endpoint.send(
                    .patch, podsResource, namespace: "default", name: "web", subresource: "status",
                    body: ["status": ["phase": .string(phase)]], contentType: "application/merge-patch+json")
                #expect(code == 200, "\(answer)")
            }
            // Meanwhile the cloud changes a label and another status field.
            #expect(
                try await cloud.endpoint.send(
                    .patch, podsResource, namespace: "default", name: "web",
                    body: ["metadata": ["labels": ["tier": "web"]]], contentType: "application/merge-patch+json"
                ).0 == 200)
            #expect(
                try await cloud.endpoint.send(
                    .patch, podsResource, namespace: "default", name: "web", subresource: "status",
                    body: ["status": ["message": "seen by the cloud"]], contentType: "application/merge-patch+json"
                ).0 == 200)
            let before = proxy.requestClasses
            proxy.heal()
            try await edge.eventually("reconciled") { edge.sync.pendingCount == 0 }
            let (_, inCloud) = try await cloud.endpoint.call(.get, podsResource, namespace: "default", name: "web")
            #expect(inCloud["status"]?["phase"] == "Running")
            #expect(inCloud["status"]?["message"] == "seen by the cloud")
            #expect(inCloud["metadata"]?["labels"]?["tier"] == "web")
            try await edge.eventually("the edge equals the cloud") {
                let atEdge = try await edge.endpoint.call(.get, podsResource, namespace: "default", name: "web").1
                return atEdge["metadata"]?["labels"]?["tier"] == "web"
                    && atEdge["status"]?["message"] == "seen by the cloud" && atEdge["status"]?["phase"] == "Running"
            }
            #expect(try EdgeSync.ledger(edge.store).isEmpty)
            // On the link: one PATCH to /status, no GET of the pod, no PUT.
            let after = proxy.requestClasses
            func count(_ name: String) -> Int { (after[name]?.first ?? 0) - (before[name]?.first ?? 0) }
            #expect(count("patch pods/status") == 1)
            #expect(count("get pods") == 0)
            #expect(count("put pods/status") == 0)
            // Its body is the edge's change only: the phase and the uid precondition.
            let up = (after["patch pods/status"]?[1] ?? 0) - (before["patch pods/status"]?[1] ?? 0)
            #expect(up < 600, "PATCH request bytes: \(up)")
        }
    }

    @Test("a pod recreated in the cloud while the edge was offline refuses the status patch: the edge's status loses")
    func statusPatchOnRecreatedPod() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        let podBody: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "default"],
            "spec": ["nodeName": "node1", "containers": [["name": "c", "image": "nginx"]]],
        ]
        #expect(try await cloud.endpoint.send(.create, podsResource, namespace: "default", body: podBody).0 == 201)
        let edge = try await Edge(
            directory: dir.path, upstream: proxy.url,
            options: EdgeSyncOptions(
                preload: [ScopeSelector(resource: podsResource, namespace: "default")],
                probeInterval: .milliseconds(200), initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
                writeTimeout: .seconds(2)))
        try await withCleanup({
            await edge.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("scope synced") { edge.sync.scopes.allSatisfy { $0.phase == .synced } }
            proxy.command("refuse")
            try await edge.eventually("link offline") { !edge.sync.isOnline }
            #expect(
                try await edge.endpoint.send(
                    .patch, podsResource, namespace: "default", name: "web", subresource: "status",
                    body: ["status": ["phase": "Running"]], contentType: "application/merge-patch+json"
                ).0 == 200)
            _ = try await cloud.endpoint.send(.delete, podsResource, namespace: "default", name: "web")
            #expect(try await cloud.endpoint.send(.create, podsResource, namespace: "default", body: podBody).0 == 201)
            proxy.heal()
            try await edge.eventually("settled") { edge.sync.pendingCount == 0 }
            let (_, inCloud) = try await cloud.endpoint.call(.get, podsResource, namespace: "default", name: "web")
            #expect(inCloud["status"]?["phase"] != "Running")
            let lost = try #require(try EdgeSync.ledger(edge.store).first)
            #expect(lost.state == .conflicted)
            #expect(lost.reason.contains("recreated"))
        }
    }

    @Test("a spec conflict: the cloud's change wins, the edge takes the cloud's object, the loss is kept as conflicted")
    func specConflict() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        _ = try await cloud.endpoint.send(
            .create, leasesGVR, namespace: "kube-node-lease", body: nodeLease(renew: "2026-12-03T10:00:00.000000Z"))
        let edge = try await Edge(
            directory: dir.path, upstream: proxy.url,
            options: EdgeSyncOptions(
                preload: [ScopeSelector(resource: leasesGVR, namespace: "kube-node-lease")],
                probeInterval: .milliseconds(200), initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
                writeTimeout: .seconds(2)))
        try await withCleanup({
            await edge.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("scope synced") { edge.sync.scopes.allSatisfy { $0.phase == .synced } }
            proxy.command("refuse")
            try await edge.eventually("link offline") { !edge.sync.isOnline }
            let (_, current) = try await edge.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            var mine = current
            mine["spec"]?["holderIdentity"] = "edge-holder"
            #expect(
                try await edge.endpoint.send(
                    .update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: mine
                )
                .0 == 200)
            let (_, inCloud) = try await cloud.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            var theirs = inCloud
            theirs["spec"]?["holderIdentity"] = "cloud-holder"
            #expect(
                try await cloud.endpoint.send(
                    .update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: theirs
                )
                .0 == 200)
            proxy.heal()
            try await edge.eventually("ledger settled") { edge.sync.pendingCount == 0 }
            let (_, atEdge) = try await edge.endpoint.call(.get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            #expect(atEdge["spec"]?["holderIdentity"] == "cloud-holder")
            let ledger = try EdgeSync.ledger(edge.store)
            let lost = try #require(ledger.first)
            #expect(lost.state == .conflicted)
            #expect(lost.reason.contains("spec.holderIdentity"))
            #expect(edge.sync.status.conflictedWrites == 1)
            let outcome = try #require(
                try edge.store.log.read { txn in try txn.event(at: lost.outcomeRV)?.copy() })
            #expect(outcome.origin == .reconciler)
            #expect(outcome.state == [.committed, .conflicted])
            #expect(try await edge.sync.discardPending(PendingWrite.conflictedKey(lost.outcomeRV)))
            #expect(try EdgeSync.ledger(edge.store).isEmpty)
        }
    }

    @Test("chained edges pass pending writes up hop by hop: a site cut from the cloud keeps the node's write pending")
    func chainedHopByHop() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir1 = try TempDir("ake-site")
        let dir2 = try TempDir("ake-node")
        _ = try await cloud.endpoint.send(
            .create, leasesGVR, namespace: "kube-node-lease", body: nodeLease(renew: "2026-12-03T10:00:00.000000Z"))
        let options = EdgeSyncOptions(
            preload: [ScopeSelector(resource: leasesGVR, namespace: "kube-node-lease")],
            probeInterval: .milliseconds(200), initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
            writeTimeout: .seconds(2))
        let site = try await Edge(directory: dir1.path, upstream: proxy.url, options: options)
        let siteServer = try await TestAPIServer(endpoint: site.endpoint)
        let node = try await Edge(directory: dir2.path, upstream: siteServer.url, options: options)
        try await withCleanup({
            await node.stop()
            await siteServer.stop()
            await site.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            try await node.eventually("node synced") { node.sync.scopes.allSatisfy { $0.phase == .synced } }
            proxy.command("refuse")
            try await site.eventually("site offline") { !site.sync.isOnline }
            let renew = "2026-12-03T10:07:00.000000Z"
            let (_, current) = try await node.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            var renewed = current
            renewed["spec"]?["renewTime"] = .string(renew)
            // The node's link to the site is up: the write is forwarded, and the site keeps it pending.
            let (code, answer) = try await node.endpoint.send(
                .update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: renewed)
            #expect(code == 200, "\(answer)")
            #expect(node.sync.pendingCount == 0)
            #expect(site.sync.pendingCount == 1)
            proxy.heal()
            try await site.eventually("site reconciled") { site.sync.pendingCount == 0 }
            let (_, inCloud) = try await cloud.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            #expect(inCloud["spec"]?["renewTime"]?.stringValue == renew)
            // The site's reconciled version reaches the node as an ordinary change.
            let siteCopy = try #require(try site.store.get(leasesGVR, namespace: "kube-node-lease", name: "node1"))
            try await node.eventually("node has the site's reconciled version") {
                try node.store.get(leasesGVR, namespace: "kube-node-lease", name: "node1")?.upstreamRV
                    == String(siteCopy.rv)
            }
        }
    }

    @Test("a silent cut: a forwarded write answers within the write timeout, pending-policy ones are kept")
    func silentCut() async throws {
        let cloud = try await Cloud()
        let proxy = try LinkProxy(target: cloud.server.port)
        let dir = try TempDir("ake-edge")
        _ = try await cloud.endpoint.send(
            .create, leasesGVR, namespace: "kube-node-lease", body: nodeLease(renew: "2026-12-03T10:00:00.000000Z"))
        let edge = try await Edge(
            directory: dir.path, upstream: proxy.url,
            options: EdgeSyncOptions(
                preload: [ScopeSelector(resource: leasesGVR, namespace: "kube-node-lease")],
                probeInterval: .seconds(30), writeTimeout: .seconds(1)))
        try await withCleanup({
            await edge.stop()
            proxy.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("scope synced") { edge.sync.scopes.allSatisfy { $0.phase == .synced } }
            proxy.command("stall")
            let (_, current) = try await edge.endpoint.call(
                .get, leasesGVR, namespace: "kube-node-lease", name: "node1")
            var renewed = current
            renewed["spec"]?["renewTime"] = "2026-12-03T10:00:09.000000Z"
            let started = ContinuousClock.now
            let (code, _) = try await edge.endpoint.send(
                .update, leasesGVR, namespace: "kube-node-lease", name: "node1", body: renewed)
            #expect(code == 200)
            #expect(ContinuousClock.now - started < .seconds(4))
            #expect(edge.sync.pendingCount == 1)
            let fresh: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "fresh"]]
            let again = ContinuousClock.now
            let (refused, _) = try await edge.endpoint.send(.create, configmaps, namespace: "default", body: fresh)
            #expect(refused == 503)
            #expect(ContinuousClock.now - again < .seconds(4))
            proxy.heal()
        }
    }
}
