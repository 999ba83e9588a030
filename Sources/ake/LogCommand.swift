import ArgumentParser
import EventLog
import Forensics
import KubeModel
import Sync

/// `ake log`: read the event log of a data directory, read-only, while `ake serve` may run.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect the event log: every change to every object, with who made it.",
        discussion: """
            Opens the database read-only, so it is safe to run while `ake serve` writes to it; \
            it never blocks the server. Secret values are redacted unless --reveal-secrets is given.
            """,
        subcommands: [LogTail.self, LogShow.self, LogStats.self]
    )
}

/// `ake log tail`.
struct LogTail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "List events, oldest first, optionally following new ones (-f).",
        discussion: """
            Without -n every matching event is printed; with -n N only the last N. With -f, \
            new events are printed as the server appends them until interrupted (Ctrl-C) or \
            --until/--until-rv is passed.

            Examples:
              ake log tail --resource pods --namespace default -n 20
              ake log tail -f --origin local:kubectl -o json
              ake log tail --since 10m --type DELETED
            """)

    @OptionGroup var data: DataDirOptions
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new events as they are appended.")
    var follow = false
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only this resource: pods, po, deployments.apps, Deployment, or a storage key like /v1/pods (repeatable).",
            valueName: "resource"))
    var resource: [String] = []
    @Option(name: .long, help: ArgumentHelp("Only objects in this namespace.", valueName: "namespace"))
    var namespace: String?
    @Option(name: .long, help: ArgumentHelp("Only objects with this name.", valueName: "name"))
    var name: String?
    @Option(name: .long, help: ArgumentHelp("Only ADDED, MODIFIED or DELETED events (repeatable).", valueName: "type"))
    var type: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only events from upstream[:<scope>], local[:<client prefix>], reconciler or system (repeatable).",
            valueName: "origin"))
    var origin: [String] = []
    @Option(name: .long, help: ArgumentHelp("Only events with RV >= this.", valueName: "rv"))
    var sinceRV: UInt64?
    @Option(name: .long, help: ArgumentHelp("Only events with RV <= this.", valueName: "rv"))
    var untilRV: UInt64?
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only events at or after this time: RFC 3339 or a duration ago (10m, 2h).", valueName: "time"))
    var since: String?
    @Option(
        name: .long,
        help: ArgumentHelp("Only events at or before this time: RFC 3339 or a duration ago.", valueName: "time"))
    var until: String?
    @Option(
        name: [.customShort("n"), .customLong("limit")],
        help: ArgumentHelp("Print only the last N matching events.", valueName: "N"))
    var limit: Int?
    @Option(
        name: [.short, .customLong("output")],
        help: "table (default), json (one event per line, with its object) or yaml (one document per event).")
    var output: OutputFormat = .table
    @OptionGroup var secrets: SecretOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be >= 0") }
        if let s = sinceRV, let u = untilRV, s > u { throw ValidationError("--since-rv \(s) is after --until-rv \(u)") }
    }

    func run() async throws {
        try await data.withDatabase { db in
            let filter = try makeFilter(db)
            if follow { StopSignal.install() }
            let renderer = secrets.renderer
            var printer = EventPrinter(format: output, renderer: renderer, streaming: follow)
            let reached = try db.tail(filter, limit: limit, loadObjects: output != .table) { try printer.add($0) }
            try printer.finishBatch()
            if printer.printed == 0, !follow, output == .table { Output.error("no matching events") }
            if !resource.isEmpty, printer.printed == 0 {
                for pattern in filter.resources where !pattern.known {
                    Output.error(
                        "ake: note: \"\(pattern.resource)\" is not a resource this build knows; no events matched it")
                }
            }
            guard follow else { return }
            try await db.follow(
                after: reached, filter, loadObjects: output != .table, shouldStop: { StopSignal.isStopped }
            ) { record in
                try printer.add(record)
                try printer.finishBatch()
            }
        }
    }

    func makeFilter(_ db: ForensicDatabase) throws -> EventFilter {
        var f = EventFilter()
        f.resources = db.resourcePatterns(resource)
        f.namespace = namespace
        f.name = name
        for t in type {
            guard let et = ForensicNames.eventType(t) else {
                throw ForensicsError.invalidArgument("invalid --type \"\(t)\": expected ADDED, MODIFIED or DELETED")
            }
            f.types.insert(et)
        }
        f.origins = try origin.map { try OriginFilter(parsing: $0) }
        f.sinceRV = sinceRV
        f.untilRV = untilRV
        let now = currentMicros()
        if let since { f.since = try TimeSpec.parse(since, now: now) }
        if let until { f.until = try TimeSpec.parse(until, now: now) }
        return f
    }
}

/// Prints events as a table (aligned per batch, widths kept while following), JSON lines or YAML documents.
struct EventPrinter {
    let format: OutputFormat
    let renderer: ForensicRenderer
    let streaming: Bool
    private var table = TextTable(headers: ForensicRenderer.eventHeaders)
    private var headerPrinted = false
    private var widths: [Int] = []
    private var firstYAML = true
    private(set) var printed = 0

    init(format: OutputFormat, renderer: ForensicRenderer, streaming: Bool) {
        self.format = format
        self.renderer = renderer
        self.streaming = streaming
    }

    mutating func add(_ e: EventRecord) throws {
        printed += 1
        switch format {
        case .table: table.append(renderer.row(e))
        case .json: Output.write(ForensicRenderer.jsonLine(renderer.json(e)) + "\n")
        case .yaml: try Output.yamlDocument(renderer.json(e), first: &firstYAML)
        }
    }

    /// Prints buffered table rows. The first batch sets column widths (wide enough
    /// for typical values when following); later rows use them, growing if needed.
    mutating func finishBatch() throws {
        defer { Output.flush() }
        guard format == .table else { return }
        if !headerPrinted {
            if table.rows.isEmpty && !streaming { return }
            var w = table.columnWidths()
            if streaming {
                let minimum = [16, 19, 8, 14, 30, 16, 0]
                w = zip(w, minimum).map { max($0, $1) }
            }
            widths = w
            Output.write(TextTable.line(table.headers, widths: widths))
            headerPrinted = true
        }
        for row in table.rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
            Output.write(TextTable.line(row, widths: widths))
        }
        table.rows.removeAll()
    }
}

/// `ake log show <RV>`.
struct LogShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one event in full, with its object.")

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("The RV of the event.", valueName: "RV"))
    var rv: UInt64
    @Option(
        name: [.short, .customLong("output")],
        help: "table (default: the event's fields, then its object as YAML), json or yaml.")
    var output: OutputFormat = .table
    @OptionGroup var secrets: SecretOptions

    func run() async throws {
        try await data.withDatabase { db in
            guard let event = try db.event(at: rv) else {
                let (head, horizon) = try db.bounds()
                if rv > head { throw ForensicsError.beyondHead(requested: rv, head: head) }
                if rv < horizon {
                    throw ForensicsError.notFound(
                        "no event at RV \(rv): it is below the compaction horizon \(horizon) and was compacted away")
                }
                throw ForensicsError.notFound("no event at RV \(rv)")
            }
            let renderer = secrets.renderer
            switch output {
            case .json: Output.write(ForensicRenderer.jsonLine(renderer.json(event)) + "\n")
            case .yaml:
                var first = true
                try Output.yamlDocument(renderer.json(event), first: &first)
            case .table:
                var t = TextTable(headers: ["FIELD", "VALUE"])
                let fields: [(String, String)] =
                    [
                        ("RV", String(event.rv)), ("TIME", TimeSpec.format(event.time)),
                        ("TYPE", ForensicNames.typeName(event.type)),
                        ("RESOURCE", "\(event.resourceName) (\(event.storageKey))"),
                        ("NAMESPACE", event.namespace.isEmpty ? "-" : event.namespace), ("NAME", event.name),
                        ("UID", event.uid.isEmpty ? "-" : event.uid),
                        ("ORIGIN", ForensicNames.originName(event.origin)),
                        ("UPSTREAM RV", event.upstreamRV.isEmpty ? "-" : event.upstreamRV),
                        ("STATE", ForensicNames.stateName(event.state)),
                        ("PREVIOUS RV", event.previousRV == 0 ? "-" : String(event.previousRV)),
                        ("SIZE", "\(event.size) bytes"),
                    ] + offlineWriteFields(db, event)
                for (k, v) in fields { t.append([k, v]) }
                Output.write(t.render())
                Output.write("OBJECT\n")
                let yaml = try ForensicRenderer.yaml(renderer.object(event.object, isSecret: event.isSecret))
                Output.write(yaml.hasSuffix("\n") ? yaml : yaml + "\n")
            }
        }
    }
}

/// What an event means for the edge's offline writes (`ake log show`): pending, or the
/// reconciler's outcome with the reason of a conflict kept in the pending ledger.
func offlineWriteFields(_ db: ForensicDatabase, _ event: EventRecord) -> [(String, String)] {
    let lifecycle = ForensicNames.lifecycle(event.origin, event.state)
    guard !lifecycle.isEmpty else { return [] }
    var fields = [("OFFLINE WRITE", lifecycle)]
    if lifecycle == "conflicted",
        let entry = (try? db.store.meta(PendingWrite.conflictedKey(event.rv))).flatMap({ $0 }).flatMap(
            PendingWrite.decode)
    {
        fields.append(("CONFLICT", entry.reason))
        fields.append(
            (
                "LOST WRITES",
                "\(entry.writes) (\(entry.verbs.joined(separator: ",")), RV \(entry.firstRV)..\(entry.lastRV))"
            ))
    }
    return fields
}

/// `ake log stats`.
struct LogStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Summarise the log: events and bytes per resource and origin, RV range, horizon, file, sync scopes.",
        discussion: """
            Sync scopes are read from the meta keys sync.scope.* that the Sync module persists; \
            until it does, the section says "none".
            """)

    @OptionGroup var data: DataDirOptions
    @Option(name: [.short, .customLong("output")], help: "table (default), json or yaml.")
    var output: OutputFormat = .table

    func run() async throws {
        try await data.withDatabase { db in
            let report = try db.stats()
            switch output {
            case .table: Output.write(report.renderText())
            case .json: Output.write(ForensicRenderer.jsonLine(report.json()) + "\n")
            case .yaml:
                var first = true
                try Output.yamlDocument(report.json(), first: &first)
            }
        }
    }
}
