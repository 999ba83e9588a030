import APIFront
import ArgumentParser
import Endpoint
import Foundation
import KubeClient
import KubeModel
import Logging
import Projections
import Prometheus
import ServiceLifecycle

/// Get and list through the clientset's two transports, side by side on one store:
/// in-process (calls `Endpoint` directly) vs HTTP (AKE's real front on loopback).
struct KubeClientBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubeclient",
        abstract: "KubeClient: get and list, in-process transport vs HTTP transport (medians, ratio)."
    )

    @Option(help: "ConfigMaps in the store (each ~1 KiB of data).")
    var objects = 1000
    @Option(help: "Gets per timed run.")
    var gets = 2000
    @Option(help: "Lists (of all objects) per timed run.")
    var lists = 20
    @Option(help: "Timed runs of each transport, alternating.")
    var runs = 7
    @Option(help: "Directory for the temporary database.")
    var directory = FileManager.default.temporaryDirectory.path

    func run() async throws {
        let dir = directory + "/ake-kubeclient-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let catalog = ResourceCatalog.builtIn()
        let store = try ObjectStore(directory: dir, catalog: catalog, logger: logger)
        defer { store.close() }
        let endpoint = Endpoint(store: store, catalog: catalog, logger: logger)
        try await endpoint.bootstrap()
        let front = APIFront(
            endpoint: endpoint, catalog: catalog, configuration: APIFrontConfiguration(port: 0),
            registry: PrometheusCollectorRegistry(), logger: logger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = front.application { _, port in portContinuation.yield(port) }
        let server = Task {
            try await ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
                .run()
        }
        var port = 0
        for await p in ports {
            port = p
            break
        }
        let http = try Clientset.http(Kubeconfig(server: "http://127.0.0.1:\(port)"))
        let local = Clientset.inProcess(endpoint)
        let filler = String(repeating: "x", count: 1000)
        for i in 0..<objects {
            _ = try await local.coreV1.configMaps("default").create(ConfigMap(name: "cm-\(i)", data: ["v": filler]))
        }
        print("kubeclient: \(objects) ConfigMaps of ~1 KiB; \(gets) gets and \(lists) full lists per run; \(runs) runs")

        func time(_ body: () async throws -> Void) async throws -> Double {
            let start = ContinuousClock.now
            try await body()
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        func getRun(_ cs: Clientset) async throws -> Double {
            let cms = cs.coreV1.configMaps("default")
            return try await time {
                for i in 0..<gets { _ = try await cms.get("cm-\(i % objects)") }
            }
        }
        func listRun(_ cs: Clientset) async throws -> Double {
            let cms = cs.coreV1.configMaps("default")
            return try await time {
                for _ in 0..<lists { _ = try await cms.list() }
            }
        }
        _ = try await getRun(local)
        _ = try await getRun(http)
        var getLocal: [Double] = []
        var getHTTP: [Double] = []
        var getRatio: [Double] = []
        var listLocal: [Double] = []
        var listHTTP: [Double] = []
        var listRatio: [Double] = []
        for _ in 0..<runs {
            let a = try await getRun(local)
            let b = try await getRun(http)
            getLocal.append(a)
            getHTTP.append(b)
            getRatio.append(b / a)
            let c = try await listRun(local)
            let d = try await listRun(http)
            listLocal.append(c)
            listHTTP.append(d)
            listRatio.append(d / c)
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        func us(_ total: Double, _ n: Int) -> String { String(format: "%.1f µs", total / Double(n) * 1e6) }
        func ms(_ total: Double, _ n: Int) -> String { String(format: "%.2f ms", total / Double(n) * 1e3) }
        print(
            "get:  in-process \(us(median(getLocal), gets))/op, HTTP \(us(median(getHTTP), gets))/op, "
                + String(
                    format: "HTTP/in-process %.1fx (median of per-run ratios; min %.1f, max %.1f)",
                    median(getRatio), getRatio.min() ?? 0, getRatio.max() ?? 0))
        print(
            "list: in-process \(ms(median(listLocal), lists))/op, HTTP \(ms(median(listHTTP), lists))/op, "
                + String(
                    format: "HTTP/in-process %.1fx (median of per-run ratios; min %.1f, max %.1f)",
                    median(listRatio), listRatio.min() ?? 0, listRatio.max() ?? 0))
        if let t = http.transport as? HTTPTransport { try await t.shutdown() }
        server.cancel()
        _ = await server.result
    }
}
