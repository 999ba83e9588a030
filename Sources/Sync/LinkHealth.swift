/// Whether the upstream link is usable, as a plain state machine: probes (`/readyz`
/// or `/version`) and watch-stream traffic feed it; it says when the state flips so
/// the driver can log and react (cancel dead watches, wake waiting reflectors).
public struct LinkHealth: Sendable, Equatable {
    public enum State: String, Sendable { case unknown, online, offline }

    /// What changed after an observation.
    public enum Transition: Sendable, Equatable {
        case none
        case wentOnline
        case wentOffline(reason: String)
    }

    public private(set) var state: State = .unknown
    /// Seconds since the epoch of the last flip (or of the first observation).
    public private(set) var since: Double = 0
    /// Seconds since the epoch of the last successful contact.
    public private(set) var lastContact: Double = 0
    public private(set) var lastError: String = ""
    public private(set) var consecutiveFailures = 0
    /// Failed probes in a row before the link counts as offline.
    public let failureThreshold: Int

    public init(failureThreshold: Int = 2) {
        self.failureThreshold = max(1, failureThreshold)
    }

    /// A probe or any upstream response succeeded at `now`.
    public mutating func succeeded(now: Double) -> Transition {
        consecutiveFailures = 0
        lastContact = now
        if state == .online { return .none }
        state = .online
        since = now
        lastError = ""
        return .wentOnline
    }

    /// A probe failed at `now` (connection refused, timeout, 5xx).
    public mutating func failed(now: Double, error: String) -> Transition {
        consecutiveFailures += 1
        lastError = error
        if state == .offline { return .none }
        // From unknown a single failure decides; from online, a few in a row.
        if state == .unknown || consecutiveFailures >= failureThreshold {
            state = .offline
            since = now
            return .wentOffline(reason: error)
        }
        return .none
    }

    public var isOnline: Bool { state == .online }
}

/// A snapshot of the link for `/readyz` details and `/metrics`.
public struct LinkStatus: Sendable {
    public var server: String
    public var state: LinkHealth.State
    public var since: Double
    public var lastContact: Double
    public var lastError: String
    public var traffic: UpstreamTraffic
    public var scopes: [SyncScope]
    /// Per scope id: relists and watch resumes so far.
    public var relists: [UInt32: Int]
    public var resumes: [UInt32: Int]
}
