import Endpoint
import Foundation
import KubeModel
import Testing

@testable import Sync

let widgets = GroupVersionResource(group: "fresh.example.com", version: "v1", resource: "widgets")

func widgetCRD() -> JSONValue {
    [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.fresh.example.com"],
        "spec": [
            "group": "fresh.example.com", "scope": "Namespaced",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                    "subresources": ["status": [:]],
                ]
            ],
        ],
    ]
}

/// The edge's API shape follows the cloud's: CRD changes upstream refresh the groups
/// they name at once; a request for an unknown resource refreshes its group once.
@Suite("Edge API changes", .serialized)
struct APIChangeTests {
    @Test(
        "a CRD created in the cloud is served at the edge without waiting for the periodic refresh; deleted, it is gone"
    )
    func crdFollowsTheCloud() async throws {
        let cloud = try await Cloud()
        let dir = try TempDir("ake-edge")
        // The periodic refresh is an hour away: only the CRD scope can bring the change.
        let edge = try await Edge(
            directory: dir.path, upstream: cloud.server.url,
            options: .init(probeInterval: .milliseconds(200), discoveryInterval: .seconds(3600)))
        defer { _ = dir }
        try await withCleanup({
            await edge.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("link online and the CRD scope synced") {
                edge.sync.isOnline
                    && edge.sync.scopes.contains { $0.selector.resource == EdgeSync.crds && $0.phase == .synced }
            }
            #expect(edge.store.catalog.resource(for: widgets) == nil)

            let (created, _) = try await cloud.endpoint.call(.create, EdgeSync.crds, body: widgetCRD())
            #expect(created == 201)
            try await edge.eventually("the edge serves widgets", timeout: .seconds(15)) {
                edge.store.catalog.resource(for: widgets) != nil
            }
            // Routed from the synced CRD itself (its schema included); discovery is fetched only when asked.
            #expect(edge.store.catalog.resource(for: widgets)?.crdName == "widgets.fresh.example.com")
            let (code, _) = try await edge.endpoint.call(.list, widgets, namespace: "default")
            #expect(code == 200)

            let (deleted, _) = try await cloud.endpoint.call(
                .delete, EdgeSync.crds, name: "widgets.fresh.example.com")
            #expect(deleted == 200)
            try await edge.eventually("the edge stops serving widgets", timeout: .seconds(15)) {
                edge.store.catalog.resource(for: widgets) == nil
            }
        }
    }

    @Test("a request for a resource the edge does not know refreshes its group before the answer")
    func missRefreshesOnce() async throws {
        let cloud = try await Cloud()
        let dir = try TempDir("ake-edge")
        let edge = try await Edge(
            directory: dir.path, upstream: cloud.server.url,
            options: .init(
                probeInterval: .milliseconds(200), discoveryInterval: .seconds(3600), followAPIChanges: false))
        defer { _ = dir }
        try await withCleanup({
            await edge.stop()
            await cloud.stop()
        }) {
            try await edge.eventually("link online") { edge.sync.isOnline }
            let (created, _) = try await cloud.endpoint.call(.create, EdgeSync.crds, body: widgetCRD())
            #expect(created == 201)
            #expect(edge.store.catalog.resource(for: widgets) == nil)

            let refreshed = await edge.sync.refreshAfterMiss(
                group: "fresh.example.com", version: "v1", resource: "widgets")
            #expect(refreshed)
            #expect(edge.store.catalog.resource(for: widgets) != nil)
            #expect(edge.sync.discovery.document(path: "/apis/fresh.example.com/v1") != nil)
            // A group the cloud does not serve either: refreshed (if admitted), still unknown.
            _ = await edge.sync.refreshAfterMiss(group: "nonsense.example.com", version: "v1", resource: "x")
            #expect(edge.store.catalog.resources(group: "nonsense.example.com", version: "v1").isEmpty)
        }
    }

    @Test("miss rate limits: one refresh per group per interval, one per second overall, bounded memory")
    func missLimits() {
        let requests = DiscoveryRequests()
        let t0 = ContinuousClock.now
        #expect(requests.admitMiss("a.example", now: t0))
        #expect(!requests.admitMiss("b.example", now: t0 + .milliseconds(500)))
        #expect(requests.admitMiss("b.example", now: t0 + .seconds(2)))
        #expect(!requests.admitMiss("a.example", now: t0 + .seconds(5)))
        #expect(requests.admitMiss("a.example", now: t0 + .seconds(11)))
    }

    @Test("a request queued while a round runs is done only after a later round, not that one")
    func requestDuringRound() {
        let requests = DiscoveryRequests()
        _ = requests.take()  // the idle loop found nothing
        _ = requests.take()  // a full refresh starts
        let seen = requests.enqueue(["fresh.example.com"], reason: .miss)
        requests.finishRound()  // the full refresh ends: it did not take the request
        #expect(requests.rounds <= seen)
        #expect(requests.take().groups == ["fresh.example.com": .miss])
        #expect(!requests.hasPending)
        #expect(requests.rounds <= seen)  // taken, still running
        requests.finishRound()
        #expect(requests.rounds > seen)
    }

    @Test("the group a CRD serves comes from its name; mirrored keys map to their group")
    func groups() {
        #expect(EdgeSync.group(ofCRD: "widgets.fresh.example.com") == "fresh.example.com")
        #expect(EdgeSync.group(ofCRD: "nodot") == nil)
        #expect(DiscoveryMirror.group(ofKey: "/apis/apps/v1") == "apps")
        #expect(DiscoveryMirror.group(ofKey: "/openapi/v3/apis/fresh.example.com/v1") == "fresh.example.com")
        #expect(DiscoveryMirror.group(ofKey: "/apis") == nil)
        #expect(DiscoveryMirror.group(ofKey: "/apis/apps") == "apps")
        #expect(DiscoveryMirror.key(path: "/apis", aggregatedVersion: "v2") == "aggregated:v2:/apis")
        #expect(
            DiscoveryMirror.key(path: "/openapi/v3/apis/apps/v1?hash=AB", aggregatedVersion: nil)
                == "/openapi/v3/apis/apps/v1")
        #expect(DiscoveryMirror.group(ofKey: "/openapi/v3/api/v1") == nil)
    }
}
