import KubeModel

/// Server-side apply after structured-merge-diff (sigs.k8s.io/structured-merge-diff
/// `merge/update.go`, k8s.io/apiserver `fieldmanager/internal/conflict.go`):
///
/// - the configuration merges into the live object (strategic-merge rules for built-in
///   kinds, so keyed list items merge; JSON merge for custom resources);
/// - fields the manager applied before, no longer applies and nobody else owns are removed;
/// - changing a field another manager owns is a 409 with one `FieldManagerConflict` cause
///   per field, unless `force`: then those fields move to the applier, and managers left
///   with no fields are dropped;
/// - the applier's `Apply` entry owns exactly the fields of its configuration.
///
/// Approximations: merge keys come from the strategic-merge schema (one key per list,
/// where the apiserver's OpenAPI may list several, e.g. ports' containerPort+protocol);
/// `+structType=atomic` objects such as label selectors are owned field by field.
enum ServerSideApply {
    struct Result {
        var object: JSONValue
        var managedFields: JSONValue
    }

    struct Conflict: Equatable {
        /// The other manager as the apiserver prints it (`"alice"`, `"kubectl-edit" using v1`).
        var manager: String
        /// The field path as structured-merge-diff prints it: `.spec.containers[name="web"].image`.
        var field: String
    }

    /// Merges `config` into `current` (nil: a new object) and computes the new ownership.
    static func apply(
        config: JSONValue, to current: JSONValue?, manager: String, force: Bool, info: ResourceInfo,
        apiVersion: String, now: String
    ) throws -> Result {
        let schema =
            info.isCustom
            ? StrategicMergeSchema()
            : (StrategicMergeSchema.forKind(group: info.gvr.group, kind: info.kind) ?? StrategicMergeSchema())
        var merged = config
        if let current {
            var patch = config
            // Identity fields of the applied configuration are checked, not merged.
            for key in ["uid", "resourceVersion", "managedFields", "creationTimestamp"] {
                patch.setObjectMeta(key, nil)
            }
            merged = try PatchApplier.apply(patch, kind: info.isCustom ? .apply : .strategic, to: current, info: info)
        }
        let mine = ManagedFields.fieldSet(of: config, schema: schema)
        var entries = ManagedFields.entries(current?.objectMeta("managedFields"))
        let ownIndex = entries.firstIndex {
            $0.entry["manager"]?.stringValue == manager && $0.entry["operation"]?.stringValue == "Apply"
                && ($0.entry["subresource"]?.stringValue ?? "").isEmpty
        }
        let previous = ownIndex.map { entries[$0].fields } ?? FieldSet()
        if let ownIndex { entries.remove(at: ownIndex) }

        // Fields this manager stopped applying, that no one else owns, leave the object.
        var othersOwn = Set<[String]>()
        for e in entries { othersOwn.formUnion(e.fields.paths) }
        // A path still owned above or below (a leaf that became an object, an atomic list
        // that became keyed items, an atomic parent another manager owns) stays.
        let kept = mine.paths.union(othersOwn)
        let dropped = previous.paths.subtracting(kept).filter { path in
            !kept.contains { $0.starts(with: path) || path.starts(with: $0) }
        }
        for path in dropped.sorted(by: { $0.count < $1.count }) { merged = removing(path, from: merged) }

        // Conflicts: fields another manager owns whose value this apply changes.
        var conflicts: [(entry: Int, path: [String])] = []
        if let current {
            for (i, e) in entries.enumerated() {
                for path in e.fields.paths.intersection(mine.paths).sorted(by: { describe($0) < describe($1) })
                where changes(path, from: current, to: merged) {
                    conflicts.append((i, path))
                }
            }
        }
        if !conflicts.isEmpty {
            guard force else {
                throw conflictError(
                    conflicts.map { Conflict(manager: describe(entries[$0.entry].entry), field: describe($0.path)) })
            }
            for c in conflicts { entries[c.entry].fields.paths.remove(c.path) }
        }

        var out: [JSONValue] = []
        for e in entries where !e.fields.isEmpty {
            var entry = e.entry
            if e.fields != FieldSet(fieldsV1: e.entry["fieldsV1"]) { entry["fieldsV1"] = e.fields.fieldsV1 }
            out.append(entry)
        }
        out.append(ManagedFields.applyEntry(manager: manager, apiVersion: apiVersion, now: now, fields: mine))
        var managed = JSONValue.array(sorted(out))
        // Re-applying the same configuration is a no-op: only the entry's time would
        // change, and the apiserver ignores timestamp-only managedFields changes.
        if let old = current?.objectMeta("managedFields"), ManagedFields.sameOwnership(managed, old) { managed = old }
        return Result(object: merged, managedFields: managed)
    }

    /// The apiserver's order of managedFields entries (`sortEncodedManagedFields`):
    /// operation, then time, then manager, then apiVersion.
    static func sorted(_ entries: [JSONValue]) -> [JSONValue] {
        func key(_ e: JSONValue) -> [String] {
            ["operation", "time", "manager", "apiVersion", "subresource"].map { e[$0]?.stringValue ?? "" }
        }
        return entries.sorted { key($0).lexicographicallyPrecedes(key($1)) }
    }

    /// Whether the owned field at `path` differs between the two objects. A list item
    /// (`k:`/`v:`) changes only by appearing or disappearing; its fields are paths of their own.
    static func changes(_ path: [String], from old: JSONValue, to new: JSONValue) -> Bool {
        let a = value(at: path, in: old)
        let b = value(at: path, in: new)
        if let last = path.last, last.hasPrefix("k:") || last.hasPrefix("v:") { return (a == nil) != (b == nil) }
        return a != b
    }

    /// The value at a FieldsV1 path.
    static func value(at path: [String], in doc: JSONValue) -> JSONValue? {
        var cur: JSONValue? = doc
        for element in path {
            guard let node = cur else { return nil }
            if element.hasPrefix("f:") {
                cur = node[String(element.dropFirst(2))]
            } else if let i = itemIndex(element, in: node) {
                cur = node.arrayValue?[i]
            } else {
                return nil
            }
        }
        return cur
    }

    /// The index of the list item a `k:`/`v:` element names.
    static func itemIndex(_ element: String, in list: JSONValue) -> Int? {
        guard let items = list.arrayValue, let id = try? JSONValue(parsing: Array(element.utf8.dropFirst(2))) else {
            return nil
        }
        if element.hasPrefix("v:") { return items.firstIndex(of: id) }
        guard element.hasPrefix("k:"), let keys = id.objectValue else { return nil }
        return items.firstIndex { item in keys.allSatisfy { item[$0.key] == $0.value } }
    }

    /// `doc` without the field or list item at `path` (unchanged when it is not there).
    static func removing(_ path: [String], from doc: JSONValue) -> JSONValue {
        guard let first = path.first else { return doc }
        let rest = Array(path.dropFirst())
        if first.hasPrefix("f:") {
            guard var o = doc.objectValue else { return doc }
            let name = String(first.dropFirst(2))
            guard let child = o[name] else { return doc }
            if rest.isEmpty { o.removeValue(forKey: name) } else { o[name] = removing(rest, from: child) }
            return .object(o)
        }
        guard var items = doc.arrayValue, let i = itemIndex(first, in: doc) else { return doc }
        if rest.isEmpty { items.remove(at: i) } else { items[i] = removing(rest, from: items[i]) }
        return .array(items)
    }

    /// structured-merge-diff's `Path.String()`: `.spec.containers[name="web"].image`, `.metadata.finalizers[="a"]`.
    static func describe(_ path: [String]) -> String {
        var s = ""
        for element in path {
            let body = String(element.dropFirst(2))
            if element.hasPrefix("f:") {
                s += "." + body
            } else if element.hasPrefix("v:") {
                s += "[=\(body)]"
            } else if let keys = try? JSONValue(parsing: Array(body.utf8)), let o = keys.objectValue {
                s +=
                    "["
                    + o.map { "\($0.key)=\(String(decoding: $0.value.serialized(), as: UTF8.self))" }
                    .joined(separator: ",") + "]"
            } else {
                s += "[\(body)]"
            }
        }
        return s
    }

    /// The apiserver's `printManager` of a manager identifier (`BuildManagerIdentifier`,
    /// which leaves the time out): `"kubectl-edit" using apps/v1`,
    /// `"kubectl" with subresource "scale" using apps/v1`, `"alice"` for an applier.
    static func describe(_ entry: JSONValue) -> String {
        var name = goQuoted(entry["manager"]?.stringValue ?? "")
        if let sub = entry["subresource"]?.stringValue, !sub.isEmpty {
            name += " with subresource \(goQuoted(sub))"
        }
        guard entry["operation"]?.stringValue == "Update" else { return name }
        return "\(name) using \(entry["apiVersion"]?.stringValue ?? "")"
    }

    /// `NewConflictError`: 409 Conflict, one cause per field, details without name or kind.
    static func conflictError(_ conflicts: [Conflict]) -> StatusError {
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(conflicts[0].manager): \(conflicts[0].field)"
        } else {
            var lines: [String] = []
            for manager in Set(conflicts.map(\.manager)).sorted() {
                lines.append("conflicts with \(manager):")
                lines += conflicts.filter { $0.manager == manager }.map { "- \($0.field)" }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return StatusError(
            code: 409, reason: "Conflict", message: message,
            details: StatusDetails(
                causes: conflicts.map {
                    StatusCause(reason: "FieldManagerConflict", message: "conflict with \($0.manager)", field: $0.field)
                }))
    }
}
