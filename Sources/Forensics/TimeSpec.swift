import KubeModel

/// Times as the forensic tools read and print them: microseconds since the Unix
/// epoch inside, RFC 3339 (UTC) outside.
///
/// Written with plain calendar arithmetic rather than Foundation formatters so the
/// output is identical on every platform and locale.
public enum TimeSpec {
    /// An error naming what was wrong with a time argument.
    public struct ParseError: Error, Sendable, CustomStringConvertible, Equatable {
        public var message: String
        public var description: String { message }
    }

    /// Parses `--since`/`--until`/`--at` time arguments: an RFC 3339 timestamp
    /// (`2026-11-28T22:01:30Z`, fractional seconds and `+hh:mm` offsets allowed) or a
    /// duration before `now` (`10m`, `1h30m`, `45s`, `2d`, `500ms`).
    /// Returns microseconds since the epoch.
    public static func parse(_ text: String, now: UInt64) throws(ParseError) -> UInt64 {
        if let t = parseRFC3339(text) { return t }
        if let d = parseDuration(text) {
            return now > d ? now - d : 0
        }
        throw ParseError(
            message:
                "invalid time \"\(text)\": expected RFC 3339 (2026-01-02T15:04:05Z) or a duration such as 10m, 1h30m, 2d"
        )
    }

    /// Parses a duration such as `10m`, `1h30m`, `1.5h`, `45s`, `2d`, `250ms` into microseconds.
    public static func parseDuration(_ text: String) -> UInt64? {
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        var total: Double = 0
        while !rest.isEmpty {
            let numberEnd = rest.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? rest.endIndex
            guard numberEnd != rest.startIndex, let value = Double(rest[rest.startIndex..<numberEnd]) else {
                return nil
            }
            rest = rest[numberEnd...]
            let unitEnd = rest.firstIndex { $0.isASCII && ($0.isNumber || $0 == ".") } ?? rest.endIndex
            let unit = rest[rest.startIndex..<unitEnd]
            rest = rest[unitEnd...]
            let scale: Double
            switch unit {
            case "us", "µs": scale = 1
            case "ms": scale = 1_000
            case "s": scale = 1_000_000
            case "m": scale = 60_000_000
            case "h": scale = 3_600_000_000
            case "d": scale = 86_400_000_000
            default: return nil
            }
            total += value * scale
        }
        guard total.isFinite, total >= 0, total < 1e18 else { return nil }
        return UInt64(total)
    }

    /// Parses an RFC 3339 timestamp into microseconds since the epoch.
    public static func parseRFC3339(_ text: String) -> UInt64? {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20,
            let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
            let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 32,
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
            let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
            let second = digits(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var micros = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 100_000
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                micros += Int(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"),
                let om = digits(i + 4, 2)
            else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Int(RFC3339.days(year: Int64(year), month: Int64(month), day: Int64(day)))
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        guard seconds >= 0 else { return nil }
        return UInt64(seconds) * 1_000_000 + UInt64(micros)
    }

    /// Formats microseconds since the epoch as RFC 3339 UTC; `fractional` adds `.ffffff`.
    public static func format(_ micros: UInt64, fractional: Bool = true) -> String {
        let seconds = Int64(clamping: micros / 1_000_000)
        let nanos = Int32(micros % 1_000_000) * 1000
        return RFC3339.format(seconds: seconds, nanos: nanos, microseconds: fractional) ?? "\(micros)µs"
    }

}
