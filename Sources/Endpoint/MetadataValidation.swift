import KubeModel

/// `ValidateObjectMeta` for what the endpoint stores: name, labels, annotations, finalizers.
/// Messages follow `k8s.io/apimachinery/pkg/util/validation` word for word.
enum MetadataValidation {
    static let qualifiedNameFormat =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let labelValueFormat =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let dns1123SubdomainFormat =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let totalAnnotationSizeLimit = 256 * 1024

    /// All metadata problems of `object` stored as `info`.
    static func validate(_ object: JSONValue, info: ResourceInfo) -> [FieldCause] {
        var causes: [FieldCause] = []
        let name = object.objectName
        if name.isEmpty {
            causes.append(.required("metadata.name", "name or generateName is required"))
        } else {
            for message in NameValidation.validate(name: name, for: info) {
                causes.append(.invalid("metadata.name", name, message))
            }
        }
        for (key, value) in object.objectMeta("labels")?.objectValue ?? JSONObject() {
            for message in qualifiedNameErrors(key) { causes.append(.invalid("metadata.labels", key, message)) }
            let v = value.stringValue ?? ""
            for message in labelValueErrors(v) { causes.append(.invalid("metadata.labels", v, message)) }
        }
        var annotationBytes = 0
        for (key, value) in object.objectMeta("annotations")?.objectValue ?? JSONObject() {
            for message in qualifiedNameErrors(key.lowercased()) {
                causes.append(.invalid("metadata.annotations", key, message))
            }
            annotationBytes += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
        }
        if annotationBytes > totalAnnotationSizeLimit {
            causes.append(.tooLong("metadata.annotations", totalAnnotationSizeLimit))
        }
        for (i, finalizer) in object.objectFinalizers.enumerated() {
            for message in qualifiedNameErrors(finalizer) {
                causes.append(.invalid("metadata.finalizers[\(i)]", finalizer, message))
            }
        }
        return causes
    }

    /// `IsQualifiedName`: an optional DNS subdomain prefix and `/`, then a name part.
    static func qualifiedNameErrors(_ value: String) -> [String] {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        var errors: [String] = []
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part must be non-empty")
            } else if !isDNS1123Subdomain(prefix) {
                errors.append("prefix part \(dns1123SubdomainFormat)")
            }
        default:
            return [
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errors.append("name part must be no more than 63 characters")
        }
        if !name.isEmpty && !isQualifiedNamePart(name) { errors.append(qualifiedNameFormat) }
        return errors
    }

    /// `IsValidLabelValue`.
    static func labelValueErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 63 { errors.append("must be no more than 63 characters") }
        if !value.isEmpty && !isQualifiedNamePart(Substring(value)) { errors.append(labelValueFormat) }
        return errors
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    private static func isQualifiedNamePart(_ s: Substring) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, isAlnum(f), isAlnum(l) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`, at most 253 characters.
    static func isDNS1123Subdomain(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        for label in s.split(separator: ".", omittingEmptySubsequences: false) {
            let b = Array(label.utf8)
            func ok(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) }
            guard let f = b.first, let l = b.last, ok(f), ok(l) else { return false }
            guard b.allSatisfy({ ok($0) || $0 == 0x2d }) else { return false }
        }
        return true
    }

    /// `path.IsValidPathSegmentName`: what may appear as one segment of a URL path.
    static func pathSegmentErrors(_ name: String) -> [String] {
        if name == "." || name == ".." { return ["may not be '\(name)'"] }
        var errors: [String] = []
        for illegal in ["/", "%"] where name.contains(illegal) { errors.append("may not contain '\(illegal)'") }
        return errors
    }
}
