import KubeModel
import Projections

extension RegistryWriter {
    /// `PATCH`: applies the patch to the current object and runs the update rules on the
    /// result. Server-side apply creates a missing object (`created` is then true) and
    /// tracks field ownership (`ServerSideApply`; `force` takes conflicting fields over).
    func patch(
        _ info: ResourceInfo, namespace: String, name: String, kind: PatchKind, patch: JSONValue,
        subresource: String?, fieldManager: String?, force: Bool = false
    ) throws -> (Written, created: Bool) {
        let manager = fieldManager ?? "unknown"
        guard let (stored, old) = try load(info.gvr, namespace: namespace, name: name) else {
            guard kind == .apply, subresource == nil else { throw StatusError.notFound(info.gvr, name: name) }
            let applied = try ServerSideApply.apply(
                config: patch, to: nil, manager: manager, force: force, info: info,
                apiVersion: info.gvr.groupVersion, now: now)
            var object = applied.object
            object.setObjectMeta("name", .string(name))
            return (try create(info, namespace: namespace, object: object, managedFields: applied.managedFields), true)
        }
        var patched: JSONValue
        var managed: JSONValue?
        if kind == .apply {
            if let rv = patch.objectMeta("resourceVersion")?.stringValue, !rv.isEmpty,
                rv != old.objectResourceVersion
            {
                throw StatusError.conflict(info.gvr, name: name)
            }
            let applied = try ServerSideApply.apply(
                config: patch, to: old, manager: manager, force: force, info: info,
                apiVersion: info.gvr.groupVersion, now: now)
            patched = applied.object
            managed = applied.managedFields
        } else {
            patched = try PatchApplier.apply(patch, kind: kind, to: old, info: info)
            // A resourceVersion left in the patched object is a precondition.
            let rv = patched.objectResourceVersion
            if !rv.isEmpty && rv != old.objectResourceVersion { throw StatusError.conflict(info.gvr, name: name) }
        }
        guard patched.objectValue != nil else {
            throw StatusError.badRequest("the patched object is not a JSON object")
        }
        if let m = patched["metadata"], m.objectValue == nil, !m.isNull {
            throw StatusError.badRequest("the patched object's metadata is not a JSON object")
        }
        try RequestBody.checkMetadataShape(patched, info: info)
        try RequestBody.normalizeByteFields(&patched, info: info)
        return (
            try update(
                info, stored: stored, old: old, proposed: patched, subresource: subresource, managedFields: managed),
            false
        )
    }
}
