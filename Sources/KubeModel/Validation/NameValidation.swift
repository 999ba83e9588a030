/// Name, label and annotation checks with the apiserver's exact messages
/// (k8s.io/apimachinery 1.33 `pkg/util/validation` and `pkg/api/validation`).
///
/// Each `is…` function returns the list of problems (empty when valid), like the Go
/// originals, so callers can wrap them in `FieldError`s.
public enum NameValidation {
    /// How a resource's object names are checked.
    public enum NameRule: Sendable, Hashable {
        /// RFC 1123 subdomain (most resources).
        case dns1123Subdomain
        /// RFC 1123 label (namespaces).
        case dns1123Label
        /// RFC 1035 label (services).
        case dns1035Label
        /// Only path-segment safety (RBAC objects, persistent volumes and claims, CSRs).
        case pathSegment
    }

    /// Longest RFC 1123 label.
    public static let dns1123LabelMaxLength = 63
    /// Longest RFC 1123 subdomain.
    public static let dns1123SubdomainMaxLength = 253
    /// Longest RFC 1035 label.
    public static let dns1035LabelMaxLength = 63
    /// Longest label value.
    public static let labelValueMaxLength = 63
    /// Longest name part of a qualified name (label key).
    public static let qualifiedNameMaxLength = 63
    /// Sum of the byte lengths of all annotation keys and values.
    public static let totalAnnotationSizeLimit = 256 * 1024

    static let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
    static let dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValueFmt = "(" + qualifiedNameFmt + ")?"
    static let qualifiedNameErrMsg =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// `validation.RegexError`.
    static func regexError(_ msg: String, _ fmt: String, _ examples: String...) -> String {
        if examples.isEmpty { return msg + " (regex used for validation is '" + fmt + "')" }
        var m = msg + " (e.g. "
        for (i, e) in examples.enumerated() {
            if i > 0 { m += " or " }
            m += "'" + e + "', "
        }
        return m + "regex used for validation is '" + fmt + "')"
    }

    static func maxLenError(_ n: Int) -> String { "must be no more than \(n) characters" }

    // MARK: character-class matchers (ASCII only, like the Go regexes)

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
    private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 65 && c <= 90) }

    static func matchesDNS1123Label<C: BidirectionalCollection<UInt8>>(_ b: C) -> Bool {
        guard let first = b.first, let last = b.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == 45 }
    }

    static func matchesDNS1123Subdomain(_ s: String) -> Bool {
        let parts = s.utf8.split(separator: 46, omittingEmptySubsequences: false)
        return parts.allSatisfy { matchesDNS1123Label($0) }
    }

    static func matchesDNS1035Label(_ s: String) -> Bool {
        guard let first = s.utf8.first, first >= 97, first <= 122 else { return false }
        return matchesDNS1123Label(s.utf8)
    }

    static func matchesQualifiedNamePart<C: BidirectionalCollection<UInt8>>(_ b: C) -> Bool {
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    // MARK: the checks

    /// `IsDNS1123Label`.
    public static func isDNS1123Label(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1123LabelMaxLength { errs.append(maxLenError(dns1123LabelMaxLength)) }
        if !matchesDNS1123Label(value.utf8) {
            if matchesDNS1123Subdomain(value) {
                errs.append("must not contain dots")
            } else {
                errs.append(
                    regexError(
                        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                        dns1123LabelFmt, "my-name", "123-abc"))
            }
        }
        return errs
    }

    /// `IsDNS1123Subdomain`.
    public static func isDNS1123Subdomain(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength { errs.append(maxLenError(dns1123SubdomainMaxLength)) }
        if !matchesDNS1123Subdomain(value) {
            errs.append(
                regexError(
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                    dns1123SubdomainFmt, "example.com"))
        }
        return errs
    }

    /// `IsDNS1035Label`.
    public static func isDNS1035Label(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1035LabelMaxLength { errs.append(maxLenError(dns1035LabelMaxLength)) }
        if !matchesDNS1035Label(value) {
            errs.append(
                regexError(
                    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
                    dns1035LabelFmt, "my-name", "abc-123"))
        }
        return errs
    }

    /// `IsQualifiedName`: the syntax of label keys and annotation keys.
    public static func isQualifiedName(_ value: String) -> [String] {
        var errs: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += isDNS1123Subdomain(String(prefix)).map { "prefix part " + $0 }
            }
        default:
            return [
                "a qualified name "
                    + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > qualifiedNameMaxLength {
            errs.append("name part " + maxLenError(qualifiedNameMaxLength))
        }
        if !matchesQualifiedNamePart(name.utf8) {
            errs.append(
                "name part " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"))
        }
        return errs
    }

    /// `IsValidLabelValue`.
    public static func isValidLabelValue(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > labelValueMaxLength { errs.append(maxLenError(labelValueMaxLength)) }
        if !value.isEmpty && !matchesQualifiedNamePart(value.utf8) {
            errs.append(
                regexError(
                    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                    labelValueFmt, "MyValue", "my_value", "12345"))
        }
        return errs
    }

    /// `path.IsValidPathSegmentName` (or the prefix variant for generateName).
    public static func isValidPathSegmentName(_ name: String, prefix: Bool = false) -> [String] {
        if !prefix {
            for illegal in [".", ".."] where name == illegal { return ["may not be '\(illegal)'"] }
        }
        var errs: [String] = []
        for illegal in ["/", "%"] where name.contains(illegal) { errs.append("may not contain '\(illegal)'") }
        return errs
    }

    /// `maskTrailingDash`: a generateName may end in `-` since a suffix follows.
    static func maskTrailingDash(_ name: String) -> String {
        guard name.utf8.count > 1, name.hasSuffix("-") else { return name }
        // Go replaces the last two bytes with "a" (name[:len-2] + "a").
        return String(name.dropLast(2)) + "a"
    }

    /// The name rule for a resource, as its apiserver strategy validates it.
    public static func nameRule(for resource: ResourceInfo) -> NameRule {
        switch (resource.gvr.group, resource.gvr.resource) {
        case ("", "namespaces"): .dns1123Label
        case ("", "services"): .dns1035Label
        case ("", "persistentvolumes"), ("", "persistentvolumeclaims"),
            ("rbac.authorization.k8s.io", _), ("certificates.k8s.io", "certificatesigningrequests"):
            .pathSegment
        default: .dns1123Subdomain
        }
    }

    /// Checks a name (or, with `prefix`, a generateName) by `rule`; returns the problems.
    public static func validate(name: String, rule: NameRule, prefix: Bool = false) -> [String] {
        switch rule {
        case .dns1123Subdomain: return isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name)
        case .dns1123Label: return isDNS1123Label(prefix ? maskTrailingDash(name) : name)
        case .dns1035Label: return isDNS1035Label(prefix ? maskTrailingDash(name) : name)
        case .pathSegment:
            // CSRs take any name; all path-segment resources still need a safe segment.
            return isValidPathSegmentName(name, prefix: prefix)
        }
    }

    /// The problems with `name` as the name of an object of `resource` (apiserver wording).
    public static func validate(name: String, for resource: ResourceInfo) -> [String] {
        var errs = validate(name: name, rule: nameRule(for: resource))
        if resource.gvr.group == "batch", resource.gvr.resource == "cronjobs", name.utf8.count > 52 {
            // The CronJob controller appends an 11-character suffix to job names.
            errs.append("must be no more than 52 characters")
        }
        return errs
    }

    /// `ValidateLabels` for `metadata.labels` (keys sorted for a stable order).
    public static func validateLabels(_ labels: [String: String], field: String = "metadata.labels") -> [FieldError] {
        var out: [FieldError] = []
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) {
            out += isQualifiedName(k).map { FieldError.invalid(field, k, $0) }
            out += isValidLabelValue(v).map { FieldError.invalid(field, v, $0) }
        }
        return out
    }

    /// `ValidateAnnotations`: key syntax (case-insensitive) and the 256 KiB total size.
    public static func validateAnnotations(_ annotations: [String: String], field: String = "metadata.annotations")
        -> [FieldError]
    {
        var out: [FieldError] = []
        var total = 0
        for (k, v) in annotations.sorted(by: { $0.key < $1.key }) {
            out += isQualifiedName(k.lowercased()).map { FieldError.invalid(field, k, $0) }
            total += k.utf8.count + v.utf8.count
        }
        if total > totalAnnotationSizeLimit { out.append(.tooLong(field, maxBytes: totalAnnotationSizeLimit)) }
        return out
    }

    /// `ValidateObjectMeta` for the parts AKE checks on create and update: name or
    /// generateName, namespace (when the resource is namespaced), labels, annotations
    /// and a non-negative generation. Field paths are `metadata.*`.
    public static func validateMetadata(of object: JSONValue, for resource: ResourceInfo) -> [FieldError] {
        var errs: [FieldError] = []
        let meta = object["metadata"]
        let rule = nameRule(for: resource)
        if let generateName = meta?["generateName"]?.stringValue, !generateName.isEmpty {
            errs += validate(name: generateName, rule: rule, prefix: true).map {
                .invalid("metadata.generateName", generateName, $0)
            }
        }
        let name = meta?["name"]?.stringValue ?? ""
        if name.isEmpty {
            errs.append(.required("metadata.name", "name or generateName is required"))
        } else {
            errs += validate(name: name, for: resource).map { .invalid("metadata.name", name, $0) }
        }
        if resource.namespaced {
            let ns = meta?["namespace"]?.stringValue ?? ""
            if ns.isEmpty {
                errs.append(.required("metadata.namespace"))
            } else {
                errs += isDNS1123Label(ns).map { .invalid("metadata.namespace", ns, $0) }
            }
        }
        if let generation = meta?["generation"]?.int64Value, generation < 0 {
            errs.append(
                FieldError(
                    .invalid, field: "metadata.generation", value: .integer(generation),
                    detail: "must be greater than or equal to 0"))
        }
        errs += validateLabels(stringMap(meta?["labels"]))
        errs += validateAnnotations(stringMap(meta?["annotations"]))
        return errs
    }

    private static func stringMap(_ v: JSONValue?) -> [String: String] {
        guard let o = v?.objectValue else { return [:] }
        var m: [String: String] = [:]
        for (k, v) in o { m[k] = v.stringValue ?? "" }
        return m
    }
}
