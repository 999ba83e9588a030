import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Running on a node: the disk quota with the real binary, the config file, `ake status`,
/// `ake compact-db`.
@Suite("Node operations (real binary)", .serialized)
struct NodeOperationsTests {
    static func configMap(_ name: String, bytes: Int) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name],
            "data": ["k": String(repeating: "x", count: bytes)],
        ]
    }

    /// Runs `ake <args>` to completion.
    static func ake(_ args: [String]) throws -> (Int32, String) {
        try runProcess(try AKEProcess.binary().path, args)
    }

    @Test(
        "at --max-db-size writes get 507 Insufficient Storage as a Status, reads stay 200, the log replays clean, and a restart with the quota full still serves"
    )
    func quotaWithTheRealBinary() throws {
        let dir = try AKEProcess.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let quota = ["--max-db-size", "3Mi"]
        let path = "/api/v1/namespaces/default/configmaps"
        var created = 0
        do {
            let server = try AKEProcess(dataDir: dir, arguments: quota)
            defer { server.stop() }
            // Kept by a finalizer: its DELETE writes a MODIFIED event (deletionTimestamp), not a DELETED one.
            var guarded = Self.configMap("guarded", bytes: 10)
            guarded["metadata"] = ["name": "guarded", "finalizers": ["example.com/keep"]]
            #expect(try server.post(path, json: guarded).status == 201)
            var refusal: HTTPResponse?
            for i in 0..<400 {
                let r = try server.post(path, json: Self.configMap("cm\(i)", bytes: 30_000))
                if r.status == 201 {
                    created += 1
                    continue
                }
                refusal = r
                break
            }
            let refused = try #require(refusal, "no write was refused within 400 creates of 30 KB")
            #expect(refused.status == 507)
            let status = try refused.json()
            #expect(status["kind"] as? String == "Status")
            #expect(status["reason"] as? String == "InsufficientStorage")
            #expect(status["code"] as? Int == 507)
            #expect(created > 10)
            // Reads keep working.
            #expect(try server.get(path).status == 200)
            #expect(try server.get("\(path)/cm0").status == 200)
            let report = try Self.ake(["status", "--server", "http://127.0.0.1:\(server.port)", "-o", "json"])
            #expect(report.0 == 0, "\(report.1)")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(report.1.utf8)) as? [String: Any], "\(report.1)")
            let database = try #require(json["database"] as? [String: Any])
            #expect(database["quotaBytes"] as? Int == 3 << 20)
            #expect(database["quotaExceeded"] as? Bool == true)
            // The file stays below the quota plus its headroom (1 MiB for small quotas).
            let size =
                try FileManager.default.attributesOfItem(
                    atPath: dir.appendingPathComponent("data/data.mdb").path)[.size] as? Int ?? .max
            #expect(size <= (3 << 20) + (1 << 20))
        }
        // Never corrupted: the projections match a replay of the log.
        let verify = try Self.ake(["replay", "verify", "--data-dir", dir.appendingPathComponent("data").path])
        #expect(verify.0 == 0, "\(verify.1)")
        #expect(verify.1.contains("consistent"))

        // A restart with the quota still full serves reads and refuses writes.
        let again = try AKEProcess(dataDir: dir, arguments: quota)
        defer { again.stop() }
        #expect(try again.get("\(path)/cm1").status == 200)
        #expect(try again.post(path, json: Self.configMap("late", bytes: 30_000)).status == 507)
        // Deletions are accepted, as with etcd's NOSPACE alarm, also one that only marks the
        // object (a finalizer keeps it); the compactor gives their space back and writes are
        // taken again.
        let marked = try again.request("DELETE", "\(path)/guarded")
        #expect(marked.status == 200)
        #expect(((try marked.json()["metadata"] as? [String: Any])?["deletionTimestamp"]) is String)
        for i in 0..<3 { #expect(try again.request("DELETE", "\(path)/cm\(i)").status == 200) }
        var accepted = false
        let deadline = Date().addingTimeInterval(15)
        while !accepted && Date() < deadline {
            accepted = try again.post(path, json: Self.configMap("late", bytes: 30_000)).status == 201
            if !accepted { usleep(250_000) }
        }
        #expect(accepted, "writes still refused after deleting 3 objects")
    }

    @Test("ake compact-db refuses while the server runs, then shrinks data.mdb after compaction freed pages")
    func compactDB() throws {
        let dir = try AKEProcess.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        do {
            let server = try AKEProcess(
                dataDir: dir, arguments: ["--retention-max-events", "5", "--compaction-interval", "1s"])
            defer { server.stop() }
            let path = "/api/v1/namespaces/default/configmaps"
            for i in 0..<60 {
                #expect(try server.post(path, json: Self.configMap("cm\(i)", bytes: 20_000)).status == 201)
            }
            for i in 0..<60 { #expect(try server.request("DELETE", "\(path)/cm\(i)").status == 200) }
            let busy = try Self.ake(["compact-db", "--data-dir", data])
            #expect(busy.0 != 0)
            #expect(busy.1.contains("in use"), "\(busy.1)")
            // Wait for the compactor (every second) to drop the deleted objects' events.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let s = try Self.ake(["status", "--server", "http://127.0.0.1:\(server.port)", "-o", "json"])
                if let json = try? JSONSerialization.jsonObject(with: Data(s.1.utf8)) as? [String: Any],
                    let db = json["database"] as? [String: Any], let used = db["usedBytes"] as? Int, used < 512 << 10
                {
                    break
                }
                usleep(200_000)
            }
        }
        let file = data + "/data.mdb"
        let before = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        let result = try Self.ake(["compact-db", "--data-dir", data])
        #expect(result.0 == 0, "\(result.1)")
        let after = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        #expect(after < before / 2, "before \(before), after \(after)")
        let verify = try Self.ake(["replay", "verify", "--data-dir", data])
        #expect(verify.0 == 0, "\(verify.1)")
        // The compacted database serves again.
        let server = try AKEProcess(dataDir: dir)
        defer { server.stop() }
        #expect(try server.get("/api/v1/namespaces/default").status == 200)
    }

    @Test("config file: flags override the file, config print names each source, unknown keys name their line")
    func configFile() throws {
        let dir = try AKEProcess.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.yaml").path
        try """
        # an edge node
        max-watches: 100
        retention-max-age: 2h
        max-db-size: 512Mi
        sync:
          - pods:spec.nodeName=node1
          - configmaps/kube-system

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let (code, out) = try Self.ake(["config", "print", "--config", file, "--max-watches", "7"])
        #expect(code == 0, "\(out)")
        let lines = out.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(lines.first == "KEY VALUE SOURCE")
        #expect(lines.contains("max-watches 7 flag"))
        #expect(lines.contains("retention-max-age 2h file \(file):3"))
        #expect(lines.contains("max-db-size 512Mi file \(file):4"))
        #expect(lines.contains("sync pods:spec.nodeName=node1,configmaps/kube-system file \(file):5"))
        // The bounded defaults.
        #expect(lines.contains("retention-max-events 1000000 default"))
        #expect(lines.contains("listen 127.0.0.1:10550 default"))
        #expect(lines.contains { $0.hasPrefix("max-db-size") })

        try "listen: 127.0.0.1:0\nmax-watchs: 5\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (badCode, badOut) = try Self.ake([
            "serve", "--config", file, "--data-dir", dir.appendingPathComponent("d").path,
        ])
        #expect(badCode != 0)
        #expect(badOut.contains("\(file):2: unknown key \"max-watchs\""), "\(badOut)")

        try "max-inflight: lots\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (valueCode, valueOut) = try Self.ake(["config", "print", "--config", file])
        #expect(valueCode != 0)
        #expect(valueOut.contains("max-inflight (\(file):1)"), "\(valueOut)")

        // A served config file: the server takes its settings from it.
        try "max-db-size: 1Gi\nretention-max-events: 50\n".write(toFile: file, atomically: true, encoding: .utf8)
        let server = try AKEProcess(dataDir: dir, arguments: ["--config", file])
        defer { server.stop() }
        let status = try Self.ake(["status", "--server", "http://127.0.0.1:\(server.port)", "-o", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.1.utf8)) as? [String: Any])
        let database = try #require(json["database"] as? [String: Any])
        #expect(database["quotaBytes"] as? Int == 1 << 30)
        #expect((database["retention"] as? [String: Any])?["maxEvents"] as? Int == 50)
    }

    @Test(
        "security settings are config keys: a flag overrides the file, bad values name their line, the server uses them"
    )
    func securityConfigKeys() throws {
        let dir = try AKEProcess.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.yaml").path
        try """
        anonymous-auth: false
        authorization-mode: RBAC
        service-account-issuer:
          - https://a.example
          - https://b.example

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let (code, out) = try Self.ake(["config", "print", "--config", file, "--authorization-mode", "Node,RBAC"])
        #expect(code == 0, "\(out)")
        let lines = out.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(lines.contains("anonymous-auth false file \(file):1"))
        #expect(lines.contains("authorization-mode Node,RBAC flag"))
        #expect(lines.contains("service-account-issuer https://a.example,https://b.example file \(file):3"))
        #expect(lines.contains("service-account-lookup true default"))
        #expect(lines.contains("insecure-serve-remote false default"))
        #expect(lines.contains("tls-cert-file - default"))

        try "anonymous-auth: maybe\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (badCode, badOut) = try Self.ake(["config", "print", "--config", file])
        #expect(badCode != 0)
        #expect(badOut.contains("anonymous-auth (\(file):1): \"maybe\" is not true or false"), "\(badOut)")
        try "authorization-mode: Everything\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (modeCode, modeOut) = try Self.ake(["config", "print", "--config", file])
        #expect(modeCode != 0)
        #expect(modeOut.contains("authorization-mode (\(file):1)"), "\(modeOut)")
        // The safe default also reads the file: beyond loopback without TLS it refuses to start...
        try "listen: 0.0.0.0:0\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (remoteCode, remoteOut) = try Self.ake([
            "serve", "--config", file, "--data-dir", dir.appendingPathComponent("r").path,
        ])
        #expect(remoteCode != 0)
        #expect(remoteOut.contains("--insecure-serve-remote"), "\(remoteOut)")

        // A served file: without anonymous access every request needs credentials.
        try "anonymous-auth: false\n".write(toFile: file, atomically: true, encoding: .utf8)
        let server = try AKEProcess(dataDir: dir, arguments: ["--config", file])
        defer { server.stop() }
        #expect(try server.get("/version").status == 401)
        // The flag wins over the file.
        let open = try AKEProcess(arguments: ["--config", file, "--anonymous-auth", "true"])
        defer { open.stop() }
        #expect(try open.get("/version").status == 200)
    }

    @Test(
        "ake status of a standalone server: the table names every fact; /ake/status is JSON; --data-dir works offline")
    func status() throws {
        try withServer { server in
            _ = try server.get("/api/v1/namespaces")
            let (code, table) = try Self.ake(["status", "--server", "http://127.0.0.1:\(server.port)"])
            #expect(code == 0, "\(table)")
            let labels = table.split(separator: "\n").map { String($0.prefix { $0 != " " || false }) }
            for label in [
                "VERSION", "ROLE", "UPTIME", "LISTEN", "DATA", "PENDING", "DATABASE", "HEAD", "OLDEST", "RETENTION",
                "WATCHES", "REQUESTS",
            ] {
                #expect(labels.contains(label), "\(label) missing in:\n\(table)")
            }
            #expect(table.contains("ROLE             standalone"))
            #expect(table.contains("LISTEN           http://127.0.0.1:\(server.port)"))
            #expect(table.contains("RETENTION        1000000 events, 24h"))
            let r = try server.get("/ake/status")
            #expect(r.status == 200)
            let json = try r.json()
            #expect(json["kind"] as? String == "AKEStatus")
            #expect(json["role"] as? String == "standalone")
            #expect(json.keys.contains("pendingWrites"))
            #expect((json["requestsTotal"] as? Int ?? 0) >= 1)
            let yaml = try Self.ake(["status", "--server", "http://127.0.0.1:\(server.port)", "-o", "yaml"])
            #expect(yaml.1.contains("kind: AKEStatus"))
            let offline = try Self.ake(["status", "--data-dir", server.dataDir.appendingPathComponent("data").path])
            #expect(offline.0 == 0, "\(offline.1)")
            #expect(offline.1.contains("SERVER           not asked"))
        }
        let unreachable = try Self.ake(["status", "--server", "http://127.0.0.1:1"])
        #expect(unreachable.0 != 0)
        #expect(unreachable.1.contains("cannot get the status"))
    }

    @Test("under systemd (NOTIFY_SOCKET set) the server sends READY=1 with its pid once it listens")
    func systemdNotify() throws {
        let dir = try AKEProcess.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let socketPath = dir.appendingPathComponent("notify.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        let server = try AKEProcess(dataDir: dir, environment: ["NOTIFY_SOCKET": socketPath])
        defer { server.stop() }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 10_000) == 1, "no notification within 10 s")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        let message = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self)
        let lines = message.split(separator: "\n").map(String.init)
        #expect(lines.contains("READY=1"), "\(message)")
        #expect(lines.contains("MAINPID=\(server.pid)"), "\(message)")
        #expect(lines.contains("STATUS=serving on http://127.0.0.1:\(server.port)"), "\(message)")
    }

    @Test("ake backup and replay verify show progress on a terminal and stay quiet when not one")
    func progress() throws {
        let dir = try AKEProcess.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let server = try AKEProcess(dataDir: dir)
            defer { server.stop() }
            for i in 0..<20 {
                #expect(
                    try server.post("/api/v1/namespaces/default/configmaps", json: Self.configMap("c\(i)", bytes: 100))
                        .status == 201)
            }
        }
        let data = dir.appendingPathComponent("data").path
        let ake = try AKEProcess.binary().path
        // Not a terminal: only the result.
        let piped = try Self.ake(["replay", "verify", "--data-dir", data])
        #expect(piped.0 == 0)
        #expect(!piped.1.contains("\r") && !piped.1.contains("replaying:"), "\(piped.1)")
        let pipedBackup = try Self.ake(["backup", "--data-dir", data, dir.appendingPathComponent("b1").path])
        #expect(pipedBackup.1.hasPrefix("backed up"), "\(pipedBackup.1)")
        // A terminal (script(1) gives the command a pseudo-terminal): a progress line, cleared at the end.
        guard let script = which("script") else { return }
        let verify = try runProcess(script, ["-qc", "\(ake) replay verify --data-dir \(data)", "/dev/null"])
        #expect(verify.1.contains("\rreplaying: "), "\(verify.1)")
        #expect(verify.1.contains("events"), "\(verify.1)")
        #expect(verify.1.contains("consistent"), "\(verify.1)")
        let backup = try runProcess(
            script, ["-qc", "\(ake) backup --data-dir \(data) \(dir.appendingPathComponent("b2").path)", "/dev/null"])
        #expect(backup.1.contains("\rbackup: "), "\(backup.1)")
        #expect(backup.1.contains("backed up"), "\(backup.1)")
    }

    @Test("--log-format json writes one JSON object per line; requests are logged at debug with their latency")
    func jsonLogs() throws {
        try withServer(arguments: ["--log-format", "json", "--log-level", "debug"]) { server in
            #expect(try server.get("/api/v1/namespaces").status == 200)
            let deadline = Date().addingTimeInterval(5)
            var request: [String: Any]?
            while request == nil && Date() < deadline {
                let lines = server.log.split(separator: "\n")
                for line in lines {
                    let object = try #require(
                        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
                    #expect(object["time"] is String && object["level"] is String && object["msg"] is String)
                    if object["msg"] as? String == "request", object["resource"] as? String == "namespaces" {
                        request = object
                    }
                }
                if request == nil { usleep(100_000) }
            }
            let line = try #require(request, "no request line in:\n\(server.log)")
            #expect(line["level"] as? String == "debug")
            #expect(line["verb"] as? String == "LIST")
            #expect(line["code"] as? String == "200")
            #expect(Double(line["latencyMs"] as? String ?? "") != nil)
        }
    }
}
