/// Checks on names and namespaces taken from request paths, done before anything
/// reaches storage. They bound key sizes (LMDB keys are at most 511 bytes) and
/// answer like the apiserver's registry (`Name parameter invalid: ...`).
public enum RequestPathValidation {
    /// Longest object name accepted anywhere (the DNS subdomain limit).
    public static let maxNameLength = 253
    /// Longest namespace accepted (namespaces are DNS labels).
    public static let maxNamespaceLength = 63

    /// A 400 BadRequest when `name` cannot be an object name in a request path.
    public static func checkName(_ name: String) -> StatusError? {
        if name.isEmpty { return .badRequest("Name parameter required.") }
        var msgs = NameValidation.isValidPathSegmentName(name)
        if name.utf8.count > maxNameLength { msgs.append(NameValidation.maxLenError(maxNameLength)) }
        if name.utf8.contains(0) { msgs.append("may not contain NUL") }
        guard !msgs.isEmpty else { return nil }
        return .badRequest("Name parameter invalid: \(goQuoted(name)): \(msgs.joined(separator: ";"))")
    }

    /// A 400 BadRequest when `namespace` cannot be a namespace in a request path.
    public static func checkNamespace(_ namespace: String) -> StatusError? {
        if namespace.isEmpty { return .badRequest("Namespace parameter required.") }
        var msgs = NameValidation.isValidPathSegmentName(namespace)
        if namespace.utf8.count > maxNamespaceLength { msgs.append(NameValidation.maxLenError(maxNamespaceLength)) }
        if namespace.utf8.contains(0) { msgs.append("may not contain NUL") }
        guard !msgs.isEmpty else { return nil }
        return .badRequest("Namespace parameter invalid: \(goQuoted(namespace)): \(msgs.joined(separator: ";"))")
    }
}
