import KubeModel

/// A set of field paths in the `FieldsV1` encoding of structured-merge-diff: each path
/// is a list of elements `f:<name>` (object member), `k:{"name":"x"}` (list item by its
/// merge key) or `v:<json>` (item of a set-like list of primitives). A path is in the
/// set when it is owned: a leaf, or a list item (written `".": {}` in FieldsV1).
struct FieldSet: Sendable, Equatable {
    var paths: Set<[String]>

    init(_ paths: Set<[String]> = []) { self.paths = paths }

    /// Reads a `fieldsV1` object: empty objects are owned leaves, `"."` marks its parent as owned.
    init(fieldsV1: JSONValue?) {
        var out = Set<[String]>()
        func walk(_ node: JSONValue, _ prefix: [String]) {
            guard let o = node.objectValue else { return }
            if o.isEmpty, !prefix.isEmpty { out.insert(prefix) }
            for (k, v) in o {
                if k == "." { out.insert(prefix) } else { walk(v, prefix + [k]) }
            }
        }
        if let fieldsV1 { walk(fieldsV1, []) }
        paths = out
    }

    /// The `fieldsV1` object: a trie of the paths, owned inner nodes marked with `"."`.
    var fieldsV1: JSONValue {
        final class Node {
            var children: [(String, Node)] = []
            var owned = false
            func child(_ k: String) -> Node {
                if let c = children.first(where: { $0.0 == k }) { return c.1 }
                let n = Node()
                children.append((k, n))
                return n
            }
            var json: JSONValue {
                var o = JSONObject()
                if owned && !children.isEmpty { o["."] = .object(JSONObject()) }
                for (k, c) in children.sorted(by: { $0.0 < $1.0 }) { o[k] = c.json }
                return .object(o)
            }
        }
        let root = Node()
        for p in paths {
            var n = root
            for e in p { n = n.child(e) }
            n.owned = true
        }
        return root.json
    }

    var isEmpty: Bool { paths.isEmpty }
}

/// Server-side-apply bookkeeping: one entry per field manager (and operation) whose
/// `fieldsV1` lists the fields it owns.
enum ManagedFields {
    /// The fields an applied configuration sets, as structured-merge-diff would own them:
    /// lists whose strategic-merge strategy is `merge` with a key own their items by key
    /// (`k:{"name":"web"}`), merged lists of primitives own their values (`v:"a"`), other
    /// lists are atomic leaves. Identity and type fields are not owned.
    static func fieldSet(of applied: JSONValue, schema: StrategicMergeSchema) -> FieldSet {
        var out = Set<[String]>()
        func walk(_ value: JSONValue, _ path: [String], _ dotted: [String]) {
            switch value {
            case .object(let o):
                if o.isEmpty {
                    if !path.isEmpty { out.insert(path) }
                    return
                }
                for (k, v) in o {
                    if path.isEmpty && (k == "kind" || k == "apiVersion" || k == "status") { continue }
                    if dotted == ["metadata"] && ignoredMetadata.contains(k) { continue }
                    walk(v, path + ["f:" + k], dotted + [k])
                }
            case .array(let items):
                let field = schema.field(at: dotted.joined(separator: "."))
                guard field.strategy == .merge, !items.isEmpty else {
                    out.insert(path)
                    return
                }
                if let key = field.mergeKey {
                    // Items without their key cannot be tracked one by one: the list is atomic.
                    guard items.allSatisfy({ $0[key] != nil }) else {
                        out.insert(path)
                        return
                    }
                    for item in items {
                        let element = keyElement(key, item[key] ?? .null)
                        out.insert(path + [element])
                        if let o = item.objectValue {
                            for (k, v) in o { walk(v, path + [element, "f:" + k], dotted + [k]) }
                        }
                    }
                } else {
                    for item in items { out.insert(path + ["v:" + String(decoding: item.serialized(), as: UTF8.self)]) }
                }
            default:
                out.insert(path)
            }
        }
        walk(applied, [], [])
        return FieldSet(out)
    }

    static let ignoredMetadata: Set<String> = [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
        "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
    ]

    /// `k:{"name":"web"}` for a list item whose merge key `key` has `value`.
    static func keyElement(_ key: String, _ value: JSONValue) -> String {
        let k = String(decoding: JSONValue.string(key).serialized(), as: UTF8.self)
        return "k:{\(k):\(String(decoding: value.serialized(), as: UTF8.self))}"
    }

    /// The manager entries of an object as (entry, owned fields) pairs.
    static func entries(_ managedFields: JSONValue?) -> [(entry: JSONValue, fields: FieldSet)] {
        (managedFields?.arrayValue ?? []).map { ($0, FieldSet(fieldsV1: $0["fieldsV1"])) }
    }

    /// An `Apply` entry for `manager` owning `fields`.
    static func applyEntry(manager: String, apiVersion: String, now: String, fields: FieldSet) -> JSONValue {
        [
            "manager": .string(manager),
            "operation": "Apply",
            "apiVersion": .string(apiVersion),
            "time": .string(now),
            "fieldsType": "FieldsV1",
            "fieldsV1": fields.fieldsV1,
        ]
    }

    /// Equal entries apart from their `time`.
    static func sameOwnership(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        func strip(_ v: JSONValue?) -> [JSONValue] {
            (v?.arrayValue ?? []).map {
                var e = $0
                e["time"] = nil
                return e
            }
        }
        return strip(a) == strip(b)
    }
}
