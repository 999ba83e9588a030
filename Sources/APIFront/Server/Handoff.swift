import Synchronization

/// A one-element rendezvous between a producer task and a consumer: `send` returns
/// only after the consumer took the element, so the producer (a watch cursor) never
/// runs more than one event ahead of the socket. `finish` ends both sides at once;
/// it is how shutdown and client disconnects stop a watch that is waiting for events.
final class Handoff<Element: Sendable>: Sendable {
    private struct State: ~Copyable {
        var item: Element?
        var finished = false
        var receiver: CheckedContinuation<Element?, Never>?
        var sender: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())

    /// Hands `element` to the consumer; false when the handoff was finished instead.
    func send(_ element: Element) async -> Bool {
        await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in
            state.withLock { s in
                if s.finished {
                    cont.resume(returning: false)
                } else if let r = s.receiver {
                    s.receiver = nil
                    r.resume(returning: element)
                    cont.resume(returning: true)
                } else {
                    s.item = element
                    s.sender = cont
                }
            }
        }
    }

    /// The next element, or nil once finished.
    func receive() async -> Element? {
        await withCheckedContinuation { (cont: CheckedContinuation<Element?, Never>) in
            state.withLock { s in
                if let item = s.item {
                    s.item = nil
                    let sender = s.sender
                    s.sender = nil
                    sender?.resume(returning: true)
                    cont.resume(returning: item)
                } else if s.finished {
                    cont.resume(returning: nil)
                } else {
                    s.receiver = cont
                }
            }
        }
    }

    /// Ends the handoff: a waiting consumer gets nil, a waiting producer gets false.
    /// An element not yet taken is dropped. Idempotent.
    func finish() {
        state.withLock { s in
            s.finished = true
            s.item = nil
            s.receiver?.resume(returning: nil)
            s.receiver = nil
            s.sender?.resume(returning: false)
            s.sender = nil
        }
    }
}
