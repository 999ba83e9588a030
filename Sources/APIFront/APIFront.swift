import Auth
import Endpoint
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KubeModel
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Settings of the HTTP front.
public struct APIFrontConfiguration: Sendable {
    /// Address to bind; port 0 picks a free port (reported through `onListening`).
    public var host: String
    public var port: Int
    /// Largest request body accepted; larger bodies get 413 while being read.
    public var maxBodyBytes: Int
    /// Concurrent non-watch requests; more get 429.
    public var maxInflight: Int
    /// Concurrently open watches; more get 429.
    public var maxWatches: Int
    /// `Retry-After` sent with 429.
    public var retryAfterSeconds: Int

    public init(
        host: String = "127.0.0.1", port: Int = 10550, maxBodyBytes: Int = 3 << 20, maxInflight: Int = 400,
        maxWatches: Int = 8192, retryAfterSeconds: Int = 1
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxInflight = maxInflight
        self.maxWatches = maxWatches
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The outcome of one health check.
public enum HealthCheckResult: Sendable, Equatable {
    /// Passing; `detail` (if any) is shown in verbose output as `[+]name ok (detail)`.
    case ok(detail: String?)
    /// Failing: `[-]name failed: reason`, and the endpoint answers 503.
    case failed(String)
}

/// A named health check for `/healthz`, `/livez` and `/readyz` (and, as in
/// kube-apiserver, `/readyz/<name>` for the single check).
public struct HealthCheck: Sendable {
    public var name: String
    /// The endpoints that run this check.
    public var endpoints: Set<HealthEndpoint>
    /// Runs the check.
    public var run: @Sendable () -> HealthCheckResult

    /// A check that fails with a reason: `check` returns nil when healthy, otherwise why not.
    public init(
        name: String, endpoints: Set<HealthEndpoint> = [.healthz, .livez, .readyz],
        check: @escaping @Sendable () -> String?
    ) {
        self.name = name
        self.endpoints = endpoints
        self.run = {
            if let failure = check() { return .failed(failure) }
            return .ok(detail: nil)
        }
    }

    /// A check that reports a detail when it passes (for example the upstream link's state).
    public init(
        name: String, endpoints: Set<HealthEndpoint> = [.healthz, .livez, .readyz],
        result: @escaping @Sendable () -> HealthCheckResult
    ) {
        self.name = name
        self.endpoints = endpoints
        self.run = result
    }

    /// nil when healthy, otherwise why not.
    public var check: @Sendable () -> String? {
        let run = self.run
        return {
            if case .failed(let reason) = run() { return reason }
            return nil
        }
    }
}

/// Log position and size for `/metrics`.
public struct LogGauges: Sendable {
    public var head: UInt64
    public var horizon: UInt64
    /// Size of the database file.
    public var databaseBytes: UInt64
    /// Bytes in live pages (what the disk quota is measured against), if known.
    public var usedBytes: UInt64?
    /// The disk quota (`--max-db-size`), if any.
    public var quotaBytes: UInt64?

    public init(
        head: UInt64, horizon: UInt64, databaseBytes: UInt64, usedBytes: UInt64? = nil, quotaBytes: UInt64? = nil
    ) {
        self.head = head
        self.horizon = horizon
        self.databaseBytes = databaseBytes
        self.usedBytes = usedBytes
        self.quotaBytes = quotaBytes
    }
}

/// The HTTP server: maps Kubernetes REST requests onto ``Endpoint`` and serves
/// discovery, health and metrics. Build it, then run ``application(onListening:)``
/// as a service (it shuts down gracefully with its service group).
public final class APIFront: Sendable {
    let endpoint: Endpoint
    let catalog: ResourceCatalog
    let configuration: APIFrontConfiguration
    let registry: PrometheusCollectorRegistry
    let healthChecks: [HealthCheck]
    let logGauges: @Sendable () -> LogGauges?
    let logger: Logger
    let metrics = APIMetrics()
    let inflight: ConcurrencyLimit
    let watches: ConcurrencyLimit
    let discovery: Discovery
    let discoverySource: DiscoverySource?
    let statusDocument: (@Sendable () -> JSONValue)?
    /// When the front was built (`uptimeSeconds` in `/ake/status`).
    let started = ContinuousClock.now
    let resourceMiss: ResourceMissHandler?
    let security: APISecurity
    /// Per event loop, the watch pumps woken by the hub (Server/WatchPump.swift).
    let watchQueues = WatchLoopQueues()

    /// - Parameters:
    ///   - registry: the Prometheus registry swift-metrics was bootstrapped with; `/metrics` renders it.
    ///   - healthChecks: checks besides `ping` (for example that the log is readable).
    ///   - logGauges: samples the log's head, horizon and size when `/metrics` is scraped.
    ///   - discoverySource: documents served instead of the generated discovery and
    ///     OpenAPI when it has them (edge mode: the upstream's mirrored copies).
    ///   - status: the node's part of `/ake/status` (an object); the front adds its own
    ///     request counters. Without it `/ake/status` is 404.
    ///   - resourceMiss: asked before a 404 for a resource or API group the catalog does
    ///     not know (edge mode: refresh that group's discovery from upstream, rate-limited);
    ///     when it answers true the request is looked up once more.
    ///   - security: authentication and authorization of every request (``APISecurity/open`` by default).
    public init(
        endpoint: Endpoint, catalog: ResourceCatalog, configuration: APIFrontConfiguration,
        registry: PrometheusCollectorRegistry, healthChecks: [HealthCheck] = [],
        logGauges: @escaping @Sendable () -> LogGauges? = { nil }, status: (@Sendable () -> JSONValue)? = nil,
        discoverySource: DiscoverySource? = nil, resourceMiss: ResourceMissHandler? = nil,
        security: APISecurity = .open, logger: Logger
    ) {
        self.statusDocument = status
        self.resourceMiss = resourceMiss
        self.security = security
        self.endpoint = endpoint
        self.catalog = catalog
        self.configuration = configuration
        self.registry = registry
        self.healthChecks = healthChecks
        self.logGauges = logGauges
        self.logger = logger
        self.inflight = ConcurrencyLimit(maximum: configuration.maxInflight)
        self.watches = ConcurrencyLimit(maximum: configuration.maxWatches)
        self.discovery = Discovery(catalog: catalog)
        self.discoverySource = discoverySource
    }

    /// The Hummingbird application serving this front; a `Service` for a `ServiceGroup`.
    /// `onListening` gets the bound host and port (the real one when port 0 was asked for).
    public func application(
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) -> some Service {
        makeApplication(server: .http1(configuration: Self.http1), onListening: onListening)
    }

    /// The same application serving HTTPS (TLS 1.2 or later) with `tls`'s certificate.
    /// Throws when the certificate or key cannot be read.
    public func secureApplication(
        tls: ServingTLS, onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) throws -> some Service {
        makeApplication(
            server: try .tls(.http1(configuration: Self.http1), configuration: tls.channelConfiguration()),
            onListening: onListening)
    }

    /// Every connection carries an ``InputClosedTracker`` for the watches it may serve.
    static var http1: HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(additionalChannelHandlers: [InputClosedTracker()])
    }

    func makeApplication(
        server: HTTPServerBuilder, onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void
    ) -> some Service {
        let logger = self.logger
        let base = logger.handler
        let requestLogger = Logger(label: logger.label) { _ in DeferredMetadataLogHandler(base: base) }
        return Application(
            responder: KubeResponder(front: self),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil,
                reuseAddress: true
            ),
            onServerRunning: { channel in
                let address = channel.localAddress
                let host = address?.ipAddress ?? "?"
                let port = address?.port ?? -1
                logger.info("listening", metadata: ["host": "\(host)", "port": "\(port)"])
                await onListening(host, port)
            },
            logger: requestLogger
        )
    }
}

/// The single responder: Kubernetes paths are parsed by ``KubeRoute`` rather than a
/// trie router, because a resource path's meaning depends on the catalog.
struct KubeResponder: HTTPResponder {
    typealias Context = FrontRequestContext
    let front: APIFront

    /// Where a request is handled.
    enum Placement: Equatable {
        /// On the connection's own task: a GET of one object, a write of one object,
        /// health, version, discovery. A child task per request cost ~8 % more server CPU
        /// per GET (BENCHMARKS.md, "Gets and creates on the request path").
        case inline
        /// In a child task. A task keeps the high-water mark of its async stack until it
        /// ends, and the connection's task lives as long as the connection — for a watch,
        /// hours: routing and the Endpoint's frames (~15 KB) would stay pinned on every
        /// open watch. The child's stack is freed when the response is ready; a watch's
        /// body then streams on the slim connection task. Lists, deletecollection and what
        /// the front answers before routing (OpenAPI) keep the child as before: their
        /// frames are the largest, and a child costs little beside their work.
        case child
    }

    /// Where `route` (nil: not a Kubernetes path, or a path the front answers before
    /// routing, such as OpenAPI) with `method` is handled. A `GET` of a collection is a
    /// list or a watch: both get a child, so a `watch` parameter needs no parsing here.
    static func placement(of route: KubeRoute?, method: HTTPRequest.Method) -> Placement {
        switch route {
        case .resource(let path)?:
            if path.legacyWatch { return .child }
            // A create is one object; a collection GET is a list or a watch; a
            // deletecollection may be thousands of objects.
            if path.name == nil { return method == .post ? .inline : .child }
            return .inline
        case .health?, .healthCheck?, .version?, .metrics?, .coreVersions?, .groupList?, .group?, .resourceList?:
            return .inline
        case nil:
            return .child
        }
    }

    func respond(to request: Request, context: FrontRequestContext) async throws -> Response {
        let channel = context.channel
        let route = KubeRoute(path: request.uri.path)
        switch Self.placement(of: route, method: request.method) {
        case .inline:
            return await front.respond(to: request, channel: channel, route: route)
        case .child:
            async let response = front.respond(to: request, channel: channel, route: route)
            return await response
        }
    }
}

/// Hummingbird's basic context plus the connection, whose TLS client certificate
/// authenticates the request.
struct FrontRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
