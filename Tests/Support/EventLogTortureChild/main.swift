// A child process for EventLog's multi-process tests.
//
//   EventLogTortureChild append <dir> <maxEvents>
//       Appends in a loop from 8 concurrent tasks (group commit) and prints "ack <rv>" for each
//       acknowledged (durably committed) event, unbuffered. The crash test SIGKILLs it mid-stream.
//   EventLogTortureChild follow <dir> <afterRV> <count>
//       Opens the log read-only (while the parent writes), prints "ready <head>", then waits until
//       `count` events after `afterRV` are visible and prints "event <rv> <name>" for each.
import EventLog
import Foundation

/// Writes one line with a single write(2) so concurrent lines never interleave and nothing is buffered.
func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: EventLogTortureChild append|follow <dir> …") }
let directory = arguments[2]

switch arguments[1] {
case "append":
    let maxEvents = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
    do {
        let log = try EventLog(directory: directory, options: .init(mapSize: 256 * 1024))
        let payload = [UInt8](repeating: UInt8(ascii: "t"), count: 512)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<(maxEvents / 8) {
                        let event = NewEvent(
                            type: .added, resource: 1, namespace: "torture", name: "w\(worker)-\(i)",
                            uid: "u\(worker)-\(i)", origin: .system, object: payload)
                        for rv in try await log.append([event]) { emit("ack \(rv)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        log.close()
        emit("done")
    } catch {
        fail("append failed: \(error)")
    }
case "follow":
    guard arguments.count >= 5, let after = UInt64(arguments[3]), let count = Int(arguments[4]) else {
        fail("usage: EventLogTortureChild follow <dir> <afterRV> <count>")
    }
    do {
        let log = try EventLog(directory: directory, options: .init(readOnly: true))
        emit("ready \(log.head)")
        var seen: [(ResourceVersion, String)] = []
        var cursor = after
        while seen.count < count {
            await log.waitForHead(beyond: cursor)
            try log.read { txn in
                try txn.events(after: cursor) { event in
                    seen.append((event.rv, event.name))
                    cursor = event.rv
                    return seen.count < count
                }
            }
        }
        for (rv, name) in seen { emit("event \(rv) \(name)") }
        log.close()
        emit("done")
    } catch {
        fail("follow failed: \(error)")
    }
default:
    fail("unknown mode \(arguments[1])")
}
