import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Durability and real clients", .serialized)
struct DurabilityAndKubectlTests {
    static let cms = "/api/v1/namespaces/default/configmaps"

    @Test("every create answered 201 survives a SIGKILL mid-stream and a restart on the same data")
    func sigkillMidStream() throws {
        let dir = try AKEProcess.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }

        let first = try AKEProcess(dataDir: dir)
        // A writer thread creates objects as fast as it can; the test kills the server under it.
        let acknowledged = Acknowledged()
        let port = first.port
        let writer = Thread {
            for i in 0..<100_000 {
                let name = "obj-\(i)"
                guard
                    let body = try? jsonBytes([
                        "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name], "data": ["i": "\(i)"],
                    ]),
                    let r = try? http(
                        "POST", port: port, Self.cms, headers: [("Content-Type", "application/json")], body: body)
                else { break }
                if r.status == 201 { acknowledged.add(name) } else { break }
            }
            acknowledged.done()
        }
        writer.start()
        // Kill once some writes are acknowledged (bounded wait), while the writer is still going.
        let deadline = Date().addingTimeInterval(60)
        while acknowledged.count < 50 && !acknowledged.isDone && Date() < deadline { usleep(10_000) }
        first.killHard()
        #expect(acknowledged.waitDone(seconds: 60))
        let names = acknowledged.names
        #expect(names.count >= 50, "writes acknowledged before the kill")

        let second = try AKEProcess(dataDir: dir)
        defer { second.stop() }
        let list = try second.get(Self.cms)
        #expect(list.status == 200)
        let stored = Set(
            (try list.json()["items"] as? [[String: Any]] ?? []).compactMap {
                ($0["metadata"] as? [String: Any])?["name"] as? String
            })
        let missing = names.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(10))")
    }

    @Test(
        "kubectl (the default one, 1.27 and 1.33) creates, gets, lists and deletes against ake serve without a kubeconfig"
    )
    func kubectlSmoke() throws {
        guard let defaultKubectl = which("kubectl") else {
            Issue.record("kubectl not installed")
            return
        }
        // kubectl 1.32+ send protobuf bodies for typed creates; 1.27 sends JSON.
        let dir = URL(fileURLWithPath: defaultKubectl).resolvingSymlinksInPath().deletingLastPathComponent()
        var kubectls = [defaultKubectl]
        for v in ["1.27", "1.33"] {
            let p = dir.appendingPathComponent("kubectl.\(v)").path
            if FileManager.default.isExecutableFile(atPath: p) { kubectls.append(p) }
        }
        try withServer { (s: AKEProcess) throws in
            let home = try AKEProcess.makeTempDir()
            defer { try? FileManager.default.removeItem(at: home) }
            let server = "http://127.0.0.1:\(s.port)"
            for (i, kubectl) in kubectls.enumerated() {
                func run(_ args: [String]) throws -> (Int32, String) {
                    try runProcess(
                        kubectl, ["--server", server, "--request-timeout", "20s"] + args,
                        environment: ["HOME": home.path, "KUBECONFIG": "/dev/null"])
                }
                let name = "x\(i)"
                let (c1, out1) = try run(["create", "configmap", name, "--from-literal=a=b"])
                #expect(c1 == 0, "\(kubectl): \(out1)")
                let (c2, out2) = try run(["get", "cm", name, "-o", "json"])
                #expect(c2 == 0, "\(kubectl): \(out2)")
                let obj = try? JSONSerialization.jsonObject(with: Data(out2.utf8)) as? [String: Any]
                #expect((obj?["data"] as? [String: String]) == ["a": "b"], "\(kubectl)")
                let (c3, out3) = try run(["get", "ns"])
                #expect(c3 == 0, "\(kubectl): \(out3)")
                #expect(out3.contains("default"))
                let (c4, out4) = try run(["delete", "cm", name])
                #expect(c4 == 0, "\(kubectl): \(out4)")
            }
        }
    }
}

/// Names of acknowledged creates, shared between the writer thread and the test.
final class Acknowledged: @unchecked Sendable {
    // Every field is guarded by `lock`.
    private let lock = NSCondition()
    private var list: [String] = []
    private var finished = false

    func add(_ n: String) {
        lock.lock()
        list.append(n)
        lock.unlock()
    }

    func done() {
        lock.lock()
        finished = true
        lock.broadcast()
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return list.count
    }

    var isDone: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    var names: [String] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }

    func waitDone(seconds: Double) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while !finished { if !lock.wait(until: deadline) { return finished } }
        return true
    }
}

func which(_ tool: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let p = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// Runs a tool to completion (bounded: killed after `timeout`), returning status and combined output.
func runProcess(_ path: String, _ args: [String], environment: [String: String] = [:], timeout: Double = 60) throws
    -> (Int32, String)
{
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let reader = out.fileHandleForReading
    let deadline = Date().addingTimeInterval(timeout)
    var data = Data()
    while true {
        let chunk = reader.availableData
        if chunk.isEmpty { break }
        data.append(chunk)
        if Date() > deadline {
            p.terminate()
            break
        }
    }
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
