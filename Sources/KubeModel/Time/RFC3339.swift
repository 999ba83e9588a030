/// RFC 3339 timestamps in UTC, the way the apiserver writes them: `metav1.Time` with
/// whole seconds (`2026-11-29T02:13:00Z`), `metav1.MicroTime` with six fraction digits.
/// Proleptic Gregorian calendar (Howard Hinnant's civil-date algorithms), no Foundation.
public enum RFC3339 {
    /// `seconds` (+ `nanos`) since 1970-01-01T00:00:00Z as `YYYY-MM-DDThh:mm:ss[.ffffff]Z`;
    /// `microseconds` adds the fraction. nil outside the years 0…9999, which Go's RFC 3339
    /// marshalling refuses too.
    public static func format(seconds: Int64, nanos: Int32 = 0, microseconds: Bool = false) -> String? {
        guard seconds >= -62_135_596_800, seconds < 253_402_300_800 else { return nil }
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = civil(days: days)
        var text =
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if microseconds { text += "." + pad(Int64(max(0, nanos)) / 1000, 6) }
        return text + "Z"
    }

    /// The date `days` after 1970-01-01.
    public static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a date (the inverse of ``civil(days:)``).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
