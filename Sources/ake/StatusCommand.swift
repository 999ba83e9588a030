import ArgumentParser
// `ake status`: how a node's endpoint is doing, from a running server (`/ake/status`) or,
// when it is not running, from its data directory.
import AsyncHTTPClient
import EventLog
import Forensics
import Foundation
import KubeModel
import NIOCore
import Projections
import Sync
import Synchronization

/// The node's part of `/ake/status`, built on each request (the front adds its request counters).
final class NodeStatusSource: Sendable {
    let store: ObjectStore
    let edge: EdgeSync?
    let dataDir: String
    let retention: RetentionPolicy
    let started: Date
    private let url = Mutex("")

    init(store: ObjectStore, edge: EdgeSync?, dataDir: String, retention: RetentionPolicy, started: Date) {
        self.store = store
        self.edge = edge
        self.dataDir = dataDir
        self.retention = retention
        self.started = started
    }

    /// Records the address the server listens on once it is bound.
    func listening(on url: String) { self.url.withLock { $0 = url } }

    func document() -> JSONValue {
        let base: JSONValue = [
            "kind": "AKEStatus",
            "version": .string(AKE.configuration.version),
            "running": true,
            "startTime": .string(StatusReport.timestamp(started.timeIntervalSince1970)),
            "listen": .string(url.withLock { $0 }),
            "dataDir": .string(dataDir),
            "role": .string(edge == nil ? "standalone" : "edge"),
        ]
        var document = base.objectValue ?? JSONObject()
        if let edge {
            let link = edge.status
            document["link"] = StatusReport.link(
                server: link.server, state: link.state.rawValue, since: link.since, lastContact: link.lastContact,
                lastError: link.lastError)
            document["scopes"] = StatusReport.scopes(link.scopes)
            document["upstreamTraffic"] = StatusReport.traffic(link)
        } else {
            document["link"] = .null
            document["scopes"] = []
        }
        // Objects with offline writes not yet reconciled with the cloud (edge only).
        document["pendingWrites"] = edge.map { .number(JSONNumber($0.pendingCount)) } ?? .null
        document["database"] = StatusReport.database(store.log, retention: retention)
        return .object(document)
    }
}

/// The parts of the status document both sources (server, data dir) share.
enum StatusReport {
    static func timestamp(_ seconds: Double) -> String {
        RFC3339.format(seconds: Int64(seconds.rounded(.down))) ?? "\(seconds)"
    }

    static func link(server: String, state: String, since: Double, lastContact: Double, lastError: String)
        -> JSONValue
    {
        [
            "server": .string(server), "state": .string(state),
            "since": since > 0 ? .string(timestamp(since)) : .null,
            "lastContact": lastContact > 0 ? .string(timestamp(lastContact)) : .null,
            "lastError": .string(lastError),
        ]
    }

    /// The link's traffic: totals since start, the last minute's rates, and the one-line summary.
    static func traffic(_ link: LinkStatus) -> JSONValue {
        let rate = link.trafficRate
        func number(_ value: Double?) -> JSONValue {
            value.map { .number(JSONNumber(($0 * 10).rounded() / 10)) } ?? .null
        }
        return [
            "requests": .number(JSONNumber(link.traffic.requests)),
            "receivedBytes": .number(JSONNumber(link.traffic.bytesReceived)),
            "sentBytes": .number(JSONNumber(link.traffic.bytesSent)),
            "windowSeconds": number(rate?.seconds),
            "receivedBytesPerSecond": number(rate?.receivedPerSecond),
            "sentBytesPerSecond": number(rate?.sentPerSecond),
            "summary": .string(link.trafficDetail),
        ]
    }

    static func scopes(_ scopes: [SyncScope]) -> JSONValue {
        let now = Date().timeIntervalSince1970
        return .array(
            scopes.map { scope in
                [
                    "id": .number(JSONNumber(Int(scope.id))),
                    "selector": .string(scope.selector.description),
                    "phase": .string(scope.phase.rawValue),
                    "upstreamResourceVersion": .string(scope.upstreamRV),
                    "lastSync": scope.lastSync > 0 ? .string(timestamp(scope.lastSync)) : .null,
                    // How far behind the scope may be: time since it last heard from upstream.
                    "lagSeconds": scope.lastSync > 0 ? .number(JSONNumber(Int(max(0, now - scope.lastSync)))) : .null,
                    "pinned": .bool(scope.pinned),
                    "lastError": .string(scope.lastError),
                ]
            })
    }

    /// Size against the quota, log bounds, the oldest retained event and the retention policy.
    static func database(_ log: EventLog, retention: RetentionPolicy?) -> JSONValue {
        let usage = log.storageUsage
        let head = log.head
        let horizon = log.horizon
        var oldest: (rv: ResourceVersion, time: UInt64)?
        _ = try? log.read { txn in
            try txn.events(after: horizon > 0 ? horizon - 1 : 0) { event in
                oldest = (event.rv, event.time)
                return false
            }
        }
        let now = Date().timeIntervalSince1970
        let base: JSONValue = [
            "usedBytes": .number(JSONNumber(usage.usedBytes)),
            "fileBytes": .number(JSONNumber(usage.fileBytes)),
            "quotaBytes": usage.quotaBytes.map { .number(JSONNumber($0)) } ?? .null,
            "quotaExceeded": .bool(usage.isExceeded),
            "headResourceVersion": .string(String(head)),
            "horizonResourceVersion": .string(String(horizon)),
            "oldestRetainedResourceVersion": oldest.map { .string(String($0.rv)) } ?? .null,
            "oldestRetainedTime": oldest.map { .string(timestamp(Double($0.time) / 1e6)) } ?? .null,
            "oldestRetainedAgeSeconds": oldest.map {
                .number(JSONNumber(Int(max(0, now - Double($0.time) / 1e6))))
            } ?? .null,
        ]
        var object = base.objectValue ?? JSONObject()
        if let retention {
            object["retention"] = [
                "maxEvents": retention.maxEvents.map { .number(JSONNumber($0)) } ?? .null,
                "maxAge": retention.maxAge.map { .string(formatFlagDuration($0)) } ?? .null,
            ]
        }
        return .object(object)
    }

    /// The document for a data directory no server is running on (or one that is: it is
    /// opened read-only, as `ake log` does): what the database alone can tell.
    static func fromDataDir(_ dataDir: String) throws -> JSONValue {
        let db = try ForensicDatabase(directory: dataDir)
        defer { db.close() }
        var scopes: [SyncScope] = []
        // The edge's persisted scope index (Sync's `scopeIndexKey`) and scopes.
        if let index = try db.store.meta("sync.scopes"),
            let ids = try? JSONDecoder().decode([UInt32].self, from: Data(index))
        {
            scopes = try ids.compactMap { id in
                try db.store.meta(SyncScope.metaKey(id)).flatMap {
                    try? JSONDecoder().decode(SyncScope.self, from: Data($0))
                }
            }
        }
        return [
            "kind": "AKEStatus",
            "version": .string(AKE.configuration.version),
            "running": false,
            "dataDir": .string(dataDir),
            "role": .string(scopes.isEmpty ? "standalone" : "edge"),
            "link": .null,
            "scopes": Self.scopes(scopes),
            "pendingWrites": scopes.isEmpty
                ? .null
                : .number(JSONNumber((try? EdgeSync.ledger(db.store))?.filter { $0.state == .pending }.count ?? 0)),
            "database": database(db.log, retention: nil),
        ]
    }

    // MARK: - Rendering

    /// The readable form: one `LABEL  value` line per fact, then the scopes as a table.
    static func table(_ status: JSONValue) -> String {
        func text(_ value: JSONValue?) -> String? {
            guard let value else { return nil }
            switch value {
            case .string(let s): return s
            case .number(let n): return n.text
            case .bool(let b): return b ? "true" : "false"
            default: return nil
            }
        }
        func int(_ value: JSONValue?) -> Int? { text(value).flatMap { Int($0) } }
        let db = status["database"]
        var facts: [(String, String)] = []
        let role = text(status["role"]) ?? "?"
        let running = status["running"] == .bool(true)
        facts.append(("VERSION", text(status["version"]) ?? "?"))
        facts.append(("ROLE", role))
        if running {
            let uptime = int(status["uptimeSeconds"]).map { formatDuration(.seconds($0)) } ?? "?"
            facts.append(("UPTIME", "\(uptime) (since \(text(status["startTime"]) ?? "?"))"))
            facts.append(("LISTEN", text(status["listen"]) ?? "?"))
        } else {
            facts.append(("SERVER", "not asked (read from the data directory)"))
        }
        facts.append(("DATA DIR", text(status["dataDir"]) ?? "?"))
        if let link = status["link"], link != .null {
            var line = "\(text(link["state"]) ?? "?")"
            if let since = text(link["since"]) { line += " since \(since)" }
            if let server = text(link["server"]) { line += " (\(server))" }
            if let error = text(link["lastError"]), !error.isEmpty { line += ": \(error)" }
            facts.append(("LINK", line))
            if let summary = text(status["upstreamTraffic"]?["summary"]) { facts.append(("UPSTREAM TRAFFIC", summary)) }
        } else if role == "edge" {
            facts.append(("LINK", "unknown (not running)"))
        }
        facts.append(("PENDING WRITES", text(status["pendingWrites"]) ?? "-"))
        if let db {
            let used = int(db["usedBytes"]) ?? 0
            var line = formatBytes(used) + " used"
            if let quota = int(db["quotaBytes"]), quota > 0 {
                line += " of \(formatBytes(quota)) quota (\(used * 100 / quota)%)"
            } else {
                line += ", no quota"
            }
            line += ", file \(formatBytes(int(db["fileBytes"]) ?? 0))"
            if db["quotaExceeded"] == .bool(true) { line += "; QUOTA REACHED: writes get 507" }
            facts.append(("DATABASE", line))
            facts.append(("HEAD RV", text(db["headResourceVersion"]) ?? "?"))
            if let oldest = text(db["oldestRetainedResourceVersion"]) {
                let age = int(db["oldestRetainedAgeSeconds"]).map { formatDuration(.seconds($0)) + " ago" } ?? ""
                facts.append(("OLDEST RV", "\(oldest) (\(text(db["oldestRetainedTime"]) ?? "?"), \(age))"))
            } else {
                facts.append(("OLDEST RV", "- (compacted up to the head: only current objects remain)"))
            }
            if let retention = db["retention"] {
                let events = text(retention["maxEvents"]).map { "\($0) events" } ?? "no event limit"
                let age = text(retention["maxAge"]) ?? "no age limit"
                facts.append(("RETENTION", "\(events), \(age)"))
            }
        }
        if running {
            facts.append(("WATCHES", "\(text(status["watchesOpen"]) ?? "?") open"))
            facts.append(
                (
                    "REQUESTS",
                    "\(text(status["requestsPerSecond"]) ?? "?")/s over the last minute, \(text(status["requestsTotal"]) ?? "?") since start"
                ))
        }
        let width = facts.map(\.0.count).max() ?? 0
        var out = facts.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 3) + $0.1 + "\n" }.joined()
        if let scopes = status["scopes"]?.arrayValue, !scopes.isEmpty {
            var table = TextTable(headers: ["SCOPE", "PHASE", "UPSTREAM RV", "LAG", "ERROR"])
            for scope in scopes {
                table.append([
                    text(scope["selector"]) ?? "?", text(scope["phase"]) ?? "?",
                    text(scope["upstreamResourceVersion"]).flatMap { $0.isEmpty ? nil : $0 } ?? "-",
                    int(scope["lagSeconds"]).map { formatDuration(.seconds($0)) } ?? "-",
                    text(scope["lastError"]).flatMap { $0.isEmpty ? nil : $0 } ?? "",
                ])
            }
            out += "\n" + table.render()
        }
        return out
    }
}

/// A duration as the flags take it: `24h`, `90m`, `45s`.
func formatFlagDuration(_ duration: Duration) -> String {
    let s = max(0, Int(duration.components.seconds))
    if s > 0 && s % 3600 == 0 { return "\(s / 3600)h" }
    if s > 0 && s % 60 == 0 { return "\(s / 60)m" }
    return "\(s)s"
}

/// `1h2m3s`, `5m0s`, `42s`, `3d4h` (whole seconds).
func formatDuration(_ duration: Duration) -> String {
    let s = max(0, Int(duration.components.seconds))
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(s % 60)s" }
    if s < 86400 { return "\(s / 3600)h\(s % 3600 / 60)m\(s % 60)s" }
    let hours = s % 86400 / 3600
    return hours == 0 ? "\(s / 86400)d" : "\(s / 86400)d\(hours)h"
}

/// `ake status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show how the endpoint is doing: uptime, link and scopes, database size against its quota, retention, load.",
        discussion: """
            Asks a running server (GET /ake/status on --server, default http://127.0.0.1:10550). \
            With --data-dir it reads the data directory instead (read-only; works with or without \
            a server): no uptime, link or load then, only what the database records.
            """)

    @Option(help: ArgumentHelp("The server's URL.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("Read this data directory instead of asking a server.", valueName: "dir"))
    var dataDir: String?

    @Option(name: .shortAndLong, help: "Output format: table, json or yaml.")
    var output: OutputFormat = .table

    func validate() throws {
        if server != nil && dataDir != nil { throw ValidationError("give --server or --data-dir, not both") }
    }

    func run() async throws {
        try await runForensicTool {
            let status: JSONValue
            if let dataDir {
                status = try StatusReport.fromDataDir(dataDir)
            } else {
                status = try await Self.fetch(server ?? "http://127.0.0.1:10550")
            }
            switch output {
            case .table: Output.write(StatusReport.table(status))
            case .json: Output.write(status.jsonString + "\n")
            case .yaml: Output.write(try status.yamlString())
            }
        }
    }

    /// GET `<server>/ake/status`.
    static func fetch(_ server: String) async throws -> JSONValue {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var request = HTTPClientRequest(url: base + "/ake/status")
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await client.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 4 << 20)
            try await client.shutdown()
            guard response.status.code == 200 else {
                throw ValidationError("\(base)/ake/status answered \(response.status.code)")
            }
            return try JSONValue(parsing: Array(buffer: body))
        } catch {
            try? await client.shutdown()
            if error is ValidationError { throw error }
            throw ValidationError("cannot get the status from \(base): \(error)")
        }
    }
}
