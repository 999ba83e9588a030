import Endpoint
import Foundation
import KubeClient
import KubeModel
import Logging
import Projections

/// A clientset over one of the two transports, with what it needs torn down after.
final class ClientFixture: Sendable {
    let clientset: Clientset
    let directory: String
    let store: ObjectStore?
    let server: ServerProcess?

    private init(clientset: Clientset, directory: String, store: ObjectStore?, server: ServerProcess?) {
        self.clientset = clientset
        self.directory = directory
        self.store = store
        self.server = server
    }

    enum Kind: String, CaseIterable, Sendable {
        case inProcess, http
    }

    static func make(_ kind: Kind) async throws -> ClientFixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ake-kubeclient-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        switch kind {
        case .inProcess:
            let catalog = ResourceCatalog.builtIn()
            let store = try ObjectStore(directory: dir, catalog: catalog, logger: Logger(label: "test"))
            let endpoint = Endpoint(store: store, catalog: catalog, logger: Logger(label: "test"))
            try await endpoint.bootstrap()
            return ClientFixture(clientset: .inProcess(endpoint), directory: dir, store: store, server: nil)
        case .http:
            let server = try await ServerProcess.start(dataDir: dir)
            let clientset = try Clientset.http(Kubeconfig(server: server.url))
            return ClientFixture(clientset: clientset, directory: dir, store: nil, server: server)
        }
    }

    /// Compacts the log to its head so every older RV answers 410 (forces informers to relist).
    func compactEverything() async throws {
        if let store {
            _ = try await store.log.compact(to: store.log.head)
        } else if let server {
            try await server.compact()
        }
    }

    func tearDown() async {
        if let http = clientset.transport as? HTTPTransport { try? await http.shutdown() }
        server?.stop()
        store?.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}


/// The real `ake` binary, started on a free loopback port.
final class ServerProcess: Sendable {
    let process: Process
    let url: String
    let dataDir: String

    private init(process: Process, url: String, dataDir: String) {
        self.process = process
        self.url = url
        self.dataDir = dataDir
    }

    /// The package's debug build folder, found from this test bundle's path.
    static func binary() throws -> String {
        if let env = ProcessInfo.processInfo.environment["AKE_BINARY"] { return env }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("ake").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath + "/.build/debug/ake"
        if FileManager.default.isExecutableFile(atPath: cwd) { return cwd }
        throw KubeClientError.configuration("ake binary not found; run `swift build` first")
    }

    static func start(dataDir: String, extraArguments: [String] = []) async throws -> ServerProcess {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary())
        p.arguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir] + extraArguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        // Read output until the server says where it listens (bounded: 30 s).
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(30)
        var seen = ""
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                let url = String(seen[r])
                if !url.hasSuffix(":0") {
                    // Keep draining output so the server never blocks on a full pipe.
                    Thread.detachNewThread { while !handle.availableData.isEmpty {} }
                    return ServerProcess(process: p, url: url, dataDir: dataDir)
                }
            }
        }
        p.terminate()
        throw KubeClientError.transport("ake serve did not report its address; output: \(seen)")
    }

    /// Asks the running server to compact its log to the head (a debug-only helper is not
    /// assumed: the server is restarted with a retention of one event).
    func compact() async throws {
        throw KubeClientError.configuration("compaction of a running server is exercised in-process")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
