import APIFront
import Admission
import ArgumentParser
import Auth
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

/// The flags of `ake serve` (and `ake config print`). None has a default here: a flag given
/// overrides the config file, which overrides the built-in default (`ServeConfiguration.specs`).
struct ServeOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Read settings from this YAML file: keys are the flag names, e.g. `max-db-size: 2Gi`; flags override it.",
            valueName: "path"))
    var config: String?

    @Option(
        help:
            "Address to listen on, host:port (port 0 picks a free port; the chosen one is printed). Default: 127.0.0.1:10550."
    )
    var listen: String?

    @Option(help: "Directory holding the LMDB event log (created if missing). Default: ./ake-data.")
    var dataDir: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default: info.")
    var logLevel: String?

    @Option(
        help:
            "Log format: text (human-readable lines) or json (one JSON object per line, for journald/fluent-bit). Default: text."
    )
    var logFormat: String?

    @Option(
        help: "Keep at most this many events in the log; older ones are compacted (0 = no limit). Default: 1000000.")
    var retentionMaxEvents: String?

    @Option(
        help: "Keep events at most this old, e.g. 90m, 24h, 7d; older ones are compacted (0 = no limit). Default: 24h.")
    var retentionMaxAge: String?

    @Option(help: "How often the compactor applies the retention policy, e.g. 60s. Default: 60s.")
    var compactionInterval: String?

    @Option(
        help: ArgumentHelp(
            "Disk quota for the database, e.g. 512Mi, 2Gi (0 = none). Default: auto.",
            discussion:
                "auto: a quarter of the free space plus the database's size at start, between 64Mi and 8Gi. Near it AKE compacts harder; at it writes get 507."
        ))
    var maxDbSize: String?

    @Option(help: "Maximum concurrently open watches; more get 429. Default: 8192.")
    var maxWatches: String?

    @Option(help: "Maximum concurrent non-watch requests; more get 429. Default: 400.")
    var maxInflight: String?

    @Option(help: "Largest accepted request body in bytes; larger bodies get 413. Default: 3145728.")
    var maxBodyBytes: String?

    @Option(help: "Longest graceful shutdown before open work is cancelled, e.g. 10s. Default: 10s.")
    var shutdownTimeout: String?

    @Option(
        help: ArgumentHelp(
            "CIDR (or two, one per IP family, comma-separated) that Service ClusterIPs are allocated from. Default: \(ServiceAllocator.defaultServiceClusterIPRange).",
            discussion: "kube-apiserver's flag; standalone only (at an edge the cloud allocates)."))
    var serviceClusterIpRange: String?

    @Option(
        help:
            "Port range that Service node ports are allocated from, e.g. 30000-32767 (standalone only). Default: \(ServiceAllocator.defaultServiceNodePortRange)."
    )
    var serviceNodePortRange: String?

    @OptionGroup(title: "Edge mode")
    var edgeFlags: EdgeFlags

    @OptionGroup(title: "Security (kube-apiserver's flags)")
    var securityFlags: SecurityFlags

    /// The flags given on the command line, by config key.
    var given: [String: SettingValue] {
        var flags = edgeFlags.given.merging(securityFlags.given) { edge, _ in edge }
        let scalars: [(String, String?)] = [
            ("listen", listen), ("data-dir", dataDir), ("log-level", logLevel), ("log-format", logFormat),
            ("retention-max-events", retentionMaxEvents), ("retention-max-age", retentionMaxAge),
            ("compaction-interval", compactionInterval), ("max-db-size", maxDbSize), ("max-watches", maxWatches),
            ("max-inflight", maxInflight), ("max-body-bytes", maxBodyBytes), ("shutdown-timeout", shutdownTimeout),
            ("service-cluster-ip-range", serviceClusterIpRange), ("service-node-port-range", serviceNodePortRange),
        ]
        for (key, value) in scalars { flags[key] = value.map(SettingValue.scalar) }
        return flags
    }

    /// Defaults < `--config` file < flags, with every value checked.
    func resolve() throws -> ServeSettings {
        do {
            return try ServeSettings(ServeConfiguration(flags: given, configPath: config))
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
    }
}

/// The typed settings `ake serve` runs with, checked once.
struct ServeSettings {
    let config: ServeConfiguration
    let listen: ListenAddress
    let dataDir: String
    let logLevel: Logger.Level
    let jsonLogs: Bool
    let retention: RetentionPolicy
    let compactionInterval: Duration
    let maxWatches: Int
    let maxInflight: Int
    let maxBodyBytes: Int
    let shutdownTimeout: Duration
    let serviceAllocator: ServiceAllocator
    let security: SecuritySettings

    init(_ config: ServeConfiguration) throws {
        self.config = config
        guard let listen = config.string("listen").flatMap(ListenAddress.init) else {
            throw ConfigError(description: "\(config.origin("listen")) must be host:port")
        }
        self.listen = listen
        dataDir = config.string("data-dir") ?? "./ake-data"
        let levelText = config.string("log-level") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigError(description: "\(config.origin("log-level")): unknown log level \(levelText)")
        }
        logLevel = level
        switch config.string("log-format") ?? "text" {
        case "text": jsonLogs = false
        case "json": jsonLogs = true
        case let other:
            throw ConfigError(description: "\(config.origin("log-format")): \"\(other)\" is not text or json")
        }
        retention = RetentionPolicy(maxAge: try config.retentionMaxAge(), maxEvents: try config.retentionMaxEvents())
        compactionInterval = try config.duration("compaction-interval") ?? .seconds(60)
        guard compactionInterval > .zero else {
            throw ConfigError(description: "\(config.origin("compaction-interval")) must be positive")
        }
        maxWatches = try config.int("max-watches", positive: true) ?? 8192
        maxInflight = try config.int("max-inflight", positive: true) ?? 400
        maxBodyBytes = try config.int("max-body-bytes", positive: true) ?? 3 << 20
        shutdownTimeout = try config.duration("shutdown-timeout") ?? .seconds(10)
        _ = try config.quotaBytes(dataDir: "/")  // the syntax; `auto` is computed at start
        _ = try config.duration("scope-expiry")
        _ = try config.duration("first-sync-timeout")
        _ = try config.duration("probe-interval")
        _ = try config.duration("quiet-probe-interval")
        _ = try config.duration("discovery-interval")
        do {
            serviceAllocator = try ServiceAllocator(
                serviceClusterIPRange: config.string("service-cluster-ip-range")
                    ?? ServiceAllocator.defaultServiceClusterIPRange,
                serviceNodePortRange: config.string("service-node-port-range")
                    ?? ServiceAllocator.defaultServiceNodePortRange)
        } catch {
            throw ConfigError(description: error.description)
        }
        security = try SecuritySettings(config)
    }
}

/// `ake serve`: runs AKE standalone as a Kubernetes API server on a local data directory.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the Kubernetes API over HTTP(S) from the event log in --data-dir.",
        discussion: """
            Every flag can also be given in a YAML file (--config): the keys are the flag names \
            without --, e.g. `max-db-size: 2Gi`; a flag on the command line overrides the file. \
            `ake config print` shows the effective settings and where each comes from.
            """)

    @OptionGroup var options: ServeOptions

    func validate() throws {
        let settings = try options.resolve()
        try settings.security.checkListener(
            host: settings.listen.host, edge: settings.config.string("upstream") != nil)
    }

    func run() async throws {
        let settings = try options.resolve()
        LoggingSystem.bootstrap { label in
            if settings.jsonLogs {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = settings.logLevel
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "ake")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let dataDir = settings.dataDir
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        // One server per data dir; `ake compact-db` takes the same lock.
        let lock = try DataDirLock(dataDir: dataDir)
        defer { lock.release() }
        let quota = try settings.config.quotaBytes(dataDir: dataDir)
        let catalog = ResourceCatalog.builtIn()
        let store = try ObjectStore(
            directory: dataDir, catalog: catalog, options: EventLog.Options(quotaBytes: quota), logger: logger)
        defer { store.close() }
        logger.info(
            "disk quota",
            metadata: [
                "maxDbSize": "\(quota.map(formatBytes) ?? "none")",
                "used": "\(formatBytes(store.log.storageUsage.usedBytes))",
            ])
        // Edge mode (--upstream): objects come from upstream; nothing is bootstrapped locally.
        let edge = try EdgeFlags.makeEdge(config: settings.config, store: store, catalog: catalog, logger: logger)
        let endpoint = Endpoint(
            store: store, catalog: catalog, logger: logger, edge: edge, serviceAllocator: settings.serviceAllocator)
        if let edge {
            try await edge.start()
        } else if !store.log.storageUsage.isExceeded {
            try await endpoint.bootstrap()
            if settings.security.usesRBAC { await bootstrapRBAC(endpoint: endpoint, logger: logger) }
        } else {
            // At the quota the bootstrap namespaces may not be writable; they exist unless the
            // database is new, and serving reads matters more.
            logger.error("database at its disk quota: starting read-mostly (writes get 507)")
            try? await endpoint.bootstrap()
        }
        do {
            try await serve(
                settings: settings, store: store, catalog: catalog, endpoint: endpoint, edge: edge,
                registry: registry, logger: logger)
        } catch {
            // The sync loops write to the store: they stop before it closes (the defer above).
            await edge?.stop()
            throw error
        }
    }

    func serve(
        settings: ServeSettings, store: ObjectStore, catalog: ResourceCatalog, endpoint: Endpoint, edge: EdgeSync?,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        let address = settings.listen
        let status = NodeStatusSource(
            store: store, edge: edge, dataDir: settings.dataDir, retention: settings.retention, started: Date())
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
            // What the edge costs the cloud: bytes/s over the last minute and totals since start.
            healthChecks.append(
                HealthCheck(name: "upstream-traffic", endpoints: [.readyz]) { .ok(detail: edge.status.trafficDetail) })
        }
        let discoverySource: DiscoverySource? = edge.map { $0.discoverySource() }
        var resourceMiss: ResourceMissHandler?
        if let edge {
            resourceMiss = { group, version, resource in
                await edge.refreshAfterMiss(group: group, version: version, resource: resource)
            }
        }
        let front = APIFront(
            endpoint: endpoint, catalog: catalog,
            configuration: APIFrontConfiguration(
                host: address.host, port: address.port, maxBodyBytes: settings.maxBodyBytes,
                maxInflight: settings.maxInflight, maxWatches: settings.maxWatches),
            registry: registry,
            healthChecks: healthChecks,
            logGauges: {
                let usage = store.log.storageUsage
                return LogGauges(
                    head: store.log.head, horizon: store.log.horizon, databaseBytes: UInt64(usage.fileBytes),
                    usedBytes: UInt64(usage.usedBytes), quotaBytes: usage.quotaBytes.map(UInt64.init))
            },
            status: { status.document() },
            discoverySource: discoverySource,
            resourceMiss: resourceMiss,
            security: try await settings.security.security(store: store, edge: edge),
            logger: logger)
        let scheme = settings.security.servingTLS == nil ? "http" : "https"
        let onListening: @Sendable (String, Int) async -> Void = { host, port in
            let url = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            status.listening(on: url)
            // Tests and scripts parse this line to find the port.
            print("ake listening on \(url)")
            fflush(nil)  // all C streams, i.e. stdout, without touching the global
            SystemdNotify.ready(status: "serving on \(url)")
        }
        let application: any Service
        if let tls = settings.security.servingTLS {
            do {
                application = try front.secureApplication(tls: tls, onListening: onListening)
            } catch {
                throw ValidationError("cannot serve TLS: \(error)")
            }
        } else {
            application = front.application(onListening: onListening)
        }
        let compactor = Compactor(
            log: store.log, policy: settings.retention, interval: settings.compactionInterval, logger: logger)

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
        config.maximumGracefulShutdownDuration = settings.shutdownTimeout
        config.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: config)
        logger.info("starting", metadata: ["dataDir": "\(settings.dataDir)", "head": "\(store.log.head)"])
        try await group.run()
        SystemdNotify.stopping()
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

/// Applies the retention policy to the log periodically, and near the disk quota compacts
/// harder (checked every second, so a burst of writes is answered quickly); stops on shutdown.
struct Compactor: Service {
    let log: EventLog
    let policy: RetentionPolicy
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let clock = ContinuousClock()
        var nextRetention = clock.now
        var wasExceeded = false
        while !Task.isShuttingDownGracefully {
            if policy.maxEvents != nil || policy.maxAge != nil, clock.now >= nextRetention {
                nextRetention = clock.now + interval
                do {
                    let report = try await log.compact(retention: policy)
                    logger.debug("compacted", metadata: ["report": "\(report)"])
                } catch {
                    logger.warning("compaction failed", metadata: ["error": "\(error)"])
                }
            }
            let usage = log.storageUsage
            if usage.quotaBytes != nil {
                if usage.isExceeded != wasExceeded {
                    wasExceeded = usage.isExceeded
                    if wasExceeded {
                        logger.error(
                            "database at its disk quota: writes are refused with 507 until compaction frees space",
                            metadata: ["usedBytes": "\(usage.usedBytes)", "quotaBytes": "\(usage.quotaBytes ?? 0)"])
                    } else {
                        logger.notice("database below its disk quota again: writes are accepted")
                    }
                }
                if usage.fraction >= EventLog.quotaPressureThreshold {
                    do {
                        _ = try await log.compactUnderPressure()
                    } catch {
                        logger.warning("compaction under quota pressure failed", metadata: ["error": "\(error)"])
                    }
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            } catch {
                return
            }
        }
    }
}
