import ArgumentParser
import EventLog
import Foundation

/// `ake-bench eventlog`: durable append throughput (1 and N appenders, group commit) and cursor scan speed.
struct EventLogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventlog",
        abstract: "EventLog: durable appends/s (1 KiB events, 1 and 64 appenders) and cursor scan events/s.")

    @Option(help: "Runs per measurement (the median is reported).")
    var runs = 5

    @Option(help: "Events appended by the single appender per run.")
    var singleEvents = 1000

    @Option(help: "Events appended in total by the concurrent appenders per run.")
    var concurrentEvents = 64_000

    @Option(help: "Concurrent appenders.")
    var appenders = 64

    @Option(help: "Events in the log that is scanned.")
    var scanEvents = 200_000

    @Option(help: "Directory for the scratch databases (default: the system temp directory).")
    var directory: String?

    func run() async throws {
        let base = (directory ?? FileManager.default.temporaryDirectory.path) + "/ake-bench-eventlog-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let payload = Array(repeating: UInt8(ascii: "x"), count: 1024)
        @Sendable func event(_ i: Int) -> NewEvent {
            NewEvent(
                type: .added, resource: 1, namespace: "bench", name: "obj-\(i)", uid: "uid-\(i)", origin: .system,
                object: payload)
        }
        print("EventLog benchmark — 1 KiB events, durable commits (fsync), median of \(runs) runs")

        // Baseline: what this disk allows for one durable write at a time (1 KiB write + fdatasync).
        var syncRates: [Double] = []
        for run in 0..<runs {
            let path = base + "/fsync-\(run)"
            let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
            guard fd >= 0 else { throw ValidationError("cannot open \(path)") }
            let count = singleEvents
            let start = ContinuousClock.now
            for _ in 0..<count {
                _ = payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                fdatasync(fd)
            }
            syncRates.append(Double(count) / seconds(ContinuousClock.now - start))
            close(fd)
            unlink(path)
        }
        let syncMedian = median(syncRates)
        print(String(format: "  baseline: write(1 KiB)+fdatasync loop      %10.0f /s", syncMedian))

        var singleRates: [Double] = []
        for run in 0..<runs {
            let log = try EventLog(directory: base + "/single-\(run)")
            let count = singleEvents
            let start = ContinuousClock.now
            for i in 0..<count { _ = try await log.append([event(i)]) }
            singleRates.append(Double(count) / seconds(ContinuousClock.now - start))
            log.close()
            try? FileManager.default.removeItem(atPath: base + "/single-\(run)")
        }
        let singleMedian = median(singleRates)
        print(
            String(
                format: "  durable appends, 1 appender               %10.0f /s   (%.2f× fdatasync baseline)",
                singleMedian, singleMedian / syncMedian))

        var groupRates: [Double] = []
        var batchSizes: [Double] = []
        var groupCPU: [Double] = []
        for run in 0..<runs {
            let log = try EventLog(directory: base + "/group-\(run)")
            let perAppender = concurrentEvents / appenders
            let start = ContinuousClock.now
            let cpuStart = processCPUSeconds()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for a in 0..<appenders {
                    group.addTask {
                        for i in 0..<perAppender { _ = try await log.append([event(a * perAppender + i)]) }
                    }
                }
                try await group.waitForAll()
            }
            groupRates.append(Double(perAppender * appenders) / seconds(ContinuousClock.now - start))
            groupCPU.append((processCPUSeconds() - cpuStart) * 1e6 / Double(perAppender * appenders))
            let stats = try log.statistics()
            batchSizes.append(Double(stats.committedBodies) / Double(max(1, stats.commits)))
            log.close()
            try? FileManager.default.removeItem(atPath: base + "/group-\(run)")
        }
        let groupMedian = median(groupRates)
        print(
            String(
                format: "  durable appends, %3d appenders (group)    %10.0f /s   (%.1f× 1 appender; goal ≥ 50,000)",
                appenders, groupMedian, groupMedian / singleMedian))
        print(
            String(
                format:
                    "    mean write bodies per commit: %.1f; process CPU per append: %.1f µs (CPU ceiling ≈ %.0f /s)",
                median(batchSizes), median(groupCPU), 1e6 / max(0.001, median(groupCPU))))

        // Scan: fill once with large batches, then time full cursor passes.
        let scanLog = try EventLog(directory: base + "/scan")
        defer { scanLog.close() }
        var filled = 0
        while filled < scanEvents {
            let n = min(10_000, scanEvents - filled)
            let from = filled
            _ = try await scanLog.write { txn in for i in from..<(from + n) { try txn.append(event(i)) } }
            filled += n
        }
        guard let logTable = scanLog.table(named: "log") else { throw ValidationError("no log table") }
        // Warm-up: fault the whole map in once so the first timed pass is not penalized.
        _ = try scanLog.read { txn in try txn.scan(logTable, from: nil) { _, _ in true } }
        var rawRates: [Double] = []
        var scanRates: [Double] = []
        var scanCPURates: [Double] = []
        for _ in 0..<runs {
            var start = ContinuousClock.now
            var bytes = 0
            let raw = try scanLog.read { txn -> Int in
                var n = 0
                try txn.scan(logTable, from: nil) { _, value in
                    n += 1
                    bytes &+= value.count
                    return true
                }
                return n
            }
            rawRates.append(Double(raw) / seconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            let cpuStart = threadCPUSeconds()
            let decoded = try scanLog.read { txn -> Int in
                var n = 0
                try txn.events(after: txn.horizon - 1) { event in
                    n += 1
                    bytes &+= event.object.count &+ Int(event.resource)
                    return true
                }
                return n
            }
            scanRates.append(Double(decoded) / seconds(ContinuousClock.now - start))
            scanCPURates.append(Double(decoded) / max(1e-9, threadCPUSeconds() - cpuStart))
            guard raw == scanEvents, decoded == scanEvents, bytes > 0 else {
                throw ValidationError("scan saw \(raw)/\(decoded) of \(scanEvents) events")
            }
        }
        // Short read transactions (a point lookup each), as list/get/watch wake-ups do.
        var pointRates: [Double] = []
        for _ in 0..<runs {
            let count = 200_000
            let head = scanLog.head
            let start = ContinuousClock.now
            var found = 0
            for i in 0..<count {
                let rv = head - UInt64(i % scanEvents)
                found += try scanLog.read { txn in try txn.event(at: rv) != nil ? 1 : 0 }
            }
            guard found == count else { throw ValidationError("point reads found \(found) of \(count)") }
            pointRates.append(Double(count) / seconds(ContinuousClock.now - start))
        }
        let rawMedian = median(rawRates)
        let scanMedian = median(scanRates)
        print(String(format: "  baseline: raw cursor over the log table   %10.0f /s", rawMedian))
        print(
            String(
                format: "  cursor scan, events(after:) (EventView)   %10.0f /s   (%.2f× raw cursor; goal ≥ 1,000,000)",
                scanMedian, scanMedian / rawMedian))
        print(
            String(
                format: "    per CPU-second of the scanning thread     %10.0f /s   (wall-clock figures suffer when the"
                    + " machine is loaded)", median(scanCPURates)))
        print(String(format: "  read transactions with one event lookup    %10.0f /s", median(pointRates)))
    }
}

private func seconds(_ duration: Duration) -> Double {
    let (s, atto) = duration.components
    return Double(s) + Double(atto) / 1e18
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

private func cpuSeconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

private func threadCPUSeconds() -> Double { cpuSeconds(CLOCK_THREAD_CPUTIME_ID) }
private func processCPUSeconds() -> Double { cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) }
