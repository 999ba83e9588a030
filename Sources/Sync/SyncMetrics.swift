import KubeModel
import Metrics
import Synchronization

/// What a request to the upstream was for: the labels of the traffic metrics.
///
/// `scope` is the sync scope id (`""` for requests not tied to a scope: probes,
/// discovery, forwarded writes); `resource` is `plural[.group]` (`""` when none);
/// `purpose` is one of `list`, `watch`, `probe`, `discovery`, `write`, `other`.
public struct TrafficLabels: Sendable, Hashable {
    public var scope: String
    public var resource: String
    public var purpose: String

    public init(scope: String = "", resource: String = "", purpose: String) {
        self.scope = scope
        self.resource = resource
        self.purpose = purpose
    }

    /// Traffic of one scope's reflector (`purpose` = list or watch).
    public init(scope id: UInt32, resource: GroupVersionResource, purpose: String) {
        self.init(scope: String(id), resource: SyncMetrics.label(resource), purpose: purpose)
    }

    public static let probe = TrafficLabels(purpose: "probe")
    public static let discovery = TrafficLabels(purpose: "discovery")
    public static let other = TrafficLabels(purpose: "other")

    var dimensions: [(String, String)] { [("scope", scope), ("resource", resource), ("purpose", purpose)] }
}

/// Per-label-set traffic counters of the upstream link, created once and cached (each
/// watch line bumps them):
///
/// - `ake_upstream_requests_total{scope,resource,purpose}` — requests sent (a watch counts once);
/// - `ake_upstream_sent_bytes_total{scope,resource,purpose}` — request line, headers (estimated) and bodies;
/// - `ake_upstream_received_bytes_total{scope,resource,purpose}` — response bodies (watch lines included)
///   plus a per-response header estimate.
final class UpstreamMeters: Sendable {
    struct Meters: Sendable {
        let requests: Counter
        let sent: Counter
        let received: Counter
    }

    let factory: any MetricsFactory
    private let cache = Mutex<[TrafficLabels: Meters]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func meters(_ labels: TrafficLabels) -> Meters {
        if let m = cache.withLock({ $0[labels] }) { return m }
        let d = labels.dimensions
        let made = Meters(
            requests: Counter(label: "ake_upstream_requests_total", dimensions: d, factory: factory),
            sent: Counter(label: "ake_upstream_sent_bytes_total", dimensions: d, factory: factory),
            received: Counter(label: "ake_upstream_received_bytes_total", dimensions: d, factory: factory))
        return cache.withLock { c in
            if let m = c[labels] { return m }
            c[labels] = made
            return made
        }
    }
}

/// The edge-sync metrics besides traffic (see ``UpstreamMeters``), all through
/// swift-metrics so they appear on `/metrics` through whatever backend is bootstrapped:
///
/// - `ake_sync_relists_total{scope,resource}` — relists (after 410 or a failed list);
/// - `ake_sync_resumes_total{scope,resource}` — watch resumes from the last upstream RV;
/// - `ake_sync_metadata_relists_total{scope,resource}` — relists done from a metadata-only
///   list and GETs of the changed objects (a subset of the relists; the GETs are
///   `ake_upstream_requests_total{purpose="get"}`);
/// - `ake_sync_scope_phase{scope,resource,phase}` — 1 for the scope's current phase
///   (`listing`, `synced`, `stale`), 0 for the others; all 0 once the scope is removed;
/// - `ake_sync_objects_applied_total{scope,resource,type}` — objects the reflector (or a
///   forwarded write, `scope=""`) appended: `type` = added, modified, deleted;
/// - `ake_upstream_link_online` — 1 online, 0 offline or not yet known;
/// - `ake_upstream_link_transitions_total{to}` — flips to `online` / `offline`;
/// - `ake_upstream_link_last_contact_seconds` — Unix time of the last successful contact;
/// - `ake_discovery_refreshes_total{reason,result}` — discovery/OpenAPI mirror refreshes:
///   `reason` = periodic, watch (a CRD changed upstream), miss (an unknown resource was
///   asked for); `result` = ok or error;
/// - `ake_discovery_last_refresh_seconds` — Unix time of the last successful refresh;
/// - `ake_pending_writes` — objects with offline writes waiting for the cloud;
/// - `ake_pending_oldest_age_seconds` — age of the oldest of them (0 when none);
/// - `ake_pending_conflicted` — conflicted offline writes kept for the operator;
/// - `ake_reconciled_total{result}` — objects reconciled with the cloud (`reconciled`, `conflicted`).
final class SyncMetrics: Sendable {
    let factory: any MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])
    /// Last phase published per scope, so phase gauges are only touched on change.
    private let phases = Mutex<[UInt32: ScopePhase?]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// `plural` or `plural.group`, as in the `--sync` flag.
    static func label(_ gvr: GroupVersionResource) -> String {
        gvr.group.isEmpty ? gvr.resource : "\(gvr.resource).\(gvr.group)"
    }

    private func counter(_ name: String, _ dimensions: [(String, String)]) -> Counter {
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        if let c = counters.withLock({ $0[key] }) { return c }
        let made = Counter(label: name, dimensions: dimensions, factory: factory)
        return counters.withLock { c in
            if let existing = c[key] { return existing }
            c[key] = made
            return made
        }
    }

    private func gauge(_ name: String, _ dimensions: [(String, String)]) -> Gauge {
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        if let g = gauges.withLock({ $0[key] }) { return g }
        let made = Gauge(label: name, dimensions: dimensions, factory: factory)
        return gauges.withLock { g in
            if let existing = g[key] { return existing }
            g[key] = made
            return made
        }
    }

    /// Creates the per-scope series at 0, so a scope that never relisted still shows it.
    func scopeCreated(_ id: UInt32, _ gvr: GroupVersionResource) {
        let d = [("scope", String(id)), ("resource", Self.label(gvr))]
        _ = counter("ake_sync_relists_total", d)
        _ = counter("ake_sync_resumes_total", d)
        for type in ["added", "modified", "deleted"] {
            _ = counter("ake_sync_objects_applied_total", d + [("type", type)])
        }
    }

    func relisted(_ id: UInt32, _ gvr: GroupVersionResource, by n: Int) {
        guard n > 0 else { return }
        counter("ake_sync_relists_total", [("scope", String(id)), ("resource", Self.label(gvr))]).increment(by: n)
    }

    func metadataRelisted(_ id: UInt32, _ gvr: GroupVersionResource) {
        counter("ake_sync_metadata_relists_total", [("scope", String(id)), ("resource", Self.label(gvr))]).increment()
    }

    func resumed(_ id: UInt32, _ gvr: GroupVersionResource, by n: Int) {
        guard n > 0 else { return }
        counter("ake_sync_resumes_total", [("scope", String(id)), ("resource", Self.label(gvr))]).increment(by: n)
    }

    /// Objects appended; `scope` nil = not through a scope (a forwarded write).
    func applied(_ scope: UInt32?, _ gvr: GroupVersionResource, _ applied: EdgeStoreWriter.Applied) {
        let d = [("scope", scope.map { String($0) } ?? ""), ("resource", Self.label(gvr))]
        if applied.added > 0 {
            counter("ake_sync_objects_applied_total", d + [("type", "added")]).increment(by: applied.added)
        }
        if applied.modified > 0 {
            counter("ake_sync_objects_applied_total", d + [("type", "modified")]).increment(by: applied.modified)
        }
        if applied.deleted > 0 {
            counter("ake_sync_objects_applied_total", d + [("type", "deleted")]).increment(by: applied.deleted)
        }
    }

    /// Publishes a scope's phase (nil = the scope was removed: every phase series 0).
    func phase(_ id: UInt32, _ gvr: GroupVersionResource, _ phase: ScopePhase?) {
        let changed = phases.withLock { p -> Bool in
            if let old = p[id], old == phase { return false }
            p[id] = phase
            return true
        }
        guard changed else { return }
        for candidate in [ScopePhase.listing, .synced, .stale] {
            gauge(
                "ake_sync_scope_phase",
                [("scope", String(id)), ("resource", Self.label(gvr)), ("phase", candidate.rawValue)]
            ).record(candidate == phase ? 1 : 0)
        }
    }

    func link(online: Bool) {
        gauge("ake_upstream_link_online", []).record(online ? 1 : 0)
    }

    func linkTransition(online: Bool) {
        counter("ake_upstream_link_transitions_total", [("to", online ? "online" : "offline")]).increment()
        link(online: online)
    }

    func pending(count: Int, oldestAge: Double, conflicted: Int) {
        gauge("ake_pending_writes", []).record(count)
        gauge("ake_pending_oldest_age_seconds", []).record(oldestAge)
        gauge("ake_pending_conflicted", []).record(conflicted)
    }

    func reconciled(_ result: String) {
        counter("ake_reconciled_total", [("result", result)]).increment()
    }

    /// Creates the reconcile counters at 0.
    func reconcileSeriesCreated() {
        _ = counter("ake_reconciled_total", [("result", "reconciled")])
        _ = counter("ake_reconciled_total", [("result", "conflicted")])
    }

    func contact(at seconds: Double) {
        gauge("ake_upstream_link_last_contact_seconds", []).record(seconds)
    }

    func discoveryRefreshed(_ reason: DiscoveryRefreshReason, ok: Bool, at seconds: Double) {
        counter("ake_discovery_refreshes_total", [("reason", reason.rawValue), ("result", ok ? "ok" : "error")])
            .increment()
        if ok { gauge("ake_discovery_last_refresh_seconds", []).record(seconds) }
    }
}
