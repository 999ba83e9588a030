import APIFront
import ArgumentParser
import Endpoint
import KubeModel
import Logging
import Projections
import Sync

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The edge-mode flags of `ake serve` (`--upstream`, `--sync`, ...). Each is also a config
/// file key; the values used are the resolved ones (`ServeConfiguration`).
struct EdgeFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Run as an edge: sync from this Kubernetes API server (a kubeconfig path or an http(s):// URL).",
            valueName: "kubeconfig|url"))
    var upstream: String?

    @Option(help: "Kubeconfig context for --upstream (default: its current-context).")
    var upstreamContext: String?

    @Option(
        name: .customLong("sync"),
        help: ArgumentHelp(
            "Preload a sync scope: RESOURCE[/NAMESPACE][@LABEL_SELECTOR][:FIELD_SELECTOR], e.g. pods:spec.nodeName=node1, configmaps/kube-system. Repeatable.",
            valueName: "scope"))
    var syncScopes: [String] = []

    @Option(
        help: ArgumentHelp(
            "Preload the sync scopes listed in this file: one --sync value per line; blank lines and lines starting with # are ignored.",
            valueName: "path"))
    var syncFile: String?

    @Option(help: "Drop on-demand sync scopes unused for this long, e.g. 1h (0 = never). Default: 1h.")
    var scopeExpiry: String?

    @Option(help: "How long a request for data not yet synced waits for the first sync, e.g. 20s. Default: 20s.")
    var firstSyncTimeout: String?

    @Option(help: "How often the upstream link is probed while no upstream watch proves it, e.g. 1s. Default: 1s.")
    var probeInterval: String?

    @Option(
        help:
            "While an open upstream watch delivers events or bookmarks, the link is probed only after this long without any byte from upstream, e.g. 15s (a silent cut is then noticed within about this long). Default: 15s."
    )
    var quietProbeInterval: String?

    @Option(
        help:
            "How often discovery and OpenAPI are re-read from upstream in full, e.g. 5m (the safety net: a CRD change upstream or a request for an unknown resource refreshes its group at once). Default: 5m."
    )
    var discoveryInterval: String?

    @Option(
        name: .customLong("write-policy"),
        help: ArgumentHelp(
            "Which writes an offline edge accepts: RESOURCE[/SUBRESOURCE][@NAMESPACE][:VERBS]=forward|pending, e.g. configmaps@edge-apps=pending, pods:delete=forward. Repeatable; the first matching rule wins, before the defaults.",
            discussion: """
                pending: accepted while offline (or when the cloud does not answer within --write-timeout), \
                defaulted and validated locally, visible at once, and reconciled with the cloud on reconnect. \
                forward: sent to the cloud; while offline answered locally only when the edge can decide \
                (409, 422, an unknown namespace), else 503 with Retry-After. RESOURCE is plural[.group], * (every \
                resource) or *custom* (every custom resource); VERBS is a comma-separated list of create, update, \
                patch, delete. deletecollection is always forwarded. Defaults: \
                \(WritePolicy.defaultRules.map(\.description).joined(separator: ", ")); everything else forward.
                """,
            valueName: "rule"))
    var writePolicy: [String] = []

    @Option(
        help: ArgumentHelp(
            "Write-policy rules from this file, after the --write-policy ones: one rule per line; blank lines and lines starting with # are ignored.",
            valueName: "path"))
    var writePolicyFile: String?

    @Option(
        help:
            "How long a forwarded write waits for the cloud, e.g. 5s; then a pending-policy write is kept pending and a forward-policy write answers 503. Default: 5s."
    )
    var writeTimeout: String?

    @Option(
        help: ArgumentHelp(
            "What lists and watches ask the cloud for: protobuf (for the built-in kinds; custom resources stay JSON) or json. Default: protobuf.",
            valueName: "protobuf|json"))
    var upstreamContentType: String?

    /// The flags given on the command line, by config key.
    var given: [String: SettingValue] {
        var flags: [String: SettingValue] = [:]
        flags["upstream"] = upstream.map(SettingValue.scalar)
        flags["upstream-context"] = upstreamContext.map(SettingValue.scalar)
        if !syncScopes.isEmpty { flags["sync"] = .list(syncScopes) }
        flags["sync-file"] = syncFile.map(SettingValue.scalar)
        flags["scope-expiry"] = scopeExpiry.map(SettingValue.scalar)
        flags["first-sync-timeout"] = firstSyncTimeout.map(SettingValue.scalar)
        flags["probe-interval"] = probeInterval.map(SettingValue.scalar)
        flags["quiet-probe-interval"] = quietProbeInterval.map(SettingValue.scalar)
        flags["discovery-interval"] = discoveryInterval.map(SettingValue.scalar)
        if !writePolicy.isEmpty { flags["write-policy"] = .list(writePolicy) }
        flags["write-policy-file"] = writePolicyFile.map(SettingValue.scalar)
        flags["write-timeout"] = writeTimeout.map(SettingValue.scalar)
        flags["upstream-content-type"] = upstreamContentType.map(SettingValue.scalar)
        return flags
    }

    /// The write policy of `write-policy` (flags or config file), then `write-policy-file`.
    static func writePolicy(_ config: ServeConfiguration) throws -> WritePolicy {
        var rules: [WritePolicyRule] = []
        for text in config.list("write-policy") {
            do { rules.append(try WritePolicyRule.parse(text)) } catch {
                throw ValidationError("\(config.origin("write-policy")) \(error)")
            }
        }
        if let path = config.string("write-policy-file") {
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(validating: data, as: UTF8.self)
            else { throw ValidationError("--write-policy-file \(path): cannot read the file as UTF-8 text") }
            do { rules += try WritePolicy.parseFile(text) } catch {
                throw ValidationError("--write-policy-file \(path): \(error)")
            }
        }
        return WritePolicy(rules: rules)
    }

    /// Builds the edge sync (not started) when `upstream` is configured.
    static func makeEdge(
        config: ServeConfiguration, store: ObjectStore, catalog: ResourceCatalog, logger: Logger
    ) throws -> EdgeSync? {
        guard let upstream = config.string("upstream") else { return nil }
        let kubeconfig: KubeModel.Kubeconfig
        do {
            kubeconfig = try KubeModel.Kubeconfig.load(urlOrPath: upstream, context: config.string("upstream-context"))
        } catch {
            throw ValidationError("\(config.origin("upstream")): \(error)")
        }
        var preload: [ScopeSelector] = []
        for text in config.list("sync") {
            do { preload.append(try ScopeSelector.parse(text, catalog: catalog)) } catch {
                throw ValidationError("\(config.origin("sync")) \(text): \(error)")
            }
        }
        if let syncFile = config.string("sync-file") {
            for (number, text) in try Self.scopeLines(syncFile) {
                do { preload.append(try ScopeSelector.parse(text, catalog: catalog)) } catch {
                    throw ValidationError("--sync-file \(syncFile):\(number): \(text): \(error)")
                }
            }
        }
        let expiry = try config.duration("scope-expiry") ?? .seconds(3600)
        let firstSync = try config.duration("first-sync-timeout") ?? .seconds(20)
        let probe = try config.duration("probe-interval") ?? .seconds(1)
        let quietProbe = try config.duration("quiet-probe-interval") ?? .seconds(15)
        let discovery = try config.duration("discovery-interval") ?? .seconds(300)
        guard discovery > .zero else {
            throw ValidationError("\(config.origin("discovery-interval")) must be positive")
        }
        let writeTimeout = try config.duration("write-timeout") ?? .seconds(5)
        guard writeTimeout > .zero else {
            throw ValidationError("\(config.origin("write-timeout")) must be positive")
        }
        let options = EdgeSyncOptions(
            preload: preload, firstSyncTimeout: firstSync, probeInterval: probe,
            scopeExpiry: expiry == .zero ? nil : expiry, discoveryInterval: discovery, quietProbeInterval: quietProbe,
            writePolicy: try writePolicy(config), writeTimeout: writeTimeout)
        let contentTypeText = config.string("upstream-content-type") ?? UpstreamContentType.protobuf.rawValue
        guard let contentType = UpstreamContentType(rawValue: contentTypeText) else {
            throw ValidationError(
                "\(config.origin("upstream-content-type")) must be protobuf or json, not \"\(contentTypeText)\"")
        }
        let connection = try UpstreamConnection(config: kubeconfig, contentType: contentType)
        return EdgeSync(store: store, connection: connection, options: options, logger: logger)
    }

    /// The scope lines of a `--sync-file` with their line numbers (comments and blank lines dropped).
    static func scopeLines(_ path: String) throws -> [(Int, String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--sync-file \(path): cannot read the file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ValidationError("--sync-file \(path): not UTF-8 text")
        }
        var lines: [(Int, String)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            if line.isEmpty || line.hasPrefix("#") { continue }
            lines.append((index + 1, line))
        }
        return lines
    }
}

extension EdgeSync {
    /// The front's discovery source at an edge: the lazily fetched mirror of the upstream's
    /// documents (503 for one never fetched while the link is down).
    func discoverySource() -> DiscoverySource {
        { [self] path, variant in
            var version: String?
            if case .aggregated(let v) = variant { version = v }
            switch await discovery.lookup(path: path, aggregatedVersion: version, online: isOnline) {
            case .document(let d): return .document(DiscoveryDocument(body: d.body, contentType: d.contentType))
            case .notFound: return .notFound
            case .unavailable: return .unavailable(retryAfterSeconds: options.retryAfterSeconds)
            }
        }
    }
}
