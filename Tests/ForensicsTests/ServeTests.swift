import Forensics
import Foundation
import KubeModel
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real `ake serve` on a free port with its own data directory.
final class LiveServer {
    let dataDir: TempDir
    let process: LineReadingProcess
    let base: String

    init() throws {
        dataDir = try TempDir("serve")
        process = try LineReadingProcess(
            try akeBinary(), ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir.path, "--log-level", "warning"])
        // The server prints this line once it accepts connections. A server that has not
        // within 60 s is stopped, so the read ends and the test fails instead of hanging.
        let process = self.process
        let watchdog = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        defer { watchdog.cancel() }
        var found: String?
        for _ in 0..<100 {
            guard let line = process.nextLine() else { break }
            if let r = line.range(of: "ake listening on ") {
                found = String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces)
                break
            }
        }
        guard let found else { throw CLIError(message: "ake serve did not report its address") }
        base = found
    }

    /// Sends one request; returns the status and the body parsed as JSON.
    func request(_ method: String, _ path: String, _ body: JSONValue? = nil, agent: String = "forensics-e2e/1.0")
        async throws -> (Int, JSONValue)
    {
        var req = URLRequest(url: try #require(URL(string: base + path)))
        req.httpMethod = method
        req.setValue(agent, forHTTPHeaderField: "User-Agent")
        if let body {
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
            req.httpBody = Data(body.serialized())
        }
        let (data, response) = try await URLSession.shared.data(for: req)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, try JSONValue(parsing: Array(data)))
    }

    /// Stops the server gracefully (SIGTERM) and waits for it.
    func stop() -> Int32 {
        process.terminate()
        return process.wait()
    }
}

/// `ake log`/`ake replay` against a database written by real HTTP traffic through `ake serve`.
@Suite("against a live ake serve", .serialized)
struct ServeTests {
    static let ns = "forensics"

    func configMap(_ name: String, _ data: JSONValue) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": .string(Self.ns)], "data": data,
        ]
    }

    /// Objects in namespace `forensics` at `rv`, from `ake replay state`, keyed "kind/name".
    func replayedState(_ dir: String, at rv: String) throws -> [String: JSONValue] {
        let r = try ake([
            "replay", "state", "--data-dir", dir, "--at", rv, "--namespace", Self.ns, "--resource", "configmaps",
            "--resource", "secrets", "-o", "json", "--reveal-secrets",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        var out: [String: JSONValue] = [:]
        for item in try r.json()["items"]?.arrayValue ?? [] {
            out["\(item["kind"]?.stringValue ?? "")/\(item["metadata"]?["name"]?.stringValue ?? "")"] = item
        }
        return out
    }

    @Test("a known sequence of HTTP writes is reconstructed exactly by replay state and history, while the server runs")
    func reconstruct() async throws {
        let server = try LiveServer()
        defer { _ = server.stop() }
        let dir = server.dataDir.path
        let (nsStatus, _) = try await server.request(
            "POST", "/api/v1/namespaces",
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Self.ns)]])
        #expect(nsStatus == 201)

        // Apply writes one by one; after each, remember what the server said exists.
        var model: [String: JSONValue] = [:]
        var checkpoints: [(rv: String, state: [String: JSONValue])] = []
        func applied(_ key: String, _ object: JSONValue?, rv: String) {
            model[key] = object
            checkpoints.append((rv, model))
        }
        let cmPath = "/api/v1/namespaces/\(Self.ns)/configmaps"
        var (status, app) = try await server.request("POST", cmPath, configMap("app", ["mode": "a"]))
        #expect(status == 201)
        applied("ConfigMap/app", app, rv: app["metadata"]?["resourceVersion"]?.stringValue ?? "")
        let secret: JSONValue = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "db", "namespace": .string(Self.ns)],
            "data": ["password": .string(Data("hunter2".utf8).base64EncodedString())],
        ]
        let (secretStatus, createdSecret) = try await server.request(
            "POST", "/api/v1/namespaces/\(Self.ns)/secrets", secret)
        #expect(secretStatus == 201)
        applied("Secret/db", createdSecret, rv: createdSecret["metadata"]?["resourceVersion"]?.stringValue ?? "")
        var update = app
        update["data"] = ["mode": "b", "extra": "x"]
        (status, app) = try await server.request("PUT", cmPath + "/app", update, agent: "kubectl/v1.31.0")
        #expect(status == 200)
        applied("ConfigMap/app", app, rv: app["metadata"]?["resourceVersion"]?.stringValue ?? "")
        let (otherStatus, other) = try await server.request("POST", cmPath, configMap("other", ["k": "v"]))
        #expect(otherStatus == 201)
        applied("ConfigMap/other", other, rv: other["metadata"]?["resourceVersion"]?.stringValue ?? "")
        let (deleteStatus, _) = try await server.request("DELETE", cmPath + "/app")
        #expect(deleteStatus == 200)
        // The delete's RV is the head now: read it from the log, as an operator would.
        let head = try ake(["log", "tail", "--data-dir", dir, "-n", "1", "-o", "json"]).jsonLines()
        let deleteRV = try #require(head.first?["rv"]?.int64Value)
        #expect(head.first?["type"] == "DELETED" && head.first?["name"] == "app")
        applied("ConfigMap/app", nil, rv: String(deleteRV))

        // Every checkpoint is reconstructed exactly, while the server keeps running.
        for checkpoint in checkpoints {
            #expect(try replayedState(dir, at: checkpoint.rv) == checkpoint.state, "state at RV \(checkpoint.rv)")
        }

        let history = try ake(["replay", "history", "--data-dir", dir, "cm", "\(Self.ns)/app", "-o", "json"]).json()
        let versions = history["versions"]?.arrayValue ?? []
        #expect(versions.compactMap { $0["type"]?.stringValue } == ["ADDED", "MODIFIED", "DELETED"])
        #expect(
            versions.compactMap { $0["origin"]?.stringValue } == [
                "local:forensics-e2e/1.0", "local:kubectl/v1.31.0", "local:forensics-e2e/1.0",
            ])
        #expect(
            versions.compactMap { $0["rv"]?.int64Value }.map(String.init)
                == [checkpoints[0].rv, checkpoints[2].rv, String(deleteRV)])
        let changes = versions[1]["changes"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(changes.contains("data.mode") && changes.contains("data.extra"), "\(changes)")
        let text = try ake(["replay", "history", "--data-dir", dir, "configmaps", "\(Self.ns)/app"]).stdout
        #expect(text.contains("MODIFIED  by local:kubectl/v1.31.0"))
        #expect(text.contains("+  mode: b"))

        let redacted = try ake(["log", "tail", "--data-dir", dir, "--resource", "secrets", "-o", "json"]).jsonLines()
        #expect(redacted.last?["object"]?["data"]?["password"] == "<redacted: 7 bytes>")

        let verify = try ake(["replay", "verify", "--data-dir", dir])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        // A backup of the live database holds the same state and is itself a data directory.
        let copy = try TempDir("copy")
        let backup = try ake(["backup", "--data-dir", dir, copy.path + "/b"])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(try replayedState(copy.path + "/b", at: String(deleteRV)) == checkpoints.last?.state)

        // The server is still serving after all this reading.
        let (getStatus, got) = try await server.request("GET", cmPath + "/other")
        #expect(getStatus == 200 && got["data"]?["k"] == "v")
        #expect(server.stop() == 0)
    }

    @Test("log tail -f follows a live server's writes as they happen and stops cleanly on SIGINT")
    func follow() async throws {
        let server = try LiveServer()
        defer { _ = server.stop() }
        let dir = server.dataDir.path
        _ = try await server.request(
            "POST", "/api/v1/namespaces",
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Self.ns)]])
        let follower = try LineReadingProcess(
            try akeBinary(), ["log", "tail", "-f", "--data-dir", dir, "--namespace", Self.ns, "-o", "json"])
        defer { follower.terminate() }
        // A safety net so a broken follower fails the test instead of hanging it.
        let watchdog = DispatchWorkItem { follower.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        defer { watchdog.cancel() }

        var written: [Int64] = []
        for i in 0..<20 {
            let (status, created) = try await server.request(
                "POST", "/api/v1/namespaces/\(Self.ns)/configmaps", configMap("live-\(i)", ["i": .string(String(i))]))
            #expect(status == 201)
            written.append(Int64(created["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0)
            if i == 10 {
                // Other readers run at the same time as the follower and the writes.
                let state = try ake(["replay", "state", "--data-dir", dir, "--namespace", Self.ns, "-o", "json"])
                #expect(state.status == 0)
                #expect(try state.json()["items"]?.arrayValue?.count == 11)
            }
        }
        var seen: [Int64] = []
        while let line = follower.nextLine() {
            let event = try JSONValue(parsing: line)
            seen.append(event["rv"]?.int64Value ?? 0)
            #expect(event["type"] == "ADDED")
            if seen.last == written.last { break }
        }
        #expect(seen == written, "the follower printed each write once, in order")
        follower.interrupt()
        #expect(follower.wait() == 0, "SIGINT ends follow mode cleanly")
    }
}
