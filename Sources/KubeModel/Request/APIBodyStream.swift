import Synchronization

/// A response body handed over in pieces while it is still being produced: a large List
/// read from one storage snapshot by a producer task, written to the socket by the
/// transport as each piece is ready, so that the kernel sends one piece while the next is
/// built and no piece outlives its write.
///
/// The producer never waits for the consumer (it holds a read snapshot, which must not be
/// held while a client is slow), so a consumer slower than the producer makes the pieces
/// queue up; at worst the whole body is held once, never twice. Dropping the stream (or
/// ``cancel()``) stops the producer at its next piece.
public final class APIBodyStream: Sendable {
    /// How the body starts: all of it fitted in the first piece, or it is still coming.
    public enum Start: Sendable {
        /// The producer finished before handing over any piece: this is the whole body.
        case complete([UInt8])
        /// Pieces follow through ``next()``.
        case streaming
    }

    let queue: APIBodyQueue

    /// A stream fed through `producer` (``APIBodyQueue/push(_:)`` and friends).
    public init(_ producer: APIBodyQueue) {
        queue = producer
    }

    deinit { queue.cancel() }

    /// Waits for the first piece, the end, or a failure before anything was handed over
    /// (thrown: the producer's checks failed, and the caller can still answer with an error).
    public func start() async throws -> Start {
        try await queue.start()
    }

    /// The next piece, `nil` after the last; throws when the producer failed midway.
    public func next() async throws -> [UInt8]? {
        try await queue.next()
    }

    /// Stops the producer at its next piece and drops what is queued (the client went away).
    public func cancel() { queue.cancel() }

    /// The whole body in one buffer (for callers that cannot write pieces).
    public func collect() async throws -> [UInt8] {
        if case .complete(let body) = try await start() { return body }
        var out: [UInt8] = []
        while let piece = try await next() { out.append(contentsOf: piece) }
        return out
    }
}

/// The producer's side of an ``APIBodyStream``: pieces are appended without waiting.
public final class APIBodyQueue: Sendable {
    private struct State {
        var pieces: [[UInt8]] = []
        var first = 0
        var handedOver = false
        var finished = false
        var failure: (any Error)?
        var cancelled = false
        var waiter: CheckedContinuation<Void, Never>?

        mutating func take() -> CheckedContinuation<Void, Never>? {
            defer { waiter = nil }
            return waiter
        }
    }

    /// Thrown by ``push(_:)`` once the consumer has gone.
    public struct Cancelled: Error {}

    private let state = Mutex(State())

    public init() {}

    /// Hands over one piece; throws ``Cancelled`` once the consumer has gone.
    public func push(_ piece: [UInt8]) throws {
        let waiter = try state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.cancelled { throw Cancelled() }
            s.pieces.append(piece)
            s.handedOver = true
            return s.take()
        }
        waiter?.resume()
    }

    /// Ends the body with `last` (possibly empty).
    public func finish(_ last: [UInt8]) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if !last.isEmpty || !s.handedOver { s.pieces.append(last) }
            s.finished = true
            return s.take()
        }
        waiter?.resume()
    }

    /// Ends the body with an error.
    public func fail(_ error: any Error) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.failure = error
            return s.take()
        }
        waiter?.resume()
    }

    func cancel() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.cancelled = true
            s.pieces = []
            s.first = 0
            return s.take()
        }
        waiter?.resume()
    }

    func start() async throws -> APIBodyStream.Start {
        while true {
            let outcome = try state.withLock { s -> APIBodyStream.Start? in
                if s.handedOver { return .streaming }
                if s.finished {
                    s.handedOver = true
                    let body = s.pieces.isEmpty ? [] : s.pieces.removeFirst()
                    return .complete(body)
                }
                if let failure = s.failure { throw failure }
                return nil
            }
            if let outcome { return outcome }
            await wait { $0.handedOver || $0.finished || $0.failure != nil || $0.cancelled }
            if state.withLock({ $0.cancelled }) { throw Cancelled() }
        }
    }

    func next() async throws -> [UInt8]? {
        while true {
            let piece = try state.withLock { s -> [UInt8]?? in
                if s.first < s.pieces.count {
                    let piece = s.pieces[s.first]
                    s.pieces[s.first] = []
                    s.first += 1
                    if s.first == s.pieces.count {
                        s.pieces.removeAll(keepingCapacity: true)
                        s.first = 0
                    }
                    return .some(piece)
                }
                if let failure = s.failure { throw failure }
                if s.finished || s.cancelled { return .some(nil) }
                return nil
            }
            if let piece { return piece }
            await wait { $0.first < $0.pieces.count || $0.finished || $0.failure != nil || $0.cancelled }
        }
    }

    /// Suspends until `ready` holds (checked under the lock, so no hand-over is missed).
    private func wait(until ready: (State) -> Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if ready(s) { return true }
                s.waiter = c
                return false
            }
            if now { c.resume() }
        }
    }
}
