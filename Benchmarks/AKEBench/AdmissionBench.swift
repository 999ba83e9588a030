import Admission
import ArgumentParser
import Endpoint
import Foundation
import KubeModel
import Logging
import Projections

/// `ake-bench admission`: what admission (defaulting, Go encoding shape, validation) costs
/// per pod create, in process, next to a whole in-process create through the Endpoint;
/// and, with `--services`, the cost of a Service create (ClusterIP and node port
/// allocation) with that many Services already stored.
struct AdmissionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admission",
        abstract: "Admission per pod create (µs of thread CPU), a whole in-process create, Service allocation cost.")

    @Option(help: "Pods admitted per measurement.")
    var iterations = 5_000

    @Option(help: "Timed runs per measurement; the median is reported.")
    var runs = 5

    @Option(help: "In-process pod creates through the Endpoint per run.")
    var creates = 2_000

    @Option(help: "Services stored before timing Service creates (0: skip that part).")
    var services = 0

    @Option(help: "Only loop one step (defaults, validate or admission) over the bench pod, for profiling.")
    var profile: String?

    @Option(help: "Directory for the scratch databases (default: the system temp directory).")
    var directory: String?

    static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    static let servicesGVR = GroupVersionResource(group: "", version: "v1", resource: "services")

    /// The pod `tools/bench-creates.py` posts: one container, a port, ten env vars, requests and limits.
    static func benchPod(_ i: Int) -> JSONValue {
        let env: [JSONValue] = (0..<10).map { ["name": .string("E\($0)"), "value": "v"] }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string("p\(i)"), "namespace": "default", "labels": ["app": "a"]],
            "spec": [
                "containers": [
                    [
                        "name": "c", "image": "nginx:1.25", "ports": [["containerPort": 80]], "env": .array(env),
                        "resources": [
                            "requests": ["cpu": "100m", "memory": "64Mi"],
                            "limits": ["cpu": "200m", "memory": "128Mi"],
                        ],
                    ]
                ]
            ],
        ]
    }

    func run() async throws {
        let catalog = ResourceCatalog.builtIn()
        guard let info = catalog.resource(for: Self.pods) else { throw ValidationError("no pods resource") }
        let request = AdmissionRequest(info: info, operation: .create)
        // Parsed copies, one per admitted pod: a create admits the tree it just parsed,
        // which nothing else shares.
        let bodies = [Self.benchPod(0).serialized(), Array(JSONBenchData.largePod.utf8)]
        if let profile {
            var sink = 0
            let body = bodies[0]
            for _ in 0..<iterations {
                var pod = try JSONValue(parsing: body)
                if profile == "validate" { Admission.applyDefaults(&pod, request) }
                sink &+= step(profile, &pod, request, info)
            }
            print(sink)
            return
        }
        print("Admission per pod create: median of \(runs) runs of \(iterations) pods, µs of thread CPU per pod")
        for (label, body) in zip(["bench-creates pod", "4 KB pod"], bodies) {
            print("\n\(label) (\(body.count) B)")
            for name in ["parse", "defaults", "validate", "admission"] {
                let micros = try median {
                    var pods = try (0..<iterations).map { _ in try JSONValue(parsing: body) }
                    if name == "validate" {
                        // Validation alone: the pods are defaulted before the clock starts.
                        for i in pods.indices { Admission.applyDefaults(&pods[i], request) }
                    }
                    var sink = 0
                    let start = threadCPUSeconds()
                    for i in pods.indices {
                        var pod = JSONValue.null
                        swap(&pod, &pods[i])
                        if name == "parse" {
                            sink &+= (try? JSONValue(parsing: body))?.objectValue?.count ?? 0
                        } else {
                            sink &+= step(name, &pod, request, info)
                        }
                    }
                    let elapsed = threadCPUSeconds() - start
                    if sink == 42 { print("") }
                    return elapsed / Double(iterations) * 1e6
                }
                print(
                    "  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(format: "%8.1f", micros)) µs"
                )
            }
        }
        try await endpointCreates(catalog)
    }

    /// One admission step on `pod`, as `RegistryWriter.create` runs it (`validate` expects
    /// a defaulted pod).
    private func step(_ name: String, _ pod: inout JSONValue, _ request: AdmissionRequest, _ info: ResourceInfo) -> Int
    {
        switch name {
        case "defaults":
            Admission.applyDefaults(&pod, request)
            return pod.objectValue?.count ?? 0
        case "validate":
            return Admission.validate(pod, request).count
        default:
            Admission.applyDefaults(&pod, request)
            pod["status"] = ["phase": "Pending", "qosClass": "Burstable"]
            Admission.normalizeEncoding(&pod, info, member: "status")
            return Admission.validate(pod, request).count
        }
    }

    /// Whole creates through `Endpoint.handle` (parse, admission, managedFields, append,
    /// group commit), one client at a time, and Service creates with `services` stored.
    private func endpointCreates(_ catalog: ResourceCatalog) async throws {
        let base = (directory ?? FileManager.default.temporaryDirectory.path) + "/ake-bench-admission-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let store = try ObjectStore(directory: base + "/store", catalog: catalog, logger: logger)
        defer { store.close() }
        let allocator = try ServiceAllocator(
            serviceClusterIPRange: "10.96.0.0/12", serviceNodePortRange: "30000-32767")
        let endpoint = Endpoint(store: store, catalog: catalog, logger: logger, serviceAllocator: allocator)
        try await endpoint.bootstrap()

        @discardableResult
        func create(_ gvr: GroupVersionResource, _ object: JSONValue) async throws -> JSONValue {
            let request = APIRequest(
                verb: .create, resource: gvr, namespace: "default", body: object.serialized(),
                contentType: "application/json", client: "ake-bench")
            guard case .response(let r) = await endpoint.handle(request), r.code == 201 else {
                throw ValidationError("create of \(object["metadata"]?["name"]?.stringValue ?? "?") failed")
            }
            return try JSONValue(parsing: r.body)
        }
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<creates { try await create(Self.pods, Self.benchPod(i)) }
        let perCreate = Self.micros(clock.now - start) / Double(creates)
        print(
            "\nIn-process pod create through the Endpoint (one client, durable commits): "
                + String(format: "%.0f µs", perCreate) + " per create")

        guard services > 0 else { return }
        var ips: Set<String> = []
        func createService(_ name: String) async throws {
            let created = try await create(Self.servicesGVR, Self.service(name))
            if let ip = created["spec"]?["clusterIP"]?.stringValue { ips.insert(ip) }
        }
        for i in 0..<services {
            try await createService("s\(i)")
            if i % 1000 == 999 { print("  \(i + 1) Services stored") }
        }
        let timed = 200
        let serviceStart = clock.now
        for i in 0..<timed { try await createService("t\(i)") }
        let perService = Self.micros(clock.now - serviceStart) / Double(timed)
        print(
            "Service create with \(services) Services stored: " + String(format: "%.0f µs", perService) + " per create")
        // Every create got its own address (the bootstrap `kubernetes` Service holds one more).
        guard ips.count == services + timed else {
            throw ValidationError("\(services + timed) Services share \(ips.count) ClusterIPs")
        }
    }

    static func service(_ name: String) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "namespace": "default"],
            "spec": ["ports": [["port": 80]]],
        ]
    }

    static func micros(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12
    }

    /// The median of `runs` values of `body`.
    private func median(_ body: () throws -> Double) rethrows -> Double {
        var values: [Double] = []
        for _ in 0..<runs { values.append(try body()) }
        values.sort()
        return values[values.count / 2]
    }

    private func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
