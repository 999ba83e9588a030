import ArgumentParser
import EventLog
import Forensics
import Foundation
import KubeModel
import Projections
import Sync

/// `ake pending`: the edge's offline writes not yet in the cloud, and the conflicted ones.
struct PendingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pending",
        abstract: "List, show or discard an edge's offline writes (pending, or conflicted with the cloud).",
        discussion: """
            An edge accepts writes its write policy marks pending while the cloud is unreachable \
            (ake serve --write-policy); they wait in a ledger beside the log, one entry per object, \
            until the reconciler uploads them. Writes that lost to a change in the cloud are kept \
            as conflicted, with the reason, until discarded. list and show open the database \
            read-only (safe while ake serve runs).
            """,
        subcommands: [PendingList.self, PendingShow.self, PendingDiscard.self],
        defaultSubcommand: PendingList.self
    )
}

/// Finds ledger entries by `resource/namespace/name` (or `resource/name`), or `#N` as listed.
func findPending(_ entries: [PendingWrite], _ text: String) throws -> PendingWrite {
    if text.hasPrefix("#"), let n = Int(text.dropFirst()), n >= 1, n <= entries.count { return entries[n - 1] }
    let matches = entries.filter { $0.objectDescription == text || pendingShortName($0) == text }
    guard let first = matches.first else {
        throw ForensicsError.notFound("no pending or conflicted write of \(text) (see ake pending list)")
    }
    return first
}

/// `pods/ns/name` with the plural only (`leases/kube-node-lease/node1`).
func pendingShortName(_ e: PendingWrite) -> String {
    e.namespace.isEmpty ? "\(e.resource)/\(e.name)" : "\(e.resource)/\(e.namespace)/\(e.name)"
}

func pendingAge(_ e: PendingWrite, now: Double) -> String {
    LinkStatus.duration(now - e.since)
}

func pendingJSON(_ e: PendingWrite) -> JSONValue {
    (try? JSONValue(parsing: e.encoded())) ?? .null
}

/// `ake pending list`.
struct PendingList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Pending and conflicted writes, oldest first, with their age.")

    @OptionGroup var data: DataDirOptions
    @Option(name: [.short, .customLong("output")], help: "table (default) or json (one entry per line).")
    var output: OutputFormat = .table

    func run() async throws {
        try await data.withDatabase { db in
            let entries = try EdgeSync.ledger(db.store)
            if output == .json || output == .yaml {
                for e in entries {
                    var line = pendingJSON(e)
                    line["base"] = nil
                    line["maybeLanded"] = nil
                    Output.write(ForensicRenderer.jsonLine(line) + "\n")
                }
                return
            }
            guard !entries.isEmpty else {
                Output.error("no pending or conflicted writes")
                return
            }
            let now = Date().timeIntervalSince1970
            var t = TextTable(headers: ["#", "STATE", "AGE", "OBJECT", "UPLOAD", "WRITES", "VERBS", "RV", "REASON"])
            for (i, e) in entries.enumerated() {
                t.append([
                    "#\(i + 1)", e.state.rawValue, pendingAge(e, now: now), e.objectDescription,
                    e.kind.rawValue + (e.statusOnly ? " status" : ""), String(e.writes),
                    e.verbs.joined(separator: ","), "\(e.firstRV)..\(e.lastRV)",
                    e.reason.isEmpty ? "-" : e.reason,
                ])
            }
            Output.write(t.render())
        }
    }
}

/// `ake pending show`.
struct PendingShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "One entry: what will be uploaded (or what lost), the cloud's base version and the edge's object.")

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("RESOURCE/NAMESPACE/NAME, RESOURCE/NAME, or #N from the list.", valueName: "object"))
    var object: String
    @OptionGroup var secrets: SecretOptions

    func run() async throws {
        try await data.withDatabase { db in
            let e = try findPending(try EdgeSync.ledger(db.store), object)
            let now = Date().timeIntervalSince1970
            var t = TextTable(headers: ["FIELD", "VALUE"])
            let fields: [(String, String)] = [
                ("OBJECT", e.objectDescription), ("STATE", e.state.rawValue), ("AGE", pendingAge(e, now: now)),
                ("UPLOAD", e.kind.rawValue + (e.statusOnly ? " (status only)" : "")),
                ("WRITES", "\(e.writes) (\(e.verbs.joined(separator: ",")), last by \(e.client))"),
                ("EDGE RVS", "\(e.firstRV)..\(e.lastRV)"),
                ("CLOUD BASE", e.baseUpstreamRV.isEmpty ? "-" : "resourceVersion \(e.baseUpstreamRV), uid \(e.uid)"),
                ("SENT", e.attempted ? "at least once (fate unknown)" : "no"),
            ]
            for (k, v) in fields { t.append([k, v]) }
            if e.state == .conflicted {
                t.append(["REASON", e.reason])
                t.append(["OUTCOME RV", String(e.outcomeRV)])
                t.append(["CLOUD RV", e.cloudRV.isEmpty ? "-" : e.cloudRV])
            }
            Output.write(t.render())
            if e.state == .pending,
                let stored = try db.store.get(e.gvr, namespace: e.namespace, name: e.name)
            {
                Output.write("EDGE OBJECT\n")
                let yaml = try ForensicRenderer.yaml(
                    secrets.renderer.object(stored.bytes, isSecret: e.resource == "secrets"))
                Output.write(yaml.hasSuffix("\n") ? yaml : yaml + "\n")
            }
        }
    }
}

/// `ake pending discard`.
struct PendingDiscard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard",
        abstract: "Forget an entry: a pending write is then never uploaded; a conflicted record is dropped.",
        discussion: """
            Asks for confirmation unless --yes. A discarded pending write stays in the edge's copy \
            until the cloud next changes the object (the cloud's version then replaces it). Writes \
            the ledger, so the data directory must be writable; a running ake serve notices at its \
            next reconcile pass.
            """)

    @OptionGroup var data: DataDirOptions
    @Argument(help: ArgumentHelp("RESOURCE/NAMESPACE/NAME, RESOURCE/NAME, or #N from the list.", valueName: "object"))
    var object: String
    @Flag(name: [.short, .customLong("yes")], help: "Do not ask for confirmation.")
    var yes = false

    func run() async throws {
        try await runForensicTool {
            guard ForensicDatabase.hasDatabase(at: data.dataDir) else {
                throw ForensicsError.noDatabase(directory: data.dataDir)
            }
            let store = try ObjectStore(
                directory: data.dataDir, catalog: ResourceCatalog.builtIn(), options: EventLog.Options(),
                logger: .init(label: "ake.pending"))
            defer { store.close() }
            let e = try findPending(try EdgeSync.ledger(store), object)
            if !yes {
                Output.write(
                    "discard the \(e.state.rawValue) \(e.kind.rawValue) of \(e.objectDescription) (\(e.writes) writes)? [y/N] "
                )
                guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                    Output.error("not discarded")
                    throw ExitCode(1)
                }
            }
            let key =
                e.state == .pending ? (e.key ?? "") : PendingWrite.conflictedKey(e.outcomeRV)
            let removed = try await store.removeMeta([key])
            Output.write(removed == 1 ? "discarded \(e.objectDescription)\n" : "already gone\n")
        }
    }
}
