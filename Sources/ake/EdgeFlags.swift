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

/// The edge-mode flags of `ake serve` (`--upstream`, `--sync`, ...).
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

    @Option(help: "Drop on-demand sync scopes unused for this long, e.g. 1h (0 = never).")
    var scopeExpiry = "1h"

    @Option(help: "How long a request for data not yet synced waits for the first sync, e.g. 20s.")
    var firstSyncTimeout = "20s"

    @Option(help: "How often the upstream link is probed, e.g. 1s.")
    var probeInterval = "1s"

    @Option(
        help:
            "How often discovery and OpenAPI are re-read from upstream in full, e.g. 5m (the safety net: a CRD change upstream or a request for an unknown resource refreshes its group at once)."
    )
    var discoveryInterval = "5m"

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
            "How long a forwarded write waits for the cloud, e.g. 5s; then a pending-policy write is kept pending and a forward-policy write answers 503."
    )
    var writeTimeout = "5s"

    /// The write policy of `--write-policy` and `--write-policy-file`.
    func parseWritePolicy() throws -> WritePolicy {
        var rules: [WritePolicyRule] = []
        for text in writePolicy {
            do { rules.append(try WritePolicyRule.parse(text)) } catch {
                throw ValidationError("--write-policy \(error)")
            }
        }
        if let writePolicyFile {
            guard let data = FileManager.default.contents(atPath: writePolicyFile),
                let text = String(validating: data, as: UTF8.self)
            else { throw ValidationError("--write-policy-file \(writePolicyFile): cannot read the file as UTF-8 text") }
            do { rules += try WritePolicy.parseFile(text) } catch {
                throw ValidationError("--write-policy-file \(writePolicyFile): \(error)")
            }
        }
        return WritePolicy(rules: rules)
    }

    /// Builds the edge sync (not started) when `--upstream` is given.
    func makeEdge(store: ObjectStore, catalog: ResourceCatalog, logger: Logger) throws -> EdgeSync? {
        guard let upstream else { return nil }
        let config: KubeModel.Kubeconfig
        do {
            config = try KubeModel.Kubeconfig.load(urlOrPath: upstream, context: upstreamContext)
        } catch {
            throw ValidationError("--upstream: \(error)")
        }
        var preload: [ScopeSelector] = []
        for text in syncScopes {
            do { preload.append(try ScopeSelector.parse(text, catalog: catalog)) } catch {
                throw ValidationError("--sync \(text): \(error)")
            }
        }
        if let syncFile {
            for (number, text) in try Self.scopeLines(syncFile) {
                do { preload.append(try ScopeSelector.parse(text, catalog: catalog)) } catch {
                    throw ValidationError("--sync-file \(syncFile):\(number): \(text): \(error)")
                }
            }
        }
        guard let expiry = parseDuration(scopeExpiry), let firstSync = parseDuration(firstSyncTimeout),
            let probe = parseDuration(probeInterval), let discovery = parseDuration(discoveryInterval),
            discovery > .zero
        else {
            throw ValidationError("bad --scope-expiry, --first-sync-timeout, --probe-interval or --discovery-interval")
        }
        guard let writeDeadline = parseDuration(writeTimeout), writeDeadline > .zero else {
            throw ValidationError("bad --write-timeout \(writeTimeout): expected a positive duration such as 5s")
        }
        let options = EdgeSyncOptions(
            preload: preload, firstSyncTimeout: firstSync, probeInterval: probe,
            scopeExpiry: expiry == .zero ? nil : expiry, discoveryInterval: discovery,
            writePolicy: try parseWritePolicy(),
            writeTimeout: writeDeadline)
        let connection = try UpstreamConnection(config: config)
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
