import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The real `ake` binary (built by `swift build` before `swift test`), started as
/// `ake serve` on a free loopback port with its own temporary data directory.
final class AKEProcess {
    let dataDir: URL
    let ownsDataDir: Bool
    let process: Process
    let port: Int
    private let stdoutPipe: Pipe
    private let stderrLog: URL

    /// The `ake` executable: $AKE_BINARY, else `.build/debug/ake` of this package.
    static func binary() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["AKE_BINARY"] { return URL(fileURLWithPath: env) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [".build/debug/ake", ".build/release/ake"] {
            let url = root.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw AKEProcessError.noBinary(root.path)
    }

    static func makeTempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ake-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Starts the server and waits (bounded) for its "listening" line.
    /// - Parameter dataDir: reuse a directory (restart tests); by default a new temp dir owned by this process.
    /// - Parameter environment: variables added to the server's environment.
    init(dataDir: URL? = nil, arguments: [String] = [], environment: [String: String] = [:]) throws {
        let dir = try dataDir ?? Self.makeTempDir()
        self.dataDir = dir
        self.ownsDataDir = dataDir == nil
        stderrLog = dir.appendingPathComponent("server-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: stderrLog.path, contents: nil)
        let p = Process()
        p.executableURL = try Self.binary()
        p.arguments =
            ["serve", "--listen", "127.0.0.1:0", "--data-dir", dir.appendingPathComponent("data").path]
            + arguments
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: stderrLog)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        process = p
        stdoutPipe = out

        // Read stdout until the listening line (bounded by time and size).
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        var found: Int? = nil
        let fd = out.fileHandleForReading.fileDescriptor
        while found == nil {
            guard Date() < deadline, text.utf8.count < 1 << 20 else { break }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 1000)
            if ready <= 0 {
                if !p.isRunning { break }
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            text += String(decoding: chunk[0..<n], as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("ake listening on http://") {
                if let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) {
                    found = port
                }
            }
        }
        guard let port = found else {
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let log = (try? String(contentsOf: stderrLog, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: stderrLog)
            if dataDir == nil { try? FileManager.default.removeItem(at: dir) }
            throw AKEProcessError.didNotStart(stdout: text, stderr: String(log.suffix(4000)))
        }
        self.port = port
    }

    var pid: Int32 { process.processIdentifier }

    /// The server's log so far (for failure messages).
    var log: String { (try? String(contentsOf: stderrLog, encoding: .utf8)) ?? "" }

    /// SIGKILL: no chance to clean up (durability tests).
    func killHard() {
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// Sends `signal` and waits up to `seconds` for the exit; returns the exit status, nil on timeout.
    func terminate(signal: Int32 = SIGTERM, within seconds: Double = 20) -> Int32? {
        if process.isRunning { kill(pid, signal) }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { return nil }
        return process.terminationStatus
    }

    /// Stops the server (SIGTERM, then SIGKILL) and removes what this process owns.
    func stop() {
        if terminate(within: 15) == nil { killHard() }
        try? FileManager.default.removeItem(at: stderrLog)
        if ownsDataDir { try? FileManager.default.removeItem(at: dataDir) }
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    // MARK: - Requests

    func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws -> HTTPResponse {
        try http(method, port: port, path, headers: headers, body: body)
    }

    func get(_ path: String, accept: String? = nil) throws -> HTTPResponse {
        try request("GET", path, headers: accept.map { [("Accept", $0)] } ?? [])
    }

    func post(_ path: String, json: Any, contentType: String = "application/json") throws -> HTTPResponse {
        try request("POST", path, headers: [("Content-Type", contentType)], body: jsonBytes(json))
    }

    /// Opens a watch and reads its response head.
    func watch(_ path: String, headers: [(String, String)] = [], receiveBufferBytes: Int32? = nil) throws
        -> WatchReader
    {
        let c = try HTTPConnection(port: port, receiveBufferBytes: receiveBufferBytes)
        try c.sendRequest("GET", path, headers: headers)
        return try WatchReader(connection: c)
    }
}

enum AKEProcessError: Error, CustomStringConvertible {
    case noBinary(String)
    case didNotStart(stdout: String, stderr: String)

    var description: String {
        switch self {
        case .noBinary(let root): "no ake binary under \(root)/.build — run `swift build` first"
        case .didNotStart(let out, let err): "ake did not start.\nstdout: \(out)\nstderr: \(err)"
        }
    }
}

/// Runs `body` with a fresh server and always stops it (and removes its data) afterwards.
func withServer(arguments: [String] = [], _ body: (AKEProcess) throws -> Void) throws {
    let server = try AKEProcess(arguments: arguments)
    defer { server.stop() }
    try body(server)
}
