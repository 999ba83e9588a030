import Synchronization

/// Wakes every waiter when something changed (a scope's phase, the link state).
/// Waiters re-check their own condition; a waiter is woken at most once per call and
/// leaves promptly when its task is cancelled.
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func signal() {
        let waiters = state.withLock { s in
            s.generation &+= 1
            defer { s.waiters = [:] }
            return s.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns once the generation moved past `seen`, or the task is cancelled.
    func wait(after seen: UInt64) async {
        let id = state.withLock { s in
            s.nextID &+= 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s in
                    if s.generation != seen || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Waits until `condition` holds or `deadline` passes; returns the condition's last value.
    func wait(until deadline: ContinuousClock.Instant, _ condition: () -> Bool) async -> Bool {
        // Bounded: each round either sees a change or reaches the deadline.
        while true {
            let seen = generation
            if condition() { return true }
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.wait(after: seen) }
                group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
