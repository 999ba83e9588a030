import KubeModel

/// The shape kube-apiserver's Go JSON encoding gives a built-in object: it decodes a
/// write into Go structs and stores (and answers) their `encoding/json` form. So a value
/// struct is always present (`"resources": {}`, `"status": {"loadBalancer": {}}`, a
/// template's `"creationTimestamp": null`), a field without `omitempty` is written even
/// when zero or nil (`"rules": null`), and an `omitempty` field holding its zero value is
/// dropped (`"hostNetwork": false`, `"labels": {}`). Pointers keep whatever they point to.
///
/// The struct shapes come from ``BuiltInTypes``. Unknown members are left alone (pruning
/// is not a matter of shape), and the top-level `creationTimestamp` is the registry's to
/// set: it is never added as `null`.
enum GoEncoding {
    /// Fields the type table has that the Kubernetes version AKE defaults as (1.32) does
    /// not, and that Go would write even when unset.
    static let newerFields: Set<String> = ["storage/v1.CSINode status"]

    /// Reshapes a built-in object as Go would encode it; objects of kinds the type table
    /// does not know are unchanged.
    static func normalize(_ object: inout JSONValue) {
        let table = BuiltInTypes.table
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
            let root = table.root(apiVersion: apiVersion, kind: kind)
        else { return }
        let hadCreationTimestamp = !(object["metadata"]?["creationTimestamp"]?.isNull ?? true)
        normalize(&object, root, table: table)
        if !hadCreationTimestamp {
            object.edit("metadata", create: false) { $0["creationTimestamp"] = nil }
        }
    }

    static func normalize(_ value: inout JSONValue, _ message: BuiltInTypes.Message, table: BuiltInTypes.Table) {
        guard case .object(var o) = value else { return }
        value = .null
        for field in message.fields {
            if field.inline {
                guard case .message(let name) = field.kind, let embedded = table.messages[name] else { continue }
                var inner = JSONValue.object(o)
                normalize(&inner, embedded, table: table)
                o = inner.objectValue ?? o
                continue
            }
            let key = field.jsonName
            if newerFields.contains(message.name + " " + key) { continue }
            let member = o.takeValueForEditing(key)
            o[key] = normalizedMember(member, field, present: !member.isNull, table: table)
        }
        value = .object(o)
    }

    /// The member as Go writes it back, or nil when Go omits it.
    static func normalizedMember(
        _ member: JSONValue, _ field: BuiltInTypes.Field, present: Bool, table: BuiltInTypes.Table
    ) -> JSONValue? {
        guard present else {
            // A nil pointer, slice or map, or a value's zero.
            if field.pointer || field.repeated { return field.omitEmpty ? nil : .null }
            switch field.kind {
            case .map: return field.omitEmpty ? nil : .null
            case .message(let name):
                var empty = JSONValue.object(JSONObject())
                if let m = table.messages[name] { normalize(&empty, m, table: table) }
                return empty
            case .time, .microTime, .rawExtension, .fieldsV1: return .null
            case .duration: return "0s"
            case .quantity: return "0"
            case .intOrString: return 0
            case .string, .wrappedStrings: return field.omitEmpty ? nil : ""
            case .bytes: return field.omitEmpty ? nil : .null
            case .bool: return field.omitEmpty ? nil : false
            case .int32, .int64, .double: return field.omitEmpty ? nil : 0
            }
        }
        if field.repeated {
            guard case .array(var items) = member else { return member }
            if items.isEmpty && field.omitEmpty { return nil }
            if case .message(let name) = field.kind, let m = table.messages[name] {
                for i in items.indices { normalize(&items[i], m, table: table) }
            }
            return .array(items)
        }
        switch field.kind {
        case .map(_, let valueKind):
            guard case .object(var entries) = member else { return member }
            if entries.isEmpty && field.omitEmpty { return nil }
            if case .message(let name) = valueKind, let m = table.messages[name] {
                for key in entries.keys {
                    var entry = entries.takeValueForEditing(key)
                    normalize(&entry, m, table: table)
                    entries[key] = entry
                }
            }
            return .object(entries)
        case .message(let name):
            var copy = member
            if let m = table.messages[name] { normalize(&copy, m, table: table) }
            return copy
        default:
            if !field.pointer && field.omitEmpty && isZero(member) { return nil }
            return member
        }
    }

    /// Go's zero for a scalar: `""`, `0`, `false`.
    static func isZero(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let s): return s.isEmpty
        case .number(let n): return n.doubleValue == 0
        case .bool(let b): return !b
        default: return false
        }
    }
}
