/// Recent samples of the link's cumulative traffic, so that the edge can say how many
/// bytes per second it costs the cloud *now* (the last minute), not only since start.
///
/// Samples are taken whenever the status is read and on every probe-loop turn (at least
/// every `quietProbeInterval`), at most one per `spacing`. The rate over a window is the
/// difference between the current totals and the newest sample at least `window` old
/// (or the oldest sample, while the edge is younger than the window), divided by the time
/// between them. A pure value type: the caller supplies the clock.
public struct TrafficHistory: Sendable {
    /// One sample of the cumulative counters.
    public struct Sample: Sendable, Equatable {
        public var time: Double
        public var traffic: UpstreamTraffic
    }

    /// The averaging window (seconds).
    public let window: Double
    /// The minimum time between two kept samples (seconds).
    public let spacing: Double
    private(set) var samples: [Sample] = []

    public init(window: Double = 60, spacing: Double = 1) {
        self.window = max(window, 1)
        self.spacing = max(spacing, 0)
    }

    /// Records the totals at `now` (ignored if the last sample is younger than `spacing`)
    /// and forgets samples no window needs any more.
    public mutating func record(_ traffic: UpstreamTraffic, at now: Double) {
        if let last = samples.last, now - last.time < spacing { return }
        samples.append(Sample(time: now, traffic: traffic))
        // Keep the newest sample that is at least `window` old as the base; drop older ones.
        if let baseIndex = samples.lastIndex(where: { now - $0.time >= window }), baseIndex > 0 {
            samples.removeFirst(baseIndex)
        }
    }

    /// Bytes and requests per second between the window's base sample and `current` at
    /// `now`, with the seconds actually covered; nil while the samples span less than a
    /// second (a rate over a few milliseconds of a starting edge says nothing).
    public func rate(current: UpstreamTraffic, at now: Double) -> TrafficRate? {
        let base = samples.last(where: { now - $0.time >= window }) ?? samples.first
        guard let base, now - base.time >= 1 else { return nil }
        let seconds = now - base.time
        return TrafficRate(
            seconds: seconds,
            receivedPerSecond: Double(max(0, current.bytesReceived - base.traffic.bytesReceived)) / seconds,
            sentPerSecond: Double(max(0, current.bytesSent - base.traffic.bytesSent)) / seconds,
            requestsPerSecond: Double(max(0, current.requests - base.traffic.requests)) / seconds)
    }
}

/// The link's recent traffic rate (see ``TrafficHistory``).
public struct TrafficRate: Sendable, Equatable {
    /// The seconds the rate is averaged over (the window, or less while the edge is young).
    public var seconds: Double
    public var receivedPerSecond: Double
    public var sentPerSecond: Double
    public var requestsPerSecond: Double
}

extension UpstreamTraffic {
    /// `1.2 KB`, `532 B`, `3.4 MB`: decimal units, as byte counts are usually read.
    public static func formatBytes(_ value: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = max(0, value)
        var unit = 0
        while v >= 1000, unit < units.count - 1 {
            v /= 1000
            unit += 1
        }
        if unit == 0 { return "\(Int(v.rounded())) B" }
        let rounded = (v * 10).rounded() / 10
        return rounded < 100 ? "\(rounded) \(units[unit])" : "\(Int(v.rounded())) \(units[unit])"
    }
}

extension LinkStatus {
    /// The `/readyz` detail of the `upstream-traffic` check — what the edge costs the cloud:
    ///
    ///     received 31 B/s, sent 12 B/s, 0.1 requests/s over the last 60 s; since start 1.2 MB received, 48.3 KB sent in 212 requests
    ///
    /// Bytes are those on the wire (compressed bodies as sent, plus a per-message header
    /// estimate), the same figures as `ake_upstream_*_bytes_total`.
    public var trafficDetail: String {
        let total =
            "since start \(UpstreamTraffic.formatBytes(Double(traffic.bytesReceived))) received, "
            + "\(UpstreamTraffic.formatBytes(Double(traffic.bytesSent))) sent in \(traffic.requests) "
            + (traffic.requests == 1 ? "request" : "requests")
        guard let rate = trafficRate else { return total }
        let requests = (rate.requestsPerSecond * 100).rounded() / 100
        return
            "received \(UpstreamTraffic.formatBytes(rate.receivedPerSecond))/s, "
            + "sent \(UpstreamTraffic.formatBytes(rate.sentPerSecond))/s, \(requests) requests/s "
            + "over the last \(Int(rate.seconds.rounded())) s; \(total)"
    }
}
