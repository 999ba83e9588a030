import EventLog
import KubeModel

/// What `ake log stats` reports about a database.
public struct LogStatsReport: Sendable {
    /// Events and object bytes counted together.
    public struct Bucket: Sendable, Hashable {
        public var events = 0
        public var bytes = 0
        mutating func add(_ size: Int) {
            events += 1
            bytes += size
        }
    }

    /// A sync scope as persisted under the meta key `sync.scope.<id>`.
    public struct SyncScope: Sendable, Hashable {
        /// The part of the key after `sync.scope.`.
        public var id: String
        public var phase: String
        public var lastError: String
        /// The stored value (JSON when the Sync module wrote JSON, else a string).
        public var value: JSONValue
    }

    public var directory: String
    public var head: ResourceVersion
    public var horizon: ResourceVersion
    public var oldest: (rv: ResourceVersion, time: UInt64)?
    public var newest: (rv: ResourceVersion, time: UInt64)?
    public var total = Bucket()
    public var byResource: [String: Bucket] = [:]
    public var byOrigin: [String: Bucket] = [:]
    /// `resource` → origin kind → bucket.
    public var byResourceAndOrigin: [String: [String: Bucket]] = [:]
    /// An edge's offline writes: `pending`, `reconciled`, `conflicted` → events.
    public var offlineWrites: [String: Int] = [:]
    public var file: LogStatistics
    public var scopes: [SyncScope] = []

    /// Adds one event to the counts.
    public mutating func count(_ e: EventRecord) {
        if oldest == nil { oldest = (e.rv, e.time) }
        newest = (e.rv, e.time)
        total.add(e.size)
        byResource[e.resourceName, default: Bucket()].add(e.size)
        let origin = ForensicNames.originKind(e.origin)
        byOrigin[origin, default: Bucket()].add(e.size)
        byResourceAndOrigin[e.resourceName, default: [:]][origin, default: Bucket()].add(e.size)
        let lifecycle = ForensicNames.lifecycle(e.origin, e.state)
        if !lifecycle.isEmpty { offlineWrites[lifecycle, default: 0] += 1 }
    }

    /// The report as text tables.
    public func renderText() -> String {
        var out = ""
        let f = file
        out += "DATABASE        \(directory)\n"
        out += "FILE            \(bytes(f.fileSize)) data.mdb, map \(bytes(f.mapSize)), page \(f.pageSize) B\n"
        out +=
            "PAGES           \(f.usedPages) used, \(f.freePages) free (\(bytes(f.freePages * f.pageSize)) reusable)\n"
        out += "READERS         \(f.readersInUse) of \(f.maxReaders) slots in use\n"
        out += "EVENTS          \(total.events) retained, \(bytes(total.bytes)) of objects\n"
        if let oldest, let newest {
            out += "RV RANGE        \(oldest.rv) (\(TimeSpec.format(oldest.time, fractional: false)))"
            out += " .. \(newest.rv) (\(TimeSpec.format(newest.time, fractional: false)))\n"
        } else {
            out += "RV RANGE        empty\n"
        }
        out += "HEAD            \(head)\n"
        out +=
            "HORIZON         \(horizonText)\n"
        out += "\n"
        let origins = ["upstream", "local", "reconciler", "system"]
        var table = TextTable(headers: ["RESOURCE", "EVENTS", "BYTES"] + origins.map { $0.uppercased() })
        for name in byResource.keys.sorted() {
            let b = byResource[name] ?? Bucket()
            let perOrigin = origins.map { String(byResourceAndOrigin[name]?[$0]?.events ?? 0) }
            table.append([name, String(b.events), String(b.bytes)] + perOrigin)
        }
        table.append(
            ["TOTAL", String(total.events), String(total.bytes)] + origins.map { String(byOrigin[$0]?.events ?? 0) })
        out += table.render() + "\n"
        var originTable = TextTable(headers: ["ORIGIN", "EVENTS", "BYTES"])
        for name in byOrigin.keys.sorted() {
            let b = byOrigin[name] ?? Bucket()
            originTable.append([name, String(b.events), String(b.bytes)])
        }
        out += originTable.render() + "\n"
        if !offlineWrites.isEmpty {
            let parts = ["pending", "reconciled", "conflicted"].map { "\(offlineWrites[$0] ?? 0) \($0)" }
            out += "OFFLINE WRITES  \(parts.joined(separator: ", ")) (events; ake pending lists what still waits)\n\n"
        }
        out += "SYNC SCOPES\n"
        if scopes.isEmpty {
            out += "none\n"
        } else {
            var t = TextTable(headers: ["SCOPE", "PHASE", "LAST ERROR"])
            for s in scopes { t.append([s.id, s.phase, s.lastError.isEmpty ? "-" : s.lastError]) }
            out += t.render()
        }
        return out
    }

    /// The horizon, and whether anything below it was actually dropped.
    var horizonText: String {
        if horizon == 0 { return "none (never compacted)" }
        if let oldest, horizon <= oldest.rv { return "\(horizon) (nothing compacted yet)" }
        return "\(horizon) (older history is compacted; states before it cannot be replayed)"
    }

    /// The report as a JSON object (for `-o json|yaml`).
    public func json() -> JSONValue {
        func bucket(_ b: Bucket) -> JSONValue {
            ["events": .number(JSONNumber(b.events)), "bytes": .number(JSONNumber(b.bytes))]
        }
        func num(_ v: UInt64) -> JSONValue { .number(JSONNumber(unchecked: String(v))) }
        var resources = JSONObject()
        for name in byResource.keys.sorted() {
            var o = bucket(byResource[name] ?? Bucket())
            var perOrigin = JSONObject()
            for (origin, b) in (byResourceAndOrigin[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                perOrigin.appendUnchecked(origin, bucket(b))
            }
            o["byOrigin"] = .object(perOrigin)
            resources.appendUnchecked(name, o)
        }
        var origins = JSONObject()
        for (name, b) in byOrigin.sorted(by: { $0.key < $1.key }) { origins.appendUnchecked(name, bucket(b)) }
        var o = JSONObject()
        o.appendUnchecked("directory", .string(directory))
        o.appendUnchecked("head", num(head))
        o.appendUnchecked("horizon", num(horizon))
        o.appendUnchecked("oldestRV", oldest.map { num($0.rv) } ?? .null)
        o.appendUnchecked("oldestTime", oldest.map { .string(TimeSpec.format($0.time)) } ?? .null)
        o.appendUnchecked("newestRV", newest.map { num($0.rv) } ?? .null)
        o.appendUnchecked("newestTime", newest.map { .string(TimeSpec.format($0.time)) } ?? .null)
        o.appendUnchecked("events", bucket(total))
        o.appendUnchecked("byResource", .object(resources))
        o.appendUnchecked("byOrigin", .object(origins))
        if !offlineWrites.isEmpty {
            var offline = JSONObject()
            for (name, n) in offlineWrites.sorted(by: { $0.key < $1.key }) {
                offline.appendUnchecked(name, .number(JSONNumber(n)))
            }
            o.appendUnchecked("offlineWrites", .object(offline))
        }
        o.appendUnchecked(
            "file",
            [
                "fileSize": .number(JSONNumber(file.fileSize)), "mapSize": .number(JSONNumber(file.mapSize)),
                "pageSize": .number(JSONNumber(file.pageSize)), "usedPages": .number(JSONNumber(file.usedPages)),
                "freePages": .number(JSONNumber(file.freePages)),
                "readersInUse": .number(JSONNumber(file.readersInUse)),
                "maxReaders": .number(JSONNumber(file.maxReaders)),
            ])
        o.appendUnchecked(
            "syncScopes",
            .array(
                scopes.map { s in
                    [
                        "id": .string(s.id), "phase": .string(s.phase), "lastError": .string(s.lastError),
                        "value": s.value,
                    ]
                }))
        return .object(o)
    }

    private func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(n) B" }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded) \(units[unit])"
    }
}

extension ForensicDatabase {
    /// Meta keys of sync scopes, as the Sync module persists them.
    public static let syncScopePrefix = "sync.scope."

    /// Counts every retained event and reads file statistics and sync scopes.
    public func stats() throws -> LogStatsReport {
        let file = try log.statistics()
        let (head, horizon) = try bounds()
        var report = LogStatsReport(directory: directory, head: head, horizon: horizon, file: file)
        try scan(after: 0, loadObjects: false) { record in
            report.count(record)
            return true
        }
        report.scopes = try syncScopes()
        return report
    }

    /// Sync scopes persisted under meta keys `sync.scope.*` (none until the Sync module writes them).
    public func syncScopes() throws -> [LogStatsReport.SyncScope] {
        var out: [LogStatsReport.SyncScope] = []
        try log.read { txn in
            try txn.metaEntries(withPrefix: Self.syncScopePrefix) { key, value in
                let id = String(key.dropFirst(Self.syncScopePrefix.count))
                let parsed = (try? JSONValue(parsing: value)) ?? .string(String(decoding: value, as: UTF8.self))
                let phase = parsed["phase"]?.stringValue ?? "unknown"
                let lastError = parsed["lastError"]?.stringValue ?? parsed["error"]?.stringValue ?? ""
                out.append(.init(id: id, phase: phase, lastError: lastError, value: parsed))
                return true
            }
        }
        return out
    }
}
