import EventLog
import Foundation
import KubeModel
import Logging
import Metrics
import NIOHTTP1
import Projections
import Synchronization

/// Edge mode: keeps the edge's log in step with an upstream Kubernetes API server
/// through sync scopes, tracks the link, and forwards writes.
///
/// Reads: `ensureCovered` makes sure a synced scope covers a request (creating one and
/// waiting for its first sync while online; 503 while offline). Writes: `forward`
/// sends them upstream and appends the cloud's answer before returning, so the client
/// reads its own write; the cloud's watch echo of it is recognised and dropped.
///
/// The parts, each in its own file:
/// - `ScopeRegistry` (state machine): the scopes, the coverage rule, expiry, counters;
///   persisted by `EdgeSync+Scopes.swift`.
/// - `ScopeRunner` (service): one per scope, drives a `ReflectorStateMachine` against
///   the upstream and applies what it lists and watches.
/// - `LinkMonitor` (state machine): `LinkHealth` plus watch liveness; driven by the
///   probe loop in `EdgeSync+Link.swift`.
/// - `DiscoveryMirror` (service): discovery and OpenAPI documents, refreshed by the
///   loop in `EdgeSync+Discovery.swift` (periodically, on CRD changes, on misses).
public final class EdgeSync: Sendable {
    public let store: ObjectStore
    public let connection: UpstreamConnection
    public let options: EdgeSyncOptions
    let logger: Logger
    let ownership = ScopeOwnership()
    let changes = ChangeSignal()
    /// The discovery/OpenAPI mirror (loaded from disk by `start`, refreshed while online).
    public let discovery: DiscoveryMirror
    /// Targeted discovery refreshes asked for (CRD changes, misses); see `EdgeSync+Discovery.swift`.
    let discoveryRequests = DiscoveryRequests()
    /// On-demand re-reads of the cloud's ServiceAccount issuer keys (`EdgeSync+Issuer.swift`).
    let issuerRefreshes = IssuerRefreshLimit()
    /// `ake_sync_*` and `ake_upstream_link_*` metrics (traffic is counted by the connection).
    let metrics: SyncMetrics
    /// Samples of the link's traffic for the last-minute rate in the status.
    let trafficHistory = Mutex(TrafficHistory())

    /// Everything that changes while running, behind one lock.
    struct State {
        var registry = ScopeRegistry()
        var link: LinkMonitor
        /// The running `ScopeRunner` of each scope.
        var runners: [UInt32: Task<Void, Never>] = [:]
        /// Stops the open upstream watch of each scope that has one.
        var watchCancels: [UInt32: @Sendable () -> Void] = [:]
        /// The probe, discovery and expiry loops.
        var background: [Task<Void, Never>] = []
        var stopped = false
        /// The pending ledger in memory: ledger key → seconds since the epoch of its first write.
        var pending: [String: Double] = [:]
        /// Conflicted entries kept in the ledger (until discarded).
        var conflicted = 0
        /// Whether the reconciler is working through the ledger right now.
        var reconciling = false
    }
    let state: Mutex<State>

    /// - Parameter metricsFactory: where the sync metrics go (see ``SyncMetrics``); the
    ///   process-wide swift-metrics backend by default. Pass the same factory to the
    ///   ``UpstreamConnection`` so the traffic counters land beside them.
    public init(
        store: ObjectStore, connection: UpstreamConnection, options: EdgeSyncOptions = .init(), logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.store = store
        self.connection = connection
        self.options = options
        self.logger = logger
        self.metrics = SyncMetrics(factory: metricsFactory)
        self.discovery = DiscoveryMirror(store: store, connection: connection, logger: logger)
        self.state = Mutex(
            State(link: LinkMonitor(watchIdleSeconds: Double(options.watchIdleTimeout.components.seconds))))
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    // MARK: lifecycle

    /// Loads persisted scopes and their ownership, adds the preloaded ones, and starts
    /// the probe, discovery, expiry and reflector loops. Returns at once: the edge can
    /// answer from disk before the link comes up.
    public func start() async throws {
        try await discovery.load()
        try loadPending()
        let persisted = try loadScopes()
        for scope in persisted {
            try await deriveOwnership(scope)
        }
        state.withLock { $0.registry.restore(persisted) }
        metrics.link(online: false)
        for scope in persisted {
            metrics.scopeCreated(scope.id, scope.selector.resource)
            metrics.phase(scope.id, scope.selector.resource, scope.phase)
        }
        var pinned = options.preload
        if options.followAPIChanges && !pinned.contains(where: { $0.resource == Self.crds }) {
            // The CRD scope drives the discovery refreshes of new and changed custom resources.
            pinned.append(ScopeSelector(resource: Self.crds))
        }
        for selector in pinned {
            switch state.withLock({ $0.registry.pin(selector) }) {
            case .absent: _ = try await createScope(selector, pinned: true, startRunner: false)
            case .unchanged: break
            case .pinned(let scope): try await persist(scope)
            }
        }
        let ids = state.withLock { $0.registry.ids }
        for id in ids { startRunner(id) }
        let probe = Task { [self] in await probeLoop() }
        let discoveryTask = Task { [self] in await discoveryLoop() }
        let expiry = Task { [self] in await expiryLoop() }
        let reconciler = Task { [self] in await reconcileLoop() }
        state.withLock { $0.background += [probe, discoveryTask, expiry, reconciler] }
        logger.info(
            "edge sync started", metadata: ["upstream": "\(connection.config.server)", "scopes": "\(ids.count)"])
    }

    /// Stops every loop and waits for them (bounded by their cancellation).
    public func stop() async {
        let (tasks, cancels) = state.withLock { s -> ([Task<Void, Never>], [@Sendable () -> Void]) in
            s.stopped = true
            let all = Array(s.runners.values) + s.background
            let cancels = Array(s.watchCancels.values)
            s.runners = [:]
            s.watchCancels = [:]
            s.background = []
            return (all, cancels)
        }
        for cancel in cancels { cancel() }
        for task in tasks { task.cancel() }
        changes.signal()
        for task in tasks { await task.value }
        await connection.shutdown()
    }

    // MARK: status

    /// The link and scopes, for `/readyz` details and `/metrics`.
    public var status: LinkStatus {
        let traffic = connection.traffic
        let rate = sampleTraffic(traffic)
        return state.withLock { s in
            let link = s.link.health
            return LinkStatus(
                server: connection.config.server, state: link.state, since: link.since,
                lastContact: link.lastContact, lastError: link.lastError, traffic: traffic,
                scopes: s.registry.sorted, relists: s.registry.relists, resumes: s.registry.resumes,
                pendingWrites: s.pending.count, conflictedWrites: s.conflicted, trafficRate: rate)
        }
    }

    /// Records the link's totals in the traffic history and returns the last minute's rate.
    @discardableResult
    func sampleTraffic(_ traffic: UpstreamTraffic? = nil) -> TrafficRate? {
        let traffic = traffic ?? connection.traffic
        let now = Self.now()
        return trafficHistory.withLock { history in
            history.record(traffic, at: now)
            return history.rate(current: traffic, at: now)
        }
    }

    public var isOnline: Bool { state.withLock { $0.link.isOnline } }

    /// The scopes, by id.
    public var scopes: [SyncScope] { state.withLock { $0.registry.sorted } }

    // MARK: coverage

    /// Makes sure a synced scope covers `request` (see `ScopeSelector.covers`). While
    /// online an uncovered request creates a scope and waits (bounded) for its first
    /// sync; offline it fails with 503 and Retry-After — never an empty answer.
    /// Throws `StatusError`.
    public func ensureCovered(_ request: ScopeSelector) async throws {
        let request = (try? request.canonical()) ?? request
        let now = Self.now()
        let covering = state.withLock { $0.registry.cover(request, now: now) }
        if let covering, covering.isUsable { return }
        if state.withLock({ $0.link.health.state == .unknown }) {
            // Just started: let the first probe decide before answering 503.
            _ = await changes.wait(until: .now + options.firstSyncTimeout) {
                state.withLock { $0.link.health.state != .unknown }
            }
        }
        guard isOnline else {
            throw unreachable("no synced copy of \(describe(request)) is kept at this edge")
        }
        let scope: SyncScope
        if let covering {
            scope = covering
        } else {
            do {
                scope = try await createScope(request, pinned: false, startRunner: true)
            } catch {
                throw StatusError(code: 500, reason: "InternalError", message: "cannot create sync scope: \(error)")
            }
        }
        let deadline = ContinuousClock.now + options.firstSyncTimeout
        let id = scope.id
        _ = await changes.wait(until: deadline) {
            state.withLock { $0.registry.firstSyncSettled(id, online: $0.link.isOnline) }
        }
        let (current, online, refusal) = state.withLock {
            ($0.registry[id], $0.link.isOnline, $0.registry.refusals[id])
        }
        guard let current else {
            // The first list was refused upstream (for example 403/404): the scope is gone.
            throw refusal ?? StatusError.serviceUnavailable("sync scope for \(describe(request)) failed")
        }
        if current.isUsable { return }
        if !online { throw unreachable("the first sync of \(describe(request)) did not complete") }
        throw StatusError.timeout(
            "the edge could not sync \(describe(request)) from upstream \(connection.config.server) within "
                + "\(options.firstSyncTimeout); last error: \(current.lastError.isEmpty ? "none" : current.lastError)",
            retryAfter: options.retryAfterSeconds)
    }

    /// Whether a synced scope covers `request` (no scope is created, nothing waits).
    public func isCovered(_ request: ScopeSelector) -> Bool {
        let request = (try? request.canonical()) ?? request
        return state.withLock { s in s.registry.scopes.values.contains { $0.isUsable && $0.selector.covers(request) } }
    }

    /// The 503 (with Retry-After) of a request the edge cannot answer while the link is
    /// down; `what` ends the message ("… and <what>; retry later").
    public func unavailable(_ what: String) -> StatusError { unreachable(what) }

    func unreachable(_ what: String) -> StatusError {
        let (since, error) = state.withLock { ($0.link.health.since, $0.link.health.lastError) }
        let when = since > 0 ? " since \(Date(timeIntervalSince1970: since))" : ""
        return StatusError.serviceUnavailable(
            "the upstream API server \(connection.config.server) is unreachable\(when) (\(error.isEmpty ? "no contact yet" : error)) and \(what); retry later",
            retryAfter: options.retryAfterSeconds)
    }

    func describe(_ s: ScopeSelector) -> String {
        var text = s.resource.description
        text += s.namespace.map { " in namespace \($0)" } ?? " in all namespaces"
        if !s.labelSelector.isEmpty { text += " with labels \(s.labelSelector)" }
        if !s.fieldSelector.isEmpty { text += " with fields \(s.fieldSelector)" }
        return text
    }
}
