import KubeModel
import Testing

@testable import Sync

private let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")

@Suite("Scope registry")
struct ScopeRegistryTests {
    @Test("a new selector creates a listing scope with the next id; the same selector finds it again")
    func createIsIdempotent() {
        var registry = ScopeRegistry()
        let first = registry.create(ScopeSelector(resource: pods, namespace: "a"), pinned: false, now: 10)
        #expect(first.created)
        #expect(first.scope.id == 1 && first.scope.phase == .listing && first.scope.lastUse == 10)
        let again = registry.create(ScopeSelector(resource: pods, namespace: "a"), pinned: true, now: 20)
        #expect(!again.created)
        #expect(again.scope == first.scope)
        let second = registry.create(ScopeSelector(resource: secrets), pinned: false, now: 30)
        #expect(second.scope.id == 2)
        #expect(registry.ids == [1, 2])
    }

    @Test("restored scopes keep their ids and new ids continue after the highest")
    func restore() {
        var registry = ScopeRegistry()
        registry.restore([
            SyncScope(id: 7, selector: ScopeSelector(resource: pods), phase: .synced),
            SyncScope(id: 3, selector: ScopeSelector(resource: secrets), phase: .stale),
        ])
        #expect(registry.sorted.map(\.id) == [3, 7])
        #expect(registry.create(ScopeSelector(resource: pods, namespace: "x"), pinned: false, now: 0).scope.id == 8)
    }

    @Test("coverage prefers a usable scope over one still listing, then the lowest id, and marks it used")
    func coverage() {
        var registry = ScopeRegistry()
        let narrow = registry.create(ScopeSelector(resource: pods, namespace: "a"), pinned: false, now: 0).scope
        let wide = registry.create(ScopeSelector(resource: pods), pinned: false, now: 0).scope
        let request = ScopeSelector(resource: pods, namespace: "a", labelSelector: "app=web")
        // Both still listing: the lowest id.
        #expect(registry.cover(request, now: 5)?.id == narrow.id)
        registry.update(wide.id) { $0.phase = .synced }
        #expect(registry.cover(request, now: 6)?.id == wide.id)
        #expect(registry[wide.id]?.lastUse == 6)
        #expect(registry[narrow.id]?.lastUse == 5)
        #expect(registry.cover(ScopeSelector(resource: secrets), now: 7) == nil)
    }

    @Test("a client waiting for a first sync stops when the scope is usable, gone, or the link is down")
    func firstSyncSettled() {
        var registry = ScopeRegistry()
        let id = registry.create(ScopeSelector(resource: pods), pinned: false, now: 0).scope.id
        #expect(!registry.firstSyncSettled(id, online: true))
        #expect(registry.firstSyncSettled(id, online: false))
        registry.update(id) { $0.phase = .synced }
        #expect(registry.firstSyncSettled(id, online: true))
        _ = registry.remove(id)
        #expect(registry.firstSyncSettled(id, online: true))
        #expect(registry.firstSyncSettled(99, online: true))
    }

    @Test("pinning reports an absent selector, pins an unpinned scope once, and then changes nothing")
    func pinning() {
        var registry = ScopeRegistry()
        let selector = ScopeSelector(resource: pods)
        #expect(registry.pin(selector) == .absent)
        let scope = registry.create(selector, pinned: false, now: 0).scope
        var pinned = scope
        pinned.pinned = true
        #expect(registry.pin(selector) == .pinned(pinned))
        #expect(registry.pin(selector) == .unchanged)
    }

    @Test("only unpinned scopes unused for longer than the expiry expire")
    func expiry() {
        var registry = ScopeRegistry()
        let old = registry.create(ScopeSelector(resource: pods), pinned: false, now: 100).scope
        _ = registry.create(ScopeSelector(resource: secrets), pinned: true, now: 100)
        let recent = registry.create(ScopeSelector(resource: pods, namespace: "a"), pinned: false, now: 150).scope
        #expect(registry.expired(now: 200, idleSeconds: 60) == [old.id])
        _ = registry.cover(ScopeSelector(resource: pods, namespace: "b"), now: 190)
        #expect(registry.expired(now: 200, idleSeconds: 60) == [])
        #expect(registry.expired(now: 300, idleSeconds: 60) == [old.id, recent.id])
    }

    @Test("a link going offline turns synced scopes stale with the reason; listing scopes stay listing")
    func offline() {
        var registry = ScopeRegistry()
        let synced = registry.create(ScopeSelector(resource: pods), pinned: false, now: 0).scope.id
        let listing = registry.create(ScopeSelector(resource: secrets), pinned: false, now: 0).scope.id
        registry.update(synced) { $0.phase = .synced }
        let staled = registry.linkWentOffline(reason: "connection refused")
        #expect(staled.map(\.id) == [synced])
        #expect(registry[synced]?.phase == .stale)
        #expect(registry[synced]?.lastError == "link offline: connection refused")
        #expect(registry[listing]?.phase == .listing && registry[listing]?.lastError == "")
        #expect(registry.linkWentOffline(reason: "again").isEmpty)
    }

    @Test("preview shows a change without making it; update makes it")
    func previewAndUpdate() {
        var registry = ScopeRegistry()
        let id = registry.create(ScopeSelector(resource: pods), pinned: false, now: 0).scope.id
        let preview = registry.preview(id) { $0.upstreamRV = "42" }
        #expect(preview?.upstreamRV == "42")
        #expect(registry[id]?.upstreamRV == "")
        #expect(registry.update(id) { $0.upstreamRV = "42" }?.upstreamRV == "42")
        #expect(registry.update(99) { $0.upstreamRV = "1" } == nil)
        #expect(registry.preview(99) { _ in } == nil)
    }

    @Test("an object is owned by every scope of its resource whose selector matches it, in id order")
    func owners() throws {
        var registry = ScopeRegistry()
        let all = registry.create(ScopeSelector(resource: pods), pinned: false, now: 0).scope.id
        let web = registry.create(ScopeSelector(resource: pods, labelSelector: "app=web"), pinned: false, now: 0)
            .scope.id
        _ = registry.create(ScopeSelector(resource: pods, namespace: "other"), pinned: false, now: 0)
        _ = registry.create(ScopeSelector(resource: secrets), pinned: false, now: 0)
        let object = try JSONValue(
            parsing: Array(#"{"metadata":{"name":"p","namespace":"a","labels":{"app":"web"}}}"#.utf8))
        let info = ResourceCatalog.builtIn().resource(for: pods)
        #expect(registry.owners(of: object, pods, info: info) == [all, web])
    }

    @Test("errors are kept per scope; the upstream's Status is kept for the client that waited")
    func errors() {
        var registry = ScopeRegistry()
        let id = registry.create(ScopeSelector(resource: pods), pinned: false, now: 0).scope.id
        registry.recordError(id, "upstream unreachable: refused")
        #expect(registry[id]?.lastError == "upstream unreachable: refused")
        #expect(registry.refusals[id] == nil)
        let forbidden = StatusError(code: 403, reason: "Forbidden", message: "no")
        registry.recordError(id, "upstream: 403", refusal: forbidden)
        _ = registry.remove(id)
        #expect(registry.refusals[id] == forbidden)
    }

    @Test("reflector counters publish their growth; a new reflector for the scope counts from zero again")
    func counters() {
        var registry = ScopeRegistry()
        #expect(registry.recordCounters(1, relists: 0, resumes: 0) == (0, 0))
        #expect(registry.recordCounters(1, relists: 1, resumes: 3) == (1, 3))
        #expect(registry.recordCounters(1, relists: 1, resumes: 3) == (0, 0))
        // Restarted runner: its machine starts at zero and climbs again.
        #expect(registry.recordCounters(1, relists: 0, resumes: 1) == (0, 1))
        #expect(registry.relists[1] == 0 && registry.resumes[1] == 1)
    }
}
