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
public final class EdgeSync: Sendable {
    public let store: ObjectStore
    public let connection: UpstreamConnection
    public let options: EdgeSyncOptions
    let logger: Logger
    let ownership = ScopeOwnership()
    let changes = ChangeSignal()
    /// The discovery/OpenAPI mirror (loaded from disk by `start`, refreshed while online).
    public let discovery: DiscoveryMirror
    /// `ake_sync_*` and `ake_upstream_link_*` metrics (traffic is counted by the connection).
    let metrics: SyncMetrics

    struct State {
        var scopes: [UInt32: SyncScope] = [:]
        var nextID: UInt32 = 1
        var runners: [UInt32: Task<Void, Never>] = [:]
        var link = LinkHealth()
        var relists: [UInt32: Int] = [:]
        var resumes: [UInt32: Int] = [:]
        /// Per scope: seconds since the epoch of the last byte of its open watch.
        var watchActivity: [UInt32: Double] = [:]
        var watchCancels: [UInt32: @Sendable () -> Void] = [:]
        var background: [Task<Void, Never>] = []
        var stopped = false
    }
    let state = Mutex(State())

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
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    // MARK: lifecycle

    /// Loads persisted scopes and their ownership, adds the preloaded ones, and starts
    /// the probe, discovery, expiry and reflector loops. Returns at once: the edge can
    /// answer from disk before the link comes up.
    public func start() async throws {
        try await discovery.load()
        let persisted = try await loadScopes()
        for scope in persisted {
            try await deriveOwnership(scope)
        }
        state.withLock { s in
            for scope in persisted {
                s.scopes[scope.id] = scope
                s.nextID = max(s.nextID, scope.id &+ 1)
            }
        }
        metrics.link(online: false)
        for scope in persisted {
            metrics.scopeCreated(scope.id, scope.selector.resource)
            metrics.phase(scope.id, scope.selector.resource, scope.phase)
        }
        for selector in options.preload {
            let existing = state.withLock { s in s.scopes.values.first { $0.selector == selector } }
            if var scope = existing {
                if !scope.pinned {
                    scope.pinned = true
                    state.withLock { $0.scopes[scope.id] = scope }
                    try await persist(scope)
                }
            } else {
                _ = try await createScope(selector, pinned: true, startRunner: false)
            }
        }
        let ids = state.withLock { Array($0.scopes.keys).sorted() }
        for id in ids { startRunner(id) }
        let probe = Task { [self] in await probeLoop() }
        let discoveryTask = Task { [self] in await discoveryLoop() }
        let expiry = Task { [self] in await expiryLoop() }
        state.withLock { $0.background += [probe, discoveryTask, expiry] }
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
        return state.withLock { s in
            LinkStatus(
                server: connection.config.server, state: s.link.state, since: s.link.since,
                lastContact: s.link.lastContact, lastError: s.link.lastError, traffic: traffic,
                scopes: s.scopes.values.sorted { $0.id < $1.id }, relists: s.relists, resumes: s.resumes)
        }
    }

    public var isOnline: Bool { state.withLock { $0.link.isOnline } }

    /// The scopes, by id.
    public var scopes: [SyncScope] { state.withLock { s in s.scopes.values.sorted { $0.id < $1.id } } }

    // MARK: coverage

    /// Makes sure a synced scope covers `request` (see `ScopeSelector.covers`). While
    /// online an uncovered request creates a scope and waits (bounded) for its first
    /// sync; offline it fails with 503 and Retry-After — never an empty answer.
    /// Throws `StatusError`.
    public func ensureCovered(_ request: ScopeSelector) async throws {
        let request = (try? request.canonical()) ?? request
        let now = Self.now()
        let covering = state.withLock { s -> SyncScope? in
            let candidates = s.scopes.values.filter { $0.selector.covers(request) }.sorted { $0.id < $1.id }
            guard let best = candidates.first(where: \.isUsable) ?? candidates.first else { return nil }
            s.scopes[best.id]?.lastUse = now
            return best
        }
        if let covering, covering.isUsable { return }
        if state.withLock({ $0.link.state == .unknown }) {
            // Just started: let the first probe decide before answering 503.
            _ = await changes.wait(until: .now + options.firstSyncTimeout) {
                state.withLock { $0.link.state != .unknown }
            }
        }
        let online = isOnline
        guard online else {
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
        let ok = await changes.wait(until: deadline) {
            state.withLock { s in
                guard let sc = s.scopes[id] else { return true }
                return sc.isUsable || !s.link.isOnline
            }
        }
        let (current, online2) = state.withLock { ($0.scopes[id], $0.link.isOnline) }
        guard let current else {
            // The first list was refused upstream (for example 403/404): the scope is gone.
            throw lastFailure(id) ?? StatusError.serviceUnavailable("sync scope for \(describe(request)) failed")
        }
        if current.isUsable { return }
        if !online2 { throw unreachable("the first sync of \(describe(request)) did not complete") }
        _ = ok
        throw StatusError.timeout(
            "the edge could not sync \(describe(request)) from upstream \(connection.config.server) within "
                + "\(options.firstSyncTimeout); last error: \(current.lastError.isEmpty ? "none" : current.lastError)",
            retryAfter: options.retryAfterSeconds)
    }

    let failures = Mutex<[UInt32: StatusError]>([:])
    func lastFailure(_ id: UInt32) -> StatusError? { failures.withLock { $0[id] } }

    func unreachable(_ what: String) -> StatusError {
        let (since, error) = state.withLock { ($0.link.since, $0.link.lastError) }
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

    // MARK: scopes

    func createScope(_ selector: ScopeSelector, pinned: Bool, startRunner start: Bool) async throws -> SyncScope {
        let scope = state.withLock { s -> SyncScope in
            if let existing = s.scopes.values.first(where: { $0.selector == selector }) { return existing }
            let scope = SyncScope(id: s.nextID, selector: selector, lastUse: Self.now(), pinned: pinned)
            s.nextID &+= 1
            s.scopes[scope.id] = scope
            return scope
        }
        metrics.scopeCreated(scope.id, selector.resource)
        metrics.phase(scope.id, selector.resource, scope.phase)
        try await persist(scope)
        try await persistIndex()
        logger.info("sync scope created", metadata: ["scope": "\(scope.id)", "selector": "\(selector)"])
        if start { startRunner(scope.id) }
        return scope
    }

    func startRunner(_ id: UInt32) {
        state.withLock { s in
            guard !s.stopped, s.runners[id] == nil, s.scopes[id] != nil else { return }
            s.runners[id] = Task { [self] in await runScope(id) }
        }
    }

    /// Updates a scope in memory and on disk.
    func update(_ id: UInt32, _ change: (inout SyncScope) -> Void) async {
        if let scope = updateInMemory(id, change) {
            do { try await persist(scope) } catch {
                logger.warning("cannot persist sync scope", metadata: ["scope": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Updates a scope in memory only (its new state was persisted with the events).
    @discardableResult
    func updateInMemory(_ id: UInt32, _ change: (inout SyncScope) -> Void) -> SyncScope? {
        let scope = state.withLock { s -> SyncScope? in
            guard var scope = s.scopes[id] else { return nil }
            change(&scope)
            s.scopes[id] = scope
            return scope
        }
        changes.signal()
        if let scope { metrics.phase(id, scope.selector.resource, scope.phase) }
        return scope
    }

    /// The encoding of the scope as `change` would leave it, for writing in the same
    /// transaction as the events it covers (memory follows once that commits).
    func encodedProgress(_ id: UInt32, _ change: (inout SyncScope) -> Void) -> [UInt8]? {
        guard var scope = state.withLock({ $0.scopes[id] }) else { return nil }
        change(&scope)
        return try? [UInt8](JSONEncoder().encode(scope))
    }

    func persist(_ scope: SyncScope) async throws {
        let bytes = try [UInt8](JSONEncoder().encode(scope))
        try await store.log.write { txn in try txn.setMeta(SyncScope.metaKey(scope.id), bytes) }
    }

    func persistIndex() async throws {
        let ids = state.withLock { Array($0.scopes.keys).sorted() }
        let bytes = try [UInt8](JSONEncoder().encode(ids))
        try await store.log.write { txn in try txn.setMeta("sync.scopes", bytes) }
    }

    func loadScopes() async throws -> [SyncScope] {
        let raw: [[UInt8]] = try await store.log.write { txn in
            guard let index = try txn.meta("sync.scopes") else { return [] }
            let ids = (try? JSONDecoder().decode([UInt32].self, from: Data(index))) ?? []
            return try ids.compactMap { try txn.meta(SyncScope.metaKey($0)) }
        }
        return raw.compactMap { try? JSONDecoder().decode(SyncScope.self, from: Data($0)) }
    }

    /// After a restart: a scope owns the stored upstream objects its selector matches.
    func deriveOwnership(_ scope: SyncScope) async throws {
        let sel = scope.selector
        var options = ListOptions(namespace: sel.namespace)
        if !sel.labelSelector.isEmpty { options.labelSelector = try LabelSelector(parsing: sel.labelSelector) }
        if !sel.fieldSelector.isEmpty { options.fieldSelector = try FieldSelector(parsing: sel.fieldSelector) }
        let list: ListResult
        do { list = try await store.list(sel.resource, options) } catch { return }
        for item in list.items {
            guard let json = try? JSONValue(parsing: item), let name = json.name else { continue }
            ownership.add(scope.id, sel.resource, ObjectKey(namespace: json.namespace ?? "", name: name))
        }
    }

    /// Drops a scope: its runner stops, and the objects no other scope owns leave the edge.
    public func removeScope(_ id: UInt32) async throws {
        let (runner, watch, scope) = state.withLock { s in
            (
                s.runners.removeValue(forKey: id), s.watchCancels.removeValue(forKey: id),
                s.scopes.removeValue(forKey: id)
            )
        }
        runner?.cancel()
        watch?()
        await runner?.value
        guard let scope else { return }
        let gvr = scope.selector.resource
        let ownership = self.ownership
        let keys = ownership.objects(of: id, gvr)
        metrics.phase(id, gvr, nil)
        let applied = try await store.mutate { ctx in
            var applied = EdgeStoreWriter.Applied()
            for key in keys where ownership.remove(id, gvr, key).isEmpty {
                try EdgeStoreWriter.delete(ctx, gvr, key, last: nil, origin: .upstream(scope: id), applied: &applied)
            }
            return applied
        }
        metrics.applied(id, gvr, applied)
        try await persistIndex()
        changes.signal()
        logger.info("sync scope removed", metadata: ["scope": "\(id)", "selector": "\(scope.selector)"])
    }

    // MARK: the reflector driver

    func runScope(_ id: UInt32) async {
        guard let scope = state.withLock({ $0.scopes[id] }) else { return }
        let selector = scope.selector
        var machine = ReflectorStateMachine(
            resumeFrom: scope.phase == .listing ? "" : scope.upstreamRV, initialBackoff: options.initialBackoff,
            maxBackoff: options.maxBackoff)
        var action = machine.start()
        let gvr = selector.resource
        let ownership = self.ownership
        // Bounded by cancellation: every branch either awaits I/O or a backoff.
        while !Task.isCancelled {
            recordCounters(id, gvr, machine)
            switch action {
            case .listPage(let token):
                await waitOnline()
                if Task.isCancelled { break }
                do {
                    let page = try await connection.listPage(
                        selector, continueToken: token, limit: options.pageSize,
                        labels: TrafficLabels(scope: id, resource: gvr, purpose: "list"))
                    linkSucceeded()
                    action = machine.listPageReceived(
                        page.objects, continueToken: page.continueToken, upstreamRV: page.upstreamRV)
                } catch {
                    let code = failure(id, error)
                    if machine.relists == 0, machine.lastUpstreamRV.isEmpty, let code, code == 403 || code == 404 {
                        // The first list is refused: a client waiting on it gets the upstream's answer.
                        await giveUp(id, error)
                        return
                    }
                    action = machine.listFailed(code: code, message: "\(error)", jitter: .random(in: 0..<1))
                }
            case .applyList(let objects, let rv):
                do {
                    let now = Self.now()
                    let listed: @Sendable (inout SyncScope) -> Void = {
                        $0.upstreamRV = rv
                        $0.phase = .synced
                        $0.lastSync = now
                        $0.lastError = ""
                    }
                    // The diff and the scope's new resume point commit together.
                    let progress = encodedProgress(id, listed)
                    let applied = try await store.mutate { ctx in
                        let applied = try EdgeStoreWriter.applyList(
                            ctx, scope: id, gvr, objects: objects, ownership: ownership)
                        if let progress { try ctx.setMeta(SyncScope.metaKey(id), progress) }
                        return applied
                    }
                    metrics.applied(id, gvr, applied)
                    logger.info(
                        "sync scope listed",
                        metadata: [
                            "scope": "\(id)", "objects": "\(objects.count)", "added": "\(applied.added)",
                            "modified": "\(applied.modified)", "deleted": "\(applied.deleted)",
                        ])
                    updateInMemory(id, listed)
                    action = machine.listApplied(upstreamRV: rv)
                } catch {
                    _ = failure(id, error)
                    action = machine.listFailed(code: nil, message: "\(error)", jitter: .random(in: 0..<1))
                }
            case .watch(let rv):
                await waitOnline()
                if Task.isCancelled { break }
                action = await watch(id, selector, from: rv, machine: &machine)
            case .backoff(let delay, let reason):
                logger.debug(
                    "sync scope backing off", metadata: ["scope": "\(id)", "delay": "\(delay)", "reason": "\(reason)"])
                await update(id) { if $0.phase == .synced { $0.phase = .stale } }
                try? await Task.sleep(for: delay)
                action = machine.backoffElapsed()
                logger.debug("sync scope backoff over", metadata: ["scope": "\(id)", "next": "\(action)"])
            case .apply, .recordBookmark, .none:
                // Only returned inside a watch; nothing to drive here.
                action = machine.backoffElapsed()
                if action == .none { return }
            }
        }
    }

    func recordCounters(_ id: UInt32, _ gvr: GroupVersionResource, _ machine: ReflectorStateMachine) {
        let (relists, resumes) = state.withLock { s in
            let old = (s.relists[id] ?? 0, s.resumes[id] ?? 0)
            s.relists[id] = machine.relists
            s.resumes[id] = machine.resumes
            // A new machine for the scope counts from 0 again.
            return (
                machine.relists >= old.0 ? machine.relists - old.0 : machine.relists,
                machine.resumes >= old.1 ? machine.resumes - old.1 : machine.resumes
            )
        }
        metrics.relisted(id, gvr, by: relists)
        metrics.resumed(id, gvr, by: resumes)
    }

    /// Records an error on the scope; returns the HTTP code when the upstream answered.
    func failure(_ id: UInt32, _ error: any Error) -> Int? {
        var code: Int?
        if case SyncError.upstream(let status) = error {
            code = status.code
            failures.withLock { $0[id] = status }
            linkSucceeded()
        } else if case SyncError.transport(let message) = error {
            linkFailed(message)
        }
        let message = "\(error)"
        state.withLock { $0.scopes[id]?.lastError = message }
        return code
    }

    func giveUp(_ id: UInt32, _ error: any Error) async {
        logger.warning("sync scope refused upstream", metadata: ["scope": "\(id)", "error": "\(error)"])
        let removed = state.withLock { s in
            s.runners.removeValue(forKey: id)
            return s.scopes.removeValue(forKey: id)
        }
        if let removed { metrics.phase(id, removed.selector.resource, nil) }
        try? await persistIndex()
        changes.signal()
    }

    /// Runs one upstream watch until it ends, applying its events; returns the next action.
    func watch(_ id: UInt32, _ selector: ScopeSelector, from rv: String, machine: inout ReflectorStateMachine) async
        -> ReflectorStateMachine.Action
    {
        let start = machine
        let gvr = selector.resource
        let ownership = self.ownership
        let timeoutSeconds = options.watchTimeoutSeconds
        let task = Task { [self] () -> (ReflectorStateMachine, ReflectorStateMachine.Action) in
            var machine = start
            let stream: UpstreamWatch
            do {
                stream = try await connection.watch(
                    selector, fromUpstreamRV: rv, timeoutSeconds: timeoutSeconds,
                    labels: TrafficLabels(scope: id, resource: gvr, purpose: "watch"))
            } catch {
                let code = failure(id, error)
                let next = machine.watchEnded(code: code, clean: false, message: "\(error)", jitter: .random(in: 0..<1))
                return (machine, next)
            }
            linkSucceeded()
            touchWatch(id)
            logger.debug("sync scope watching", metadata: ["scope": "\(id)", "from": "\(rv)"])
            await update(id) {
                if $0.phase == .stale { $0.phase = .synced }
                $0.lastError = ""
            }
            do {
                for try await event in stream {
                    touchWatch(id)
                    let action = machine.watchEvent(event, jitter: .random(in: 0..<1))
                    let upstreamRV = machine.lastUpstreamRV
                    let now = Self.now()
                    let advanced: @Sendable (inout SyncScope) -> Void = {
                        $0.upstreamRV = upstreamRV
                        $0.lastSync = now
                    }
                    switch action {
                    case .apply(let event):
                        // The event and the scope's resume point commit together: after a
                        // crash the watch resumes exactly after the last applied event.
                        let progress = encodedProgress(id, advanced)
                        let applied = try await store.mutate { ctx in
                            let applied = try EdgeStoreWriter.applyEvent(
                                ctx, scope: id, gvr, event, ownership: ownership)
                            if let progress { try ctx.setMeta(SyncScope.metaKey(id), progress) }
                            return applied
                        }
                        metrics.applied(id, gvr, applied)
                        updateInMemory(id, advanced)
                    case .recordBookmark:
                        await update(id, advanced)
                    default:
                        return (machine, action)
                    }
                }
                let upstreamRV = machine.lastUpstreamRV
                await update(id) { $0.upstreamRV = upstreamRV }
                let cancelled = Task.isCancelled
                let next = machine.watchEnded(
                    code: nil, clean: !cancelled, message: cancelled ? "watch stopped (link down or idle)" : "",
                    jitter: .random(in: 0..<1))
                return (machine, next)
            } catch {
                let code = failure(id, error)
                let upstreamRV = machine.lastUpstreamRV
                await update(id) { $0.upstreamRV = upstreamRV }
                let next = machine.watchEnded(code: code, clean: false, message: "\(error)", jitter: .random(in: 0..<1))
                return (machine, next)
            }
        }
        state.withLock { $0.watchCancels[id] = { task.cancel() } }
        let (next, action) = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { s in
            s.watchCancels[id] = nil
            s.watchActivity[id] = nil
        }
        machine = next
        return action
    }

    func touchWatch(_ id: UInt32) {
        let now = Self.now()
        state.withLock { $0.watchActivity[id] = now }
    }

    // MARK: link health

    func linkSucceeded() {
        let now = Self.now()
        let (transition, before) = state.withLock { s in
            let before = s.link
            return (s.link.succeeded(now: now), before)
        }
        metrics.contact(at: now)
        if transition == .wentOnline {
            metrics.linkTransition(online: true)
            var metadata: Logger.Metadata = ["upstream": "\(connection.config.server)"]
            if before.state == .offline {
                metadata["offlineSince"] = "\(LinkStatus.timestamp(before.since))"
                metadata["offlineFor"] = "\(LinkStatus.duration(now - before.since))"
                metadata["lastError"] = "\(before.lastError)"
            }
            logger.notice("upstream link online", metadata: metadata)
            changes.signal()
        }
    }

    func linkFailed(_ error: String) {
        let (transition, watches) = state.withLock { s in
            let t = s.link.failed(now: Self.now(), error: error)
            return (t, t == .none ? [] : Array(s.watchCancels.values))
        }
        if case .wentOffline(let reason) = transition {
            metrics.linkTransition(online: false)
            let lastContact = state.withLock { $0.link.lastContact }
            logger.warning(
                "upstream link offline; serving from the local log",
                metadata: [
                    "upstream": "\(connection.config.server)", "reason": "\(reason)",
                    "lastContact": "\(lastContact > 0 ? LinkStatus.timestamp(lastContact) : "never")",
                ])
            // Open watches on a dead link may never notice (a blackholed connection):
            // stop them; the reflectors resume from their last RV once the link is back.
            for cancel in watches { cancel() }
            let staled = state.withLock { s -> [SyncScope] in
                var staled: [SyncScope] = []
                for id in s.scopes.keys where s.scopes[id]?.phase == .synced {
                    s.scopes[id]?.phase = .stale
                    s.scopes[id]?.lastError = "link offline: \(reason)"
                    if let scope = s.scopes[id] { staled.append(scope) }
                }
                return staled
            }
            for scope in staled { metrics.phase(scope.id, scope.selector.resource, .stale) }
            changes.signal()
        }
    }

    func waitOnline() async {
        _ = await changes.wait(until: .now + .seconds(3600)) { state.withLock { $0.link.isOnline || $0.stopped } }
    }

    func probeLoop() async {
        while !Task.isCancelled {
            do {
                let response = try await connection.send(
                    .GET, path: "/version", timeout: .seconds(3), labels: .probe)
                if response.code >= 500 {
                    linkFailed("/version answered \(response.code)")
                } else {
                    linkSucceeded()
                }
            } catch {
                // Stopping cancels the probe in flight: that says nothing about the link.
                if Task.isCancelled { return }
                linkFailed("\(error)")
            }
            // A watch that delivered nothing for too long is on a dead connection.
            let idle = Double(options.watchIdleTimeout.components.seconds)
            let now = Self.now()
            let stale = state.withLock { s in
                s.watchActivity.compactMap { id, last in now - last > idle ? s.watchCancels[id] : nil }
            }
            for cancel in stale { cancel() }
            try? await Task.sleep(for: options.probeInterval)
        }
    }

    func discoveryLoop() async {
        while !Task.isCancelled {
            await waitOnline()
            if Task.isCancelled { return }
            do {
                try await discovery.refresh()
            } catch {
                logger.warning("discovery refresh failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
                continue
            }
            try? await Task.sleep(for: options.discoveryInterval)
        }
    }

    func expiryLoop() async {
        guard let expiry = options.scopeExpiry else { return }
        let seconds = Double(expiry.components.seconds)
        let period = min(max(expiry / 4, .seconds(1)), .seconds(60))
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            let now = Self.now()
            let expired = state.withLock { s in
                s.scopes.values.filter { !$0.pinned && now - $0.lastUse > seconds }.map(\.id)
            }
            for id in expired {
                do { try await removeScope(id) } catch {
                    logger.warning("cannot drop expired scope", metadata: ["scope": "\(id)", "error": "\(error)"])
                }
            }
        }
    }
}
