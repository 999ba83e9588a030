import ArgumentParser
import EventLog
import Foundation
import KubeModel
import Logging
import Projections
import Synchronization

/// `ake-bench projections`: list/get over 10,000 pods, the spec.nodeName index against
/// a full scan, append-to-delivery latency with 1/100/1,000 watchers and append
/// throughput with 1,000 watchers against none.
struct ProjectionsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Projections: list/get of 10,000 ~4 KiB pods, index vs scan, watch delivery latency and throughput.")

    @Option(help: "Runs per list/get measurement (the median is reported).")
    var runs = 11

    @Option(help: "Pods in the store.")
    var pods = 10_000

    @Option(help: "Events appended per latency measurement.")
    var latencyEvents = 200

    @Option(help: "Events appended per throughput run.")
    var throughputEvents = 4_000

    @Option(help: "Concurrent appenders in the throughput runs.")
    var appenders = 32

    @Option(help: "Runs per throughput measurement.")
    var throughputRuns = 3

    @Flag(help: "Only the list and get measurements (for profiling).")
    var listsOnly = false

    @Option(help: "Directory for the scratch databases (default: the system temp directory).")
    var directory: String?

    static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")

    func run() async throws {
        let base = (directory ?? FileManager.default.temporaryDirectory.path) + "/ake-bench-projections-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let store = try ObjectStore(
            directory: base + "/store", catalog: .builtIn(), options: .init(mapSize: 4 << 30), logger: logger)
        defer { store.close() }

        let loadStart = ContinuousClock.now
        var sizes = 0
        let total = pods
        for batch in stride(from: 0, to: total, by: 500) {
            sizes += try await store.mutate { ctx in
                var bytes = 0
                for i in batch..<min(batch + 500, total) {
                    let object = podJSON(i, rv: ctx.nextRV, generation: 0)
                    bytes += object.count
                    try ctx.append(
                        .added, Self.pods, object: object, namespace: "ns-\(i % 100)", name: "pod-\(i)",
                        uid: "uid-\(i)", origin: .system)
                }
                return bytes
            }
        }
        print(
            "Projections benchmark — \(total) pods (mean \(sizes / max(total, 1)) bytes), 100 namespaces, 50 nodes; "
                + "loaded in \(ms(ContinuousClock.now - loadStart)) ms; medians of \(runs) runs")

        // Lists.
        func measureList(
            _ label: String, namespace: String? = nil, _ options: ListOptions, scan: Bool = false
        ) async throws -> Double {
            var times: [Double] = []
            var cpu: [Double] = []
            var count = 0
            for _ in 0..<runs {
                let cpuStart = processCPUms()
                let start = ContinuousClock.now
                let result =
                    scan
                    ? try store.listByScan(Self.pods, namespace: namespace, options)
                    : try await store.list(Self.pods, namespace: namespace, options)
                times.append(ms(ContinuousClock.now - start))
                cpu.append(processCPUms() - cpuStart)
                count = result.items.count
            }
            let m = median(cpu)
            print(
                String(
                    format: "  %-50@ %6d items %9.2f ms wall %9.2f ms CPU", label as NSString, count, median(times), m))
            return m
        }
        _ = try await measureList("list all namespaces", ListOptions())
        // The whole response body: item by item then enveloped (the endpoint before) vs written
        // in one pass from the read snapshot (`listJSON`, what the endpoint answers now).
        func measureBody(_ label: String, onePass: Bool) async throws {
            var times: [Double] = []
            var cpu: [Double] = []
            var bytes = 0
            for _ in 0..<runs {
                let cpuStart = processCPUms()
                let start = ContinuousClock.now
                let body: [UInt8]
                if onePass {
                    body = try await store.listJSON(Self.pods, ListOptions(), kind: "PodList", apiVersion: "v1")
                } else {
                    let result = try await store.list(Self.pods, ListOptions())
                    body = ListJSON.body(
                        kind: "PodList", apiVersion: "v1", page: ListPage(resourceVersion: result.resourceVersion),
                        items: result.items)
                }
                times.append(ms(ContinuousClock.now - start))
                cpu.append(processCPUms() - cpuStart)
                bytes = body.count
            }
            print(
                String(
                    format: "  %-50@ %6.1f MB    %9.2f ms wall %9.2f ms CPU", label as NSString, Double(bytes) / 1e6,
                    median(times), median(cpu)))
        }
        try await measureBody("list all namespaces → body, item by item (before)", onePass: false)
        try await measureBody("list all namespaces → body, one pass (listJSON)", onePass: true)
        _ = try await measureList("list all namespaces, resourceVersion=0", ListOptions(resourceVersion: 0))
        _ = try await measureList("list one namespace", namespace: "ns-42", ListOptions())
        _ = try await measureList(
            "list labelSelector app=app-3", ListOptions(labelSelector: try LabelSelector(parsing: "app=app-3")))
        let nodeOptions = ListOptions(fieldSelector: try FieldSelector(parsing: "spec.nodeName=node-7"))
        let indexed = try await measureList("list spec.nodeName=node-7 (index)", nodeOptions)
        let scanned = try await measureList("list spec.nodeName=node-7 (full scan, baseline)", nodeOptions, scan: true)
        print(String(format: "    index speed-up over full scan: %.1f×", scanned / indexed))
        _ = try await measureList("list limit=500 (first page)", ListOptions(limit: 500))

        // Gets.
        var getTimes: [Double] = []
        var getCPU: [Double] = []
        for run in 0..<runs {
            let cpuStart = processCPUms()
            let start = ContinuousClock.now
            for k in 0..<1000 {
                let i = (k * 7919 + run) % total
                _ = try store.get(Self.pods, namespace: "ns-\(i % 100)", name: "pod-\(i)")
            }
            getTimes.append(us(ContinuousClock.now - start) / 1000)
            getCPU.append((processCPUms() - cpuStart))
        }
        print(
            String(
                format: "  %-50@ %12.2f µs wall %9.2f µs CPU", "get (one pod, mean of 1,000 sequential)" as NSString,
                median(getTimes), median(getCPU)))

        if listsOnly { return }

        // Append-to-delivery latency.
        print("  append→delivery latency (every watcher watches all pods; one update at a time, durable commit):")
        let noWatchers = try await latency(store, watchers: 0)
        print(
            String(
                format: "    %5d watchers   append call (durable commit) p50 %7.2f ms  p99 %7.2f ms   (baseline)", 0,
                noWatchers.appendP50, noWatchers.appendP99))
        for n in [1, 100, 1000] {
            let r = try await latency(store, watchers: n)
            print(
                String(
                    format:
                        "    %5d watchers   commit→delivery p50 %7.2f ms  p99 %7.2f ms;  append call→delivery p50 %7.2f ms  p99 %7.2f ms",
                    n, r.commitP50, r.commitP99, r.p50, r.p99))
        }

        // Throughput with and without watchers.
        var none: [Double] = []
        var many: [Double] = []
        var perNode: [Double] = []
        for _ in 0..<throughputRuns {
            none.append(try await throughput(store, watchers: 0))
            many.append(try await throughput(store, watchers: 1000))
            perNode.append(try await throughput(store, watchers: 1000, perNode: true))
        }
        let noneM = median(none)
        let manyM = median(many)
        let perNodeM = median(perNode)
        print(
            String(
                format:
                    "  append throughput (%d appenders): no watchers %.0f /s, 1,000 watchers of all pods %.0f /s (%.0f%%)",
                appenders, noneM, manyM, manyM / noneM * 100))
        print(
            String(
                format: "    1,000 kubelet-style watchers (spec.nodeName=node-N, 20 per node) %.0f /s (%.0f%%)",
                perNodeM,
                perNodeM / noneM * 100))
        print("  verify(): \(try store.verify().count) problems")
    }

    /// Opens `n` watchers of all pods from the head and consumes them in tasks.
    func openWatchers(
        _ store: ObjectStore, _ n: Int, perNode: Bool = false,
        onEvent: @escaping @Sendable (Int, WatchEvent) -> Void
    ) throws -> [Task<Void, Never>] {
        let from = store.log.head
        var tasks: [Task<Void, Never>] = []
        for w in 0..<n {
            let selector = perNode ? try FieldSelector(parsing: "spec.nodeName=node-\(w % 50)") : nil
            let stream = try store.watch(
                Self.pods, WatchOptions(fieldSelector: selector, resourceVersion: from, timeout: .seconds(3600)))
            tasks.append(
                Task {
                    for await e in stream { onEvent(w, e) }
                })
        }
        return tasks
    }

    struct Latency {
        var p50: Double
        var p99: Double
        var commitP50: Double
        var commitP99: Double
        var appendP50: Double
        var appendP99: Double
    }

    func latency(_ store: ObjectStore, watchers n: Int) async throws -> Latency {
        let tracker = DeliveryTracker(expected: n)
        let tasks = try openWatchers(store, n) { _, e in tracker.received(e.rv) }
        defer { for t in tasks { t.cancel() } }
        // Let every watcher reach the live state before measuring.
        if n > 0 {
            let warm = try await update(store, 0)
            await tracker.waitAll(warm.rv)
        }
        var latencies: [Double] = []
        var fromCommit: [Double] = []
        var appends: [Double] = []
        for k in 0..<latencyEvents {
            let start = ContinuousClock.now
            tracker.expect(rvAfter: store.log.head, start: start)
            let stored = try await update(store, k)
            appends.append(ms(ContinuousClock.now - start))
            if n > 0 {
                let arrivals = await tracker.waitAll(stored.rv)
                latencies += arrivals.map { ms($0 - start) }
                if let published = store.publishInstant(of: stored.rv) {
                    fromCommit += arrivals.map { ms($0 - published) }
                }
            }
        }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
        return Latency(
            p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), commitP50: percentile(fromCommit, 0.5),
            commitP99: percentile(fromCommit, 0.99), appendP50: percentile(appends, 0.5),
            appendP99: percentile(appends, 0.99))
    }

    func throughput(_ store: ObjectStore, watchers n: Int, perNode: Bool = false) async throws -> Double {
        let counter = DeliveryCounter()
        let tasks = try openWatchers(store, n, perNode: perNode) { _, _ in counter.value.add(1, ordering: .relaxed) }
        let perAppender = throughputEvents / appenders
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for a in 0..<appenders {
                group.addTask {
                    for k in 0..<perAppender { _ = try await update(store, a * perAppender + k) }
                }
            }
            try await group.waitForAll()
        }
        let rate = Double(perAppender * appenders) / (ms(ContinuousClock.now - start) / 1000)
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
        return rate
    }

    /// Updates one pod (a MODIFIED event of ~4 KiB).
    func update(_ store: ObjectStore, _ k: Int) async throws -> StoredObject {
        let i = (k * 7919) % pods
        return try await store.mutate { ctx in
            try ctx.append(
                .modified, Self.pods, object: podJSON(i, rv: ctx.nextRV, generation: k + 1),
                namespace: "ns-\(i % 100)", name: "pod-\(i)", uid: "uid-\(i)", origin: .system)
        }
    }
}

/// Counts deliveries (throughput runs).
final class DeliveryCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// Collects the arrival times of one event at every watcher.
final class DeliveryTracker: Sendable {
    private struct State {
        var rv: ResourceVersion = 0
        var arrivals: [ContinuousClock.Instant] = []
        var waiter: CheckedContinuation<[ContinuousClock.Instant], Never>?
        var waitingFor: ResourceVersion = 0
    }

    private let expected: Int
    private let state = Mutex(State())

    init(expected: Int) { self.expected = expected }

    func expect(rvAfter head: ResourceVersion, start: ContinuousClock.Instant) {
        state.withLock { s in
            s.rv = 0
            s.arrivals.removeAll(keepingCapacity: true)
        }
    }

    func received(_ rv: ResourceVersion) {
        let now = ContinuousClock.now
        state.withLock { s in
            if s.rv != rv {
                if rv < s.rv { return }
                s.rv = rv
                s.arrivals.removeAll(keepingCapacity: true)
            }
            s.arrivals.append(now)
            if s.arrivals.count == expected, s.waitingFor == rv, let w = s.waiter {
                s.waiter = nil
                w.resume(returning: s.arrivals)
            }
        }
    }

    @discardableResult
    func waitAll(_ rv: ResourceVersion) async -> [ContinuousClock.Instant] {
        await withCheckedContinuation { c in
            state.withLock { s in
                if s.rv == rv, s.arrivals.count == expected {
                    c.resume(returning: s.arrivals)
                } else {
                    s.waitingFor = rv
                    s.waiter = c
                }
            }
        }
    }
}

/// A ~4 KiB pod: metadata with labels and annotations, two containers with env and mounts.
func podJSON(_ i: Int, rv: ResourceVersion, generation: Int) -> [UInt8] {
    let env = (0..<12).map { "{\"name\":\"VAR_\($0)\",\"value\":\"value-\($0)-\(i)-abcdefghijklmnop\"}" }
        .joined(separator: ",")
    let mounts = (0..<6).map { "{\"name\":\"vol-\($0)\",\"mountPath\":\"/var/lib/app/vol-\($0)\",\"readOnly\":true}" }
        .joined(separator: ",")
    let volumes = (0..<6).map { "{\"name\":\"vol-\($0)\",\"configMap\":{\"name\":\"config-\($0)-\(i % 100)\"}}" }
        .joined(separator: ",")
    let container = { (name: String) in
        "{\"name\":\"\(name)\",\"image\":\"registry.example.com/team/\(name):v1.\(i % 10)\",\"args\":[\"--port=8080\",\"--verbose\"],"
            + "\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}],\"env\":[\(env)],\"volumeMounts\":[\(mounts)],"
            + "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"}}}"
    }
    let text =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-\(i)\",\"namespace\":\"ns-\(i % 100)\","
        + "\"uid\":\"uid-\(i)\",\"resourceVersion\":\"\(rv)\",\"generation\":\(generation),"
        + "\"creationTimestamp\":\"2026-11-28T22:00:00Z\",\"labels\":{\"app\":\"app-\(i % 20)\",\"tier\":\"t\(i % 3)\","
        + "\"pod-template-hash\":\"5d8f7c9b\(i % 7)\"},\"annotations\":{\"example.com/owner\":\"team-\(i % 13)\"}},"
        + "\"spec\":{\"nodeName\":\"node-\(i % 50)\",\"restartPolicy\":\"Always\",\"schedulerName\":\"default-scheduler\","
        + "\"serviceAccountName\":\"default\",\"containers\":[\(container("app")),\(container("sidecar"))],"
        + "\"volumes\":[\(volumes)]},"
        + "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.\(i / 250).\(i % 250)\",\"hostIP\":\"192.168.0.\(i % 50)\","
        + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":\"ContainersReady\",\"status\":\"True\"}]}}"
    return Array(text.utf8)
}

private func ms(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) * 1000 + Double(atto) / 1e15
}

/// CPU time of the whole process (lists and gets run on one thread; nothing else is busy then).
private func processCPUms() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}

private func us(_ d: Duration) -> Double { ms(d) * 1000 }

private func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

private func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}
