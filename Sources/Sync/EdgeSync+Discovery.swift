import Foundation
import KubeModel
import Synchronization

/// Keeping the edge's API shape — discovery, OpenAPI, the resources its catalog routes —
/// in step with the cloud's:
///
/// - a pinned sync scope on CustomResourceDefinitions (``EdgeSyncOptions/followAPIChanges``):
///   when one is created, changed or deleted upstream, the groups it names are refreshed
///   at once (reason `watch`), so a new CRD is served within seconds, not after the next
///   periodic refresh;
/// - a local request for a group/version/resource the edge does not know, while online,
///   refreshes that group once before the 404 (reason `miss`), rate-limited per group
///   and overall, so a client asking for nonsense cannot make the edge hammer the cloud;
/// - the periodic full refresh (reason `periodic`, every `discoveryInterval`) stays as
///   the safety net.
///
/// Refreshes are serialized through one loop: requests queue their groups and wake it.
final class DiscoveryRequests: Sendable {
    struct State {
        /// Groups to refresh at the next round, with the reason each was asked for.
        var groups: [String: DiscoveryRefreshReason] = [:]
        /// Documents to fetch at the next round even if not held (a miss's `/apis/<g>/<v>`).
        var documents: Set<String> = []
        /// How many times the queue was taken (by a round, or by the idle loop finding it empty).
        var taken: UInt64 = 0
        /// `taken` as of the last round finished (successful or not): a request queued when
        /// `taken` was n is done once this exceeds n. Waiters watch it move.
        var rounds: UInt64 = 0
        /// When each group last caused a miss refresh, and when any did.
        var lastMiss: [String: ContinuousClock.Instant] = [:]
        var lastAnyMiss: ContinuousClock.Instant?
    }
    let state = Mutex(State())

    /// How often one group may cause a miss refresh.
    static let perGroupMissInterval: Duration = .seconds(10)
    /// How often any miss may cause a refresh.
    static let anyMissInterval: Duration = .seconds(1)
    /// Most groups remembered for the per-group limit (older ones are forgotten first).
    static let maxRememberedMisses = 1024

    /// Whether a miss of `group` at `now` may refresh; records it when it may.
    func admitMiss(_ group: String, now: ContinuousClock.Instant) -> Bool {
        state.withLock { s in
            if let last = s.lastAnyMiss, now - last < Self.anyMissInterval { return false }
            if let last = s.lastMiss[group], now - last < Self.perGroupMissInterval { return false }
            if s.lastMiss.count >= Self.maxRememberedMisses {
                s.lastMiss = s.lastMiss.filter { now - $0.value < Self.perGroupMissInterval }
                if s.lastMiss.count >= Self.maxRememberedMisses { return false }
            }
            s.lastMiss[group] = now
            s.lastAnyMiss = now
            return true
        }
    }

    /// Queues `groups` (and `documents` to fetch); returns the count ``State/rounds`` must
    /// pass (a round running now took the queue before this request).
    func enqueue(
        _ groups: some Sequence<String>, documents: [String] = [], reason: DiscoveryRefreshReason
    ) -> UInt64 {
        state.withLock { s in
            for g in groups where s.groups[g] == nil { s.groups[g] = reason }
            s.documents.formUnion(documents)
            return s.taken
        }
    }

    var hasPending: Bool { state.withLock { !$0.groups.isEmpty || !$0.documents.isEmpty } }
    var rounds: UInt64 { state.withLock { $0.rounds } }

    func take() -> (groups: [String: DiscoveryRefreshReason], documents: [String]) {
        state.withLock { s in
            defer {
                s.groups = [:]
                s.documents = []
                s.taken &+= 1
            }
            return (s.groups, s.documents.sorted())
        }
    }

    /// The round that took the queue last has finished (one loop takes and finishes in turn).
    func finishRound() { state.withLock { $0.rounds = $0.taken } }
}

extension EdgeSync {
    static let crds = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")

    /// The API group a CustomResourceDefinition serves: its name is `<plural>.<group>`.
    static func group(ofCRD name: String) -> String? {
        guard let dot = name.firstIndex(of: ".") else { return nil }
        let group = name[name.index(after: dot)...]
        return group.isEmpty ? nil : String(group)
    }

    /// Called by a scope runner after it applied CRD changes: the catalog routes what the
    /// synced CRDs declare (with their schemas, so writes are checked as the cloud checks
    /// them), and their groups' mirrored discovery is refreshed.
    func customResourceDefinitionsChanged(_ names: some Sequence<String>) {
        let names = Array(names)
        for name in names {
            let stored = try? store.get(Self.crds, namespace: "", name: name)
            if let stored, let crd = try? stored.json() {
                do { try store.catalog.register(crd: crd) } catch {
                    logger.warning(
                        "upstream CRD not registered", metadata: ["crd": "\(name)", "error": "\(error.message)"])
                }
            } else {
                store.catalog.unregister(crdName: name)
            }
        }
        let groups = Set(names.compactMap(Self.group(ofCRD:)))
        guard !groups.isEmpty else { return }
        _ = discoveryRequests.enqueue(groups, reason: .watch)
        changes.signal()
    }

    /// A local request named `group`/`version`/`resource` (or the group's discovery),
    /// which the catalog does not know. While online (and within the rate limits),
    /// refreshes the group's discovery and waits for it (at most `timeout`); returns
    /// whether a refresh ran, so the caller looks the request up once more.
    public func refreshAfterMiss(
        group: String, version: String, resource: String, timeout: Duration = .seconds(5)
    ) async -> Bool {
        guard isOnline, !group.isEmpty, discoveryRequests.admitMiss(group, now: .now) else { return false }
        let documents = version.isEmpty ? ["/apis/\(group)"] : ["/apis/\(group)/\(version)"]
        let seen = discoveryRequests.enqueue([group], documents: documents, reason: .miss)
        changes.signal()
        let requests = discoveryRequests
        return await changes.wait(until: .now + timeout) { requests.rounds > seen && !requests.hasPending }
    }

    /// Refreshes the mirror while online: in full every `discoveryInterval` (the first
    /// time at start), and the queued groups whenever a CRD change or a miss asks.
    func discoveryLoop() async {
        var nextFull = ContinuousClock.now
        while !Task.isCancelled {
            await waitOnline()
            if Task.isCancelled || state.withLock({ $0.stopped }) { return }
            if ContinuousClock.now >= nextFull {
                // The full refresh covers whatever was queued.
                let queued = discoveryRequests.take()
                let ok = await runRefresh(.periodic) {
                    try await discovery.refresh()
                    await mirrorIssuerIfMissing()
                    if !queued.documents.isEmpty {
                        try await discovery.refresh(groups: Set(queued.groups.keys), fetch: queued.documents)
                    }
                }
                discoveryRequests.finishRound()
                changes.signal()
                if ok {
                    nextFull = .now + options.discoveryInterval
                } else {
                    _ = discoveryRequests.enqueue(queued.groups.keys, reason: .periodic)
                    nextFull = .now + .seconds(5)
                    try? await Task.sleep(for: .seconds(5))
                }
                continue
            }
            let queued = discoveryRequests.take()
            if !queued.groups.isEmpty || !queued.documents.isEmpty {
                let reason: DiscoveryRefreshReason = queued.groups.values.contains(.miss) ? .miss : .watch
                let ok = await runRefresh(reason) {
                    try await discovery.refresh(groups: Set(queued.groups.keys), fetch: queued.documents)
                }
                discoveryRequests.finishRound()
                changes.signal()
                if !ok {
                    // A CRD change must not be lost: retry it shortly (misses just answer 404).
                    let retry = queued.groups.filter { $0.value == .watch }.keys
                    if !retry.isEmpty { _ = discoveryRequests.enqueue(retry, reason: .watch) }
                    try? await Task.sleep(for: .seconds(1))
                }
                continue
            }
            let requests = discoveryRequests
            _ = await changes.wait(until: nextFull) {
                requests.hasPending || state.withLock { $0.stopped }
            }
        }
    }

    private func runRefresh(_ reason: DiscoveryRefreshReason, _ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            metrics.discoveryRefreshed(reason, ok: true, at: Self.now())
            return true
        } catch {
            metrics.discoveryRefreshed(reason, ok: false, at: Self.now())
            logger.warning(
                "discovery refresh failed", metadata: ["reason": "\(reason.rawValue)", "error": "\(error)"])
            return false
        }
    }
}
