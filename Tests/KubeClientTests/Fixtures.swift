import APIFront
import Endpoint
import Foundation
import KubeClient
import KubeModel
import Logging
import Prometheus
import Projections
import ServiceLifecycle
import Synchronization

/// A clientset over one of the two transports, on a fresh temp-dir store.
///
/// Both transports sit on the same kind of `ObjectStore`; for `.http` AKE's real
/// HTTP front (Hummingbird, loopback, port 0) serves it in this process, so a
/// test can compact the log directly whatever the transport.
final class ClientFixture: Sendable {
    let clientset: Clientset
    let directory: String
    let store: ObjectStore
    let serverTask: Task<Void, any Error>?

    private init(clientset: Clientset, directory: String, store: ObjectStore, serverTask: Task<Void, any Error>?) {
        self.clientset = clientset
        self.directory = directory
        self.store = store
        self.serverTask = serverTask
    }

    enum Kind: String, CaseIterable, Sendable {
        case inProcess, http
    }

    static func make(_ kind: Kind) async throws -> ClientFixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ake-kubeclient-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let logger = Logger(label: "kubeclient-test")
        let catalog = ResourceCatalog.builtIn()
        let store = try ObjectStore(directory: dir, catalog: catalog, logger: logger)
        let endpoint = Endpoint(store: store, catalog: catalog, logger: logger)
        try await endpoint.bootstrap()
        switch kind {
        case .inProcess:
            return ClientFixture(clientset: .inProcess(endpoint), directory: dir, store: store, serverTask: nil)
        case .http:
            let front = APIFront(
                endpoint: endpoint, catalog: catalog, configuration: APIFrontConfiguration(port: 0),
                registry: PrometheusCollectorRegistry(), logger: logger)
            let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
            let app = front.application { _, port in portContinuation.yield(port) }
            let task = Task {
                let group = ServiceGroup(
                    configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
                try await group.run()
            }
            var port: Int?
            for await p in portStream {
                port = p
                break
            }
            guard let port else { throw KubeClientError.transport("HTTP front did not start") }
            let clientset = try Clientset.http(Kubeconfig(server: "http://127.0.0.1:\(port)"))
            return ClientFixture(clientset: clientset, directory: dir, store: store, serverTask: task)
        }
    }

    /// Compacts the log to its head so every older RV answers 410 (forces informers to relist).
    func compactEverything() async throws {
        _ = try await store.log.compact(to: store.log.head)
    }

    func tearDown() async {
        if let http = clientset.transport as? HTTPTransport { try? await http.shutdown() }
        serverTask?.cancel()
        _ = await serverTask?.result
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
