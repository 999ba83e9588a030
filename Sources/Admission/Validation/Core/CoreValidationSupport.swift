import KubeModel

/// Reading a JSON object the way Go reads the typed struct it decodes into: an absent or
/// null member is the zero value (`""`, `0`, `false`, an empty list or map).
enum GoJSON {
    /// A string member, or `""`.
    static func string(_ v: JSONValue?) -> String { v?.stringValue ?? "" }
    /// An integer member, or nil when absent or null (a Go pointer field).
    static func int(_ v: JSONValue?) -> Int64? {
        guard case .number(let n)? = v else { return nil }
        return n.int64Value ?? Int64(n.doubleValue ?? 0)
    }
    /// A boolean member, or false.
    static func bool(_ v: JSONValue?) -> Bool { v?.boolValue ?? false }
    /// Whether a pointer member is set (present and not null).
    static func isSet(_ v: JSONValue?) -> Bool {
        guard let v else { return false }
        return !v.isNull
    }
    /// A list member, or empty.
    static func array(_ v: JSONValue?) -> [JSONValue] { v?.arrayValue ?? [] }
    /// A map member as `[String: String]` pairs in key order (Go iterates maps in random
    /// order; AKE sorts keys so that several errors come out stably).
    static func stringMap(_ v: JSONValue?) -> [(key: String, value: String)] {
        guard let o = v?.objectValue else { return [] }
        return o.members.map { ($0.key, $0.value.stringValue ?? "") }.sorted { $0.key < $1.key }
    }
    /// A map member's entries sorted by key.
    static func entries(_ v: JSONValue?) -> [(key: String, value: JSONValue)] {
        guard let o = v?.objectValue else { return [] }
        return o.members.sorted { $0.key < $1.key }
    }
}

/// `field.Error` constructors with the apiserver's renderings of the bad value.
enum CoreField {
    static func required(_ field: String, _ detail: String = "") -> FieldError { .required(field, detail) }
    static func forbidden(_ field: String, _ detail: String) -> FieldError { .forbidden(field, detail) }
    static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldError {
        .invalid(field, value, detail)
    }
    static func invalid(_ field: String, int value: Int64, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: .integer(value), detail: detail)
    }
    static func invalid(_ field: String, bool value: Bool, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: .bool(value), detail: detail)
    }
    /// A value Go prints with `%#v` (structs, slices) or null.
    static func invalid(_ field: String, raw value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: .raw(value), detail: detail)
    }
    static func invalidNull(_ field: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: .null, detail: detail)
    }
    static func duplicate(_ field: String, _ value: String) -> FieldError {
        FieldError(.duplicate, field: field, value: .string(value))
    }
    static func duplicate(_ field: String, int value: Int64) -> FieldError {
        FieldError(.duplicate, field: field, value: .integer(value))
    }
    static func notFound(_ field: String, _ value: String) -> FieldError {
        FieldError(.notFound, field: field, value: .string(value))
    }
    static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> FieldError {
        .notSupported(field, value, supported: supported)
    }
    /// `field.NotSupported` for a value Go prints bare (a type with a `String()` method).
    static func notSupported(_ field: String, raw value: String, _ supported: [String]) -> FieldError {
        var e = FieldError.notSupported(field, value, supported: supported)
        e.badValue = .raw(value)
        return e
    }
    static func tooLong(_ field: String, _ maxBytes: Int) -> FieldError { .tooLong(field, maxBytes: maxBytes) }
    static func tooMany(_ field: String, _ actual: Int, _ max: Int) -> FieldError {
        FieldError(.tooMany, field: field, value: .integer(Int64(actual)), detail: "must have at most \(max) items")
    }
}

/// The string checks of k8s.io/apimachinery `pkg/util/validation` that core validation
/// uses beyond the name checks of `NameValidation`.
enum CoreFormats {
    static func inclusiveRangeError(_ lo: Int64, _ hi: Int64) -> String { "must be between \(lo) and \(hi), inclusive" }

    /// `IsValidPortNum`.
    static func isValidPortNum(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
    }

    /// `IsValidPortName` (an IANA_SVC_NAME).
    static func isValidPortName(_ port: String) -> [String] {
        var errs: [String] = []
        let b = Array(port.utf8)
        if b.count > 15 { errs.append("must be no more than 15 characters") }
        if b.isEmpty || !b.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
            errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !b.contains(where: { $0 >= 97 && $0 <= 122 }) { errs.append("must contain at least one letter (a-z)") }
        if port.contains("--") { errs.append("must not contain consecutive hyphens") }
        if let f = b.first, let l = b.last, f == 45 || l == 45 { errs.append("must not begin or end with a hyphen") }
        return errs
    }

    /// `IsValidUserID` / `IsValidGroupID`: 0…2³¹−1.
    static func isValidID(_ id: Int64) -> [String] {
        (0...Int64(Int32.max)).contains(id) ? [] : [inclusiveRangeError(0, Int64(Int32.max))]
    }

    /// `IsRelaxedEnvVarName` (the default since the RelaxedEnvironmentVariableValidation gate went beta).
    static func isRelaxedEnvVarName(_ value: String) -> [String] {
        var errs: [String] = []
        if value.isEmpty { errs.append("environment variable name must be non-empty") }
        for s in value.unicodeScalars where s.value > 0x7E || s.value < 0x20 || s == "=" {
            errs.append(
                "a valid environment variable name must consist only of printable ASCII characters other than '='")
            break
        }
        return errs
    }

    private static func hasChDirPrefix(_ value: String) -> [String] {
        if value == "." { return ["must not be '.'"] }
        if value == ".." { return ["must not be '..'"] }
        if value.hasPrefix("..") { return ["must not start with '..'"] }
        return []
    }

    /// `IsConfigMapKey`: the keys of ConfigMap and Secret data.
    static func isConfigMapKey(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > 253 { errs.append("must be no more than 253 characters") }
        let ok =
            !value.isEmpty
            && value.utf8.allSatisfy {
                ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46
                    || $0 == 95
            }
        if !ok {
            errs.append(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
            )
        }
        return errs + hasChDirPrefix(value)
    }

    /// `IsHTTPHeaderName`.
    static func isHTTPHeaderName(_ value: String) -> [String] {
        let ok =
            !value.isEmpty
            && value.utf8.allSatisfy {
                ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45
            }
        return ok
            ? []
            : [
                "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"
            ]
    }

    /// `ValidateDNS1123Label` as field errors.
    static func dns1123Label(_ value: String, _ field: String) -> [FieldError] {
        NameValidation.isDNS1123Label(value).map { CoreField.invalid(field, value, $0) }
    }
    /// `ValidateDNS1123Subdomain` as field errors.
    static func dns1123Subdomain(_ value: String, _ field: String) -> [FieldError] {
        NameValidation.isDNS1123Subdomain(value).map { CoreField.invalid(field, value, $0) }
    }
    /// `ValidateQualifiedName` as field errors.
    static func qualifiedName(_ value: String, _ field: String) -> [FieldError] {
        NameValidation.isQualifiedName(value).map { CoreField.invalid(field, value, $0) }
    }

    /// `path.IsAbs` (slash-rooted).
    static func isAbsolutePath(_ p: String) -> Bool { p.hasPrefix("/") }

    /// `validatePathNoBacksteps`.
    static func pathNoBacksteps(_ p: String, _ field: String) -> [FieldError] {
        p.split(separator: "/", omittingEmptySubsequences: false).contains("..")
            ? [CoreField.invalid(field, p, "must not contain '..'")] : []
    }
    /// `validateLocalDescendingPath`.
    static func localDescendingPath(_ p: String, _ field: String) -> [FieldError] {
        var errs: [FieldError] = []
        if isAbsolutePath(p) { errs.append(CoreField.invalid(field, p, "must be a relative path")) }
        return errs + pathNoBacksteps(p, field)
    }
    /// `ValidateLocalNonReservedPath`.
    static func localNonReservedPath(_ p: String, _ field: String) -> [FieldError] {
        var errs = localDescendingPath(p, field)
        if p.hasPrefix("..") && !p.hasPrefix("../") {
            errs.append(CoreField.invalid(field, p, "must not start with '..'"))
        }
        return errs
    }

    /// `netutils.ParseIPSloppy` != nil: an IPv4 dotted quad (leading zeros allowed) or IPv6.
    static func isIP(_ s: String) -> Bool { parseIP(s) != nil }

    static func isIPv4(_ s: String) -> Bool { parseIPv4(Substring(s)) != nil }

    /// The 4 (IPv4) or 16 (IPv6) bytes of an address.
    static func parseIP(_ s: String) -> [UInt8]? {
        if let v4 = parseIPv4(Substring(s)) { return v4 }
        return parseIPv6(s)
    }

    private static func parseIPv4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.utf8.count <= 3, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(p), v <= 255
            else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    private static func parseIPv6(_ s: String) -> [UInt8]? {
        guard s.contains(":") else { return nil }
        var str = Substring(s)
        var tail: [UInt8] = []
        if let lastColon = str.lastIndex(of: ":"), str[str.index(after: lastColon)...].contains(".") {
            guard let v4 = parseIPv4(str[str.index(after: lastColon)...]) else { return nil }
            tail = v4
            str = str[...lastColon]
            if !str.hasSuffix("::") { str = str.dropLast() }
        }
        func groups(_ h: String) -> [UInt16]? {
            if h.isEmpty { return [] }
            var out: [UInt16] = []
            for x in h.split(separator: ":", omittingEmptySubsequences: false) {
                guard !x.isEmpty, x.utf8.count <= 4, let v = UInt16(x, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        let halves = str.components(separatedBy: "::")
        let needed = 8 - tail.count / 2
        var words: [UInt16]
        switch halves.count {
        case 1:
            guard let g = groups(halves[0]), g.count == needed else { return nil }
            words = g
        case 2:
            guard let a = groups(halves[0]), let b = groups(halves[1]), a.count + b.count < needed else { return nil }
            words = a + Array(repeating: 0, count: needed - a.count - b.count) + b
        default:
            return nil
        }
        var bytes: [UInt8] = []
        for w in words { bytes += [UInt8(w >> 8), UInt8(w & 0xFF)] }
        return bytes + tail
    }

    /// `ValidateNonSpecialIP`.
    static func nonSpecialIP(_ value: String, _ field: String) -> [FieldError] {
        guard var ip = parseIP(value) else { return [CoreField.invalid(field, value, "must be a valid IP address")] }
        if ip.count == 16, ip[0..<10].allSatisfy({ $0 == 0 }), ip[10] == 0xFF, ip[11] == 0xFF { ip = Array(ip[12...]) }
        var errs: [FieldError] = []
        if ip.allSatisfy({ $0 == 0 }) {
            errs.append(CoreField.invalid(field, value, "may not be unspecified (\(value))"))
        }
        let loopback = ip.count == 4 ? ip[0] == 127 : (ip[0..<15].allSatisfy { $0 == 0 } && ip[15] == 1)
        if loopback {
            errs.append(CoreField.invalid(field, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
        }
        let linkLocal = ip.count == 4 ? (ip[0] == 169 && ip[1] == 254) : (ip[0] == 0xFE && ip[1] & 0xC0 == 0x80)
        if linkLocal {
            errs.append(
                CoreField.invalid(field, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
        }
        let linkLocalMulticast =
            ip.count == 4 ? (ip[0] == 224 && ip[1] == 0 && ip[2] == 0) : (ip[0] == 0xFF && ip[1] & 0x0F == 0x02)
        if linkLocalMulticast {
            errs.append(
                CoreField.invalid(
                    field, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
        }
        return errs
    }

    /// `IsValidCIDR`.
    static func validCIDR(_ value: String, _ field: String) -> [FieldError] {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let ip = parseIP(String(parts[0])), let bits = Int(parts[1]),
            parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            bits <= (String(parts[0]).contains(":") ? 128 : (ip.count == 4 ? 32 : 128))
        {
            return []
        }
        return [CoreField.invalid(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]
    }

    /// `IsValidIP` as a field error.
    static func validIP(_ value: String, _ field: String) -> [FieldError] {
        isIP(value)
            ? [] : [CoreField.invalid(field, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    }
}

extension String {
    /// `components(separatedBy:)` without Foundation.
    fileprivate func components(separatedBy sep: String) -> [String] {
        var out: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

extension Substring {
    fileprivate func components(separatedBy sep: String) -> [String] { String(self).components(separatedBy: sep) }
}
