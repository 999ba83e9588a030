import ArgumentParser
import EventLog
import Forensics
import KubeModel

/// `ake replay`: reconstruct past states from the log.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Reconstruct what the objects were at any retained point, and check the projections.",
        discussion: """
            Opens the database read-only, so it is safe to run while `ake serve` writes to it. \
            Points are RVs or times (RFC 3339, or a duration ago like 10m); they must lie at or \
            above the compaction horizon (see `ake log stats`). Secret values are redacted unless \
            --reveal-secrets is given.
            """,
        subcommands: [ReplayState.self, ReplayHistory.self, ReplayDiff.self, ReplayVerify.self, ReplayExport.self]
    )
}

/// `--resource` and `--namespace` for the state-based subcommands.
struct StateScopeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only this resource: pods, po, deployments.apps, Deployment, or a storage key (repeatable).",
            valueName: "resource"))
    var resource: [String] = []
    @Option(name: .long, help: ArgumentHelp("Only objects in this namespace.", valueName: "namespace"))
    var namespace: String?
}

/// `ake replay state`.
struct ReplayState: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Print the objects as they were at an RV or time, as a kubectl-style List.",
        discussion: """
            Examples:
              ake replay state --at 1764367290000042 --resource pods -o yaml
              ake replay state --at 2026-11-28T22:00:00Z --namespace kube-system -o json
              ake replay state --at 15m
            """)

    @OptionGroup var data: DataDirOptions
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The point: an RV, an RFC 3339 time, or a duration ago (10m). Default: the head.", valueName: "RV|time"))
    var at: String?
    @OptionGroup var scope: StateScopeOptions
    @Option(
        name: [.short, .customLong("output")],
        help: "yaml (default) or json: a List; table: one line per object.")
    var output: OutputFormat = .yaml
    @OptionGroup var secrets: SecretOptions

    func run() async throws {
        try await data.withDatabase { db in
            let rv = try at.map { try LogPoint(parsing: $0).resolve(in: db) } ?? db.bounds().head
            let objects = try db.state(
                at: rv, resources: db.resourcePatterns(scope.resource), namespace: scope.namespace)
            let renderer = secrets.renderer
            switch output {
            case .table:
                var t = TextTable(headers: ["RESOURCE", "NAMESPACE", "NAME", "RV", "UID"])
                for o in objects {
                    t.append([
                        ForensicNames.resourceName(o.resource), o.namespace.isEmpty ? "-" : o.namespace, o.name,
                        String(o.rv), o.uid,
                    ])
                }
                Output.write(objects.isEmpty ? "no objects at RV \(rv)\n" : t.render())
            case .json, .yaml:
                let list = renderer.list(
                    objects.map { renderer.object($0.bytes, isSecret: $0.isSecret) }, resourceVersion: String(rv))
                if output == .json {
                    Output.write(ForensicRenderer.jsonLine(list) + "\n")
                } else {
                    var first = true
                    try Output.yamlDocument(list, first: &first)
                }
            }
        }
    }
}

/// `ake replay history`.
struct ReplayHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show every retained version of one object, what changed each time, and who changed it.",
        discussion: """
            Without a namespace, the object is looked up in every namespace (cluster-scoped \
            objects have none); if the name exists in several, pass <namespace>/<name>. \
            metadata.resourceVersion and metadata.managedFields are left out of the diffs.

            Examples:
              ake replay history deployments.apps default/web
              ake replay history cm kube-root-ca.crt --diff paths
            """)

    @OptionGroup var data: DataDirOptions
    @Argument(
        help: ArgumentHelp("The resource: pods, deploy, deployments.apps, /v1/configmaps, ...", valueName: "resource"))
    var resource: String
    @Argument(help: ArgumentHelp("The object: <namespace>/<name>, or <name>.", valueName: "[namespace/]name"))
    var object: String
    @Option(name: .long, help: "yaml (default): a unified diff of the YAML; paths: one line per changed field.")
    var diff: DiffStyle = .yaml
    @Option(
        name: [.short, .customLong("output")],
        help: "table (default: the readable history), json or yaml (structured, with the changes per version).")
    var output: OutputFormat = .table
    @OptionGroup var secrets: SecretOptions

    func run() async throws {
        try await data.withDatabase { db in
            guard let pattern = db.resourcePatterns([resource]).first else { return }
            let parts = object.split(separator: "/", maxSplits: 1).map(String.init)
            var versions: [EventRecord]
            if parts.count == 2 {
                versions = try db.history(pattern, namespace: parts[0], name: parts[1])
            } else {
                var filter = EventFilter()
                filter.resources = [pattern]
                filter.name = object
                versions = []
                try db.tail(filter, limit: nil, loadObjects: true) { versions.append($0) }
                let namespaces = Set(versions.map(\.namespace))
                if namespaces.count > 1 {
                    throw ForensicsError.invalidArgument(
                        "\(resource) \"\(object)\" exists in several namespaces (\(namespaces.sorted().joined(separator: ", "))); pass <namespace>/\(object)"
                    )
                }
            }
            if versions.isEmpty {
                throw ForensicsError.notFound(
                    "no retained events for \(pattern) \"\(object)\" (it never existed, or its history was compacted away)"
                )
            }
            let history = ObjectHistory(versions: versions, renderer: secrets.renderer)
            switch output {
            case .table: Output.write(try history.render(style: diff))
            case .json: Output.write(ForensicRenderer.jsonLine(history.json()) + "\n")
            case .yaml:
                var first = true
                try Output.yamlDocument(history.json(), first: &first)
            }
        }
    }
}

/// `ake replay diff`.
struct ReplayDiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show which objects were added, changed and removed between two points.",
        discussion: """
            Example:
              ake replay diff 1764367290000010 1764367290000042 --resource pods
            """)

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("The earlier point: an RV or a time.", valueName: "RV1"))
    var from: String
    @Argument(help: ArgumentHelp("The later point: an RV or a time.", valueName: "RV2"))
    var to: String
    @OptionGroup var scope: StateScopeOptions
    @Option(
        name: [.short, .customLong("output")],
        help: "table (default: one line per object with its changed fields), json or yaml.")
    var output: OutputFormat = .table
    @OptionGroup var secrets: SecretOptions

    func run() async throws {
        try await data.withDatabase { db in
            let a = try LogPoint(parsing: from).resolve(in: db)
            let b = try LogPoint(parsing: to).resolve(in: db)
            let patterns = db.resourcePatterns(scope.resource)
            let old = try db.state(at: a, resources: patterns, namespace: scope.namespace)
            let new = try db.state(at: b, resources: patterns, namespace: scope.namespace)
            let diff = StateDiff(old: old, new: new)
            let renderer = secrets.renderer
            switch output {
            case .table:
                Output.write("diff from RV \(a) to RV \(b)\n")
                Output.write(diff.render(renderer))
            case .json: Output.write(ForensicRenderer.jsonLine(diff.json(renderer)) + "\n")
            case .yaml:
                var first = true
                try Output.yamlDocument(diff.json(renderer), first: &first)
            }
        }
    }
}

/// `ake replay verify`.
struct ReplayVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rebuild every projection from the log and compare it with the stored one.",
        discussion: """
            Exits 0 when they agree, 1 with one line per difference when they do not, \
            2 when the check could not run.
            """)

    @OptionGroup var data: DataDirOptions

    func run() async throws {
        try await data.withDatabase { db in
            let (head, horizon) = try db.bounds()
            let meter = ProgressMeter(
                "replaying", unit: .items("events"), total: (try? db.log.statistics().eventCount) ?? nil)
            let problems = try db.store.verify { meter.update($0) }
            meter.finish()
            if problems.isEmpty {
                Output.write("consistent: the projections match a replay of the log (RV \(horizon)..\(head))\n")
                return
            }
            Output.write("MISMATCH: \(problems.count) difference(s) between the projections and a replay of the log\n")
            for p in problems { Output.write("  \(p)\n") }
            Output.flush()
            throw ExitCode(1)
        }
    }
}

/// `ake replay export`.
struct ReplayExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Write the objects at an RV or time as YAML files: <dir>/<namespace or _cluster>/<resource>/<name>.yaml.",
        discussion: """
            Secrets are redacted unless --reveal-secrets is given (then the files can be \
            re-applied with kubectl apply -R -f <dir>).
            """)

    @OptionGroup var data: DataDirOptions
    @Option(
        name: .long, help: ArgumentHelp("The point: an RV, an RFC 3339 time, or a duration ago.", valueName: "RV|time"))
    var at: String
    @Argument(help: ArgumentHelp("The directory to write to (created if needed).", valueName: "dir"))
    var directory: String
    @OptionGroup var scope: StateScopeOptions
    @OptionGroup var secrets: SecretOptions

    func run() async throws {
        try await data.withDatabase { db in
            let rv = try LogPoint(parsing: at).resolve(in: db)
            let meter = ProgressMeter("exporting", unit: .items("objects"))
            let written = try db.export(
                at: rv, to: directory, resources: db.resourcePatterns(scope.resource), namespace: scope.namespace,
                renderer: secrets.renderer
            ) { done, total in meter.update(done, total: total) }
            meter.finish()
            Output.write("wrote \(written.count) object(s) as of RV \(rv) to \(directory)\n")
        }
    }
}
