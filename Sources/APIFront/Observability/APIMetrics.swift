import Metrics

/// The server's metrics, recorded through swift-metrics (the process bootstraps the
/// Prometheus backend; `/metrics` renders its registry). Names follow kube-apiserver's.
public struct APIMetrics: Sendable {
    public init() {}

    /// One finished request: counted by verb/resource/code, timed by verb/resource.
    public func request(verb: String, resource: String, subresource: String, code: Int, duration: Duration) {
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
    public func log(head: UInt64, horizon: UInt64, databaseBytes: UInt64) {
        Gauge(label: "ake_log_head_resource_version").record(Double(head))
        Gauge(label: "ake_log_horizon_resource_version").record(Double(horizon))
        Gauge(label: "ake_database_size_bytes").record(Double(databaseBytes))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, a) = components
        return s * 1_000_000_000 + a / 1_000_000_000
    }
}
