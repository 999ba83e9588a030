import Foundation
import KubeModel
import Testing

/// The `ake` binary built next to the test bundle (`swift build` / `swift test` build it).
func akeBinary() throws -> String {
    let fm = FileManager.default
    var candidates: [String] = []
    if let argv0 = CommandLine.arguments.first {
        // Linux runs the tests as <build dir>/<package>PackageTests.xctest.
        candidates.append(URL(fileURLWithPath: argv0).deletingLastPathComponent().appendingPathComponent("ake").path)
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/ake").path)
    for c in candidates where fm.isExecutableFile(atPath: c) { return c }
    throw CLIError(message: "the ake binary is not built (looked at \(candidates)); run `swift build` first")
}

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What one run of `ake` printed and how it exited.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard output parsed as one JSON value per line.
    func jsonLines() throws -> [JSONValue] {
        try stdout.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }

    func json() throws -> JSONValue { try JSONValue(parsing: stdout) }
}

/// Runs `ake` with `arguments` to completion; output goes through files so large
/// output cannot fill a pipe and stall the child.
func ake(_ arguments: [String]) throws -> CLIResult {
    let out = try TempDir("out")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try akeBinary())
    process.arguments = arguments
    _ = FileManager.default.createFile(atPath: out.path + "/stdout", contents: nil)
    _ = FileManager.default.createFile(atPath: out.path + "/stderr", contents: nil)
    let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: out.path + "/stdout"))
    let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: out.path + "/stderr"))
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try stdout.close()
    try stderr.close()
    return CLIResult(
        status: process.terminationStatus,
        stdout: try String(contentsOfFile: out.path + "/stdout", encoding: .utf8),
        stderr: try String(contentsOfFile: out.path + "/stderr", encoding: .utf8))
}

/// A running child process whose standard output is read line by line.
final class LineReadingProcess {
    let process = Process()
    private let pipe = Pipe()
    private var buffer = Data()

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The next line of output, or nil at end of output. Blocks until one arrives.
    func nextLine() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                return line
            }
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty {
                guard !buffer.isEmpty else { return nil }
                let rest = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                return rest
            }
            buffer.append(chunk)
        }
    }

    /// Everything printed until the process exits.
    func rest() -> [String] {
        var lines: [String] = []
        while let l = nextLine() { lines.append(l) }
        return lines
    }

    func interrupt() { process.interrupt() }

    func terminate() {
        if process.isRunning { process.terminate() }
    }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
