import APIFront
import Admission
import ArgumentParser
import Endpoint
import EventLog
import KubeModel
import Logging
import Metrics
import Projections
import Prometheus
import ServiceLifecycle
import Sync

// FoundationEssentials is enough here (FileManager) and keeps full Foundation's
// start-up work out of the server process.
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `ake serve`: runs AKE standalone as a Kubernetes API server on a local data directory.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the Kubernetes API over HTTP from the event log in --data-dir.")

    @Option(help: "Address to listen on, host:port (port 0 picks a free port; the chosen one is printed).")
    var listen = "127.0.0.1:10550"

    @Option(help: "Directory holding the LMDB event log (created if missing).")
    var dataDir = "./ake-data"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Keep at most this many events in the log (older ones are compacted).")
    var retentionMaxEvents: Int?

    @Option(help: "Keep events at most this old, e.g. 90m, 24h, 7d (older ones are compacted).")
    var retentionMaxAge: String?

    @Option(help: "How often the compactor applies the retention policy, e.g. 60s.")
    var compactionInterval = "60s"

    @Option(help: "Maximum concurrently open watches; more get 429.")
    var maxWatches = 8192

    @Option(help: "Maximum concurrent non-watch requests; more get 429.")
    var maxInflight = 400

    @Option(help: "Largest accepted request body in bytes; larger bodies get 413.")
    var maxBodyBytes = 3 * 1024 * 1024

    @Option(help: "Longest graceful shutdown before open work is cancelled, e.g. 10s.")
    var shutdownTimeout = "10s"

    @Option(
        help: ArgumentHelp(
            "CIDR (or two, one per IP family, comma-separated) that Service ClusterIPs are allocated from.",
            discussion: "kube-apiserver's flag; standalone only (at an edge the cloud allocates)."))
    var serviceClusterIpRange = ServiceAllocator.defaultServiceClusterIPRange

    @Option(help: "Port range that Service node ports are allocated from, e.g. 30000-32767 (standalone only).")
    var serviceNodePortRange = ServiceAllocator.defaultServiceNodePortRange

    @OptionGroup(title: "Edge mode")
    var edgeFlags: EdgeFlags

    func validate() throws {
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen must be host:port") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        if let age = retentionMaxAge, parseDuration(age) == nil {
            throw ValidationError("--retention-max-age must look like 90s, 30m, 24h or 7d")
        }
        guard parseDuration(compactionInterval) != nil else { throw ValidationError("bad --compaction-interval") }
        guard parseDuration(shutdownTimeout) != nil else { throw ValidationError("bad --shutdown-timeout") }
        guard maxWatches > 0, maxInflight > 0, maxBodyBytes > 0 else {
            throw ValidationError("limits must be positive")
        }
        _ = try serviceAllocator()
    }

    /// The allocator for `--service-cluster-ip-range` and `--service-node-port-range`.
    func serviceAllocator() throws -> ServiceAllocator {
        do {
            return try ServiceAllocator(
                serviceClusterIPRange: serviceClusterIpRange, serviceNodePortRange: serviceNodePortRange)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "ake")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        guard let address = ListenAddress(listen) else { throw ValidationError("--listen must be host:port") }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let catalog = ResourceCatalog.builtIn()
        let store = try ObjectStore(directory: dataDir, catalog: catalog, logger: logger)
        defer { store.close() }
        // Edge mode (--upstream): objects come from upstream; nothing is bootstrapped locally.
        let edge = try edgeFlags.makeEdge(store: store, catalog: catalog, logger: logger)
        let endpoint = Endpoint(
            store: store, catalog: catalog, logger: logger, edge: edge, serviceAllocator: try serviceAllocator())
        if let edge {
            try await edge.start()
        } else {
            try await endpoint.bootstrap()
        }
        do {
            try await serve(
                store: store, catalog: catalog, endpoint: endpoint, edge: edge, address: address, registry: registry,
                logger: logger)
        } catch {
            // The sync loops write to the store: they stop before it closes (the defer above).
            await edge?.stop()
            throw error
        }
    }

    func serve(
        store: ObjectStore, catalog: ResourceCatalog, endpoint: Endpoint, edge: EdgeSync?, address: ListenAddress,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        var healthChecks = [
            HealthCheck(name: "log") {
                do {
                    _ = try store.log.statistics()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        ]
        if let edge {
            // An offline edge is still ready (it serves from its log); the line says how the link is.
            healthChecks.append(
                HealthCheck(name: "upstream-link", endpoints: [.readyz]) { .ok(detail: edge.status.readinessDetail) })
        }
        let discoverySource: DiscoverySource? = edge.map { edge in
            let mirror = edge.discovery
            return { path, variant in
                var version: String?
                if case .aggregated(let v) = variant { version = v }
                return mirror.document(path: path, aggregatedVersion: version).map {
                    DiscoveryDocument(body: $0.body, contentType: $0.contentType)
                }
            }
        }
        var resourceMiss: ResourceMissHandler?
        if let edge {
            resourceMiss = { group, version, resource in
                await edge.refreshAfterMiss(group: group, version: version, resource: resource)
            }
        }
        let front = APIFront(
            endpoint: endpoint, catalog: catalog,
            configuration: APIFrontConfiguration(
                host: address.host, port: address.port, maxBodyBytes: maxBodyBytes, maxInflight: maxInflight,
                maxWatches: maxWatches),
            registry: registry,
            healthChecks: healthChecks,
            logGauges: {
                guard let s = try? store.log.statistics() else { return nil }
                return LogGauges(head: store.log.head, horizon: store.log.horizon, databaseBytes: UInt64(s.fileSize))
            },
            discoverySource: discoverySource,
            resourceMiss: resourceMiss,
            logger: logger)
        let application = front.application { host, port in
            // Tests and scripts parse this line to find the port.
            print("ake listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            fflush(nil)  // all C streams, i.e. stdout, without touching the global
        }
        let compactor = Compactor(
            log: store.log,
            policy: RetentionPolicy(maxAge: retentionMaxAge.flatMap(parseDuration), maxEvents: retentionMaxEvents),
            interval: parseDuration(compactionInterval) ?? .seconds(60), logger: logger)

        // Graceful shutdown runs in reverse order: the front stops taking requests, then
        // the compactor, then edge sync — all before `run` returns and the store closes,
        // so the reflectors' last progress is persisted.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let edge { services.append(.init(service: EdgeSyncService(edge: edge))) }
        services += [.init(service: compactor), .init(service: application)]
        var config = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        config.maximumGracefulShutdownDuration = parseDuration(shutdownTimeout) ?? .seconds(10)
        config.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: config)
        logger.info("starting", metadata: ["dataDir": "\(dataDir)", "head": "\(store.log.head)"])
        try await group.run()
        logger.info("stopped")
    }
}

/// Edge sync as a service of the group: it was started before the server (so the edge
/// answers from disk at once); it stops on graceful shutdown, before the store closes.
struct EdgeSyncService: Service {
    let edge: EdgeSync

    func run() async throws {
        try? await gracefulShutdown()
        await edge.stop()
    }
}

/// `host:port`, with IPv6 hosts in brackets.
struct ListenAddress {
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}

/// Parses `90s`, `30m`, `24h`, `7d` (or plain seconds).
func parseDuration(_ text: String) -> Duration? {
    var digits = Substring(text)
    var multiplier: Int64 = 1
    if let unit = text.last, unit.isLetter {
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86400
        default: return nil
        }
        digits = digits.dropLast()
    }
    guard let n = Int64(digits), n >= 0, n < Int64.max / 86400 else { return nil }
    return .seconds(n * multiplier)
}

/// Applies the retention policy to the log periodically; stops on shutdown.
struct Compactor: Service {
    let log: EventLog
    let policy: RetentionPolicy
    let interval: Duration
    let logger: Logger

    func run() async throws {
        guard policy.maxEvents != nil || policy.maxAge != nil else {
            // Nothing to do, but stay up so the group's lifetime is the server's.
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully {
            do {
                let report = try await log.compact(retention: policy)
                logger.debug("compacted", metadata: ["report": "\(report)"])
            } catch {
                logger.warning("compaction failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
