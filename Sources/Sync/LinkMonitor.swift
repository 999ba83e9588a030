/// The upstream link as the edge sees it, as a plain state machine (no I/O, no clock):
/// `LinkHealth` fed by the `/version` probe and by every upstream answer, plus the
/// liveness of each scope's open watch. Its methods say what the driver must do when
/// the link flips or a watch goes quiet; `EdgeSync` performs that (logs, metrics,
/// cancelling watches, waking waiters).
struct LinkMonitor: Sendable {
    /// What the driver must do after an observation.
    enum Action: Sendable, Equatable {
        /// Nothing changed.
        case none
        /// The link came up. `offline` describes the outage it ends (nil when the link
        /// was never down before, only unknown): log it and wake waiting requests.
        case announceOnline(offline: Outage?)
        /// The link went down: stop every open watch (on a blackholed connection a watch
        /// may never notice), mark synced scopes stale and wake waiting requests.
        case stopWatches(reason: String, lastContact: Double)
    }

    /// An outage that just ended.
    struct Outage: Sendable, Equatable {
        /// Seconds since the epoch the link went offline.
        var since: Double
        /// How long it was offline, in seconds.
        var duration: Double
        /// The last error seen while offline.
        var lastError: String
    }

    /// Whether the link is up, and since when.
    private(set) var health = LinkHealth()
    /// Per scope: seconds since the epoch of the last byte of its open watch.
    private(set) var watchActivity: [UInt32: Double] = [:]
    /// A watch that delivered nothing (not even a bookmark) for this many seconds is on a dead connection.
    let watchIdleSeconds: Double

    init(watchIdleSeconds: Double) {
        self.watchIdleSeconds = watchIdleSeconds
    }

    var isOnline: Bool { health.isOnline }

    /// Something upstream answered at `now` (a probe, a list page, a watch, a write;
    /// a Status error counts, since the server answered).
    mutating func contactSucceeded(now: Double) -> Action {
        let before = health
        guard health.succeeded(now: now) == .wentOnline else { return .none }
        guard before.state == .offline else { return .announceOnline(offline: nil) }
        return .announceOnline(
            offline: Outage(since: before.since, duration: now - before.since, lastError: before.lastError))
    }

    /// Talking upstream failed at `now` (connection refused, timeout, reset).
    mutating func contactFailed(now: Double, error: String) -> Action {
        guard case .wentOffline(let reason) = health.failed(now: now, error: error) else { return .none }
        return .stopWatches(reason: reason, lastContact: health.lastContact)
    }

    /// The `/version` probe got an HTTP answer: a 5xx means the server cannot serve
    /// (an overloaded or restarting apiserver, a proxy with no backend).
    mutating func probeAnswered(code: Int, now: Double) -> Action {
        code >= 500 ? contactFailed(now: now, error: "/version answered \(code)") : contactSucceeded(now: now)
    }

    /// Scope `id`'s watch delivered something at `now` (or just opened).
    mutating func watchActive(_ id: UInt32, now: Double) {
        watchActivity[id] = now
    }

    /// Scope `id`'s watch ended.
    mutating func watchClosed(_ id: UInt32) {
        watchActivity[id] = nil
    }

    /// Whether some open watch delivered something (an event or a bookmark) within the
    /// idle timeout: that proves the link, so the probe can be rare.
    func hasLiveWatch(now: Double) -> Bool {
        watchActivity.values.contains { now - $0 <= watchIdleSeconds }
    }

    /// Whether the `/version` probe is due at `now`: always while no open watch proves the
    /// link or the link is not online; otherwise only once nothing at all came from
    /// upstream (a watch byte, any answer) for `quietSeconds` — a busy link needs no probe,
    /// and a silent cut is still noticed about `quietSeconds` after the last byte.
    func probeDue(now: Double, quietSeconds: Double) -> Bool {
        !hasLiveWatch(now: now) || !isOnline || now - health.lastContact >= quietSeconds
    }

    /// Seconds from `now` until the probe may be due again while open watches prove the
    /// link: when the link will have been quiet for `quietSeconds`, at least `minimum`,
    /// at most `quietSeconds`.
    func secondsUntilQuietProbe(now: Double, quietSeconds: Double, minimum: Double) -> Double {
        min(quietSeconds, max(minimum, health.lastContact + quietSeconds - now))
    }

    /// Scopes whose open watch has been silent for longer than the idle timeout at `now`.
    func idleWatches(now: Double) -> [UInt32] {
        watchActivity.filter { now - $0.value > watchIdleSeconds }.keys.sorted()
    }
}
