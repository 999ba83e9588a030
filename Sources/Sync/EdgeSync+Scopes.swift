import Foundation
import KubeModel
import Projections

// Scope storage: creating, changing, persisting and dropping sync scopes (the
// `ScopeRegistry` in memory, the store's meta values on disk), their runners, and
// the expiry loop.
extension EdgeSync {
    /// The meta key of the list of persisted scope ids.
    static let scopeIndexKey = "sync.scopes"

    func createScope(_ selector: ScopeSelector, pinned: Bool, startRunner start: Bool) async throws -> SyncScope {
        let now = Self.now()
        let (scope, created) = state.withLock { $0.registry.create(selector, pinned: pinned, now: now) }
        if created {
            metrics.scopeCreated(scope.id, selector.resource)
            metrics.phase(scope.id, selector.resource, scope.phase)
            try await persist(scope)
            try await persistIndex()
            logger.info("sync scope created", metadata: ["scope": "\(scope.id)", "selector": "\(selector)"])
        }
        if start { startRunner(scope.id) }
        return scope
    }

    func startRunner(_ id: UInt32) {
        state.withLock { s in
            guard !s.stopped, s.runners[id] == nil, s.registry[id] != nil else { return }
            let runner = ScopeRunner(edge: self, id: id)
            s.runners[id] = Task { await runner.run() }
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
        let scope = state.withLock { $0.registry.update(id, change) }
        changes.signal()
        if let scope { metrics.phase(id, scope.selector.resource, scope.phase) }
        return scope
    }

    /// The encoding of the scope as `change` would leave it, for writing in the same
    /// transaction as the events it covers (memory follows once that commits).
    func encodedProgress(_ id: UInt32, _ change: (inout SyncScope) -> Void) -> [UInt8]? {
        guard let scope = state.withLock({ $0.registry.preview(id, change) }) else { return nil }
        return try? [UInt8](JSONEncoder().encode(scope))
    }

    func persist(_ scope: SyncScope) async throws {
        let bytes = try [UInt8](JSONEncoder().encode(scope))
        try await store.setMeta([SyncScope.metaKey(scope.id): bytes])
    }

    func persistIndex() async throws {
        let ids = state.withLock { $0.registry.ids }
        let bytes = try [UInt8](JSONEncoder().encode(ids))
        try await store.setMeta([Self.scopeIndexKey: bytes])
    }

    func loadScopes() throws -> [SyncScope] {
        guard let index = try store.meta(Self.scopeIndexKey) else { return [] }
        let ids = (try? JSONDecoder().decode([UInt32].self, from: Data(index))) ?? []
        return try ids.compactMap { id in
            try store.meta(SyncScope.metaKey(id)).flatMap { try? JSONDecoder().decode(SyncScope.self, from: Data($0)) }
        }
    }

    /// After a restart: a scope owns the stored upstream objects its selector matches.
    func deriveOwnership(_ scope: SyncScope) async throws {
        let sel = scope.selector
        var options = ListOptions()
        if !sel.labelSelector.isEmpty { options.labelSelector = try LabelSelector(parsing: sel.labelSelector) }
        if !sel.fieldSelector.isEmpty { options.fieldSelector = try FieldSelector(parsing: sel.fieldSelector) }
        let list: ListResult
        do { list = try await store.list(sel.resource, namespace: sel.namespace, options) } catch { return }
        for item in list.items {
            guard let json = try? JSONValue(parsing: item), let name = json.name else { continue }
            ownership.add(scope.id, sel.resource, ObjectKey(namespace: json.namespace ?? "", name: name))
        }
    }

    /// Drops a scope: its runner stops, and the objects no other scope owns leave the edge.
    public func removeScope(_ id: UInt32) async throws {
        let (runner, watch, scope) = state.withLock { s in
            (s.runners.removeValue(forKey: id), s.watchCancels.removeValue(forKey: id), s.registry.remove(id))
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

    /// Scope `id`'s first list was refused upstream: forget the scope (its runner is ending).
    func giveUp(_ id: UInt32, _ error: any Error) async {
        logger.warning("sync scope refused upstream", metadata: ["scope": "\(id)", "error": "\(error)"])
        let removed = state.withLock { s in
            s.runners.removeValue(forKey: id)
            return s.registry.remove(id)
        }
        if let removed { metrics.phase(id, removed.selector.resource, nil) }
        try? await persistIndex()
        changes.signal()
    }

    /// Drops unpinned scopes no request used for `scopeExpiry`.
    func expiryLoop() async {
        guard let expiry = options.scopeExpiry else { return }
        let seconds = Double(expiry.components.seconds)
        let period = min(max(expiry / 4, .seconds(1)), .seconds(60))
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            let now = Self.now()
            let expired = state.withLock { $0.registry.expired(now: now, idleSeconds: seconds) }
            for id in expired {
                do { try await removeScope(id) } catch {
                    logger.warning("cannot drop expired scope", metadata: ["scope": "\(id)", "error": "\(error)"])
                }
            }
        }
    }
}
