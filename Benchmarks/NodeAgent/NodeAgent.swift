// ake-node-agent: kubelet- and kube-proxy-like clients for the fleet benchmark (tools/bench-fleet.py).
//
// For each `--agent NODE=URL` it runs two agents, each with its own Clientset (its own
// connections, as two processes on a node would have):
//   kubelet     informers on the node's pods (field selector spec.nodeName), Services and its
//               Node; renews the node Lease every --lease-interval, patches one pod's status
//               every --status-interval and creates an Event every --event-interval;
//   kube-proxy  informers on Services, EndpointSlices and its Node.
// Every --stats-interval it writes --stats (JSON, replaced atomically): per agent the relists
// (informer lists after the first), writes that succeeded and failed, and per informer a
// digest of what it holds (FNV-1a 64 over the sorted "key=<fleet/rev annotation>" lines) so
// the driver can tell when an agent's view equals the cloud's.
import ArgumentParser
import Foundation
import KubeClient
import KubeModel

@main
struct NodeAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ake-node-agent", abstract: "kubelet- and kube-proxy-like clients for the fleet benchmark.")

    @Option(name: .customLong("agent"), help: "NODE=URL: run a node's agents against this API server (repeatable).")
    var agents: [String] = []
    @Option(help: "Where to write the statistics (JSON).") var stats: String
    @Option(help: "Seconds between Lease renewals.") var leaseInterval: Double = 10
    @Option(help: "Seconds between pod status patches (0 = none).") var statusInterval: Double = 10
    @Option(help: "Seconds between Events (0 = none).") var eventInterval: Double = 20
    @Option(help: "Seconds between statistics files.") var statsInterval: Double = 0.5
    @Option(help: "Seconds to run (0 = until killed).") var seconds: Double = 0

    func run() async throws {
        var nodes: [(String, String)] = []
        for a in agents {
            guard let eq = a.firstIndex(of: "=") else { throw ValidationError("--agent wants NODE=URL, not \(a)") }
            nodes.append((String(a[..<eq]), String(a[a.index(after: eq)...])))
        }
        let settings = Settings(
            leaseInterval: leaseInterval, statusInterval: statusInterval, eventInterval: eventInterval)
        var all: [Agent] = []
        for (node, url) in nodes {
            all.append(try Agent(node: node, role: .kubelet, url: url, settings: settings))
            all.append(try Agent(node: node, role: .proxy, url: url, settings: settings))
        }
        let running = all
        try await withThrowingTaskGroup(of: Void.self) { group in
            for agent in running { group.addTask { await agent.run() } }
            group.addTask {
                let started = ContinuousClock.now
                while !Task.isCancelled {
                    do {
                        try await writeStats(running, to: stats)
                    } catch {
                        FileHandle.standardError.write(Data("ake-node-agent: writing \(stats): \(error)\n".utf8))
                    }
                    if seconds > 0 && ContinuousClock.now - started > .seconds(seconds) { break }
                    try await Task.sleep(for: .milliseconds(Int(statsInterval * 1000)))
                }
            }
            // The stats task ends only with --seconds; then stop the agents too.
            _ = try await group.next()
            group.cancelAll()
        }
        for agent in running { try? await (agent.clientset.transport as? HTTPTransport)?.shutdown() }
    }
}

struct Settings: Sendable {
    var leaseInterval: Double
    var statusInterval: Double
    var eventInterval: Double
}

enum Role: String, Sendable {
    case kubelet
    case proxy = "kube-proxy"
}

/// Counters one agent's write loop updates.
actor WriteCounters {
    var ok = 0
    var failed = 0
    var lastError = ""
    func success() { ok += 1 }
    func failure(_ op: String, _ e: any Error) {
        failed += 1
        lastError = "\(op): " + String(describing: e).prefix(300).description
    }
}

/// Something the stats writer can ask for a view summary.
protocol ViewSource: Sendable {
    var name: String { get }
    func summary() async -> (lists: Int, synced: Bool, count: Int, digest: String)
}

struct InformerView<T: KubeObject>: ViewSource {
    let name: String
    let informer: Informer<T>
    func summary() async -> (lists: Int, synced: Bool, count: Int, digest: String) {
        let objects = await informer.list()
        let lines = objects.map { "\($0.key)=\($0.annotations["fleet/rev"] ?? "")" }.sorted()
        return (await informer.listCount, await informer.hasSynced, objects.count, fnv1a(lines))
    }
}

/// FNV-1a 64 of the lines joined by "\n" (tools/bench-fleet.py computes the same).
func fnv1a(_ lines: [String]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in lines.joined(separator: "\n").utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return String(h, radix: 16)
}

final class Agent: Sendable {
    let node: String
    let role: Role
    let clientset: Clientset
    let settings: Settings
    let views: [any ViewSource]
    let runners: [@Sendable () async -> Void]
    let writes = WriteCounters()

    init(node: String, role: Role, url: String, settings: Settings) throws {
        self.node = node
        self.role = role
        self.settings = settings
        let transport = try HTTPTransport(
            config: Kubeconfig.load(urlOrPath: url), userAgent: "ake-node-agent/\(role.rawValue) (\(node))",
            requestTimeout: .seconds(10))
        clientset = Clientset(transport: transport)
        let nodeSelector = try FieldSelector(parsing: "metadata.name=\(node)")
        let services = Informer(client: clientset.coreV1.services())
        let nodes = Informer(client: clientset.coreV1.nodes, fieldSelector: nodeSelector)
        var views: [any ViewSource] = [
            InformerView(name: "services", informer: services), InformerView(name: "nodes", informer: nodes),
        ]
        var runners: [@Sendable () async -> Void] = [{ await services.run() }, { await nodes.run() }]
        switch role {
        case .kubelet:
            let pods = Informer(
                client: clientset.coreV1.pods(), fieldSelector: try FieldSelector(parsing: "spec.nodeName=\(node)"))
            views.append(InformerView(name: "pods", informer: pods))
            runners.append { await pods.run() }
        case .proxy:
            let slices = Informer(client: clientset.discoveryV1.endpointSlices())
            views.append(InformerView(name: "endpointslices", informer: slices))
            runners.append { await slices.run() }
        }
        self.views = views
        self.runners = runners
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for r in runners { group.addTask { await r() } }
            if role == .kubelet {
                group.addTask { await self.every(self.settings.leaseInterval, "lease") { try await self.renewLease() } }
                group.addTask {
                    await self.every(self.settings.statusInterval, "pod status") { try await self.patchPodStatus() }
                }
                group.addTask {
                    await self.every(self.settings.eventInterval, "event") { try await self.recordEvent() }
                }
            }
        }
    }

    /// Runs `body` every `interval` seconds (never when 0), counting successes and failures.
    func every(_ interval: Double, _ op: String, _ body: @Sendable () async throws -> Void) async {
        guard interval > 0 else { return }
        // Spread the agents over the interval, as real nodes started at different times are.
        try? await Task.sleep(for: .milliseconds(Int(Double.random(in: 0..<interval) * 1000)))
        while !Task.isCancelled {
            do {
                try await body()
                await writes.success()
            } catch {
                if Task.isCancelled { return }
                await writes.failure(op, error)
            }
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
    }

    static func now() -> String {
        let t = Date().timeIntervalSince1970
        let secs = Int(t)
        let micros = Int((t - Double(secs)) * 1_000_000)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: Double(secs))) + String(format: ".%06dZ", micros)
    }

    /// The node Lease: update it with a new renewTime (create it when missing), as kubelet does.
    func renewLease() async throws {
        let leases = clientset.coordinationV1.leases("kube-node-lease")
        do {
            var lease = try await leases.get(node)
            var spec = lease.object["spec"] ?? .object(JSONObject())
            spec["renewTime"] = .string(Self.now())
            lease.object["spec"] = spec
            _ = try await leases.update(lease)
        } catch let e as StatusError where e.code == 404 {
            let lease = Lease(
                object: [
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": ["name": .string(node), "namespace": "kube-node-lease"],
                    "spec": [
                        "holderIdentity": .string(node), "leaseDurationSeconds": 40,
                        "renewTime": .string(Self.now()),
                    ],
                ])
            _ = try await leases.create(lease)
        }
    }

    /// A status patch for one of the node's pods (the next one in turn).
    func patchPodStatus() async throws {
        guard let pods = views.first(where: { $0.name == "pods" }) as? InformerView<Pod> else { return }
        let mine = await pods.informer.list()
        guard !mine.isEmpty, let name = mine[Int.random(in: 0..<mine.count)].name,
            let ns = mine.first?.namespace
        else { return }
        let patch: JSONValue = [
            "status": [
                "phase": "Running",
                "conditions": [["type": "Ready", "status": "True", "lastProbeTime": .string(Self.now())]],
            ]
        ]
        _ = try await clientset.coreV1.pods(ns).patch(name, type: .merge, patch, subresource: "status")
    }

    /// An Event about the node, each with its own name.
    func recordEvent() async throws {
        let stamp = Self.now()
        let event = Event(
            object: [
                "apiVersion": "v1", "kind": "Event",
                "metadata": [
                    "name": .string("\(node).\(UInt64.random(in: 0..<UInt64.max))"), "namespace": "default",
                ],
                "involvedObject": ["kind": "Node", "name": .string(node), "apiVersion": "v1"],
                "reason": "NodeTick", "message": "node agent heartbeat", "type": "Normal", "count": 1,
                "source": ["component": "kubelet", "host": .string(node)],
                "firstTimestamp": .string(String(stamp.prefix(19)) + "Z"),
                "lastTimestamp": .string(String(stamp.prefix(19)) + "Z"),
            ])
        _ = try await clientset.coreV1.events("default").create(event)
    }
}

func jsonString(_ s: String) -> String {
    String(decoding: JSONValue.string(s).serialized(), as: UTF8.self)
}

func writeStats(_ agents: [Agent], to path: String) async throws {
    var parts: [String] = []
    for a in agents {
        var informers: [String] = []
        var relists = 0
        for v in a.views {
            let s = await v.summary()
            relists += max(0, s.lists - 1)
            informers.append(
                "\(jsonString(v.name)):{\"lists\":\(s.lists),\"synced\":\(s.synced),\"count\":\(s.count),"
                    + "\"digest\":\(jsonString(s.digest))}")
        }
        let ok = await a.writes.ok
        let failed = await a.writes.failed
        let lastError = await a.writes.lastError
        parts.append(
            "{\"node\":\(jsonString(a.node)),\"role\":\(jsonString(a.role.rawValue)),\"relists\":\(relists),"
                + "\"writes_ok\":\(ok),\"writes_failed\":\(failed),\"last_error\":\(jsonString(lastError)),"
                + "\"informers\":{\(informers.joined(separator: ","))}}")
    }
    let body = "{\"time\":\(Date().timeIntervalSince1970),\"agents\":[\(parts.joined(separator: ","))]}\n"
    let tmp = path + ".tmp"
    try Data(body.utf8).write(to: URL(fileURLWithPath: tmp))
    guard rename(tmp, path) == 0 else {
        throw KubeClientError.configuration("cannot rename \(tmp) to \(path): errno \(errno)")
    }
}
