import EventLog
import Foundation
import Testing

/// A child process whose stdout arrives line by line.
final class Child: Sendable {
    let pid: Int32
    let lines: AsyncStream<String>
    private let process: SendableProcess

    /// Foundation's Process is not Sendable; this one is only used to wait for exit, which is thread-safe.
    private struct SendableProcess: @unchecked Sendable { let process: Process }

    init(_ executable: URL, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        pid = process.processIdentifier
        self.process = SendableProcess(process: process)
        let (stream, continuation) = AsyncStream<String>.makeStream()
        lines = stream
        let fd = pipe.fileHandleForReading.fileDescriptor
        // A plain thread does the blocking reads; it ends at EOF (the child exited or was killed).
        let reader = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                for byte in buffer[0..<n] {
                    if byte == UInt8(ascii: "\n") {
                        continuation.yield(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    } else {
                        pending.append(byte)
                    }
                }
            }
            continuation.finish()
        }
        reader.start()
        // The pipe (and so `fd`) stays open as long as `process` holds it as standardOutput.
    }

    func kill() { _ = Foundation.kill(pid, SIGKILL) }

    /// Waits for the child to exit and returns its status.
    func wait() -> Int32 {
        process.process.waitUntilExit()
        return process.process.terminationStatus
    }

    deinit {
        if process.process.isRunning { _ = Foundation.kill(pid, SIGKILL) }
    }
}

/// The `EventLogTortureChild` executable (built by `swift build`, next to the test bundle).
func tortureChildExecutable() throws -> URL {
    var candidates: [String] = []
    if let path = ProcessInfo.processInfo.environment["AKE_EVENTLOG_TORTURE_CHILD"] { candidates.append(path) }
    let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    candidates.append(argument0.appendingPathComponent("EventLogTortureChild").path)
    candidates.append(
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("EventLogTortureChild").path)
    // <package>/Tests/EventLogTests/this-file → <package>/.build/debug
    let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    candidates.append(package.appendingPathComponent(".build/debug/EventLogTortureChild").path)
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
        return URL(fileURLWithPath: candidate)
    }
    throw ChildMissing(candidates: candidates)
}

struct ChildMissing: Error, CustomStringConvertible {
    var candidates: [String]
    var description: String {
        "EventLogTortureChild not found (run `swift build` first); looked at \(candidates)"
    }
}

@Suite("EventLog across processes")
struct MultiProcessTests {
    @Test("a read-only reader in another process sees events committed while it runs, across map growth")
    func readerInAnotherProcess() async throws {
        let executable = try tortureChildExecutable()
        let directory = try TemporaryDirectory()
        let log = try EventLog(directory: directory.path, options: .init(mapSize: 64 * 1024))
        defer { log.close() }
        let before = try await log.append([sampleEvent("before")])[0]
        let child = try Child(executable, ["follow", directory.path, String(before - 1), "41"])
        var lines = child.lines.makeAsyncIterator()
        let ready = await lines.next()
        #expect(ready == "ready \(before)")
        // Enough data to grow the 64 KiB map while the reader has the environment open.
        let payload = [UInt8](repeating: 1, count: 2048)
        var names = ["before"]
        for i in 0..<40 {
            names.append("live\(i)")
            _ = try await log.append([sampleEvent("live\(i)", object: payload)])
        }
        #expect(try log.statistics().mapSize > 64 * 1024)
        var seen: [String] = []
        while let line = await lines.next(), line != "done" {
            let parts = line.split(separator: " ")
            if parts.count == 3, parts[0] == "event" { seen.append(String(parts[2])) }
        }
        #expect(seen == names)
        #expect(child.wait() == 0)
    }

    @Test("after SIGKILL mid-stream every acknowledged event is present, RVs are contiguous, mdb_stat passes")
    func crashRecovery() async throws {
        let executable = try tortureChildExecutable()
        let directory = try TemporaryDirectory()
        let child = try Child(executable, ["append", directory.path, "400000"])
        var acknowledged: [ResourceVersion] = []
        var lines = child.lines.makeAsyncIterator()
        while let line = await lines.next() {
            if line.hasPrefix("ack "), let rv = UInt64(line.dropFirst(4)) { acknowledged.append(rv) }
            if acknowledged.count == 3000 { break }
        }
        child.kill()
        // Acks printed before the kill are still in the pipe: they count too.
        while let line = await lines.next() {
            if line.hasPrefix("ack "), let rv = UInt64(line.dropFirst(4)) { acknowledged.append(rv) }
        }
        #expect(child.wait() == SIGKILL)
        #expect(acknowledged.count >= 3000)

        let log = try EventLog(directory: directory.path)
        let (stored, head, first) = try log.read { txn -> ([ResourceVersion], ResourceVersion, ResourceVersion?) in
            var stored: [ResourceVersion] = []
            try txn.events(after: txn.horizon - 1) {
                stored.append($0.rv)
                return true
            }
            return (stored, txn.head, stored.first)
        }
        let storedSet = Set(stored)
        #expect(acknowledged.allSatisfy { storedSet.contains($0) })
        if let first {
            #expect(stored == Array(first...head))
        }
        #expect(head >= acknowledged.max() ?? 0)
        // The log keeps working after recovery.
        let next = try await log.append([sampleEvent("after-crash")])[0]
        #expect(next == head + 1)
        log.close()

        let mdbStat = Process()
        mdbStat.executableURL = URL(fileURLWithPath: "/usr/bin/mdb_stat")
        mdbStat.arguments = ["-a", directory.path]
        mdbStat.standardOutput = FileHandle.nullDevice
        try mdbStat.run()
        mdbStat.waitUntilExit()
        #expect(mdbStat.terminationStatus == 0)
    }
}
