import Foundation
import KubeModel

/// Drives tools/linkproxy.py (a loopback TCP proxy that can cut, refuse and heal the
/// link) over its stdin; the proxy exits when the test ends (stdin closes) or after
/// a bounded time.
final class LinkProxy: @unchecked Sendable {
    // @unchecked: the pipes are only used from the test's own task, one command at a time.
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    private(set) var port = 0
    private var buffer: [UInt8] = []

    init(target port: Int) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tools/linkproxy.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, "--target", "127.0.0.1:\(port)", "--stdin-control", "--max-seconds", "600",
        ]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let first = readLine().split(separator: " ")
        guard first.count >= 2, let p = Int(first[1]) else {
            throw ProxyError(message: "proxy did not start: \(first)")
        }
        self.port = p
    }

    struct ProxyError: Error { var message: String }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Reads one reply line (blocking; the proxy answers every command at once).
    private func readLine() -> String {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeFirst(nl + 1)
                return line
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { return "" }
            buffer += data
        }
    }

    @discardableResult
    func command(_ text: String) -> String {
        input.fileHandleForWriting.write(Data((text + "\n").utf8))
        return readLine()
    }

    /// Drops open connections and blackholes new ones.
    func cut() { command("cut") }
    func heal() { command("heal") }

    /// Per request class ("patch pods/status", "get pods", ...): [requests, bytes up, bytes down].
    var requestClasses: [String: [Int]] {
        let reply = command("requests")
        guard reply.hasPrefix("ok "),
            let object = try? JSONValue(parsing: Array(reply.dropFirst(3).utf8)).objectValue
        else { return [:] }
        var classes: [String: [Int]] = [:]
        for (name, counts) in object {
            classes[name] = counts.arrayValue?.compactMap { $0.int64Value.map(Int.init) } ?? []
        }
        return classes
    }

    /// Bytes forwarded from the upstream to the edge so far.
    var bytesDown: Int {
        let reply = command("stats")
        for part in reply.split(separator: " ") where part.hasPrefix("bytes_down=") {
            return Int(part.dropFirst("bytes_down=".count)) ?? 0
        }
        return 0
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
