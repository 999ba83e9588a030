import KubeModel
import Logging

/// Drives one sync scope's `ReflectorStateMachine` against the upstream: performs each
/// action it returns (list a page, apply the list, watch, back off) and feeds the outcome
/// back. What it lists and watches goes into the store through `EdgeStoreWriter`, each
/// write together with the scope's new resume point, so after a crash the scope resumes
/// exactly after the last applied change. Runs as one task per scope until cancelled
/// (the scope is dropped or the edge stops) or the upstream refuses the first list.
struct ScopeRunner: Sendable {
    /// The edge whose scope this runs (its store, connection, scopes and link).
    let edge: EdgeSync
    let id: UInt32

    var logger: Logger { edge.logger }
    var metrics: SyncMetrics { edge.metrics }
    var options: EdgeSyncOptions { edge.options }

    func run() async {
        let id = self.id
        guard let scope = edge.state.withLock({ $0.registry[id] }) else { return }
        let selector = scope.selector
        var machine = ReflectorStateMachine(
            resumeFrom: scope.phase == .listing ? "" : scope.upstreamRV, initialBackoff: options.initialBackoff,
            maxBackoff: options.maxBackoff, metadataRelist: options.metadataRelist)
        var action = machine.start()
        let gvr = selector.resource
        let ownership = edge.ownership
        // What the scope's last full list cost on the wire, and its objects (decides whether
        // a metadata relist pays).
        var lastList = (wireBytes: 0, objects: 0)
        var listing = (wireBytes: 0, objects: 0)
        // Whether this listing's pages ask for JSON (decided at its first page).
        var listInJSON = false
        // Bounded by cancellation: every branch either awaits I/O or a backoff.
        while !Task.isCancelled {
            recordCounters(gvr, machine)
            switch action {
            case .listPage(let token):
                await edge.waitOnline()
                if Task.isCancelled { break }
                if token == nil { listInJSON = listsInJSON(gvr) }
                do {
                    let page = try await edge.connection.listPage(
                        selector, continueToken: token, limit: options.pageSize, json: listInJSON,
                        labels: TrafficLabels(scope: id, resource: gvr, purpose: "list"))
                    edge.linkSucceeded()
                    if token == nil { listing = (0, 0) }
                    listing = (listing.wireBytes + page.wireBytes, listing.objects + page.objects.count)
                    if page.continueToken == nil { lastList = listing }
                    action = machine.listPageReceived(
                        page.objects, continueToken: page.continueToken, upstreamRV: page.upstreamRV)
                } catch {
                    let code = failure(error)
                    if machine.relists == 0, machine.lastUpstreamRV.isEmpty, let code, code == 403 || code == 404 {
                        // The first list is refused: a client waiting on it gets the upstream's answer.
                        await edge.giveUp(id, error)
                        return
                    }
                    action = machine.listFailed(code: code, message: "\(error)", jitter: .random(in: 0..<1))
                }
            case .applyList(let objects, let rv):
                do {
                    let listed = Self.listed(at: rv)
                    // The diff and the scope's new resume point commit together.
                    let progress = edge.encodedProgress(id, listed)
                    let applied = try await edge.store.mutate { ctx in
                        let applied = try EdgeStoreWriter.applyList(
                            ctx, scope: id, gvr, objects: objects, ownership: ownership)
                        if let progress { try ctx.setMeta(SyncScope.metaKey(id), progress) }
                        return applied
                    }
                    metrics.applied(id, gvr, applied)
                    if gvr == EdgeSync.crds && applied.total > 0 {
                        edge.customResourceDefinitionsChanged(objects.map(\.name))
                    }
                    logger.info(
                        "sync scope listed",
                        metadata: [
                            "scope": "\(id)", "objects": "\(objects.count)", "added": "\(applied.added)",
                            "modified": "\(applied.modified)", "deleted": "\(applied.deleted)",
                        ])
                    edge.updateInMemory(id, listed)
                    action = machine.listApplied(upstreamRV: rv)
                } catch {
                    _ = failure(error)
                    action = machine.listFailed(code: nil, message: "\(error)", jitter: .random(in: 0..<1))
                }
            case .listMetadataPage(let token):
                await edge.waitOnline()
                if Task.isCancelled { break }
                action = await listMetadataPage(
                    selector, continueToken: token, lastList: lastList, machine: &machine)
            case .applyMetadata(let items, let rv):
                action = await applyMetadata(selector, items: items, upstreamRV: rv, machine: &machine)
            case .watch(let rv):
                await edge.waitOnline()
                if Task.isCancelled { break }
                action = await watch(selector, from: rv, machine: &machine)
            case .backoff(let delay, let reason):
                logger.debug(
                    "sync scope backing off", metadata: ["scope": "\(id)", "delay": "\(delay)", "reason": "\(reason)"])
                await edge.update(id) { if $0.phase == .synced { $0.phase = .stale } }
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

    /// Publishes the machine's relist/resume totals (as metric increments and in the status).
    private func recordCounters(_ gvr: GroupVersionResource, _ machine: ReflectorStateMachine) {
        let (relisted, resumed) = edge.state.withLock {
            $0.registry.recordCounters(id, relists: machine.relists, resumes: machine.resumes)
        }
        metrics.relisted(id, gvr, by: relisted)
        metrics.resumed(id, gvr, by: resumed)
    }

    /// Records an error on the scope and tells the link about it; returns the HTTP code
    /// when the upstream answered.
    func failure(_ error: any Error) -> Int? {
        var code: Int?
        var refusal: StatusError?
        if case SyncError.upstream(let status) = error {
            code = status.code
            refusal = status
            edge.linkSucceeded()
        } else if case SyncError.transport(let message) = error {
            edge.linkFailed(message)
        }
        let message = "\(error)"
        edge.state.withLock { $0.registry.recordError(id, message, refusal: refusal) }
        return code
    }

    /// Runs one upstream watch until it ends, applying its events; returns the next action.
    private func watch(_ selector: ScopeSelector, from rv: String, machine: inout ReflectorStateMachine) async
        -> ReflectorStateMachine.Action
    {
        let start = machine
        let gvr = selector.resource
        let ownership = edge.ownership
        let timeoutSeconds = options.watchTimeoutSeconds
        let (edge, id) = (self.edge, self.id)
        let task = Task { () -> (ReflectorStateMachine, ReflectorStateMachine.Action) in
            var machine = start
            let stream: UpstreamWatch
            do {
                stream = try await edge.connection.watch(
                    selector, fromUpstreamRV: rv, timeoutSeconds: timeoutSeconds,
                    labels: TrafficLabels(scope: id, resource: gvr, purpose: "watch"))
            } catch {
                let code = failure(error)
                let next = machine.watchEnded(code: code, clean: false, message: "\(error)", jitter: .random(in: 0..<1))
                return (machine, next)
            }
            edge.linkSucceeded()
            edge.touchWatch(id)
            logger.debug("sync scope watching", metadata: ["scope": "\(id)", "from": "\(rv)"])
            await edge.update(id) {
                if $0.phase == .stale { $0.phase = .synced }
                $0.lastError = ""
            }
            do {
                for try await event in stream {
                    edge.touchWatch(id)
                    let action = machine.watchEvent(event, jitter: .random(in: 0..<1))
                    let upstreamRV = machine.lastUpstreamRV
                    let now = EdgeSync.now()
                    let advanced: @Sendable (inout SyncScope) -> Void = {
                        $0.upstreamRV = upstreamRV
                        $0.lastSync = now
                    }
                    switch action {
                    case .apply(let event):
                        // The event and the scope's resume point commit together: after a
                        // crash the watch resumes exactly after the last applied event.
                        let progress = edge.encodedProgress(id, advanced)
                        let applied = try await edge.store.mutate { ctx in
                            let applied = try EdgeStoreWriter.applyEvent(
                                ctx, scope: id, gvr, event, ownership: ownership)
                            if let progress { try ctx.setMeta(SyncScope.metaKey(id), progress) }
                            return applied
                        }
                        metrics.applied(id, gvr, applied)
                        if gvr == EdgeSync.crds && applied.total > 0, let name = event.objectName {
                            edge.customResourceDefinitionsChanged([name])
                        }
                        edge.updateInMemory(id, advanced)
                    case .recordBookmark:
                        await edge.update(id, advanced)
                    default:
                        return (machine, action)
                    }
                }
                let upstreamRV = machine.lastUpstreamRV
                await edge.update(id) { $0.upstreamRV = upstreamRV }
                let cancelled = Task.isCancelled
                let next = machine.watchEnded(
                    code: nil, clean: !cancelled, message: cancelled ? "watch stopped (link down or idle)" : "",
                    jitter: .random(in: 0..<1))
                return (machine, next)
            } catch {
                let code = failure(error)
                let upstreamRV = machine.lastUpstreamRV
                await edge.update(id) { $0.upstreamRV = upstreamRV }
                let next = machine.watchEnded(code: code, clean: false, message: "\(error)", jitter: .random(in: 0..<1))
                return (machine, next)
            }
        }
        edge.state.withLock { $0.watchCancels[id] = { task.cancel() } }
        let (next, action) = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        edge.state.withLock { s in
            s.watchCancels[id] = nil
            s.link.watchClosed(id)
        }
        machine = next
        return action
    }
}

extension ScopeRunner {
    /// The scope update a completed (re)list commits: synced at `rv`, now, without error.
    static func listed(at rv: String) -> @Sendable (inout SyncScope) -> Void {
        let now = EdgeSync.now()
        return {
            $0.upstreamRV = rv
            $0.phase = .synced
            $0.lastSync = now
            $0.lastError = ""
        }
    }
}
