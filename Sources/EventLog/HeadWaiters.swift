// Async wake-ups when the head moves: a Mutex-protected table of continuations that the
// writer resumes after each commit. Cheap for thousands of waiters (one dictionary entry each).
import Synchronization

final class HeadWaiters: Sendable {
    private enum Entry {
        case waiting(ResourceVersion, CheckedContinuation<Void, Never>)
        /// Cancellation arrived before registration.
        case cancelled
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Returns once `head() > rv`, the task is cancelled, or `close()` was called.
    func wait(beyond rv: ResourceVersion, head: @Sendable () -> ResourceVersion) async {
        if head() > rv || Task.isCancelled { return }
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if case .cancelled = state.entries[id] {
                        state.entries[id] = nil
                        return true
                    }
                    // The writer stores the new head before taking this lock, so either we see it
                    // here or it sees our entry when it drains.
                    if state.closed || head() > rv { return true }
                    state.entries[id] = .waiting(rv, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                switch state.entries[id] {
                case .waiting(_, let continuation):
                    state.entries[id] = nil
                    return continuation
                case .cancelled:
                    return nil
                case nil:
                    state.entries[id] = .cancelled
                    return nil
                }
            }
            continuation?.resume()
        }
        // A tombstone left by a cancellation that raced with a normal resume is dropped here.
        state.withLock { state in
            if case .cancelled = state.entries[id] { state.entries[id] = nil }
        }
    }

    /// Resumes every waiter whose RV is below `head`.
    func headMoved(to head: ResourceVersion) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var ready: [CheckedContinuation<Void, Never>] = []
            var remaining: [UInt64: Entry] = [:]
            for (id, entry) in state.entries {
                if case .waiting(let rv, let continuation) = entry, rv < head {
                    ready.append(continuation)
                } else {
                    remaining[id] = entry
                }
            }
            state.entries = remaining
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Resumes everyone, now and in future.
    func close() {
        let all = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            let all = state.entries.values.compactMap { entry -> CheckedContinuation<Void, Never>? in
                if case .waiting(_, let continuation) = entry { return continuation }
                return nil
            }
            state.entries = [:]
            return all
        }
        for continuation in all { continuation.resume() }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
