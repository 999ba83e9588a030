import ArgumentParser
import EventLog
import Forensics
import Foundation
import KubeModel
import Synchronization

extension OutputFormat: ExpressibleByArgument {}
extension DiffStyle: ExpressibleByArgument {}

/// `--data-dir`, shared by `ake log`, `ake replay` and `ake backup`.
struct DataDirOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The AKE data directory: the one `ake serve --data-dir` uses, or a copy made by `ake backup`.",
            valueName: "dir"))
    var dataDir: String = "./ake-data"

    /// Opens the database read-only; safe while `ake serve` runs on it.
    func open() throws -> ForensicDatabase { try ForensicDatabase(directory: dataDir) }

    /// Runs a forensic command's `body` on the opened database (closed afterwards),
    /// turning failures into the tool's one-line message and exit code 2.
    func withDatabase(_ body: (ForensicDatabase) async throws -> Void) async throws {
        try await runForensicTool {
            let db = try open()
            defer { db.close() }
            try await body(db)
        }
    }
}

/// `--reveal-secrets`.
struct SecretOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: "Print the values of Secrets (data, stringData, last-applied annotation); redacted by default.")
    var revealSecrets = false

    var renderer: ForensicRenderer { ForensicRenderer(revealSecrets: revealSecrets) }
}

/// Writes straight to the file descriptors (no stdio buffer), so follow mode
/// shows each event at once and nothing is lost when a signal ends the process.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
    /// Kept for call sites that mark where output must be visible; writes are unbuffered.
    static func flush() {}
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
    /// A stream of YAML documents: `---` before every document but the first.
    static func yamlDocument(_ value: JSONValue, first: inout Bool) throws {
        let yaml = try ForensicRenderer.yaml(value)
        write((first ? "" : "---\n") + (yaml.hasSuffix("\n") ? yaml : yaml + "\n"))
        first = false
    }
}

/// Runs a tool body, turning its errors into one line on stderr naming the problem and exit status 2.
func runForensicTool(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as ForensicsError {
        Output.error("ake: \(error.description)")
        throw ExitCode(2)
    } catch let error as EventLogError {
        if case .belowHorizon(let requested, let horizon) = error {
            Output.error("ake: \(ForensicsError.belowHorizon(requested: requested, horizon: horizon).description)")
        } else {
            Output.error("ake: \(error)")
        }
        throw ExitCode(2)
    } catch let error as TimeSpec.ParseError {
        Output.error("ake: \(error.message)")
        throw ExitCode(2)
    } catch {
        Output.error("ake: \(error)")
        throw ExitCode(2)
    }
}

/// A point in the log given as an RV or a time (`--at`, `replay diff`).
enum LogPoint {
    case rv(ResourceVersion)
    case time(UInt64, text: String)

    init(parsing text: String) throws {
        if let rv = ResourceVersion(text) {
            self = .rv(rv)
        } else {
            self = .time(try TimeSpec.parse(text, now: currentMicros()), text: text)
        }
    }

    /// The RV this point names in `db`.
    func resolve(in db: ForensicDatabase) throws -> ResourceVersion {
        switch self {
        case .rv(let rv): rv
        case .time(let t, _): try db.resourceVersion(atTime: t)
        }
    }
}

/// Microseconds since the epoch, now.
func currentMicros() -> UInt64 {
    UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000))
}

/// Set by SIGINT/SIGTERM so `-f` loops end cleanly (closing their read transactions).
private let stopRequested = Atomic<Bool>(false)

/// Catches SIGINT and SIGTERM for follow mode: the handler only stores to an
/// atomic (async-signal-safe); the follow loop checks it between polls.
enum StopSignal {
    static var isStopped: Bool { stopRequested.load(ordering: .relaxed) }

    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { _ in stopRequested.store(true, ordering: .relaxed) }
        }
    }
}
