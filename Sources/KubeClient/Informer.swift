import KubeModel

/// A change the informer applied to its cache.
public enum InformerEvent<T: KubeObject>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T)
}

/// List-then-watch with a local cache, like client-go's shared informer.
///
/// It lists (paged), then watches from the list's resourceVersion with bookmarks.
/// With `useWatchList` it syncs like client-go's WatchListClient reflector instead: one
/// watch with `sendInitialEvents=true&resourceVersionMatch=NotOlderThan`, whose ADDED
/// events up to the BOOKMARK annotated `k8s.io/initial-events-end: "true"` are the
/// current state, and whose later events are followed like an ordinary watch.
/// A watch that ends or fails is resumed from the last resourceVersion seen (after
/// a capped, jittered backoff on errors), so a server restart costs no relist; a
/// 410 Expired (the RV was compacted) forces a relist whose differences from the
/// cache are delivered as ordinary added/updated/deleted events.
public actor Informer<T: KubeObject> {
    /// Maps an object to the values it is indexed under.
    public typealias IndexFunction = @Sendable (T) -> [String]

    public let client: ResourceClient<T>
    let options: ListOptions
    let pageSize: Int
    let watchTimeout: ClosedRange<Int>
    let indexers: [String: IndexFunction]
    let useWatchList: Bool
    var cache: [String: T] = [:]
    var indices: [String: [String: Set<String>]] = [:]
    var lastResourceVersion: UInt64?
    var synced = false
    var syncWaiters: [CheckedContinuation<Void, Never>] = []
    var handlers: [@Sendable (InformerEvent<T>) async -> Void] = []
    /// How many times the informer listed (the first list included).
    public private(set) var listCount = 0

    /// - Parameters:
    ///   - client: the resource (and namespace) to follow.
    ///   - labelSelector/fieldSelector: restrict what is cached.
    ///   - pageSize: list page size (`limit`).
    ///   - watchTimeoutSeconds: each watch asks the server to end after a random time in this range.
    ///   - indexers: named index functions for ``byIndex(_:_:)``.
    ///   - useWatchList: sync with a watch-list stream instead of a (paged) list.
    public init(
        client: ResourceClient<T>, labelSelector: LabelSelector? = nil, fieldSelector: FieldSelector? = nil,
        pageSize: Int = 500,
        watchTimeoutSeconds: ClosedRange<Int> = 300...600, indexers: [String: IndexFunction] = [:],
        useWatchList: Bool = false
    ) {
        self.useWatchList = useWatchList
        self.client = client
        self.options = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector)
        self.pageSize = pageSize
        self.watchTimeout = watchTimeoutSeconds
        self.indexers = indexers
    }

    /// Registers a handler; it is awaited for every change, in order (back-pressure:
    /// a slow handler slows the informer instead of growing a queue).
    public func addHandler(_ handler: @escaping @Sendable (InformerEvent<T>) async -> Void) {
        handlers.append(handler)
    }

    /// True once the first list has been applied.
    public var hasSynced: Bool { synced }

    /// Returns once the cache has synced.
    public func waitForSync() async {
        if synced { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    /// The cached object at `namespace/name` (or `name` for cluster-scoped).
    public func get(_ key: String) -> T? { cache[key] }
    /// Every cached object, sorted by key.
    public func list() -> [T] { cache.keys.sorted().compactMap { cache[$0] } }
    /// Cached objects whose index `name` maps to `value`.
    public func byIndex(_ name: String, _ value: String) -> [T] {
        (indices[name]?[value] ?? []).sorted().compactMap { cache[$0] }
    }
    /// The resourceVersion the cache is current to.
    public var resourceVersion: UInt64? { lastResourceVersion }

    /// Runs until the task is cancelled.
    public func run() async {
        var needList = true
        var failures = 0
        while !Task.isCancelled {
            do {
                if needList && useWatchList {
                    needList = try await watchListOnce()
                } else {
                    if needList {
                        try await relist()
                        needList = false
                    }
                    needList = try await watchOnce()
                }
                failures = 0
            } catch let e as StatusError where e.requiresRelist {
                needList = true
            } catch {
                if Task.isCancelled { return }
                failures += 1
                // Capped exponential backoff with jitter: 0.1 s … 10 s.
                let base = min(10.0, 0.1 * Double(1 << min(failures, 7)))
                try? await Task.sleep(for: .milliseconds(Int(base * 1000 * Double.random(in: 0.5...1.0))))
            }
        }
    }

    func relist() async throws {
        var opts = options
        opts.limit = pageSize
        var items: [T] = []
        var rv: UInt64?
        repeat {
            let page = try await client.list(opts)
            items += page.items
            if rv == nil { rv = page.resourceVersion }
            opts.continueToken = page.continueToken
        } while opts.continueToken != nil
        await replace(with: items, resourceVersion: rv)
    }

    /// Makes the cache hold exactly `items` (one sync), emitting the differences.
    func replace(with items: [T], resourceVersion rv: UInt64?) async {
        listCount += 1
        var fresh: [String: T] = [:]
        for item in items { fresh[item.key] = item }
        for (key, old) in cache where fresh[key] == nil {
            remove(key)
            await emit(.deleted(old))
        }
        for key in fresh.keys.sorted() {
            guard let new = fresh[key] else { continue }
            if let old = cache[key] {
                if old.resourceVersion != new.resourceVersion {
                    store(new)
                    await emit(.updated(old: old, new: new))
                }
            } else {
                store(new)
                await emit(.added(new))
            }
        }
        lastResourceVersion = rv
        if !synced {
            synced = true
            for w in syncWaiters { w.resume() }
            syncWaiters = []
        }
    }

    /// A watch-list stream: the initial ADDED events up to the `k8s.io/initial-events-end`
    /// bookmark replace the cache (one sync), then the stream is followed like ``watchOnce()``.
    /// Returns true when a new sync is needed.
    func watchListOnce() async throws -> Bool {
        var opts = options
        opts.resourceVersion = nil
        opts.resourceVersionMatch = .notOlderThan
        opts.sendInitialEvents = true
        opts.allowWatchBookmarks = true
        opts.timeoutSeconds = Int64(Int.random(in: watchTimeout))
        return try await follow(client.watch(opts), initialState: true)
    }

    /// One watch from `lastResourceVersion`; returns true when a relist is needed (also
    /// when the server gave no resourceVersion to resume from).
    func watchOnce() async throws -> Bool {
        var opts = options
        guard let rv = lastResourceVersion else { return true }
        opts.resourceVersion = rv
        opts.allowWatchBookmarks = true
        opts.timeoutSeconds = Int64(Int.random(in: watchTimeout))
        return try await follow(client.watch(opts), initialState: false)
    }

    /// Applies a watch's events to the cache until it ends; returns true when a new sync is
    /// needed. With `initialState`, events up to the initial-events-end bookmark are
    /// collected and replace the cache at once.
    func follow(_ stream: WatchSequence<T>, initialState: Bool) async throws -> Bool {
        var initial: [String: T]? = initialState ? [:] : nil
        for try await event in stream {
            if Task.isCancelled { return initial != nil }
            if var state = initial {
                switch event {
                case .added(let o), .modified(let o):
                    state[o.key] = o
                case .deleted(let o):
                    state[o.key] = nil
                case .bookmark(let rv, let annotations):
                    if annotations["k8s.io/initial-events-end"] == "true" {
                        await replace(with: Array(state.values), resourceVersion: rv)
                        initial = nil
                        continue
                    }
                case .error(let e):
                    if e.requiresRelist { return true }
                    throw e
                }
                initial = state
                continue
            }
            switch event {
            case .added(let o), .modified(let o):
                if let old = cache[o.key] {
                    store(o)
                    await emit(.updated(old: old, new: o))
                } else {
                    store(o)
                    await emit(.added(o))
                }
                if let rv = ListOptions.resourceVersion(parsing: o.resourceVersion) { lastResourceVersion = rv }
            case .deleted(let o):
                if let old = cache[o.key] {
                    remove(o.key)
                    await emit(.deleted(old))
                }
                if let rv = ListOptions.resourceVersion(parsing: o.resourceVersion) { lastResourceVersion = rv }
            case .bookmark(let rv, _):
                if let rv { lastResourceVersion = rv }
            case .error(let e):
                if e.requiresRelist { return true }
                throw e
            }
        }
        // A stream that ended before its initial state was complete needs a new sync.
        return initial != nil
    }

    func store(_ o: T) {
        let key = o.key
        if cache[key] != nil { unindex(key) }
        cache[key] = o
        for (name, f) in indexers {
            for v in f(o) { indices[name, default: [:]][v, default: []].insert(key) }
        }
    }

    func remove(_ key: String) {
        unindex(key)
        cache[key] = nil
    }

    func unindex(_ key: String) {
        guard let o = cache[key] else { return }
        for (name, f) in indexers {
            for v in f(o) { indices[name]?[v]?.remove(key) }
        }
    }

    func emit(_ e: InformerEvent<T>) async {
        for h in handlers { await h(e) }
    }
}
