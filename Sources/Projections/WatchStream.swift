import EventLog
import KubeModel
import Synchronization

/// Where a watch starts.
enum WatchStart: Sendable {
    /// Initial ADDED events for the state at the head (at least `minimum`), then live;
    /// `endBookmark` = watch-list (an initial-events-end BOOKMARK after them).
    case initialState(minimum: ResourceVersion?, endBookmark: Bool)
    /// Live events after this RV (waiting briefly if it is beyond the head).
    case after(ResourceVersion)
}

/// Everything a watch stream needs; the stream itself starts reading when iterated. One
/// object shared by the stream, its cursor and whoever holds either (a few hundred bytes
/// that an open watch would otherwise carry in several copies).
final class WatchPlan: Sendable {
    let store: ObjectStore
    let gvr: GroupVersionResource
    let info: ResourceInfo?
    let filter: ObjectFilter
    let start: WatchStart
    let allowBookmarks: Bool
    let timeout: Duration
    let bookmarkInterval: Duration
    let stopper = WatchStopper()

    init(
        store: ObjectStore, gvr: GroupVersionResource, info: ResourceInfo?, filter: ObjectFilter, start: WatchStart,
        allowBookmarks: Bool, timeout: Duration, bookmarkInterval: Duration
    ) {
        self.store = store
        self.gvr = gvr
        self.info = info
        self.filter = filter
        self.start = start
        self.allowBookmarks = allowBookmarks
        self.timeout = timeout
        self.bookmarkInterval = bookmarkInterval
    }
}

/// Ends a watch from outside the task that consumes it (client gone, server shutting
/// down), without that task having to be cancelled: the waiting consumer is woken and its
/// next `next()` returns nil (a push consumer's next poll, `.finished`).
public final class WatchStopper: Sendable {
    private struct State {
        var stopped = false
        var slot: WatcherSlot?
    }

    private let state = Mutex(State())

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// Ends the watch (from any thread).
    public func stop() {
        let slot = state.withLock { s -> WatcherSlot? in
            s.stopped = true
            return s.slot
        }
        slot?.close()
    }

    /// The cursor went live with `slot` (closed at once if the watch was already stopped).
    func attach(_ slot: WatcherSlot) {
        let stopped = state.withLock { s -> Bool in
            s.slot = slot
            return s.stopped
        }
        if stopped { slot.close() }
    }
}

/// A watch: bounded and pull-based. The consumer's iteration reads the log (or the
/// hub's small per-watcher buffer) at its own pace; it never blocks the writer.
/// Iterate it once.
public struct WatchStream: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    let plan: WatchPlan

    public func makeAsyncIterator() -> Iterator { Iterator(cursor: WatchCursor(plan)) }

    /// Ends the stream from any task: its consumer, also one waiting for the next event,
    /// gets `nil` (it need not be cancelled). For transports whose write loop is itself the
    /// consumer, so a client disconnect or shutdown needs no second task to cancel.
    public func stop() { plan.stopper.stop() }

    /// What ``stop()`` calls, for a holder that need not keep the whole stream.
    public var stopper: WatchStopper { plan.stopper }

    /// The stream's iterator; ending or dropping it unregisters the watch.
    public struct Iterator: AsyncIteratorProtocol {
        let cursor: WatchCursor

        public mutating func next() async -> WatchEvent? { await cursor.next() }

        /// For a push consumer (one that is called back instead of suspending): does what
        /// the watch must wait for before its first event (a resourceVersion beyond the
        /// head). Call it once, before ``poll(wake:)``.
        public mutating func start() async { await cursor.start() }

        /// For a push consumer: the next event if there is one now, without suspending
        /// (reading the log when the watcher is behind, as ``next()`` does). On `.pending`
        /// `wake` has been registered and is called once, from any thread, when polling
        /// again may make progress (an event, the next bookmark, the timeout, ``stop()``);
        /// it is called while the watch's lock is held, so it must only schedule the
        /// next poll. After `.finished` the watch is unregistered.
        public mutating func poll(wake: @escaping @Sendable () -> Void) -> WatchPoll { cursor.poll(wake: wake) }
    }
}

/// What ``WatchStream/Iterator/poll(wake:)`` found.
public enum WatchPoll: Sendable {
    /// The next event to send.
    case event(WatchEvent)
    /// Nothing now; the wake-up has been registered.
    case pending
    /// The watch has ended (timeout, stop, an ERROR already delivered, the store closing).
    case finished
}

extension ObjectStore {
    /// Opens a watch. Errors found later (410 Expired, 504 too large RV) arrive as one ERROR event
    /// that ends the stream, as the apiserver does.
    public func watch(_ gvr: GroupVersionResource, _ options: WatchOptions) throws -> WatchStream {
        let requested = options.resourceVersion.flatMap { $0 == 0 ? nil : $0 }
        let start: WatchStart
        switch (options.sendInitialEvents, requested) {
        case (true?, let minimum): start = .initialState(minimum: minimum, endBookmark: true)
        case (false?, nil): start = .after(log.head)
        case (nil, nil): start = .initialState(minimum: nil, endBookmark: false)
        case (_, let n?): start = .after(n)
        }
        let timeout = options.timeout ?? .seconds(1800) * Double.random(in: 1..<2)
        let filter = ObjectFilter(
            namespace: options.namespace, name: options.name, labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector)
        return WatchStream(
            plan: WatchPlan(
                store: self, gvr: gvr, info: catalog.resource(for: gvr), filter: filter, start: start,
                allowBookmarks: options.allowBookmarks, timeout: timeout,
                bookmarkInterval: max(options.bookmarkInterval, .milliseconds(10))))
    }
}

/// The consumer side of one watch (owned by its iterator).
final class WatchCursor {
    private enum Phase {
        case starting
        /// Paging through the initial state at `snapshot` (nil = not yet read).
        case initial(snapshot: ResourceVersion?, after: [UInt8]?, endBookmark: Bool)
        case live
        case finished
    }

    /// Initial events are read in pages of this size (bounded memory per watcher).
    static let initialPageSize = 256
    /// A log catch-up step visits at most this many events.
    static let catchUpVisitLimit = 4096

    private let plan: WatchPlan
    private var phase: Phase = .starting
    private var pending: [WatchEvent] = []
    private var pendingIndex = 0
    private var slot: WatcherSlot?
    private let deadline: ContinuousClock.Instant
    private var nextBookmark: ContinuousClock.Instant?
    /// RV of the last event handed out (a safe bookmark RV).
    private var lastRV: ResourceVersion = 0
    private var resourceID: ResourceID?

    init(_ plan: WatchPlan) {
        self.plan = plan
        self.deadline = .now + plan.timeout
    }

    deinit {
        if let slot { plan.store.hub.remove(slot) }
    }

    private var hub: WatchHub { plan.store.hub }

    /// What the consumer does next: send an event, stop, or wait (for the start or the slot).
    private enum Step {
        case event(WatchEvent)
        case finished
        case begin
        case wait(WatcherSlot)
    }

    func next() async -> WatchEvent? {
        while true {
            switch step() {
            case .event(let e): return e
            case .finished: return nil
            case .begin: await begin()
            case .wait(let slot): await slot.wait()
            }
        }
    }

    func start() async {
        if case .starting = phase { await begin() }
    }

    func poll(wake: @escaping @Sendable () -> Void) -> WatchPoll {
        while true {
            switch step() {
            case .event(let e): return .event(e)
            case .finished: return .finished
            case .begin:
                // start() was not awaited first: a programming error, reported like any other.
                fail(StatusError.internalError("watch polled before it was started"))
            case .wait(let slot):
                if slot.onWake(wake) { return .pending }
            }
        }
    }

    /// Everything `next()` does short of suspending.
    private func step() -> Step {
        while true {
            if pendingIndex < pending.count {
                let e = pending[pendingIndex]
                pendingIndex += 1
                if pendingIndex == pending.count {
                    pending.removeAll(keepingCapacity: true)
                    pendingIndex = 0
                }
                if e.type != .error { lastRV = max(lastRV, e.rv) }
                return .event(e)
            }
            if Task.isCancelled || plan.stopper.isStopped {
                finish()
                return .finished
            }
            if case .finished = phase { return .finished }
            let now = ContinuousClock.now
            if now >= deadline {
                let rv = slot?.quiescentRV() ?? lastRV
                finish()
                if plan.allowBookmarks, rv > 0 { return .event(bookmark(rv)) }
                return .finished
            }
            switch phase {
            case .finished:
                return .finished
            case .starting:
                return .begin
            case .initial(let snapshot, let after, let endBookmark):
                readInitialPage(snapshot: snapshot, after: after, endBookmark: endBookmark)
            case .live:
                guard let slot else {
                    finish()
                    return .finished
                }
                if let due = nextBookmark, now >= due, let rv = slot.quiescentRV() {
                    nextBookmark = now + plan.bookmarkInterval
                    lastRV = max(lastRV, rv)
                    return .event(bookmark(lastRV))
                }
                switch slot.poll() {
                case .event(let e):
                    lastRV = max(lastRV, e.rv)
                    return .event(e)
                case .catchUp(let after):
                    catchUp(slot, after: after)
                case .wait:
                    let wake = nextBookmark.map { min($0, deadline) } ?? deadline
                    hub.clock.schedule(slot, at: wake)
                    return .wait(slot)
                case .closed:
                    finish()
                    return .finished
                }
            }
        }
    }

    @discardableResult
    private func finish() -> WatchEvent? {
        phase = .finished
        if let slot {
            hub.remove(slot)
            self.slot = nil
        }
        return nil
    }

    private func fail(_ error: StatusError) {
        pending = [WatchEvent(type: .error, rv: 0, object: error.statusObject().serialized())]
        pendingIndex = 0
        finish()
    }

    private func begin() async {
        switch plan.start {
        case .initialState(let minimum, let endBookmark):
            if let minimum {
                do { try await plan.store.awaitHead(atLeast: minimum) } catch let e as StatusError {
                    return fail(e)
                } catch { return fail(StatusError.internalError("\(error)")) }
            }
            phase = .initial(snapshot: nil, after: nil, endBookmark: endBookmark)
        case .after(let n):
            do { try await plan.store.awaitHead(atLeast: n) } catch let e as StatusError {
                return fail(e)
            } catch { return fail(StatusError.internalError("\(error)")) }
            goLive(after: n)
        }
    }

    private func goLive(after rv: ResourceVersion) {
        lastRV = max(lastRV, rv)
        let slot = WatcherSlot(storageKey: plan.gvr.storageKey, filter: plan.filter, after: rv)
        hub.register(slot)
        self.slot = slot
        plan.stopper.attach(slot)
        phase = .live
        if plan.allowBookmarks { nextBookmark = .now + plan.bookmarkInterval }
    }

    private func readInitialPage(snapshot: ResourceVersion?, after: [UInt8]?, endBookmark: Bool) {
        let store = plan.store
        do {
            let (at, events, lastKey, more) = try store.log.read {
                txn -> (ResourceVersion, [WatchEvent], [UInt8]?, Bool) in
                let at = snapshot ?? txn.head
                if at + 1 < txn.horizon {
                    throw StatusError.tooOldResourceVersion(requested: at, oldest: txn.horizon)
                }
                guard let id = try store.resourceID(txn, plan.gvr) else { return (at, [], nil, false) }
                let prefix =
                    plan.filter.namespace.map { StorageKeys.namespacePrefix(id, namespace: $0) }
                    ?? StorageKeys.resourcePrefix(id)
                var events: [WatchEvent] = []
                var lastKey: [UInt8]?
                var more = false
                try store.scanObjects(
                    txn, id: id, info: plan.info, prefix: prefix, after: after, snapshot: at == txn.head ? nil : at,
                    filter: plan.filter
                ) { key, rv in
                    if events.count >= Self.initialPageSize {
                        more = true
                        return false
                    }
                    guard let ev = try txn.event(at: rv) else { return true }
                    events.append(WatchEvent(type: .added, rv: rv, object: Array(ev.object)))
                    lastKey = Array(key)
                    return true
                }
                return (at, events, lastKey, more)
            }
            pending = events
            pendingIndex = 0
            if more, let lastKey {
                phase = .initial(snapshot: at, after: lastKey, endBookmark: endBookmark)
            } else {
                if endBookmark { pending.append(initialEventsEnd(at)) }
                goLive(after: at)
                lastRV = at
            }
        } catch let e as StatusError {
            fail(e)
        } catch {
            fail(StatusError.internalError("\(error)"))
        }
    }

    /// Reads the log after `after` (the slot is unsynced and its buffer empty).
    private func catchUp(_ slot: WatcherSlot, after: ResourceVersion) {
        let store = plan.store
        let filter = plan.filter
        let info = plan.info
        var events: [WatchEvent] = []
        var cursor = after
        var reachedEnd = true
        do {
            try store.log.read { txn in
                let head = txn.head
                if resourceID == nil { resourceID = try store.resourceID(txn, plan.gvr) }
                guard let id = resourceID else {
                    cursor = max(cursor, head)
                    return
                }
                var visited = 0
                try txn.events(after: after) { ev in
                    visited += 1
                    cursor = ev.rv
                    if ev.resource == id, filter.matchesKey(namespace: ev.namespace, name: ev.name) {
                        var new = ObjectAttributes.empty
                        var old: ObjectAttributes?
                        if filter.needsAttributes {
                            new = ObjectAttributes.of(event: ev, info: info)
                            if ev.type == .modified, ev.previousRV != 0, let prev = try txn.event(at: ev.previousRV),
                                prev.type != .deleted
                            {
                                old = ObjectAttributes.of(event: prev, info: info)
                            }
                        } else {
                            old = .empty
                        }
                        if let type = filter.transition(
                            ev.type, namespace: ev.namespace, name: ev.name, new: new, old: old)
                        {
                            events.append(WatchEvent(type: type, rv: ev.rv, object: Array(ev.object)))
                        }
                    }
                    if events.count >= WatcherSlot.capacity || visited >= Self.catchUpVisitLimit {
                        reachedEnd = false
                        return false
                    }
                    return true
                }
                if reachedEnd { cursor = max(cursor, head) }
            }
        } catch EventLogError.belowHorizon(_, let horizon) {
            return fail(StatusError.tooOldResourceVersion(requested: after, oldest: horizon))
        } catch EventLogError.closed {
            finish()  // the store is shutting down: end quietly
            return
        } catch let e as StatusError {
            return fail(e)
        } catch {
            return fail(StatusError.internalError("watch: \(error)"))
        }
        slot.caughtUp(through: cursor, events: events, reachedEnd: reachedEnd, publishedHead: hub.publishedHead)
    }

    private var kindAndAPIVersion: String {
        let kind = plan.info?.kind ?? plan.gvr.resource
        return "\"kind\":\(jsonString(kind)),\"apiVersion\":\(jsonString(plan.gvr.groupVersion))"
    }

    private func bookmark(_ rv: ResourceVersion) -> WatchEvent {
        let text = "{\(kindAndAPIVersion),\"metadata\":{\"resourceVersion\":\"\(rv)\"}}"
        return WatchEvent(type: .bookmark, rv: rv, object: Array(text.utf8))
    }

    /// The watch-list BOOKMARK that ends the initial events.
    private func initialEventsEnd(_ rv: ResourceVersion) -> WatchEvent {
        let listKind = plan.info?.listKind ?? ((plan.info?.kind ?? plan.gvr.resource) + "List")
        let blueprint =
            "{\"kind\":\(jsonString(listKind)),\"apiVersion\":\(jsonString(plan.gvr.groupVersion)),\"metadata\":{},\"items\":[]}"
        let text =
            "{\(kindAndAPIVersion),\"metadata\":{\"resourceVersion\":\"\(rv)\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\",\"kubernetes.io/initial-events-list-blueprint\":\"\(GoBase64.encode(Array(blueprint.utf8)))\"}}}"
        return WatchEvent(type: .bookmark, rv: rv, object: Array(text.utf8))
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    String(decoding: JSONValue.string(s).serialized(), as: UTF8.self)
}
