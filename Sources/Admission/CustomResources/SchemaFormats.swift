import Foundation

/// The string formats of kube-openapi's default registry (`pkg/validation/strfmt`),
/// for the names apiextensions keeps (`SchemaNode.supportedFormats`).
enum SchemaFormats {
    /// Whether `value` is valid for the (dash-free) format `name`.
    static func validates(_ name: String, _ value: String) -> Bool {
        switch name {
        case "password": return true
        case "date": return isDate(value)
        case "datetime": return isDateTime(value)
        case "byte": return isBase64(value)
        case "uuid": return matches(value, uuid)
        case "uuid3": return matches(value, uuid3)
        case "uuid4": return matches(value, uuid4)
        case "uuid5": return matches(value, uuid5)
        case "ipv4": return value.contains(".") && (isIPv4(value) || isIPv6(value))
        case "ipv6": return isIPv6(value)
        case "cidr": return isCIDR(value)
        case "mac": return matches(value, mac)
        case "hostname": return isHostname(value)
        case "email": return matches(value, email)
        case "uri": return isRequestURI(value)
        case "hexcolor": return matches(value, hexcolor)
        case "rgbcolor": return matches(value, rgbcolor)
        case "ssn": return matches(value, ssn)
        case "bsonobjectid": return value.utf8.count == 24 && value.allSatisfy(\.isHexDigit)
        case "duration": return isDuration(value)
        case "isbn": return isISBN10(value) || isISBN13(value)
        case "isbn10": return isISBN10(value)
        case "isbn13": return isISBN13(value)
        case "creditcard": return isCreditCard(value)
        default: return true
        }
    }

    // Patterns from strfmt/default.go and govalidator's patterns.go.
    private static let uuid = regex(#"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$"#)
    private static let uuid3 = regex(#"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$"#)
    private static let uuid4 = regex(
        #"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"#)
    private static let uuid5 = regex(
        #"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"#)
    private static let hostname = regex(
        #"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$"#
    )
    private static let mac = regex(
        #"^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{2}[:-]){7}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{2}[:-]){19}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{4}\.){2}([0-9A-Fa-f]{4})$"#
    )
    private static let email = regex(#"^[^\s@<>(),;:\\"\[\]]+@[^\s@<>(),;:\\"\[\]]+$"#)
    private static let hexcolor = regex(#"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"#)
    private static let rgbcolor = regex(
        #"^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$"#
    )
    private static let ssn = regex(#"^\d{3}[- ]?\d{2}[- ]?\d{4}$"#)
    private static let dateTimeTail = regex(#"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$"#)
    private static let scalaDuration = regex(#"((\d+)\s*([A-Za-zµ]+))"#)
    private static let goDuration = regex(#"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$"#)
    private static let creditCard = regex(
        #"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$"#
    )

    private static func regex(_ p: String) -> NSRegularExpression? { try? NSRegularExpression(pattern: p) }

    static func matches(_ s: String, _ re: NSRegularExpression?) -> Bool {
        guard let re else { return false }
        return re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// `time.Parse("2006-01-02", s)`.
    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), d >= 1
        else { return false }
        let days = [
            31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
        ]
        return d <= days[m - 1]
    }

    /// strfmt `IsDateTime`: a date, `t`, then a time matching `DateTimePattern`.
    static func isDateTime(_ s: String) -> Bool {
        guard s.count >= 4 else { return false }
        let parts = s.lowercased().split(separator: "t", omittingEmptySubsequences: false)
        guard parts.count >= 2, isDate(String(parts[0])) else { return false }
        let tail = String(parts[1])
        guard let re = dateTimeTail,
            let m = re.firstMatch(in: tail, range: NSRange(tail.startIndex..., in: tail)),
            let h = Range(m.range(at: 1), in: tail), let mi = Range(m.range(at: 2), in: tail),
            let se = Range(m.range(at: 3), in: tail)
        else { return false }
        return tail[h] <= "23" && tail[mi] <= "59" && tail[se] <= "59"
    }

    /// govalidator `IsBase64` (standard alphabet, padded).
    static func isBase64(_ s: String) -> Bool {
        Data(base64Encoded: s) != nil && s.utf8.count % 4 == 0
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy { $0.isASCII && $0.isNumber } && (Int(p) ?? 256) <= 255
        }
    }

    static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":") else { return false }
        var groups = s.components(separatedBy: ":")
        var embeddedV4 = false
        if let last = groups.last, last.contains(".") {
            guard isIPv4(last) else { return false }
            groups.removeLast()
            embeddedV4 = true
        }
        let doubleColons = s.components(separatedBy: "::").count - 1
        guard doubleColons <= 1 else { return false }
        let nonEmpty = groups.filter { !$0.isEmpty }
        guard nonEmpty.allSatisfy({ $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }) else { return false }
        let needed = embeddedV4 ? 6 : 8
        if doubleColons == 1 { return nonEmpty.count < needed }
        return groups.count == needed && nonEmpty.count == needed
    }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return false }
        let ip = String(parts[0])
        if isIPv4(ip) { return (0...32).contains(bits) }
        if isIPv6(ip) { return (0...128).contains(bits) }
        return false
    }

    /// strfmt `IsHostname`.
    static func isHostname(_ s: String) -> Bool {
        guard matches(s, hostname), s.utf8.count <= 255 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 63 }
    }

    /// govalidator `IsRequestURI` (`url.ParseRequestURI`): an absolute URI or an absolute path.
    static func isRequestURI(_ s: String) -> Bool {
        if s.hasPrefix("/") { return !s.contains(" ") }
        guard let colon = s.firstIndex(of: ":") else { return false }
        let scheme = s[..<colon]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { return false }
        return !s.contains(" ")
    }

    /// strfmt `ParseDuration`: Go's `time.ParseDuration`, else the scala-like `<n> <unit>` forms.
    static func isDuration(_ s: String) -> Bool {
        if s == "0" || matches(s, goDuration) { return true }
        guard let re = scalaDuration else { return false }
        let units: [[String]] = [
            ["ns", "nano"], ["us", "µs", "micro"], ["ms", "milli"], ["s", "sec"], ["m", "min"], ["h", "hr", "hour"],
            ["d", "day"], ["w", "wk", "week"],
        ]
        for m in re.matches(in: s, range: NSRange(s.startIndex..., in: s)) {
            guard let r = Range(m.range(at: 3), in: s) else { continue }
            let unit = s[r].lowercased().trimmingCharacters(in: .whitespaces)
            for variants in units {
                for (i, v) in variants.enumerated()
                where (i == variants.count - 1 && unit.hasPrefix(v)) || unit.caseInsensitiveCompare(v) == .orderedSame {
                    return true
                }
            }
        }
        return false
    }

    static func isISBN10(_ s: String) -> Bool {
        let chars = Array(s.filter { $0 != "-" && $0 != " " })
        guard chars.count == 10 else { return false }
        var sum = 0
        for (i, c) in chars.enumerated() {
            if i == 9 && (c == "X" || c == "x") {
                sum += 10 * 10
            } else if let d = c.wholeNumberValue, c.isASCII {
                sum += d * (i + 1)
            } else {
                return false
            }
        }
        return sum % 11 == 0
    }

    static func isISBN13(_ s: String) -> Bool {
        let chars = Array(s.filter { $0 != "-" && $0 != " " })
        guard chars.count == 13 else { return false }
        var sum = 0
        for (i, c) in chars.enumerated() {
            guard let d = c.wholeNumberValue, c.isASCII else { return false }
            sum += d * (i % 2 == 0 ? 1 : 3)
        }
        return sum % 10 == 0
    }

    /// govalidator `IsCreditCard`: non-digits removed, then the card pattern and Luhn's check.
    static func isCreditCard(_ s: String) -> Bool {
        let digits = s.filter { $0.isASCII && $0.isNumber }
        guard matches(digits, creditCard) else { return false }
        var sum = 0
        var double = false
        for c in digits.reversed() {
            var d = c.wholeNumberValue ?? 0
            if double {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
            double.toggle()
        }
        return sum % 10 == 0
    }
}
