import KubeModel

/// The edge's sync scopes and the coverage rule over them, as a plain value (no I/O,
/// no clock): which scope answers a request, creating and pinning scopes, phase
/// changes, expiry, and each scope's reflector counters. `EdgeSync` keeps one behind
/// its lock, persists the scopes these methods return, and starts or stops their
/// runners.
struct ScopeRegistry: Sendable {
    /// The scopes, by id.
    private(set) var scopes: [UInt32: SyncScope] = [:]
    /// The id the next new scope gets (ids are never reused while running).
    private(set) var nextID: UInt32 = 1
    /// Per scope: the upstream's answer when it refused the scope's list (403/404 and
    /// the like), for the client that waited on the scope's first sync.
    private(set) var refusals: [UInt32: StatusError] = [:]
    /// Per scope: relists and watch resumes so far (for `/metrics` and `LinkStatus`).
    private(set) var relists: [UInt32: Int] = [:]
    private(set) var resumes: [UInt32: Int] = [:]

    init() {}

    /// Takes back the scopes an earlier run persisted; new ids continue after theirs.
    mutating func restore(_ persisted: [SyncScope]) {
        for scope in persisted {
            scopes[scope.id] = scope
            nextID = max(nextID, scope.id &+ 1)
        }
    }

    subscript(id: UInt32) -> SyncScope? { scopes[id] }

    /// The scopes in id order.
    var sorted: [SyncScope] { scopes.values.sorted { $0.id < $1.id } }

    /// The scope ids in order.
    var ids: [UInt32] { scopes.keys.sorted() }

    // MARK: coverage

    /// The scope that answers `request` (see `ScopeSelector.covers`): the first usable
    /// covering scope by id, else the first covering one still listing; nil when none
    /// covers it. The chosen scope counts as used at `now` (it will not expire soon).
    mutating func cover(_ request: ScopeSelector, now: Double) -> SyncScope? {
        let candidates = scopes.values.filter { $0.selector.covers(request) }.sorted { $0.id < $1.id }
        guard var best = candidates.first(where: \.isUsable) ?? candidates.first else { return nil }
        best.lastUse = now
        scopes[best.id] = best
        return best
    }

    /// Whether a client waiting for scope `id`'s first sync can stop waiting: the scope
    /// became usable, was dropped (its list was refused), or the link is down.
    func firstSyncSettled(_ id: UInt32, online: Bool) -> Bool {
        guard let scope = scopes[id] else { return true }
        return scope.isUsable || !online
    }

    /// Scopes whose selector's resource is `gvr` and that hold `object`, in id order:
    /// the owners of an object the edge stores on their behalf.
    func owners(of object: JSONValue, _ gvr: GroupVersionResource, info: ResourceInfo?) -> [UInt32] {
        sorted.filter { $0.selector.resource == gvr && $0.selector.matches(object: object, info: info) }.map(\.id)
    }

    // MARK: lifecycle of scopes

    /// The scope with exactly this selector, creating it (listing, not yet usable) when
    /// there is none. `created` says whether it is new (the caller persists it).
    mutating func create(_ selector: ScopeSelector, pinned: Bool, now: Double) -> (scope: SyncScope, created: Bool) {
        if let existing = scopes.values.first(where: { $0.selector == selector }) { return (existing, false) }
        let scope = SyncScope(id: nextID, selector: selector, lastUse: now, pinned: pinned)
        nextID &+= 1
        scopes[scope.id] = scope
        return (scope, true)
    }

    /// What `pin` found.
    enum Pinning: Equatable {
        /// No scope has this selector (the caller creates a pinned one).
        case absent
        /// The scope was pinned already; nothing changed.
        case unchanged
        /// The scope is pinned now (the caller persists it).
        case pinned(SyncScope)
    }

    /// Pins the scope with this selector so it never expires (a `--sync` preload).
    mutating func pin(_ selector: ScopeSelector) -> Pinning {
        guard var scope = scopes.values.first(where: { $0.selector == selector }) else { return .absent }
        if scope.pinned { return .unchanged }
        scope.pinned = true
        scopes[scope.id] = scope
        return .pinned(scope)
    }

    /// Applies `change` to scope `id`; returns the scope as changed, nil when it is gone.
    @discardableResult
    mutating func update(_ id: UInt32, _ change: (inout SyncScope) -> Void) -> SyncScope? {
        guard var scope = scopes[id] else { return nil }
        change(&scope)
        scopes[id] = scope
        return scope
    }

    /// Scope `id` as `change` would leave it, without changing anything (its new state is
    /// written with the events it covers and applied here once they commit).
    func preview(_ id: UInt32, _ change: (inout SyncScope) -> Void) -> SyncScope? {
        guard var scope = scopes[id] else { return nil }
        change(&scope)
        return scope
    }

    /// Drops scope `id`; returns it, nil when it was gone already. Its counters stay
    /// (ids are never reused while running, and the totals already counted).
    mutating func remove(_ id: UInt32) -> SyncScope? {
        scopes.removeValue(forKey: id)
    }

    /// Unpinned scopes no request relied on for more than `idleSeconds` before `now`.
    func expired(now: Double, idleSeconds: Double) -> [UInt32] {
        sorted.filter { !$0.pinned && now - $0.lastUse > idleSeconds }.map(\.id)
    }

    /// The link went down: every synced scope turns stale (still served locally) with
    /// the reason as its last error. Returns the scopes that changed.
    mutating func linkWentOffline(reason: String) -> [SyncScope] {
        var staled: [SyncScope] = []
        for id in ids where scopes[id]?.phase == .synced {
            scopes[id]?.phase = .stale
            scopes[id]?.lastError = "link offline: \(reason)"
            if let scope = scopes[id] { staled.append(scope) }
        }
        return staled
    }

    // MARK: errors and counters

    /// Records an error talking upstream on scope `id`; `refusal` is the upstream's
    /// Status when it answered.
    mutating func recordError(_ id: UInt32, _ message: String, refusal: StatusError? = nil) {
        if let refusal { refusals[id] = refusal }
        scopes[id]?.lastError = message
    }

    /// Stores the reflector's running totals for scope `id` and returns how much each
    /// grew since the last call (a new reflector for the scope counts from 0 again).
    mutating func recordCounters(_ id: UInt32, relists newRelists: Int, resumes newResumes: Int)
        -> (relisted: Int, resumed: Int)
    {
        let old = (relists[id] ?? 0, resumes[id] ?? 0)
        relists[id] = newRelists
        resumes[id] = newResumes
        return (
            newRelists >= old.0 ? newRelists - old.0 : newRelists,
            newResumes >= old.1 ? newResumes - old.1 : newResumes
        )
    }
}
