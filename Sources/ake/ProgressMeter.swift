// Progress of long tool runs (`ake backup`, `ake compact-db`, `ake replay export/verify`) on
// a terminal: one line on stderr, rewritten in place at most 4 times a second. Silent when
// stderr is not a terminal, so scripts and logs see only the final result.
import Foundation
import Synchronization

/// A progress line: done/total (items or bytes), rate and ETA.
final class ProgressMeter: Sendable {
    enum Unit: Sendable {
        case items(String)
        case bytes
    }

    private struct State {
        var done = 0
        var total: Int?
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
    }

    private let label: String
    private let unit: Unit
    private let enabled: Bool
    private let start = ContinuousClock.now
    private let state: Mutex<State>

    /// `enabled` defaults to whether stderr is a terminal.
    init(_ label: String, unit: Unit, total: Int? = nil, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.unit = unit
        self.enabled = enabled
        self.state = Mutex(State(total: total))
    }

    /// Records progress (and a total, if it became known) and redraws if a quarter second passed.
    func update(_ done: Int, total: Int? = nil) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let line = state.withLock { s -> String? in
            s.done = done
            if let total { s.total = total }
            if let last = s.lastDraw, now - last < .milliseconds(250) { return nil }
            s.lastDraw = now
            s.drawn = true
            return render(s, now: now)
        }
        if let line { FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8)) }
    }

    /// Clears the line (the command prints its result after).
    func finish() {
        guard enabled else { return }
        let drawn = state.withLock { $0.drawn }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func amount(_ n: Int) -> String {
        switch unit {
        case .bytes: formatBytes(n)
        case .items: String(n)
        }
    }

    private func render(_ s: State, now: ContinuousClock.Instant) -> String {
        let elapsed = Double((now - start).components.seconds) + Double((now - start).components.attoseconds) / 1e18
        let rate = elapsed > 0 ? Double(s.done) / elapsed : 0
        var line = "\(label): \(amount(s.done))"
        if let total = s.total, total > 0 {
            line += "/\(amount(total)) (\(min(100, s.done * 100 / total))%)"
        }
        if case .items(let noun) = unit { line += " \(noun)" }
        if rate > 0 {
            line += ", \(amount(Int(rate)))/s"
            if let total = s.total, total > s.done {
                line += ", ETA \(formatDuration(.seconds(Int(Double(total - s.done) / rate))))"
            }
        }
        return line
    }

    /// Runs `body` while a background task samples `sample()` (e.g. a growing file's size)
    /// into the meter; for work that reports nothing itself (`mdb_env_copy2`).
    func sampling<T>(_ sample: @escaping @Sendable () -> Int, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let stop = Atomic(false)
        let exited = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            while !stop.load(ordering: .acquiring) {
                update(sample())
                Thread.sleep(forTimeInterval: 0.1)
            }
            exited.signal()
        }
        thread.start()
        defer {
            stop.store(true, ordering: .releasing)
            exited.wait()
            finish()
        }
        return try body()
    }
}
