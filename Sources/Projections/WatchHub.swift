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
    /// The head of the last batch dispatched to the slots (set before any slot is visited).
    let publishedHead: Atomic<UInt64>
    private let slots = Mutex<[ObjectIdentifier: WatcherSlot]>([:])
    let clock = WatchClock()
    /// When the last batch was handed to the hub (benchmarks measure delivery from here).
    let lastPublish = Mutex<(ResourceVersion, ContinuousClock.Instant)?>(nil)

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

    /// Committed batches waiting for the dispatcher.
    private struct Queue {
        var batches: [(records: [ChangeRecord], head: ResourceVersion)] = []
        var running = false
        /// Batches were dropped (the dispatcher fell behind): the highest head dropped.
        var droppedThrough: ResourceVersion?
    }

    private let queue = Mutex(Queue())
    /// Beyond this many undispatched batches the hub drops them and sends every
    /// watcher back to the log, so the queue stays bounded.
    static let maxQueuedBatches = 256

    /// Called on the writer thread after a commit with that batch's changes. The
    /// fan-out runs on a dispatcher task so the writer goes on with the next batch.
    func publish(_ records: [ChangeRecord], head: ResourceVersion) {
        lastPublish.withLock { $0 = (head, .now) }
        let start = queue.withLock { q -> Bool in
            if q.batches.count >= Self.maxQueuedBatches {
                q.batches.removeAll()
                q.droppedThrough = head
            } else {
                q.batches.append((records, head))
            }
            if q.running { return false }
            q.running = true
            return true
        }
        if start { Task.detached { self.dispatch() } }
    }

    /// Drains the queue in order (one dispatcher at a time).
    private func dispatch() {
        while true {
            let (batches, dropped) = queue.withLock {
                q -> ([(records: [ChangeRecord], head: ResourceVersion)], ResourceVersion?) in
                let b = q.batches
                let d = q.droppedThrough
                q.batches.removeAll(keepingCapacity: true)
                q.droppedThrough = nil
                if b.isEmpty, d == nil { q.running = false }
                return (b, d)
            }
            if batches.isEmpty, dropped == nil { return }
            if let dropped {
                publishedHead.store(
                    max(dropped, publishedHead.load(ordering: .sequentiallyConsistent)),
                    ordering: .sequentiallyConsistent)
                for slot in slots.withLock({ Array($0.values) }) { slot.desync() }
            }
            for batch in batches { deliver(batch.records, head: batch.head) }
        }
    }

    private func deliver(_ records: [ChangeRecord], head: ResourceVersion) {
        if head > publishedHead.load(ordering: .sequentiallyConsistent) {
            publishedHead.store(head, ordering: .sequentiallyConsistent)
        }
        let targets = slots.withLock { Array($0.values) }
        guard !targets.isEmpty else { return }
        var byResource: [String: [FannedChange]] = [:]
        for r in records { byResource[r.storageKey, default: []].append(FannedChange(r)) }
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

/// One change as the dispatcher fans it out: the event each delivered type makes is built
/// once, so every watcher that receives it shares one ``SharedFrames`` (and the transport
/// encodes it once per encoding). Used by the single dispatcher only.
final class FannedChange {
    let record: ChangeRecord
    private var events: [WatchEvent] = []

    init(_ record: ChangeRecord) { self.record = record }

    /// The event of `type` for this change (a selector can turn a MODIFIED into ADDED or DELETED).
    func event(_ type: WatchEventType) -> WatchEvent {
        if let e = events.first(where: { $0.type == type }) { return e }
        let e = WatchEvent(type: type, rv: record.rv, object: record.object, frames: SharedFrames())
        events.append(e)
        return e
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
        var waiter: Waiter?
        var wakeRequested = false
        var closed = false
        /// Deadline registered with the clock, if any.
        var clockDeadline: ContinuousClock.Instant?

        var bufferedCount: Int { buffer.count - readIndex }

        mutating func resumeWaiter() {
            guard let w = waiter else {
                wakeRequested = true
                return
            }
            waiter = nil
            switch w {
            case .task(let continuation): continuation.resume()
            case .callback(let wake): wake()
            }
        }
    }

    /// Who waits for the slot: a suspended consumer task, or a push consumer's wake-up
    /// (called under the slot's lock, so it must only schedule work, never poll).
    enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case callback(@Sendable () -> Void)
    }

    let state: Mutex<State>

    init(storageKey: String, filter: ObjectFilter, after rv: ResourceVersion) {
        self.storageKey = storageKey
        self.filter = filter
        self.state = Mutex(State(queuedThrough: rv))
    }

    /// Writer thread: offers a batch's changes of this slot's resource.
    func offer(_ changes: [FannedChange], head: ResourceVersion) {
        state.withLock { s in
            guard s.synced, !s.closed else { return }
            for change in changes where change.record.rv > s.queuedThrough {
                let r = change.record
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
                s.buffer.append(change.event(type))
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
                        s.waiter = .task(c)
                    }
                }
            }
        } onCancel: {
            wake()
        }
    }

    /// For a push consumer: registers `wake` to be called (once, from whichever thread wakes
    /// the slot) when the consumer should poll again, and returns true; returns false without
    /// registering when it should poll again now.
    func onWake(_ wake: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { s in
            if s.wakeRequested || s.closed || s.bufferedCount > 0 || !s.synced {
                s.wakeRequested = false
                return false
            }
            s.waiter = .callback(wake)
            return true
        }
    }

    func wake() {
        state.withLock { $0.resumeWaiter() }
    }

    /// Sends the consumer back to the log (the hub dropped batches).
    func desync() {
        state.withLock { s in
            if s.synced {
                s.synced = false
                s.resumeWaiter()
            }
        }
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
