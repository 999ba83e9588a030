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

/// The `fieldsV1` trie built straight from an object, with ``ManagedFields/fieldSet(of:schema:includeStatus:excludingNulls:)``'s
/// rules (excluding nulls): the same JSON as `FieldSet(…).fieldsV1` of that set.
final class FieldTrie {
    private var children: [String: FieldTrie] = [:]
    private var owned = false

    private func child(_ key: String) -> FieldTrie {
        if let c = children[key] { return c }
        let c = FieldTrie()
        children[key] = c
        return c
    }

    /// Adds the fields of `value`, the member `key` (`f:name`, `k:{…}`, `v:…`) of this node,
    /// at the dotted schema path `dotted`.
    func add(_ value: JSONValue, key: String, dotted: String, schema: StrategicMergeSchema) {
        switch value {
        case .object(let o):
            let node = child(key)
            if o.isEmpty {
                node.owned = true
                return
            }
            let isMetadata = dotted == "metadata"
            for (k, v) in o {
                if isMetadata && ManagedFields.ignoredMetadata.contains(k) { continue }
                node.add(v, key: "f:" + k, dotted: dotted + "." + k, schema: schema)
            }
        case .array(let items):
            let node = child(key)
            let field = schema.field(at: dotted)
            guard field.strategy == .merge, !items.isEmpty else {
                node.owned = true
                return
            }
            if let mergeKey = field.mergeKey {
                guard items.allSatisfy({ $0[mergeKey] != nil }) else {
                    node.owned = true
                    return
                }
                for item in items {
                    let element = node.child(ManagedFields.keyElement(mergeKey, item[mergeKey] ?? .null))
                    element.owned = true
                    if let o = item.objectValue {
                        for (k, v) in o { element.add(v, key: "f:" + k, dotted: dotted + "." + k, schema: schema) }
                    }
                }
            } else {
                for item in items where !item.isNull {
                    node.child("v:" + String(decoding: item.serialized(), as: UTF8.self)).owned = true
                }
            }
        case .null:
            return
        default:
            child(key).owned = true
        }
    }

    /// The `fieldsV1` object; nil for a node that owns nothing (an object whose members
    /// were all skipped, or the root of an object that sets no field).
    func json() -> JSONValue? {
        var members: [(String, JSONValue)] = []
        for key in children.keys.sorted() {
            if let j = children[key]?.json() { members.append((key, j)) }
        }
        if members.isEmpty && !owned { return nil }
        var o = JSONObject()
        if owned && !members.isEmpty { o["."] = .object(JSONObject()) }
        for (k, v) in members { o[k] = v }
        return .object(o)
    }
}

/// Server-side-apply bookkeeping: one entry per field manager (and operation) whose
/// `fieldsV1` lists the fields it owns.
enum ManagedFields {
    /// The fields an applied configuration sets, as structured-merge-diff would own them:
    /// lists whose strategic-merge strategy is `merge` with a key own their items by key
    /// (`k:{"name":"web"}`), merged lists of primitives own their values (`v:"a"`), other
    /// lists are atomic leaves. Identity and type fields are not owned. With
    /// `excludingNulls`, a `null` value (and a `null` item of a set) is no owned field.
    static func fieldSet(
        of applied: JSONValue, schema: StrategicMergeSchema, includeStatus: Bool = false, excludingNulls: Bool = false
    ) -> FieldSet {
        var out = Set<[String]>()
        func walk(_ value: JSONValue, _ path: [String], _ dotted: [String]) {
            switch value {
            case .object(let o):
                if o.isEmpty {
                    if !path.isEmpty { out.insert(path) }
                    return
                }
                for (k, v) in o {
                    if path.isEmpty && (k == "kind" || k == "apiVersion" || (k == "status" && !includeStatus)) {
                        continue
                    }
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
                    for item in items where !(excludingNulls && item.isNull) {
                        out.insert(path + ["v:" + String(decoding: item.serialized(), as: UTF8.self)])
                    }
                }
            case .null where excludingNulls:
                return
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

/// `Update` entries: what kube-apiserver's field manager records for every create, update
/// (PUT) and non-apply patch (k8s.io/apiserver `fieldmanager`: `managedFieldsUpdater`,
/// `skipNonAppliedManager`, `buildManagerInfoManager`, `capManagersManager`).
///
/// - the manager is `?fieldManager=` or the User-Agent before its first `/`;
/// - the write owns the fields it added or changed (a create: every field it set), merged
///   into the manager's `Update` entry for that apiVersion and subresource, whose time moves;
/// - those fields leave every other manager's set (an update never conflicts), removed
///   fields leave every set, and managers left with nothing are dropped;
/// - an update of an object that has no managedFields records nothing (the apiserver
///   only starts tracking at creation);
/// - the request's own non-empty managedFields replace the live ones (`[{}]` resets them;
///   `[]` is ignored, so clients unaware of the field never strip it); status writes keep
///   the live ones;
/// - main-resource writes of types with a status subresource do not own `status`, status
///   writes own only `status` (the strategies' reset fields);
/// - more than ten `Update` entries: the oldest merge into one `ancient-changes` entry.
///
/// Approximation: object nodes are not owned themselves (no `".": {}` for maps a write
/// added), only their leaves and list items.
extension ManagedFields {
    /// The apiserver's `DefaultMaxUpdateManagers`.
    static let maxUpdateManagers = 10

    /// The manager of a write an edge forwards for an authenticated local user:
    /// `<manager from the User-Agent> (<user>)`, within the apiserver's 128-byte limit
    /// (the user's part is cut first).
    static func manager(fieldManager: String?, userAgent: String, localUser: String?) -> String {
        let base = manager(fieldManager: fieldManager, userAgent: userAgent)
        guard fieldManager == nil || fieldManager?.isEmpty == true, let localUser, !localUser.isEmpty else {
            return base
        }
        var out = base.isEmpty ? "" : base + " "
        out += "("
        for ch in localUser where ch.unicodeScalars.allSatisfy(isPrintable) {
            if out.utf8.count + String(ch).utf8.count + 1 > 128 { break }
            out.append(ch)
        }
        return out + ")"
    }

    /// `prefixFromUserAgent`: the part before the first `/`, printable characters only, at most 128 bytes.
    static func manager(fieldManager: String?, userAgent: String) -> String {
        if let fieldManager, !fieldManager.isEmpty { return fieldManager }
        var out = ""
        var bytes = 0
        for ch in userAgent.prefix(while: { $0 != "/" }) {
            guard ch.unicodeScalars.allSatisfy(isPrintable) else { continue }
            let n = String(ch).utf8.count
            if bytes + n > 128 { break }
            out.append(ch)
            bytes += n
        }
        return out
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrintable(_ s: Unicode.Scalar) -> Bool {
        if s == " " { return true }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark,
            .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber, .connectorPunctuation,
            .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
            .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// The fields of `object` a write through `subresource` can own.
    static func updateFields(
        of object: JSONValue?, subresource: String?, info: ResourceInfo, schema: StrategicMergeSchema
    )
        -> FieldSet
    {
        guard let object else { return FieldSet() }
        // A null (`creationTimestamp: null` in a pod template) is no value anyone owns.
        let all = fieldSet(of: object, schema: schema, includeStatus: true, excludingNulls: true)
        if subresource == "status" {
            return FieldSet(all.paths.filter { $0.first == "f:status" })
        }
        if ResourceStrategy.hasStatusSubresource(info) {
            return FieldSet(all.paths.filter { $0.first != "f:status" })
        }
        return all
    }

    /// The managedFields after a non-apply write of `new` over `old` (nil for a create) by
    /// `manager`, or nil when the object carries none.
    static func recordUpdate(
        old: JSONValue?, new: JSONValue, manager: String, subresource: String?, info: ResourceInfo, now: String
    ) -> JSONValue? {
        if old == nil, subresource == nil, (new.objectMeta("managedFields")?.arrayValue ?? []).isEmpty {
            return recordCreate(new, manager: manager, info: info, now: now)
        }
        return recordUpdateByPaths(
            old: old, new: new, manager: manager, subresource: subresource, info: info, now: now)
    }

    /// ``recordUpdate(old:new:manager:subresource:info:now:)`` for a create that brings no
    /// managedFields of its own: the one entry owns every field the object sets. The same
    /// trie as `FieldSet(fieldSet(of:…)).fieldsV1`, built in one walk of the object instead
    /// of a set of path arrays (hashing those was a third of a pod create's field-manager
    /// time, the field manager a fifth of the create's CPU).
    static func recordCreate(_ object: JSONValue, manager: String, info: ResourceInfo, now: String) -> JSONValue? {
        let schema =
            info.isCustom
            ? StrategicMergeSchema()
            : (StrategicMergeSchema.forKind(group: info.gvr.group, kind: info.kind) ?? StrategicMergeSchema())
        let ownsStatus = !ResourceStrategy.hasStatusSubresource(info)
        let root = FieldTrie()
        guard case .object(let members) = object else { return nil }
        for (k, v) in members {
            if k == "kind" || k == "apiVersion" || (k == "status" && !ownsStatus) { continue }
            root.add(v, key: "f:" + k, dotted: k, schema: schema)
        }
        guard let fieldsV1 = root.json() else { return nil }
        let entry: JSONValue = [
            "manager": .string(manager),
            "operation": "Update",
            "apiVersion": .string(info.gvr.groupVersion),
            "time": .string(now),
            "fieldsType": "FieldsV1",
            "fieldsV1": fieldsV1,
        ]
        return .array([entry])
    }

    /// The general case: the owned paths before and after, moved between the entries.
    static func recordUpdateByPaths(
        old: JSONValue?, new: JSONValue, manager: String, subresource: String?, info: ResourceInfo, now: String
    ) -> JSONValue? {
        let requested = new.objectMeta("managedFields")?.arrayValue ?? []
        let base: [JSONValue]
        if !requested.isEmpty && subresource == nil {
            base = requested
        } else {
            base = old?.objectMeta("managedFields")?.arrayValue ?? []
            // An object that exists without managedFields stays untracked.
            if old != nil && base.isEmpty { return nil }
        }
        let schema =
            info.isCustom
            ? StrategicMergeSchema()
            : (StrategicMergeSchema.forKind(group: info.gvr.group, kind: info.kind) ?? StrategicMergeSchema())
        let before = updateFields(of: old, subresource: subresource, info: info, schema: schema)
        let after = updateFields(of: new, subresource: subresource, info: info, schema: schema)
        let removed = before.paths.subtracting(after.paths)
        var touched = after.paths.subtracting(before.paths)
        if let old {
            for path in after.paths.intersection(before.paths) where ServerSideApply.changes(path, from: old, to: new) {
                touched.insert(path)
            }
        }
        let sub = subresource ?? ""
        func isMine(_ e: JSONValue) -> Bool {
            e["manager"]?.stringValue == manager && e["operation"]?.stringValue == "Update"
                && e["apiVersion"]?.stringValue == info.gvr.groupVersion && (e["subresource"]?.stringValue ?? "") == sub
        }
        var out: [JSONValue] = []
        var mine: FieldSet?
        var changed = false
        for (entry, fields) in entries(.array(base)) {
            var kept = fields
            kept.paths.subtract(touched)
            kept.paths.subtract(removed)
            // An entry without a manager (the `[{}]` reset) owns nothing.
            if (entry["manager"]?.stringValue ?? "").isEmpty && (entry["operation"]?.stringValue ?? "").isEmpty {
                changed = true
                continue
            }
            if isMine(entry) {
                mine = kept
                if touched.isEmpty {
                    if kept.isEmpty { changed = true } else { out.append(refreshed(entry, fields, kept, &changed)) }
                }
                continue
            }
            if kept.isEmpty {
                changed = true
                continue
            }
            out.append(refreshed(entry, fields, kept, &changed))
        }
        if !touched.isEmpty {
            var fields = mine ?? FieldSet()
            fields.paths.formUnion(touched)
            var entry: JSONValue = [
                "manager": .string(manager),
                "operation": "Update",
                "apiVersion": .string(info.gvr.groupVersion),
                "time": .string(now),
                "fieldsType": "FieldsV1",
                "fieldsV1": fields.fieldsV1,
            ]
            if !sub.isEmpty { entry["subresource"] = .string(sub) }
            out.append(entry)
            changed = true
        }
        out = capUpdateManagers(out, now: now)
        if out.isEmpty { return nil }
        if !changed && base == (old?.objectMeta("managedFields")?.arrayValue ?? []) { return .array(base) }
        return .array(ServerSideApply.sorted(out))
    }

    /// `entry` with `kept` as its fields (unchanged when they did not change).
    private static func refreshed(_ entry: JSONValue, _ fields: FieldSet, _ kept: FieldSet, _ changed: inout Bool)
        -> JSONValue
    {
        guard kept != fields else { return entry }
        changed = true
        var e = entry
        e["fieldsV1"] = kept.fieldsV1
        return e
    }

    /// `capManagersManager`: beyond `maxUpdateManagers` Update entries, the oldest are merged
    /// into an `ancient-changes` entry (itself counted).
    static func capUpdateManagers(_ entries: [JSONValue], now: String) -> [JSONValue] {
        let updates = entries.enumerated().filter {
            $0.element["operation"]?.stringValue == "Update" && ($0.element["subresource"]?.stringValue ?? "").isEmpty
        }
        guard updates.count > maxUpdateManagers else { return entries }
        let byAge = updates.sorted {
            let (a, b) = ($0.element["time"]?.stringValue ?? "", $1.element["time"]?.stringValue ?? "")
            return a != b ? a < b : $0.offset < $1.offset
        }
        let excess = updates.count - maxUpdateManagers + 1
        // An earlier ancient-changes entry merges into the new one wherever its age.
        let ancient = updates.filter { $0.element["manager"]?.stringValue == "ancient-changes" }
        let oldest = byAge.prefix(excess).filter { $0.element["manager"]?.stringValue != "ancient-changes" }
        var merged = FieldSet()
        var drop = Set<Int>()
        var apiVersion = ""
        for (i, e) in ancient + oldest.prefix(max(0, excess - ancient.count)) {
            merged.paths.formUnion(FieldSet(fieldsV1: e["fieldsV1"]).paths)
            drop.insert(i)
            apiVersion = e["apiVersion"]?.stringValue ?? apiVersion
        }
        var out = entries.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        out.append([
            "manager": "ancient-changes", "operation": "Update", "apiVersion": .string(apiVersion),
            "time": .string(now), "fieldsType": "FieldsV1", "fieldsV1": merged.fieldsV1,
        ])
        return out
    }
}
