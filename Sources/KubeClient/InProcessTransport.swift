import Endpoint
import KubeModel
import Synchronization

/// Calls an AKE `Endpoint` in the same process: no HTTP, no socket; each answer's
/// JSON is parsed once into the value the caller gets.
public struct InProcessTransport: KubeTransport {
    public let endpoint: Endpoint
    /// Recorded as the origin of every write in the event log.
    public let clientName: String

    public init(endpoint: Endpoint, clientName: String = "kubeclient-inprocess") {
        self.endpoint = endpoint
        self.clientName = clientName
    }

    func apiRequest(_ r: APIRequest) -> APIRequest {
        var r = r
        r.client = clientName
        return r
    }

    public func send(_ request: APIRequest) async throws -> APIResponse {
        switch await endpoint.handle(apiRequest(request)) {
        case .response(let r):
            return r
        case .watch:
            throw KubeClientError.transport("server answered a non-watch request with a watch")
        }
    }

    public func watch(_ request: APIRequest) async throws -> RawWatchStream {
        switch await endpoint.handle(apiRequest(request)) {
        case .response(let r):
            // A refused watch (bad options, unknown resource) comes back as a Status.
            _ = try APIResponse(code: r.code, body: r.body).decoded()
            throw KubeClientError.transport("server answered a watch with a plain response")
        case .watch(let stream):
            return RawWatchStream {
                let box = IteratorBox(stream.makeAsyncIterator())
                return {
                    guard let event = try await box.next() else { return nil }
                    return RawWatchEvent(type: event.type.rawValue, object: try JSONValue(parsing: event.object))
                }
            }
        }
    }
}

/// Holds an iterator so a `@Sendable` closure can advance it. Safe because a
/// watch iterator is only ever advanced by the one task consuming the stream
/// (AsyncIteratorProtocol's own contract); the lock makes misuse harmless.
final class IteratorBox<I: AsyncIteratorProtocol>: @unchecked Sendable {
    private var iterator: I
    private let lock = AsyncLock()
    init(_ iterator: I) { self.iterator = iterator }
    func next() async throws -> I.Element? {
        await lock.acquire()
        defer { lock.release() }
        return try await iterator.next()
    }
}

/// A minimal FIFO async mutex for `IteratorBox`.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
