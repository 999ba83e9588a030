import KubeModel
import Projections

extension Writer {
    /// `PATCH`: applies the patch to the current object and runs the update rules on the
    /// result. Server-side apply creates a missing object (`created` is then true).
    func patch(
        _ info: ResourceInfo, namespace: String, name: String, kind: PatchKind, patch: JSONValue,
        subresource: String?, fieldManager: String?
    ) throws -> (Written, created: Bool) {
        let manager = fieldManager ?? "unknown"
        guard let (stored, old) = try load(info.gvr, namespace: namespace, name: name) else {
            guard kind == .apply, subresource == nil else { throw APIErrors.notFound(info.gvr, name: name) }
            var object = patch
            object.setObjectMeta("name", .string(name))
            let managed = ManagedFields.recordApply(
                existing: nil, applied: patch, manager: manager, apiVersion: info.gvr.groupVersion, now: now)
            return (try create(info, namespace: namespace, object: object, managedFields: managed), true)
        }
        var patched: JSONValue
        var managed: JSONValue?
        if kind == .apply {
            var config = patch
            // Identity fields of the applied configuration are checked, not merged.
            for key in ["uid", "resourceVersion", "managedFields", "creationTimestamp"] {
                config.setObjectMeta(key, nil)
            }
            if let rv = patch.objectMeta("resourceVersion")?.stringValue, !rv.isEmpty,
                rv != old.objectResourceVersion
            {
                throw APIErrors.conflict(info.gvr, name: name)
            }
            patched = try PatchApplier.apply(config, kind: .apply, to: old, info: info)
            let recorded = ManagedFields.recordApply(
                existing: old.objectMeta("managedFields"), applied: patch, manager: manager,
                apiVersion: info.gvr.groupVersion, now: now)
            // Re-applying the same configuration is a no-op: only the entry's time would
            // change, and the apiserver ignores timestamp-only managedFields changes.
            managed =
                ManagedFields.sameOwnership(recorded, old.objectMeta("managedFields"))
                ? old.objectMeta("managedFields") : recorded
        } else {
            patched = try PatchApplier.apply(patch, kind: kind, to: old, info: info)
            // A resourceVersion left in the patched object is a precondition.
            let rv = patched.objectResourceVersion
            if !rv.isEmpty && rv != old.objectResourceVersion { throw APIErrors.conflict(info.gvr, name: name) }
        }
        guard patched.objectValue != nil else {
            throw APIErrors.badRequest("the patched object is not a JSON object")
        }
        if let m = patched["metadata"], m.objectValue == nil, !m.isNull {
            throw APIErrors.badRequest("the patched object's metadata is not a JSON object")
        }
        try RequestBody.checkMetadataShape(patched, info: info)
        return (
            try update(
                info, stored: stored, old: old, proposed: patched, subresource: subresource, managedFields: managed),
            false
        )
    }
}
