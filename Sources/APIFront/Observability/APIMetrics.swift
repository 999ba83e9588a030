import Metrics
import Synchronization

/// The server's metrics, recorded through swift-metrics (the process bootstraps the
/// Prometheus backend; `/metrics` renders its registry). Names follow kube-apiserver's.
public struct APIMetrics: Sendable {
    /// Requests per second over the last minute, for `/ake/status`.
    public let rate = RequestRate()

    public init() {}

    /// One finished request: counted by verb/resource/code, timed by verb/resource.
    public func request(verb: String, resource: String, subresource: String, code: Int, duration: Duration) {
        rate.record()
        Counter(
            label: "apiserver_request_total",
            dimensions: [("verb", verb), ("resource", resource), ("subresource", subresource), ("code", String(code))]
        ).increment()
        Metrics.Timer(
            label: "apiserver_request_duration_seconds",
            dimensions: [("verb", verb), ("resource", resource), ("subresource", subresource)]
        ).recordNanoseconds(duration.nanoseconds)
    }

    /// Requests rejected by a concurrency limit.
    public func rejected(kind: String) {
        Counter(label: "apiserver_dropped_requests_total", dimensions: [("request_kind", kind)]).increment()
    }

    /// Open watch streams.
    public func openWatches(_ n: Int) {
        Gauge(label: "ake_watches_open").record(n)
    }

    /// In-flight (non-watch) requests.
    public func inflight(_ n: Int) {
        Gauge(label: "apiserver_current_inflight_requests").record(n)
    }

    /// Log position and size, sampled when `/metrics` is scraped.
    public func log(_ gauges: LogGauges) {
        Gauge(label: "ake_log_head_resource_version").record(Double(gauges.head))
        Gauge(label: "ake_log_horizon_resource_version").record(Double(gauges.horizon))
        Gauge(label: "ake_database_size_bytes").record(Double(gauges.databaseBytes))
        if let used = gauges.usedBytes { Gauge(label: "ake_database_used_bytes").record(Double(used)) }
        if let quota = gauges.quotaBytes { Gauge(label: "ake_database_quota_bytes").record(Double(quota)) }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, a) = components
        return s * 1_000_000_000 + a / 1_000_000_000
    }
}

/// Counts requests in one-second buckets over the last minute: `perSecond` is their mean.
public final class RequestRate: Sendable {
    private struct Buckets {
        var counts = [Int](repeating: 0, count: 60)
        var seconds = [Int64](repeating: -1, count: 60)
        var total = 0
    }

    private let buckets = Mutex(Buckets())
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    public init() { origin = clock.now }

    private func second() -> Int64 { (clock.now - origin).components.seconds }

    /// Counts one request now.
    public func record() {
        let now = second()
        buckets.withLock { b in
            let i = Int(now % 60)
            if b.seconds[i] != now {
                b.seconds[i] = now
                b.counts[i] = 0
            }
            b.counts[i] += 1
            b.total += 1
        }
    }

    /// Requests finished since start.
    public var total: Int { buckets.withLock { $0.total } }

    /// Mean requests per second over the last 60 s (or since start, if shorter).
    public var perSecond: Double {
        let now = second()
        return buckets.withLock { b in
            var sum = 0
            for i in 0..<60 where b.seconds[i] > now - 60 && b.seconds[i] >= 0 { sum += b.counts[i] }
            let window = Double(min(60, now + 1))
            return Double(sum) / max(1, window)
        }
    }
}
