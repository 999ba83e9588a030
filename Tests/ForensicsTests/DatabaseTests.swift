import EventLog
import Forensics
import Foundation
import KubeModel
import Projections
import Testing

/// A known sequence of writes, and what the world looked like after each.
struct Scenario {
    /// RVs of the writes, in order.
    var rvs: [ResourceVersion] = []
    /// After each write: the objects that existed, by "resource ns/name".
    var states: [ResourceVersion: [String: JSONValue]] = [:]
    var byStep: [String: ResourceVersion] = [:]

    static func key(_ gvr: GroupVersionResource, _ o: JSONValue) -> String {
        "\(ForensicNames.resourceName(gvr)) \(o["metadata"]?["namespace"]?.stringValue ?? "")/\(o["metadata"]?["name"]?.stringValue ?? "")"
    }

    /// Writes the scenario into a new database in `dir` and closes it.
    static func write(to dir: String) async throws -> Scenario {
        let store = try openStore(dir)
        defer { store.close() }
        let w = HistoryWriter(store: store)
        var s = Scenario()
        var current: [String: JSONValue] = [:]
        func record(
            _ step: String, _ type: EventType, _ gvr: GroupVersionResource, _ object: JSONValue, _ origin: EventOrigin
        )
            async throws
        {
            let stored = try await w.write(type, gvr, object, origin: origin)
            let rv = storedRV(of: stored)
            s.rvs.append(rv)
            s.byStep[step] = rv
            if type == .deleted { current[key(gvr, stored)] = nil } else { current[key(gvr, stored)] = stored }
            s.states[rv] = current
        }
        let cm = HistoryWriter.configmaps
        let app1 = HistoryWriter.configMap("app", uid: "c1", data: ["mode": "a"])
        var app2 = app1
        app2["data"] = ["mode": "b", "extra": "x"]
        try await record("app-created", .added, cm, app1, .local(client: "kubectl/v1.30.0"))
        try await record(
            "secret-created", .added, HistoryWriter.secrets, HistoryWriter.secret("db", uid: "s1", password: "hunter2"),
            .local(client: "kubectl/v1.30.0"))
        try await record(
            "web-created", .added, HistoryWriter.deployments, HistoryWriter.deployment("web", uid: "d1", replicas: 1),
            .upstream(scope: 1))
        try await record("app-updated", .modified, cm, app2, .local(client: "kubectl/v1.30.0"))
        try await record(
            "web-scaled", .modified, HistoryWriter.deployments,
            HistoryWriter.deployment("web", uid: "d1", replicas: 3), .reconciler)
        try await record("app-deleted", .deleted, cm, app2, .system)
        try await record(
            "app-recreated", .added, cm, HistoryWriter.configMap("app", uid: "c2", data: ["mode": "c"]),
            .local(client: "python-requests"))
        try await record(
            "secret-rotated", .modified, HistoryWriter.secrets,
            HistoryWriter.secret("db", uid: "s1", password: "hunter3"), .local(client: "kubectl/v1.30.0"))
        try await record(
            "system-cm", .added, cm, HistoryWriter.configMap("other", namespace: "kube-system", uid: "c3", data: [:]),
            .system)
        return s
    }

    func rv(_ step: String) -> ResourceVersion { byStep[step] ?? 0 }
}

/// The objects of a reconstructed state, keyed like `Scenario.states`.
func keyed(_ objects: [ObjectSnapshot]) throws -> [String: JSONValue] {
    var out: [String: JSONValue] = [:]
    for o in objects {
        out[Scenario.key(o.resource, try JSONValue(parsing: o.bytes))] = try JSONValue(parsing: o.bytes)
    }
    return out
}

@Suite("Forensics over a real database", .serialized)
struct DatabaseTests {
    @Test("replay state at every RV reconstructs exactly the objects that existed then")
    func stateAtEveryRV() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        for rv in s.rvs {
            #expect(try keyed(db.state(at: rv)) == s.states[rv], "state at RV \(rv)")
        }
        let aliases = ResourcePattern.aliases(from: .builtIn())
        let onlyCM = try db.state(
            at: s.rv("app-updated"), resources: [ResourcePattern(parsing: "cm", aliases: aliases)], namespace: "default"
        )
        #expect(onlyCM.map(\.name) == ["app"])
        #expect(try JSONValue(parsing: onlyCM[0].bytes)["data"]?["mode"] == "b")
    }

    @Test("history lists every version, what changed and who changed it")
    func history() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        let pattern = ResourcePattern(parsing: "configmaps", aliases: ResourcePattern.aliases(from: .builtIn()))
        let versions = try db.history(pattern, namespace: "default", name: "app")
        #expect(
            versions.map(\.rv) == [
                s.rv("app-created"), s.rv("app-updated"), s.rv("app-deleted"), s.rv("app-recreated"),
            ])
        #expect(versions.map(\.type) == [.added, .modified, .deleted, .added])
        #expect(
            versions.map(\.origin) == [
                .local(client: "kubectl/v1.30.0"), .local(client: "kubectl/v1.30.0"), .system,
                .local(client: "python-requests"),
            ])
        let steps = ObjectHistory(versions: versions, renderer: ForensicRenderer()).steps()
        #expect(
            steps[1].changes == [
                JSONChange(kind: .changed, path: [.key("data"), .key("mode")], old: "a", new: "b"),
                JSONChange(kind: .added, path: [.key("data"), .key("extra")], old: nil, new: "x"),
            ])
        #expect(steps[3].recreated)
        for (step, version) in zip(steps, versions) {
            #expect(storedRV(of: step.current) == version.rv)
        }
    }

    @Test("tail selects by resource, namespace, type, origin, RV range and keeps the last N")
    func tail() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        func rvs(_ configure: (inout EventFilter) throws -> Void, limit: Int? = nil) throws -> [ResourceVersion] {
            var f = EventFilter()
            try configure(&f)
            var out: [ResourceVersion] = []
            try db.tail(f, limit: limit, loadObjects: false) { out.append($0.rv) }
            return out
        }
        let all = try rvs { _ in }
        #expect(Array(all.suffix(s.rvs.count)) == s.rvs)
        #expect(
            try rvs({ $0.resources = db.resourcePatterns(["secrets"]) }) == [
                s.rv("secret-created"), s.rv("secret-rotated"),
            ])
        #expect(
            try rvs({ $0.resources = db.resourcePatterns(["deploy"]) }) == [s.rv("web-created"), s.rv("web-scaled")])
        #expect(
            try rvs({
                $0.namespace = "kube-system"
                $0.resources = db.resourcePatterns(["cm"])
            }) == [s.rv("system-cm")])
        #expect(try rvs({ $0.types = [.deleted] }) == [s.rv("app-deleted")])
        #expect(try rvs({ $0.origins = [try OriginFilter(parsing: "upstream")] }) == [s.rv("web-created")])
        #expect(try rvs({ $0.origins = [try OriginFilter(parsing: "local:python")] }) == [s.rv("app-recreated")])
        #expect(try rvs({ $0.origins = [.reconciler] }) == [s.rv("web-scaled")])
        #expect(
            try rvs({
                $0.sinceRV = s.rvs[2]
                $0.untilRV = s.rvs[4]
            }) == Array(s.rvs[2...4]))
        #expect(try rvs({ _ in }, limit: 3) == Array(s.rvs.suffix(3)))
        #expect(
            try rvs({ $0.resources = db.resourcePatterns(["cm"]) }, limit: 2) == [
                s.rv("app-recreated"), s.rv("system-cm"),
            ])

        var loaded: [EventRecord] = []
        var f = EventFilter()
        f.resources = db.resourcePatterns(["secrets"])
        try db.tail(f, limit: 1, loadObjects: true) { loaded.append($0) }
        #expect(loaded.count == 1 && loaded[0].size == loaded[0].object.count && !loaded[0].object.isEmpty)
        #expect(loaded[0].isSecret)
    }

    @Test("times map to the RV the log was at")
    func timeToRV() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        for rv in s.rvs {
            let time = try #require(try db.event(at: rv)).time
            let found = try db.resourceVersion(atTime: time)
            #expect(found >= rv, "the last event at or before the time")
            #expect(try db.event(at: found)?.time == time)
        }
        let first = try #require(try db.event(at: s.rvs[0])).time
        #expect(throws: ForensicsError.self) { try db.resourceVersion(atTime: first - 1_000_000_000) }
    }

    @Test("a diff between two RVs names what was added, changed and removed")
    func diff() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        let diff = StateDiff(
            old: try db.state(at: s.rv("app-updated")), new: try db.state(at: s.rv("system-cm")))
        let summary = diff.entries.map { "\($0.kind.rawValue) \($0.key)" }
        #expect(
            summary == [
                "changed configmaps default/app",
                "added configmaps kube-system/other",
                "changed deployments.apps default/web",
                "changed secrets default/db",
            ])
        let app = try #require(diff.entries.first)
        #expect(app.old?.uid == "c1" && app.new?.uid == "c2", "deleted and created again reads as a replacement")
        let text = diff.render(ForensicRenderer())
        #expect(text.contains("~ deployments.apps default/web"))
        #expect(text.contains("    ~ spec.replicas: 1 → 3"))
        #expect(text.contains("    ~ data.password: <redacted: 7 bytes> → <redacted: 7 bytes>"))
        #expect(!text.contains(Data("hunter".utf8).base64EncodedString().prefix(6)))
    }

    @Test("export writes one YAML file per object under namespace and resource")
    func export() async throws {
        let dir = try TempDir()
        let out = try TempDir("export")
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        let written = try db.export(at: s.rv("system-cm"), to: out.path, renderer: ForensicRenderer())
        let relative = written.map { String($0.dropFirst(out.path.count + 1)) }.sorted()
        #expect(
            relative == [
                "default/configmaps/app.yaml", "default/deployments.apps/web.yaml", "default/secrets/db.yaml",
                "kube-system/configmaps/other.yaml",
            ])
        let yaml = try String(contentsOfFile: "\(out.path)/default/deployments.apps/web.yaml", encoding: .utf8)
        let web = try JSONValue(yaml: yaml)
        #expect(web == s.states[s.rv("system-cm")]?["deployments.apps default/web"])
        let secretYAML = try String(contentsOfFile: "\(out.path)/default/secrets/db.yaml", encoding: .utf8)
        #expect(secretYAML.contains("<redacted: 7 bytes>"))
    }

    @Test("stats count events per resource and origin and report the file")
    func stats() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        let report = try db.stats()
        #expect(report.byResource["configmaps"]?.events == 5)
        #expect(report.byResource["secrets"]?.events == 2)
        #expect(report.byResource["deployments.apps"]?.events == 2)
        #expect(report.byOrigin["local"]?.events == 5)
        #expect(report.byOrigin["system"]?.events == 2)
        #expect(report.byOrigin["upstream"]?.events == 1)
        #expect(report.byOrigin["reconciler"]?.events == 1)
        #expect(report.head == s.rvs.last)
        #expect(report.newest?.rv == s.rvs.last)
        #expect(report.file.fileSize > 0)
        #expect(report.scopes.isEmpty)
        let text = report.renderText()
        #expect(text.contains("SYNC SCOPES\nnone\n"))
        #expect(text.contains("deployments.apps"))
    }

    @Test("verify finds nothing in a consistent database and reports a corrupted projection row")
    func verify() async throws {
        let dir = try TempDir()
        _ = try await Scenario.write(to: dir.path)
        do {
            let db = try ForensicDatabase(directory: dir.path)
            #expect(try db.store.verify() == [])
            db.close()
        }
        try await corruptFirstObjectRow(dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        let problems = try db.store.verify()
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.contains("objects") == true)
    }

    @Test("a state below the compaction horizon is refused with the horizon named; later states stay exact")
    func horizon() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let horizon = s.rv("web-scaled")
        do {
            let store = try openStore(dir.path)
            _ = try await store.log.compact(to: horizon)
            store.close()
        }
        let db = try ForensicDatabase(directory: dir.path)
        defer { db.close() }
        #expect(throws: ForensicsError.belowHorizon(requested: s.rv("app-updated"), horizon: horizon)) {
            try db.state(at: s.rv("app-updated"))
        }
        #expect(
            ForensicsError.belowHorizon(requested: 5, horizon: 9).description.contains("below the compaction horizon 9")
        )
        for rv in s.rvs where rv >= horizon {
            #expect(try keyed(db.state(at: rv)) == s.states[rv], "state at RV \(rv) after compaction")
        }
        // History keeps the version each object had at the horizon.
        let versions = try db.history(db.resourcePatterns(["cm"])[0], namespace: "default", name: "app")
        #expect(versions.first?.rv == s.rv("app-updated"))
        #expect(versions.last?.rv == s.rv("app-recreated"))
    }

    @Test("backup makes a compacted copy that opens as a data directory with the same state")
    func backup() async throws {
        let dir = try TempDir()
        let copyParent = try TempDir("backup")
        let s = try await Scenario.write(to: dir.path)
        let db = try ForensicDatabase(directory: dir.path)
        let summary = try db.backup(to: copyParent.path + "/copy")
        #expect(summary.head == s.rvs.last)
        #expect(throws: ForensicsError.self) { try db.backup(to: dir.path) }
        db.close()
        let copy = try ForensicDatabase(directory: copyParent.path + "/copy")
        defer { copy.close() }
        #expect(try keyed(copy.state(at: s.rvs.last ?? 0)) == s.states[s.rvs.last ?? 0])
        #expect(try copy.store.verify() == [])
    }

    @Test("a directory without a database is named in the error")
    func noDatabase() throws {
        let dir = try TempDir()
        #expect(throws: ForensicsError.noDatabase(directory: dir.path + "/nope")) {
            try ForensicDatabase(directory: dir.path + "/nope")
        }
        #expect(
            ForensicsError.noDatabase(directory: "/x").description.hasPrefix("no AKE database at /x"))
    }
}

/// Flips one byte of the first `proj.objects` row behind the projector's back.
func corruptFirstObjectRow(_ dir: String) async throws {
    let store = try openStore(dir)
    defer { store.close() }
    let table = try #require(store.log.table(named: "proj.objects"))
    try await store.log.write { txn in
        var first: ([UInt8], [UInt8])?
        try txn.scan(table, from: nil) { k, v in
            first = (Array(k), Array(v))
            return false
        }
        guard let (key, original) = first, !original.isEmpty else { return }
        var value = original
        value[0] ^= 0x01
        try txn.put(table, key: key, value: value)
    }
}
