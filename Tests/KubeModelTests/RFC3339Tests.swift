import Foundation
import KubeModel
import Testing

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    @Test("formatting agrees with Foundation's ISO 8601 formatter across the years 1600…9999")
    func agreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            // Foundation switches to the Julian calendar before 1582; Go (and AKE) stay proleptic Gregorian.
            let seconds = Int64.random(in: -11_676_096_000..<253_402_300_800, using: &generator)
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
            #expect(RFC3339.format(seconds: seconds) == expected, "seconds \(seconds)")
        }
    }

    @Test("microsecond precision, leap days, and the range Go accepts")
    func edges() {
        #expect(RFC3339.format(seconds: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(seconds: 951_782_400) == "2000-02-29T00:00:00Z")
        #expect(RFC3339.format(seconds: -1, nanos: 999_999_999, microseconds: true) == "1969-12-31T23:59:59.999999Z")
        #expect(RFC3339.format(seconds: 1, nanos: 1000, microseconds: true) == "1970-01-01T00:00:01.000001Z")
        #expect(RFC3339.format(seconds: 253_402_300_800) == nil)
        #expect(RFC3339.format(seconds: -62_135_596_801) == nil)
    }

    @Test("days(year:month:day:) inverts civil(days:)")
    func civilRoundTrip() {
        for days in stride(from: Int64(-719_162), through: 2_932_896, by: 997) {
            let (y, m, d) = RFC3339.civil(days: days)
            #expect(RFC3339.days(year: y, month: m, day: d) == days)
        }
    }
}
