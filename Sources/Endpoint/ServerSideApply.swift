import KubeModel

/// Server-side apply field-manager conflicts: applying a value to a field another
/// manager owns (per its `fieldsV1`) with a different current value is a 409 Conflict
/// with one `FieldManagerConflict` cause per field, unless the request sets `force=true`.
enum ServerSideApply {
    /// Throws the apiserver's conflict Status when `applied` changes fields owned by other managers.
    static func checkConflicts(
        applied: JSONValue, current: JSONValue, manager: String, info: ResourceInfo, name: String
    ) throws(StatusError) {
        var conflicts: [(manager: String, field: String)] = []
        for entry in current.objectMeta("managedFields")?.arrayValue ?? [] {
            guard let owner = entry["manager"]?.stringValue, owner != manager, let fields = entry["fieldsV1"] else {
                continue
            }
            for path in leaves(fields, prefix: []) {
                // Only leaves the applied configuration sets to a different value conflict.
                guard let mine = applied[path: path], let theirs = current[path: path], mine != theirs else { continue }
                conflicts.append((owner, "." + path.joined(separator: ".")))
            }
        }
        guard !conflicts.isEmpty else { return }
        let list = conflicts.map { "conflict with \(FieldCause.quoted($0.manager)): \($0.field)" }
        let message =
            conflicts.count == 1
            ? "Apply failed with 1 conflict: \(list[0])"
            : "Apply failed with \(conflicts.count) conflicts: " + list.joined(separator: "\n")
        throw APIErrors.make(
            code: 409, reason: "Conflict", message: message, name: name,
            group: info.gvr.group.isEmpty ? nil : info.gvr.group, kind: info.gvr.resource,
            causes: conflicts.map {
                FieldCause(
                    reason: "FieldManagerConflict", field: $0.field,
                    message: "conflict with \(FieldCause.quoted($0.manager))")
            })
    }

    /// Paths of the leaves of a `fieldsV1` set (`f:` keys only; list items `k:`/`v:` are skipped).
    static func leaves(_ set: JSONValue, prefix: [String]) -> [[String]] {
        guard let o = set.objectValue else { return [] }
        var out: [[String]] = []
        for (k, v) in o where k.hasPrefix("f:") {
            let path = prefix + [String(k.dropFirst(2))]
            if let child = v.objectValue, child.contains(where: { $0.key.hasPrefix("f:") || $0.key.hasPrefix("k:") }) {
                out += leaves(v, prefix: path)
            } else {
                out.append(path)
            }
        }
        return out
    }
}
