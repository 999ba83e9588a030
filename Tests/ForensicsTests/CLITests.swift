import Forensics
import Foundation
import KubeModel
import Testing

/// `ake log` / `ake replay` / `ake backup` as a user runs them: the real binary, a real
/// database in a data directory, and checks on what they print.
@Suite("ake log, replay and backup (the binary)", .serialized)
struct CLITests {
    @Test("log tail prints every event as a table, as JSON lines and as YAML, with Secrets redacted")
    func tail() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)

        let table = try ake(["log", "tail", "--data-dir", dir.path])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) == [
                "RV", "TIME", "TYPE", "RESOURCE", "NAMESPACE/NAME", "ORIGIN", "SIZE",
            ])
        let appUpdated = try #require(lines.first { $0.hasPrefix("\(s.rv("app-updated")) ") })
        let cells = appUpdated.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(cells[3] == "MODIFIED" && cells[4] == "configmaps" && cells[5] == "default/app")
        #expect(cells[6] == "local:kubectl/v1.30.0")

        let json = try ake(["log", "tail", "--data-dir", dir.path, "-o", "json"]).jsonLines()
        #expect(json.compactMap { $0["rv"]?.int64Value }.map(UInt64.init).suffix(s.rvs.count) == ArraySlice(s.rvs))
        let secretEvent = try #require(json.first { $0["rv"]?.int64Value == Int64(s.rv("secret-created")) })
        #expect(secretEvent["object"]?["data"]?["password"] == "<redacted: 7 bytes>")
        #expect(secretEvent["resource"] == "secrets")
        let revealed = try ake([
            "log", "tail", "--data-dir", dir.path, "-o", "json", "--reveal-secrets", "--resource", "secret",
        ])
        .jsonLines()
        #expect(
            revealed.map { $0["object"]?["data"]?["password"] } == [
                .string(Data("hunter2".utf8).base64EncodedString()),
                .string(Data("hunter3".utf8).base64EncodedString()),
            ])

        let yaml = try ake(["log", "tail", "--data-dir", dir.path, "-o", "yaml", "--type", "DELETED"])
        let docs = try JSONValue.yamlDocuments(yaml.stdout)
        #expect(docs.count == 1)
        #expect(docs.first?["rv"]?.int64Value == Int64(s.rv("app-deleted")))
        #expect(docs.first?["origin"] == "system")
    }

    @Test("log tail filters combine, and -n keeps the last N")
    func tailFilters() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        func rvs(_ args: [String]) throws -> [UInt64] {
            let r = try ake(["log", "tail", "--data-dir", dir.path, "-o", "json"] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return try r.jsonLines().compactMap { $0["rv"]?.int64Value }.map(UInt64.init)
        }
        #expect(
            try rvs(["--resource", "cm", "--namespace", "default"]) == [
                s.rv("app-created"), s.rv("app-updated"), s.rv("app-deleted"), s.rv("app-recreated"),
            ])
        #expect(try rvs(["--resource", "deployments.apps", "--origin", "reconciler"]) == [s.rv("web-scaled")])
        #expect(try rvs(["--origin", "local:python"]) == [s.rv("app-recreated")])
        #expect(try rvs(["--name", "app", "--type", "ADDED"]) == [s.rv("app-created"), s.rv("app-recreated")])
        #expect(try rvs(["--since-rv", "\(s.rvs[3])", "--until-rv", "\(s.rvs[5])"]) == Array(s.rvs[3...5]))
        #expect(try rvs(["-n", "2"]) == Array(s.rvs.suffix(2)))
        #expect(try rvs(["--since", "1h"]).suffix(s.rvs.count) == ArraySlice(s.rvs))
        #expect(try rvs(["--until", "2000-01-01T00:00:00Z"]) == [])
        let bad = try ake(["log", "tail", "--data-dir", dir.path, "--origin", "cloud"])
        #expect(bad.status != 0 && bad.stderr.contains("invalid origin \"cloud\""))
        let badTime = try ake(["log", "tail", "--data-dir", dir.path, "--since", "yesterday"])
        #expect(badTime.status != 0 && badTime.stderr.contains("invalid time \"yesterday\""))
    }

    @Test("log show prints one event in full; log stats summarises the database")
    func showAndStats() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let show = try ake(["log", "show", "--data-dir", dir.path, "\(s.rv("secret-rotated"))"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("MODIFIED"))
        #expect(show.stdout.contains("local:kubectl/v1.30.0"))
        #expect(show.stdout.contains("password: '<redacted: 7 bytes>'"))
        #expect(!show.stdout.contains(Data("hunter3".utf8).base64EncodedString()))
        let showJSON = try ake(["log", "show", "--data-dir", dir.path, "\(s.rv("web-scaled"))", "-o", "json"]).json()
        #expect(showJSON["object"]?["spec"]?["replicas"]?.int64Value == 3)
        #expect(showJSON["origin"] == "reconciler")
        let missing = try ake(["log", "show", "--data-dir", dir.path, "\((s.rvs.last ?? 0) + 100)"])
        #expect(missing.status == 2 && missing.stderr.contains("beyond the head of the log"))

        let stats = try ake(["log", "stats", "--data-dir", dir.path])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("SYNC SCOPES\nnone\n"))
        #expect(stats.stdout.contains("HORIZON"))
        #expect(stats.stdout.contains("free"))
        let statsJSON = try ake(["log", "stats", "--data-dir", dir.path, "-o", "json"]).json()
        #expect(statsJSON["byResource"]?["configmaps"]?["events"]?.int64Value == 5)
        #expect(statsJSON["byOrigin"]?["reconciler"]?["events"]?.int64Value == 1)
        #expect(statsJSON["head"]?.int64Value == Int64(s.rvs.last ?? 0))
        #expect((statsJSON["file"]?["fileSize"]?.int64Value ?? 0) > 0)
    }

    @Test("replay state prints a kubectl List that matches what existed at each RV")
    func state() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        for rv in s.rvs {
            let r = try ake([
                "replay", "state", "--data-dir", dir.path, "--at", "\(rv)", "-o", "json", "--reveal-secrets",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            let list = try r.json()
            #expect(list["kind"] == "List" && list["apiVersion"] == "v1")
            #expect(list["metadata"]?["resourceVersion"] == .string(String(rv)))
            var got: [String: JSONValue] = [:]
            for item in list["items"]?.arrayValue ?? [] {
                let gvr = try #require(
                    ResourcePattern.aliases(from: .builtIn()).first {
                        $0.names.contains((item["kind"]?.stringValue ?? "").lowercased())
                    }?.gvr)
                got[Scenario.key(gvr, item)] = item
            }
            #expect(got == s.states[rv], "state at RV \(rv)")
        }
        let yaml = try ake([
            "replay", "state", "--data-dir", dir.path, "--at", "\(s.rv("app-updated"))", "--resource", "cm",
        ])
        let doc = try JSONValue(yaml: yaml.stdout)
        #expect(doc["kind"] == "List")
        #expect(doc["items"]?.arrayValue?.map { $0["data"]?["mode"] } == ["b"])
        let redacted = try ake(["replay", "state", "--data-dir", dir.path, "--resource", "secrets", "-o", "json"])
            .json()
        #expect(redacted["items"]?.arrayValue?.first?["data"]?["password"] == "<redacted: 7 bytes>")
    }

    @Test("replay history shows each version with its diff and who made it")
    func history() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let text = try ake(["replay", "history", "--data-dir", dir.path, "configmaps", "default/app"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("RV \(s.rv("app-updated"))  "))
        #expect(text.stdout.contains("MODIFIED  by local:kubectl/v1.30.0"))
        #expect(text.stdout.contains("-  mode: a\n"))
        #expect(text.stdout.contains("+  mode: b\n"))
        #expect(text.stdout.contains("+  extra: x\n"))
        #expect(text.stdout.contains("DELETED  by system"))
        #expect(text.stdout.contains("(created again under the same name)"))
        let paths = try ake(["replay", "history", "--data-dir", dir.path, "deploy", "web", "--diff", "paths"])
        #expect(paths.stdout.contains("~ spec.replicas: 1 → 3"), "\(paths.stdout)")
        #expect(paths.stdout.contains("by reconciler"))
        let json = try ake(["replay", "history", "--data-dir", dir.path, "cm", "default/app", "-o", "json"]).json()
        let versions = json["versions"]?.arrayValue ?? []
        #expect(
            versions.compactMap { $0["rv"]?.int64Value }.map(UInt64.init) == [
                s.rv("app-created"), s.rv("app-updated"), s.rv("app-deleted"), s.rv("app-recreated"),
            ])
        #expect(
            versions[1]["changes"]?.arrayValue?.compactMap { $0["path"]?.stringValue } == ["data.mode", "data.extra"])
        let missing = try ake(["replay", "history", "--data-dir", dir.path, "cm", "default/nope"])
        #expect(missing.status == 2 && missing.stderr.contains("no retained events"))
    }

    @Test("replay diff names what was added, changed and removed between two RVs")
    func diff() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let r = try ake([
            "replay", "diff", "--data-dir", dir.path, "\(s.rv("secret-created"))", "\(s.rv("app-deleted"))",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("- configmaps default/app"))
        #expect(r.stdout.contains("+ deployments.apps default/web"))
        #expect(r.stdout.contains("1 added, 0 changed, 1 removed"))
        let j = try ake([
            "replay", "diff", "--data-dir", dir.path, "\(s.rv("web-created"))", "\(s.rv("web-scaled"))", "-o", "json",
        ])
        .json()
        #expect(j["changed"]?.arrayValue?.count == 2)
        #expect(j["added"]?.arrayValue?.isEmpty == true)
    }

    @Test("replay verify passes on a consistent database and fails precisely on a corrupted row")
    func verify() async throws {
        let dir = try TempDir()
        _ = try await Scenario.write(to: dir.path)
        let ok = try ake(["replay", "verify", "--data-dir", dir.path])
        #expect(ok.status == 0 && ok.stdout.hasPrefix("consistent"), "\(ok.stdout)\(ok.stderr)")
        try await corruptFirstObjectRow(dir.path)
        let bad = try ake(["replay", "verify", "--data-dir", dir.path])
        #expect(bad.status == 1)
        #expect(bad.stdout.hasPrefix("MISMATCH: 1 difference(s)"), "\(bad.stdout)")
        #expect(bad.stdout.contains("objects: row"))
    }

    @Test("replay export writes one YAML per object; backup makes a copy both tools accept")
    func exportAndBackup() async throws {
        let dir = try TempDir()
        let out = try TempDir("export")
        let s = try await Scenario.write(to: dir.path)
        let e = try ake(["replay", "export", "--data-dir", dir.path, "--at", "\(s.rv("web-scaled"))", out.path])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("wrote 3 object(s)"))
        let app = try JSONValue(
            yaml: String(contentsOfFile: "\(out.path)/default/configmaps/app.yaml", encoding: .utf8))
        #expect(app == s.states[s.rv("web-scaled")]?["configmaps default/app"])

        let copy = out.path + "/backup"
        let b = try ake(["backup", "--data-dir", dir.path, copy])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stdout.contains("backed up"))
        let again = try ake(["backup", "--data-dir", dir.path, copy])
        #expect(again.status == 2 && again.stderr.contains("is not empty"))
        let fromCopy = try ake(["log", "tail", "--data-dir", copy, "-o", "json"]).jsonLines()
        #expect(fromCopy.compactMap { $0["rv"]?.int64Value }.map(UInt64.init).suffix(s.rvs.count) == ArraySlice(s.rvs))
        let verify = try ake(["replay", "verify", "--data-dir", copy])
        #expect(verify.status == 0)
    }

    @Test("errors name the problem: a directory without a database")
    func errors() throws {
        let dir = try TempDir()
        for args in [
            ["log", "tail"], ["log", "stats"], ["replay", "state"], ["replay", "verify"], ["backup", dir.path + "/x"],
        ] {
            let r = try ake(args + ["--data-dir", dir.path + "/missing"])
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains("no AKE database at \(dir.path)/missing"), "\(args): \(r.stderr)")
        }
    }

    @Test("a point below the compaction horizon is refused with the horizon stated")
    func horizon() async throws {
        let dir = try TempDir()
        let s = try await Scenario.write(to: dir.path)
        let horizon = s.rv("web-scaled")
        do {
            let store = try openStore(dir.path)
            _ = try await store.log.compact(to: horizon)
            store.close()
        }
        let r = try ake(["replay", "state", "--data-dir", dir.path, "--at", "\(s.rv("app-created"))"])
        #expect(r.status == 2)
        #expect(
            r.stderr.contains("RV \(s.rv("app-created")) is below the compaction horizon \(horizon)"), "\(r.stderr)")
        let show = try ake(["log", "show", "--data-dir", dir.path, "\(s.rv("app-created"))"])
        #expect(show.status == 2 && show.stderr.contains("below the compaction horizon \(horizon)"), "\(show.stderr)")
        let ok = try ake(["replay", "state", "--data-dir", dir.path, "--at", "\(horizon)", "-o", "json"])
        #expect(ok.status == 0)
        let stats = try ake(["log", "stats", "--data-dir", dir.path, "-o", "json"]).json()
        #expect(stats["horizon"]?.int64Value == Int64(horizon))
    }

    @Test("every command and flag has help text")
    func help() throws {
        let commands: [([String], [String])] = [
            (
                ["log", "tail"],
                [
                    "--follow", "--resource", "--namespace", "--name", "--type", "--origin", "--since-rv",
                    "--until-rv", "--since", "--until", "--limit", "--output", "--reveal-secrets", "--data-dir",
                ]
            ),
            (["log", "show"], ["--output", "--reveal-secrets", "--data-dir"]),
            (["log", "stats"], ["--output", "--data-dir"]),
            (
                ["replay", "state"],
                ["--at", "--resource", "--namespace", "--output", "--reveal-secrets", "--data-dir"]
            ),
            (["replay", "history"], ["--diff", "--output", "--reveal-secrets", "--data-dir"]),
            (["replay", "diff"], ["--resource", "--namespace", "--output", "--reveal-secrets", "--data-dir"]),
            (["replay", "verify"], ["--data-dir"]),
            (["replay", "export"], ["--at", "--resource", "--namespace", "--reveal-secrets", "--data-dir"]),
            (["backup"], ["--data-dir"]),
        ]
        for (command, flags) in commands {
            let r = try ake(command + ["--help"])
            #expect(r.status == 0, "\(command)")
            for flag in flags {
                let line = r.stdout.split(separator: "\n").first { $0.contains(flag) }.map(String.init) ?? ""
                #expect(!line.isEmpty, "\(command) documents \(flag)")
            }
            #expect(r.stdout.contains("OVERVIEW:"), "\(command) has an abstract")
        }
        let top = try ake(["--help"])
        for sub in ["log", "replay", "backup"] { #expect(top.stdout.contains("  \(sub) ")) }
    }
}
