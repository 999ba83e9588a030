import KubeModel

/// Hides the values of core/v1 Secrets in everything the forensic tools print.
///
/// Redacted: every value under `data` (size = decoded bytes) and `stringData`, and
/// the `kubectl.kubernetes.io/last-applied-configuration` annotation (kubectl
/// copies the whole Secret, data included, into it). Keys stay visible so a reader
/// can still see which entries exist and when they changed.
public enum SecretRedactor {
    static let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

    /// The paths whose values are secret; `nil` is a wildcard for one key.
    private static let secretPaths: [[String?]] = [
        ["data", nil],
        ["stringData", nil],
        ["metadata", "annotations", lastApplied],
    ]

    /// Whether objects of `gvr` are Secrets (core group, any version).
    public static func isSecretResource(_ gvr: GroupVersionResource) -> Bool {
        gvr.group.isEmpty && gvr.resource == "secrets"
    }

    /// Whether `object` is a Secret by its own `apiVersion`/`kind`.
    public static func isSecretObject(_ object: JSONValue) -> Bool {
        object["kind"]?.stringValue == "Secret" && object["apiVersion"]?.stringValue == "v1"
    }

    /// The text that replaces a secret value.
    public static func placeholder(bytes: Int) -> String { "<redacted: \(bytes) bytes>" }

    /// A whole Secret with its values replaced by placeholders.
    public static func redact(_ secret: JSONValue) -> JSONValue { redact(secret, at: []) }

    /// The part of a Secret found at `path` (from the object's root), redacted as
    /// `redact(_:)` would redact it in place. Used to print diffs of Secrets: the
    /// diff is computed on the real values, so a change is still visible as a
    /// change, but neither side's value is printed.
    public static func redact(_ value: JSONValue, at path: [PathComponent]) -> JSONValue {
        var keys: [String] = []
        for component in path {
            guard case .key(let k) = component else { return value }
            keys.append(k)
        }
        return redact(value, keys: keys)
    }

    private static func redact(_ value: JSONValue, keys: [String]) -> JSONValue {
        var isPrefix = false
        for pattern in secretPaths where keys.count <= pattern.count {
            let matches = zip(keys, pattern).allSatisfy { key, want in want == nil || want == key }
            guard matches else { continue }
            if keys.count == pattern.count { return hide(value, base64: keys.first == "data") }
            isPrefix = true
        }
        guard isPrefix, case .object(let object) = value else { return value }
        var out = JSONObject()
        for (k, v) in object { out.appendUnchecked(k, redact(v, keys: keys + [k])) }
        return .object(out)
    }

    private static func hide(_ value: JSONValue, base64: Bool) -> JSONValue {
        guard case .string(let s) = value else { return value }
        return .string(placeholder(bytes: base64 ? decodedLength(ofBase64: s) : s.utf8.count))
    }

    /// The number of bytes a base64 string decodes to (its own length if it is not base64).
    public static func decodedLength(ofBase64 text: String) -> Int {
        GoBase64.decode(text)?.count ?? text.utf8.count
    }
}
