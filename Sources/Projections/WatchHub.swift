import EventLog
import Synchronization

/// Fans committed changes out to watchers (etcd `watchable_store` style).
///
/// A *synced* watcher receives matching changes from the writer thread into a small
/// bounded buffer. When that buffer would overflow, or when it starts, a watcher is
/// *unsynced*: the hub skips it and its consumer reads the log itself (at its own
/// pace) until it reaches the published head, then rejoins. So the writer never
/// waits for a watcher and no watcher buffers more than `WatcherSlot.capacity`.
final class WatchHub: Sendable {
    /// The head of the last batch handed to `publish` (set before any slot is visited).
    let publishedHead: Atomic<UInt64>
    private let slots = Mutex<[ObjectIdentifier: WatcherSlot]>([:])
    let clock = WatchClock()

    init(head: ResourceVersion) {
        publishedHead = Atomic(head)
    }

    func register(_ slot: WatcherSlot) {
        slots.withLock { $0[ObjectIdentifier(slot)] = slot }
    }

    func remove(_ slot: WatcherSlot) {
        _ = slots.withLock { $0.removeValue(forKey: ObjectIdentifier(slot)) }
        clock.cancel(slot)
    }

    var watcherCount: Int { slots.withLock { $0.count } }

    /// Called on the writer thread after a commit with that batch's changes.
    func publish(_ records: [ChangeRecord], head: ResourceVersion) {
        publishedHead.store(head, ordering: .sequentiallyConsistent)
        let targets = slots.withLock { Array($0.values) }
        guard !targets.isEmpty else { return }
        var byResource: [String: [ChangeRecord]] = [:]
        for r in records { byResource[r.storageKey, default: []].append(r) }
        for slot in targets {
            slot.offer(byResource[slot.storageKey] ?? [], head: head)
        }
    }

    /// Ends every watch (store closing).
    func closeAll() {
        let all = slots.withLock { s -> [WatcherSlot] in
            let a = Array(s.values)
            s.removeAll()
            return a
        }
        for slot in all { slot.close() }
        clock.stop()
    }
}

/// What a consumer should do next.
enum SlotPoll {
    case event(WatchEvent)
    /// Read the log after this RV (the buffer is empty and the slot unsynced).
    case catchUp(after: ResourceVersion)
    case wait
    case closed
}

/// A watcher's shared state between the hub (writer thread) and its consumer.
final class WatcherSlot: Sendable {
    /// Buffered events per watcher; beyond this the watcher reads the log itself.
    static let capacity = 128

    let storageKey: String
    let filter: ObjectFilter

    struct State {
        var buffer: [WatchEvent] = []
        var readIndex = 0
        var synced = false
        /// Every change with RV ≤ this has been buffered, delivered or filtered out.
        var queuedThrough: ResourceVersion
        var waiter: CheckedContinuation<Void, Never>?
        var wakeRequested = false
        var closed = false
        /// Deadline registered with the clock, if any.
        var clockDeadline: ContinuousClock.Instant?

        var bufferedCount: Int { buffer.count - readIndex }

        mutating func resumeWaiter() {
            if let w = waiter {
                waiter = nil
                w.resume()
            } else {
                wakeRequested = true
            }
        }
    }

    let state: Mutex<State>

    init(storageKey: String, filter: ObjectFilter, after rv: ResourceVersion) {
        self.storageKey = storageKey
        self.filter = filter
        self.state = Mutex(State(queuedThrough: rv))
    }

    /// Writer thread: offers a batch's changes of this slot's resource.
    func offer(_ records: [ChangeRecord], head: ResourceVersion) {
        state.withLock { s in
            guard s.synced, !s.closed else { return }
            for r in records where r.rv > s.queuedThrough {
                guard
                    let type = filter.transition(
                        r.type, namespace: r.namespace, name: r.name, new: r.attributes, old: r.previous)
                else { continue }
                if s.bufferedCount >= Self.capacity {
                    // Full: stop here and let the consumer read the rest from the log.
                    s.synced = false
                    s.queuedThrough = r.rv - 1
                    s.resumeWaiter()
                    return
                }
                s.buffer.append(WatchEvent(type: type, rv: r.rv, object: r.object))
            }
            if head > s.queuedThrough { s.queuedThrough = head }
            if s.bufferedCount > 0 { s.resumeWaiter() }
        }
    }

    func poll() -> SlotPoll {
        state.withLock { s in
            if s.closed { return .closed }
            if s.readIndex < s.buffer.count {
                let e = s.buffer[s.readIndex]
                s.readIndex += 1
                if s.readIndex == s.buffer.count {
                    s.buffer.removeAll(keepingCapacity: true)
                    s.readIndex = 0
                }
                return .event(e)
            }
            return s.synced ? .wait : .catchUp(after: s.queuedThrough)
        }
    }

    /// After reading the log through `cursor`: buffers what was found and rejoins the
    /// hub if the log read reached the published head. `publishedHead` is read under
    /// the slot lock, and the hub stores it before visiting any slot, so a batch is
    /// either fully offered to this slot after it rejoined or fully read from the log.
    func caughtUp(
        through cursor: ResourceVersion, events: [WatchEvent], reachedEnd: Bool, publishedHead: borrowing Atomic<UInt64>
    ) {
        state.withLock { s in
            s.buffer.append(contentsOf: events)
            if cursor > s.queuedThrough { s.queuedThrough = cursor }
            if reachedEnd, s.queuedThrough >= publishedHead.load(ordering: .sequentiallyConsistent) {
                s.synced = true
            }
        }
    }

    /// The RV through which everything has been delivered (for bookmarks), when the
    /// buffer is empty and the slot synced; `nil` otherwise.
    func quiescentRV() -> ResourceVersion? {
        state.withLock { s in s.synced && s.bufferedCount == 0 ? s.queuedThrough : nil }
    }

    /// Suspends until the hub, the clock, cancellation or close wakes the consumer.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                state.withLock { s in
                    if s.wakeRequested || s.closed || s.bufferedCount > 0 || !s.synced {
                        s.wakeRequested = false
                        c.resume()
                    } else {
                        s.waiter = c
                    }
                }
            }
        } onCancel: {
            wake()
        }
    }

    func wake() {
        state.withLock { $0.resumeWaiter() }
    }

    func close() {
        state.withLock { s in
            s.closed = true
            s.resumeWaiter()
        }
    }
}

/// One timer for all watchers: wakes each waiting consumer at its deadline
/// (next bookmark or timeout) without a task per watcher.
final class WatchClock: Sendable {
    private struct State {
        var deadlines: [ObjectIdentifier: (ContinuousClock.Instant, WatcherSlot)] = [:]
        var sleeper: Task<Void, Never>?
        var sleeperUntil: ContinuousClock.Instant?
        var stopped = false
    }

    private let state = Mutex(State())

    /// Registers (or moves) `slot`'s wake-up time.
    func schedule(_ slot: WatcherSlot, at deadline: ContinuousClock.Instant) {
        let already = slot.state.withLock { s -> Bool in
            if s.clockDeadline == deadline { return true }
            s.clockDeadline = deadline
            return false
        }
        if already { return }
        state.withLock { s in
            guard !s.stopped else { return }
            s.deadlines[ObjectIdentifier(slot)] = (deadline, slot)
            if let until = s.sleeperUntil, until <= deadline { return }
            startSleeper(&s, until: deadline)
        }
    }

    func cancel(_ slot: WatcherSlot) {
        _ = state.withLock { $0.deadlines.removeValue(forKey: ObjectIdentifier(slot)) }
    }

    func stop() {
        state.withLock { s in
            s.stopped = true
            s.sleeper?.cancel()
            s.sleeper = nil
            s.deadlines.removeAll()
        }
    }

    private func startSleeper(_ s: inout State, until deadline: ContinuousClock.Instant) {
        s.sleeper?.cancel()
        s.sleeperUntil = deadline
        s.sleeper = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            if Task.isCancelled { return }
            self?.fire()
        }
    }

    private func fire() {
        let now = ContinuousClock.now
        let due = state.withLock { s -> [WatcherSlot] in
            s.sleeper = nil
            s.sleeperUntil = nil
            var due: [WatcherSlot] = []
            var next: ContinuousClock.Instant?
            for (id, (deadline, slot)) in s.deadlines {
                if deadline <= now {
                    due.append(slot)
                    s.deadlines[id] = nil
                } else if next == nil || deadline < next! {
                    next = deadline
                }
            }
            if let next, !s.stopped { startSleeper(&s, until: next) }
            return due
        }
        for slot in due {
            slot.state.withLock { s in
                s.clockDeadline = nil
                s.resumeWaiter()
            }
        }
    }
}
