import KubeModel

/// The shape kube-apiserver's Go JSON encoding gives a built-in object: it decodes a
/// write into Go structs and stores (and answers) their `encoding/json` form. So a value
/// struct is always present (`"resources": {}`, `"status": {"loadBalancer": {}}`, a
/// template's `"creationTimestamp": null`), a field without `omitempty` is written even
/// when zero or nil (`"rules": null`), and an `omitempty` field holding its zero value is
/// dropped (`"hostNetwork": false`, `"labels": {}`). Pointers keep whatever they point to.
///
/// The struct shapes come from ``BuiltInTypes``, compiled once into ``GoShapes`` (fields
/// by JSON name, inlined structs flattened, what Go writes for a missing member computed
/// ahead), so that reshaping an object costs one pass over the members it has. Unknown
/// members are left alone (pruning is not a matter of shape), and the top-level
/// `creationTimestamp` is the registry's to set: it is never added as `null`.
enum GoEncoding {
    /// Fields the type table has that the Kubernetes version AKE defaults as (1.32) does
    /// not, and that Go would write even when unset.
    static let newerFields: Set<String> = ["storage/v1.CSINode status"]

    /// The compiled shapes of every built-in kind, built at first use.
    static let shapes = GoShapes(table: BuiltInTypes.table, skipping: newerFields)

    /// Reshapes a built-in object as Go would encode it; objects of kinds the type table
    /// does not know are unchanged.
    static func normalize(_ object: inout JSONValue, shapes: GoShapes = shapes) {
        guard case .object(let members) = object, case .string(let apiVersion)? = members["apiVersion"],
            case .string(let kind)? = members["kind"], let root = shapes.root(apiVersion: apiVersion, kind: kind)
        else { return }
        let hadCreationTimestamp: Bool
        if case .object(let metadata)? = members["metadata"], let timestamp = metadata["creationTimestamp"] {
            hadCreationTimestamp = !timestamp.isNull
        } else {
            hadCreationTimestamp = false
        }
        root.normalize(&object)
        if !hadCreationTimestamp {
            object.edit("metadata", create: false) { $0["creationTimestamp"] = nil }
        }
    }

    /// Reshapes only the top-level member `key` (for example a `status` the registry has
    /// just reset) of an object ``normalize(_:shapes:)`` has already reshaped.
    static func normalize(_ object: inout JSONValue, member key: String, shapes: GoShapes = shapes) {
        guard case .object(let members) = object, case .string(let apiVersion)? = members["apiVersion"],
            case .string(let kind)? = members["kind"], let root = shapes.root(apiVersion: apiVersion, kind: kind)
        else { return }
        root.normalize(&object, member: key)
    }

    /// Go's zero for a scalar: `""`, `0`, `false`.
    static func isZero(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let s): return s.isEmpty
        case .number(let n): return n.text == "0" || n.doubleValue == 0
        case .bool(let b): return !b
        default: return false
        }
    }
}

/// ``BuiltInTypes`` compiled for ``GoEncoding``: one ``GoStruct`` per Go struct, its
/// fields linked to the structs they hold.
struct GoShapes: Sendable {
    private struct RootKey: Hashable {
        var apiVersion: String
        var kind: String
    }
    private let roots: [RootKey: GoStruct]

    /// Compiles every top-level kind of `table`; `skipping` names fields
    /// (`"<message> <jsonName>"`) treated as unknown members.
    init(table: BuiltInTypes.Table, skipping: Set<String> = []) {
        var compiled: [String: GoStruct] = [:]
        func shape(_ name: String) -> GoStruct? {
            if let s = compiled[name] { return s }
            guard let message = table.messages[name] else { return nil }
            let s = GoStruct()
            compiled[name] = s
            s.slots = slots(of: message)
            return s
        }
        func slots(of message: BuiltInTypes.Message) -> [GoStruct.Slot] {
            var out: [GoStruct.Slot] = []
            for field in message.fields {
                if field.inline {
                    // encoding/json merges an embedded struct's members into its parent.
                    if case .message(let name) = field.kind, let embedded = table.messages[name] {
                        for slot in slots(of: embedded) where !out.contains(where: { $0.name == slot.name }) {
                            out.append(slot)
                        }
                    }
                    continue
                }
                if skipping.contains(message.name + " " + field.jsonName) { continue }
                // A name is a field once (the first declaration wins, as Go's shallowest field does).
                guard !out.contains(where: { $0.name == field.jsonName }) else { continue }
                out.append(GoStruct.Slot(name: field.jsonName, field: field, rule: rule(field)))
            }
            return out
        }
        func rule(_ field: BuiltInTypes.Field) -> GoStruct.Rule {
            if field.repeated {
                if case .message(let name) = field.kind, let s = shape(name) {
                    return .structs(s, omitEmpty: field.omitEmpty)
                }
                return .slice(omitEmpty: field.omitEmpty)
            }
            switch field.kind {
            case .map(_, let valueKind):
                if case .message(let name) = valueKind, let s = shape(name) {
                    return .structMap(s, omitEmpty: field.omitEmpty)
                }
                return .map(omitEmpty: field.omitEmpty)
            case .message(let name):
                if let s = shape(name) { return .nested(s) }
                return .keep
            default:
                return !field.pointer && field.omitEmpty ? .scalarOmittingZero : .keep
            }
        }
        var roots: [RootKey: GoStruct] = [:]
        for (key, name) in table.roots {
            let parts = key.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let s = shape(name) else { continue }
            roots[RootKey(apiVersion: String(parts[0]), kind: String(parts[1]))] = s
        }
        for s in compiled.values { s.resolveAbsentValues() }
        self.roots = roots
    }

    /// The struct of a top-level kind, for example (`apps/v1`, `Deployment`).
    func root(apiVersion: String, kind: String) -> GoStruct? {
        roots[RootKey(apiVersion: apiVersion, kind: kind)]
    }
}

/// One Go struct as ``GoEncoding`` reshapes it. Built and linked inside
/// ``GoShapes/init(table:skipping:)`` and never changed afterwards, so sharing it across
/// threads is safe (hence `@unchecked Sendable`).
final class GoStruct: @unchecked Sendable {
    /// What to do with a member that is present and not null.
    enum Rule {
        /// A struct (value or pointer): reshape it.
        case nested(GoStruct)
        /// A slice of structs: reshape each; an empty one is dropped when `omitempty`.
        case structs(GoStruct, omitEmpty: Bool)
        /// A map with struct values: reshape each; an empty one is dropped when `omitempty`.
        case structMap(GoStruct, omitEmpty: Bool)
        /// A slice of scalars: an empty one is dropped when `omitempty`.
        case slice(omitEmpty: Bool)
        /// A map with scalar values: an empty one is dropped when `omitempty`.
        case map(omitEmpty: Bool)
        /// A non-pointer `omitempty` scalar: dropped when zero.
        case scalarOmittingZero
        /// Written as it is (pointers, non-`omitempty` scalars, embedded JSON, time).
        case keep
    }

    /// One field (inlined structs' fields included, in Go declaration order).
    struct Slot {
        var name: String
        var field: BuiltInTypes.Field
        var rule: Rule
        /// What Go writes when the member is missing or null; nil when it omits it.
        var absent: JSONValue?
    }

    fileprivate(set) var slots: [Slot] = []
    private var index: [String: Int] = [:]
    /// This struct's zero value as Go encodes it (`{}` with its value structs and non-omitempty fields).
    private(set) var empty: JSONValue = .object(JSONObject())
    private var resolved = false
    private var resolving = false

    /// Computes each slot's absent value (and with them this struct's encoded zero value),
    /// resolving the value structs it holds first. Go value structs cannot contain
    /// themselves, so the recursion ends; a malformed table with such a cycle gets `{}`.
    fileprivate func resolveAbsentValues() {
        guard !resolved, !resolving else { return }
        resolving = true
        for i in slots.indices {
            index[slots[i].name] = i
            slots[i].absent = absentValue(slots[i])
        }
        var zero = JSONObject()
        for slot in slots {
            if let value = slot.absent { zero.appendUnchecked(slot.name, value) }
        }
        empty = .object(zero)
        resolving = false
        resolved = true
    }

    /// A nil pointer, slice or map, or a value's zero, as Go writes it (nil: omitted).
    private func absentValue(_ slot: Slot) -> JSONValue? {
        let field = slot.field
        if field.pointer || field.repeated { return field.omitEmpty ? nil : .null }
        switch field.kind {
        case .map: return field.omitEmpty ? nil : .null
        case .message:
            guard case .nested(let s) = slot.rule else { return .object(JSONObject()) }
            s.resolveAbsentValues()
            return s.empty
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

    /// Reshapes `value` in place when it is an object: known members by their rule (null
    /// ones as if missing), unknown ones kept where they are, missing fields Go writes
    /// appended in declaration order. A uniquely owned tree is edited without copies.
    func normalize(_ value: inout JSONValue) {
        guard case .object(var object) = value else { return }
        value = .null  // `object` is the only reference to the members now
        let slotCount = slots.count
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: slotCount) { seen in
            seen.initialize(repeating: false)
            object.updateValues { key, member in
                guard let i = index[key] else { return true }
                seen[i] = true
                if member.isNull {
                    guard let absent = slots[i].absent else { return false }
                    member = absent
                    return true
                }
                return Self.normalizeMember(&member, slots[i].rule)
            }
            for i in 0..<slotCount where !seen[i] {
                if let absent = slots[i].absent { object.appendUnchecked(slots[i].name, absent) }
            }
        }
        value = .object(object)
    }

    /// Reshapes only the member `key` of `value` (an object), as ``normalize(_:)`` would;
    /// for an object whose other members are already in shape.
    func normalize(_ value: inout JSONValue, member key: String) {
        guard case .object(var object) = value, let i = index[key] else { return }
        value = .null
        if object.index(forKey: key) == nil {
            if let absent = slots[i].absent { object.appendUnchecked(key, absent) }
        } else {
            object.updateValues { name, member in
                guard name == key else { return true }
                if member.isNull {
                    guard let absent = slots[i].absent else { return false }
                    member = absent
                    return true
                }
                return Self.normalizeMember(&member, slots[i].rule)
            }
        }
        value = .object(object)
    }

    /// Reshapes a present, non-null member in place; false when Go omits it.
    private static func normalizeMember(_ member: inout JSONValue, _ rule: Rule) -> Bool {
        switch rule {
        case .keep:
            return true
        case .scalarOmittingZero:
            return !GoEncoding.isZero(member)
        case .slice(let omitEmpty):
            if case .array(let items) = member, items.isEmpty, omitEmpty { return false }
            return true
        case .map(let omitEmpty):
            if case .object(let entries) = member, entries.isEmpty, omitEmpty { return false }
            return true
        case .nested(let s):
            s.normalize(&member)
            return true
        case .structs(let s, let omitEmpty):
            guard case .array(var items) = member else { return true }
            if items.isEmpty { return !omitEmpty }
            member = .null  // `items` is the only reference now
            for i in items.indices {
                var item = items[i]
                items[i] = .null
                s.normalize(&item)
                items[i] = item
            }
            member = .array(items)
            return true
        case .structMap(let s, let omitEmpty):
            guard case .object(var entries) = member else { return true }
            if entries.isEmpty { return !omitEmpty }
            member = .null
            entries.updateValues { _, entry in
                s.normalize(&entry)
                return true
            }
            member = .object(entries)
            return true
        }
    }
}
