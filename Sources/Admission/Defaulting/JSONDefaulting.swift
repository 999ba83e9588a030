import KubeModel

/// Small in-place edits that read like the Go `SetDefaults_*` functions they port. Go
/// decodes `null`, a missing member and the zero value alike, so "unset" below means any
/// of them for the field's type.
extension JSONValue {
    /// Whether a string field is unset (`""` in Go).
    func isUnsetString(_ key: String) -> Bool {
        switch self[key] {
        case nil, .null?: return true
        case .string(let s)?: return s.isEmpty
        default: return false
        }
    }

    /// Whether a pointer field is unset (nil in Go).
    func isUnset(_ key: String) -> Bool {
        switch self[key] {
        case nil, .null?: return true
        default: return false
        }
    }

    /// Whether a number field is unset (`0` in Go).
    func isUnsetNumber(_ key: String) -> Bool {
        switch self[key] {
        case nil, .null?: return true
        case .number(let n)?: return n.doubleValue == 0
        default: return false
        }
    }

    /// Whether a slice or map field is empty (`len(x) == 0` in Go).
    func isEmptyCollection(_ key: String) -> Bool {
        switch self[key] {
        case nil, .null?: return true
        case .array(let a)?: return a.isEmpty
        case .object(let o)?: return o.isEmpty
        default: return false
        }
    }

    /// Sets a string field that is unset.
    mutating func defaultString(_ key: String, _ value: String) {
        if isUnsetString(key) { self[key] = .string(value) }
    }

    /// Sets a pointer field that is nil.
    mutating func defaultPointer(_ key: String, _ value: JSONValue) {
        if isUnset(key) { self[key] = value }
    }

    /// Sets a number field that is zero.
    mutating func defaultNumber(_ key: String, _ value: Int64) {
        if isUnsetNumber(key) { self[key] = .number(JSONNumber(value)) }
    }

    /// Edits the object member `key` in place. A Go pointer (`create: false`) is edited
    /// only when present; a Go value struct (`create: true`) always exists, so a missing
    /// or null member starts as `{}`. Members of another JSON type are left alone.
    mutating func edit(_ key: String, create: Bool, _ body: (inout JSONValue) -> Void) {
        guard case .object(var o) = self else { return }
        var member: JSONValue
        switch o[key] {
        case .object?:
            self = .null  // `o` becomes the only owner: taking the member out copies nothing
            member = o.takeValueForEditing(key)
        case nil, .null?:
            guard create else { return }
            self = .null
            member = .object(JSONObject())
        default:
            return
        }
        body(&member)
        o[key] = member
        self = .object(o)
    }

    /// Edits every element of the array member `key` in place.
    mutating func editEach(_ key: String, _ body: (inout JSONValue) -> Void) {
        guard case .object(var o) = self, case .array(var items)? = o[key] else { return }
        self = .null  // `o` and then `items` become the only owners: the edits copy nothing
        _ = o.takeValueForEditing(key)
        for i in items.indices where items[i].objectValue != nil {
            body(&items[i])
        }
        o[key] = .array(items)
        self = .object(o)
    }
}

extension JSONObject {
    /// The member's value, leaving `null` in its place so the caller's edit does not copy it.
    mutating func takeValueForEditing(_ key: String) -> JSONValue {
        guard let v = self[key] else { return .null }
        self[key] = .null
        return v
    }
}
