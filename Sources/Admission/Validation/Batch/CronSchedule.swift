import Foundation
import KubeModel

/// The cron schedule syntax CronJobs accept: github.com/robfig/cron/v3's
/// `ParseStandard` (five fields, names for months and weekdays, `@` descriptors,
/// an optional `TZ=`/`CRON_TZ=` prefix), reporting the same error text.
enum CronSchedule {
    private struct Bounds {
        var min: UInt64
        var max: UInt64
        var names: [String: UInt64] = [:]
    }

    private static let seconds = Bounds(min: 0, max: 59)
    private static let minutes = Bounds(min: 0, max: 59)
    private static let hours = Bounds(min: 0, max: 23)
    private static let dom = Bounds(min: 1, max: 31)
    private static let months = Bounds(
        min: 1, max: 12,
        names: [
            "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
            "nov": 11, "dec": 12,
        ])
    private static let dow = Bounds(
        min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])

    /// The parse error of `spec` (`ParseStandard`'s `err.Error()`), or nil when it parses.
    static func parseError(_ spec: String) -> String? {
        if spec.isEmpty { return "empty spec string" }
        var spec = spec
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ="),
            let space = spec.firstIndex(of: " "), let eq = spec.firstIndex(of: "="), eq < space
        {
            let name = String(spec[spec.index(after: eq)..<space])
            if !timeZoneExists(name) { return "provided bad location \(name): unknown time zone \(name)" }
            spec = String(spec[space...]).trimmingCharacters(in: .whitespaces)
        }
        if spec.hasPrefix("@") { return descriptorError(spec) }
        let fields = spec.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        if fields.count != 5 {
            return "expected exactly 5 fields, found \(fields.count): [" + fields.joined(separator: " ") + "]"
        }
        let all = ["0"] + fields
        for (field, bounds) in zip(all, [seconds, minutes, hours, dom, months, dow]) {
            if let e = fieldError(field, bounds) { return e }
        }
        return nil
    }

    /// Whether Go's `time.LoadLocation` finds the zone (the tz database on this machine).
    static func timeZoneExists(_ name: String) -> Bool {
        if name.isEmpty || name == "UTC" { return true }
        if name == "Local" { return true }
        return TimeZone(identifier: name) != nil
    }

    private static func fieldError(_ field: String, _ r: Bounds) -> String? {
        for expr in field.split(separator: ",").map(String.init) {
            if let e = rangeError(expr, r) { return e }
        }
        return nil
    }

    private static func rangeError(_ expr: String, _ r: Bounds) -> String? {
        let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let singleDigit = lowAndHigh.count == 1
        var start: UInt64
        var end: UInt64
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = r.min
            end = r.max
        } else {
            switch parseIntOrName(lowAndHigh[0], r.names) {
            case .failure(let e): return e.message
            case .success(let v): start = v
            }
            switch lowAndHigh.count {
            case 1: end = start
            case 2:
                switch parseIntOrName(lowAndHigh[1], r.names) {
                case .failure(let e): return e.message
                case .success(let v): end = v
                }
            default: return "too many hyphens: \(expr)"
            }
        }
        var step: UInt64 = 1
        switch rangeAndStep.count {
        case 1: break
        case 2:
            switch mustParseInt(rangeAndStep[1]) {
            case .failure(let e): return e.message
            case .success(let v): step = v
            }
            if singleDigit { end = r.max }
        default: return "too many slashes: \(expr)"
        }
        if start < r.min { return "beginning of range (\(start)) below minimum (\(r.min)): \(expr)" }
        if end > r.max { return "end of range (\(end)) above maximum (\(r.max)): \(expr)" }
        if start > end { return "beginning of range (\(start)) beyond end of range (\(end)): \(expr)" }
        if step == 0 { return "step of range should be a positive number: \(expr)" }
        return nil
    }

    private struct ParseFailure: Error { var message: String }

    private static func parseIntOrName(_ expr: String, _ names: [String: UInt64]) -> Result<UInt64, ParseFailure> {
        if let v = names[expr.lowercased()] { return .success(v) }
        return mustParseInt(expr)
    }

    private static func mustParseInt(_ expr: String) -> Result<UInt64, ParseFailure> {
        switch goAtoi(expr) {
        case .invalidSyntax:
            return .failure(
                ParseFailure(
                    message: "failed to parse int from \(expr): strconv.Atoi: parsing \(goQuoted(expr)): invalid syntax"
                ))
        case .outOfRange:
            return .failure(
                ParseFailure(
                    message:
                        "failed to parse int from \(expr): strconv.Atoi: parsing \(goQuoted(expr)): value out of range")
            )
        case .value(let n):
            if n < 0 { return .failure(ParseFailure(message: "negative number (\(n)) not allowed: \(expr)")) }
            return .success(UInt64(n))
        }
    }

    private enum AtoiResult { case value(Int64), invalidSyntax, outOfRange }

    /// Go's `strconv.Atoi` on a 64-bit machine: optional sign, then decimal digits.
    private static func goAtoi(_ s: String) -> AtoiResult {
        var digits = Substring(s)
        var negative = false
        if let f = digits.first, f == "+" || f == "-" {
            negative = f == "-"
            digits = digits.dropFirst()
        }
        if digits.isEmpty || !digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return .invalidSyntax }
        guard let magnitude = UInt64(digits) else { return .outOfRange }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return .outOfRange }
            return .value(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        if magnitude > UInt64(Int64.max) { return .outOfRange }
        return .value(Int64(magnitude))
    }

    private static func descriptorError(_ descriptor: String) -> String? {
        switch descriptor {
        case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly": return nil
        default: break
        }
        let every = "@every "
        if descriptor.hasPrefix(every) {
            if let e = durationError(String(descriptor.dropFirst(every.count))) {
                return "failed to parse duration \(descriptor): \(e)"
            }
            return nil
        }
        return "unrecognized descriptor: \(descriptor)"
    }

    /// Go's `time.ParseDuration` error text, or nil for a valid duration.
    static func durationError(_ text: String) -> String? {
        let invalid = "time: invalid duration " + goQuotedASCII(text)
        var s = Substring(text)
        if let f = s.first, f == "-" || f == "+" { s = s.dropFirst() }
        if s == "0" { return nil }
        if s.isEmpty { return invalid }
        let units: Set<String> = ["ns", "us", "\u{00B5}s", "\u{03BC}s", "ms", "s", "m", "h"]
        var total: Double = 0
        while !s.isEmpty {
            guard let c = s.first, c == "." || c.isASCII && c.isNumber else { return invalid }
            let intPart = s.prefix(while: { $0.isASCII && $0.isNumber })
            s = s.dropFirst(intPart.count)
            var fracPart = Substring("")
            var sawDot = false
            if s.first == "." {
                sawDot = true
                s = s.dropFirst()
                fracPart = s.prefix(while: { $0.isASCII && $0.isNumber })
                s = s.dropFirst(fracPart.count)
            }
            if intPart.isEmpty && fracPart.isEmpty { return invalid }
            _ = sawDot
            let unit = s.prefix(while: { $0 != "." && !($0.isASCII && $0.isNumber) })
            if unit.isEmpty { return "time: missing unit in duration " + goQuotedASCII(text) }
            if !units.contains(String(unit)) {
                return "time: unknown unit " + goQuotedASCII(String(unit)) + " in duration " + goQuotedASCII(text)
            }
            s = s.dropFirst(unit.count)
            total += Double(String(intPart).isEmpty ? "0" : String(intPart)) ?? .infinity
            if total > 9.2e18 { return invalid }
        }
        return nil
    }

    /// Go's `time` package `quote`: the text in double quotes, `"` and `\` escaped.
    private static func goQuotedASCII(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
