import KubeModel

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
    /// Objects with offline writes not yet reconciled with the cloud, and conflicted ones kept.
    public var pendingWrites: Int = 0
    public var conflictedWrites: Int = 0
    /// The link's traffic over the last minute (nil until two samples exist).
    public var trafficRate: TrafficRate? = nil
}

extension LinkStatus {
    /// The `/readyz` detail of the `upstream-link` check. An offline edge is still ready
    /// (it serves from its log), so this only says how the link is:
    ///
    ///     online since 2026-11-29T01:02:03Z, last contact 2026-11-29T01:05:00Z
    ///     offline since 2026-11-29T01:06:00Z: <last error>; serving from the local log
    ///     no contact yet with http://cloud:6443: <last error>; serving from the local log
    ///
    /// followed by how many writes are pending (`; 3 writes pending`, or `; in sync` when
    /// online with none) and conflicted writes kept for the operator, if any.
    public var readinessDetail: String {
        var text: String
        switch state {
        case .online:
            text = "online since \(Self.timestamp(since)), last contact \(Self.timestamp(lastContact))"
        case .offline:
            let error = lastError.isEmpty ? "" : ": \(Self.oneLine(lastError))"
            text = "offline since \(Self.timestamp(since))\(error); serving from the local log"
        case .unknown:
            let error = lastError.isEmpty ? "" : ": \(Self.oneLine(lastError))"
            text = "no contact yet with \(server)\(error); serving from the local log"
        }
        if pendingWrites > 0 {
            text += "; \(pendingWrites) \(pendingWrites == 1 ? "object has" : "objects have") writes pending"
        } else if state == .online {
            text += "; no writes pending"
        }
        if conflictedWrites > 0 { text += "; \(conflictedWrites) conflicted (see ake pending)" }
        return text
    }

    /// RFC 3339 UTC, seconds precision.
    public static func timestamp(_ secondsSinceEpoch: Double) -> String {
        RFC3339.format(seconds: Int64(secondsSinceEpoch.rounded(.down))) ?? "\(secondsSinceEpoch)"
    }

    /// `1h2m3s`-style, whole seconds.
    public static func duration(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\(s % 3600 / 60)m\(s % 60)s"
    }

    /// Errors can carry newlines (NIO descriptions); a health line must not.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 }.prefix(300))
    }
}
