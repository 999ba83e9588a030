import KubeModel
import Projections

/// The `scale` subresource (`autoscaling/v1` `Scale`), after kube-apiserver's `ScaleREST`
/// (pkg/registry/apps/deployment/storage, .../replicaset, .../statefulset,
/// .../core/replicationcontroller) and apiextensions-apiserver's custom resource scale.
///
/// A Scale is a view of its parent: GET renders it from the stored parent; PUT and
/// PATCH apply to that rendered Scale, then write only the parent's replicas (at
/// `spec.replicas`, or a CRD's `specReplicasPath`) with the Scale's resourceVersion as
/// precondition. The write goes through the generic update rules (a MODIFIED event of
/// the parent, generation, dry run) and records an `Update` managedFields entry with
/// `subresource: scale` owning the replicas field.
///
/// Not served: server-side apply on `/scale` (415), the managedFields of the Scale
/// itself (the answer carries none, as the apiserver's GET does not either).
enum ScaleSubresource {
    /// Where a parent keeps what its Scale shows.
    struct Paths {
        var specReplicas: [String]
        var statusReplicas: [String]
        /// nil: a custom resource without `labelSelectorPath` (no selector).
        var labelSelector: [String]?
        /// Built-ins: `metav1.LabelSelector` (`matchLabels`/`matchExpressions`); RCs: a map.
        var selectorIsMap: Bool
        /// Built-ins default `spec.replicas` to 1; custom resources read an absent value as 0.
        var defaultReplicas: Int64
    }

    static let autoscalingV1 = "autoscaling/v1"

    /// The scale paths of `info`; nil when it has no scale subresource (→ 404 as in the apiserver).
    static func paths(_ info: ResourceInfo, crd: JSONValue?) -> Paths? {
        guard info.subresources.contains("scale") else { return nil }
        if !info.isCustom {
            return Paths(
                specReplicas: ["spec", "replicas"], statusReplicas: ["status", "replicas"],
                labelSelector: ["spec", "selector"], selectorIsMap: info.kind == "ReplicationController",
                defaultReplicas: 1)
        }
        guard let crd else { return nil }
        let versions = crd["spec"]?["versions"]?.arrayValue ?? []
        let version = versions.first { $0["name"]?.stringValue == info.gvr.version }
        guard let scale = version?["subresources"]?["scale"] ?? crd["spec"]?["subresources"]?["scale"],
            scale.objectValue != nil
        else { return nil }
        func path(_ key: String) -> [String]? {
            guard let p = scale[key]?.stringValue, p.hasPrefix("."), p.count > 1 else { return nil }
            return p.dropFirst().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        }
        guard let spec = path("specReplicasPath") else { return nil }
        return Paths(
            specReplicas: spec, statusReplicas: path("statusReplicasPath") ?? ["status", "replicas"],
            labelSelector: path("labelSelectorPath"), selectorIsMap: false, defaultReplicas: 0)
    }

    /// The label selector a built-in's `spec.selector` means, as `labels.Selector.String()`.
    static func selectorString(_ value: JSONValue?, isMap: Bool) -> String {
        guard let value, !value.isNull else { return "" }
        if isMap {
            guard let o = value.objectValue else { return "" }
            return o.map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ",")
        }
        return ((try? LabelSelector.fromLabelSelectorJSON(value)) ?? nil)?.description ?? ""
    }

    static func int(_ value: JSONValue?) -> Int64? {
        guard let value, case .number(let n) = value else { return nil }
        return n.int64Value
    }

    /// The Scale of `parent`, as `scaleFromDeployment` / `scaleFromCustomResource` build it.
    static func scale(of parent: JSONValue, info: ResourceInfo, paths: Paths) -> JSONValue {
        var meta = JSONObject()
        meta["name"] = .string(parent.objectName)
        if info.namespaced, !parent.objectNamespace.isEmpty { meta["namespace"] = .string(parent.objectNamespace) }
        meta["uid"] = parent.objectMeta("uid")
        meta["resourceVersion"] = parent.objectMeta("resourceVersion")
        meta["creationTimestamp"] = parent.objectMeta("creationTimestamp")
        let specValue = parent[path: paths.specReplicas]
        let replicas = specValue == nil || specValue?.isNull == true ? paths.defaultReplicas : (int(specValue) ?? 0)
        var spec = JSONObject()
        // `replicas,omitempty` in autoscaling/v1.
        if replicas != 0 { spec["replicas"] = .number(JSONNumber(replicas)) }
        var status = JSONObject()
        status["replicas"] = .number(JSONNumber(int(parent[path: paths.statusReplicas]) ?? 0))
        let selector: String
        if let sel = paths.labelSelector {
            selector =
                info.isCustom
                ? (parent[path: sel]?.stringValue ?? "") : selectorString(parent[path: sel], isMap: paths.selectorIsMap)
        } else {
            selector = ""
        }
        if !selector.isEmpty { status["selector"] = .string(selector) }
        return [
            "kind": "Scale", "apiVersion": .string(autoscalingV1), "metadata": .object(meta), "spec": .object(spec),
            "status": .object(status),
        ]
    }

    /// `apps.Resource("deployments/scale")` and the like: the resource named in scale errors.
    static func scaleResource(_ info: ResourceInfo) -> GroupVersionResource {
        GroupVersionResource(group: info.gvr.group, version: info.gvr.version, resource: info.gvr.resource + "/scale")
    }

    /// `scaleUpdatedObjectInfo.UpdatedObject`: validates the new Scale and moves its
    /// replicas and resourceVersion into the parent.
    static func parent(
        _ old: JSONValue, updatedBy scale: JSONValue, info: ResourceInfo, paths: Paths
    ) throws -> JSONValue {
        guard scale.objectValue != nil else { throw StatusError.badRequest("the Scale is not a JSON object") }
        if let kind = scale["kind"]?.stringValue, !kind.isEmpty, kind != "Scale" {
            throw StatusError.badRequest("expected input object type to be Scale, but got \(kind)")
        }
        if let m = scale["metadata"], m.objectValue == nil, !m.isNull {
            throw StatusError.badRequest("the Scale's metadata is not a JSON object")
        }
        let name = old.objectName
        let replicasValue = scale["spec"]?["replicas"]
        let replicas: Int64
        if replicasValue == nil || replicasValue?.isNull == true {
            replicas = 0
        } else {
            guard let r = int(replicasValue), r >= Int64(Int32.min), r <= Int64(Int32.max) else {
                throw StatusError.badRequest(
                    "Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal into Go struct field ScaleSpec.spec.replicas of type int32"
                )
            }
            replicas = r
        }
        if replicas < 0 {
            throw StatusError.invalid(
                kind: "Scale", group: "autoscaling", name: name,
                causes: [
                    FieldError(
                        .invalid, field: "spec.replicas", value: .raw(String(replicas)),
                        detail: "must be greater than or equal to 0")
                ])
        }
        let uid = scale.objectUID
        if !uid.isEmpty && uid != old.objectUID {
            throw StatusError.conflict(
                scaleResource(info), name: name,
                "Precondition failed: UID in precondition: \(uid), UID in object meta: \(old.objectUID)")
        }
        var parent = old
        parent = setting(parent, paths.specReplicas, .number(JSONNumber(replicas)))
        parent.setObjectMeta("resourceVersion", .string(scale.objectResourceVersion))
        return parent
    }

    /// `unstructured.SetNestedField`: creates the objects on the way.
    static func setting(_ object: JSONValue, _ path: [String], _ value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var o = object.objectValue ?? JSONObject()
        o[key] = setting(o[key] ?? .object(JSONObject()), Array(path.dropFirst()), value)
        return .object(o)
    }
}

extension Endpoint {
    /// The scale paths of `info` (a custom resource's from its stored CRD), or 404.
    func scalePaths(_ info: ResourceInfo, crd: JSONValue?) throws -> ScaleSubresource.Paths {
        guard let paths = ScaleSubresource.paths(info, crd: crd) else { throw StatusError.noRoute() }
        return paths
    }

    func storedCRD(_ info: ResourceInfo) throws -> JSONValue? {
        guard info.isCustom,
            let stored = try store.get(ResourceStrategy.crds, namespace: "", name: CRDLifecycle.crdName(for: info.gvr))
        else { return nil }
        return try stored.json()
    }

    /// GET, PUT and PATCH of `{parent}/scale`.
    func routeScale(_ verb: APIVerb, _ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) async throws
        -> APIResponse
    {
        let name = request.name ?? ""
        let namespace = request.namespace ?? ""
        let paths = try scalePaths(info, crd: try storedCRD(info))
        switch verb {
        case .get:
            guard let stored = try store.get(info.gvr, namespace: namespace, name: name) else {
                throw StatusError.notFound(info.gvr, name: name)
            }
            let scale = ScaleSubresource.scale(of: try stored.json(), info: info, paths: paths)
            return APIResponse(code: 200, body: scale.serialized())
        case .update:
            let body: JSONValue
            do { body = try JSONValue(parsing: request.body ?? []) } catch {
                throw StatusError.badRequest(
                    "the object provided is unrecognized (must be of type Scale): couldn't get version/kind; json parse error: \(error.description)"
                )
            }
            guard body.objectValue != nil else {
                throw StatusError.badRequest(
                    "the object provided is unrecognized (must be of type Scale): couldn't get version/kind; json parse error: expected a JSON object"
                )
            }
            if body.objectName != name {
                throw StatusError.badRequest(
                    "the name of the object (\(body.objectName)) does not match the name on the URL (\(name))")
            }
            return try await writeScale(info, request, query, paths) { _ in body }
        case .patch:
            let kind = try PatchKind.from(contentType: request.contentType, info: info)
            if kind == .apply {
                throw StatusError.unsupportedMediaType([PatchKind.json, .merge, .strategic].map(\.rawValue))
            }
            if query.force {
                throw StatusError.invalidOptions(
                    "PatchOptions", causes: [.forbidden("force", "may not be specified for non-apply patch")])
            }
            let patch = try PatchApplier.parse(request.body, kind: kind)
            return try await writeScale(info, request, query, paths) { oldScale in
                var patched = try PatchApplier.apply(patch, kind: kind, to: oldScale, info: info)
                // What the patch did not set stays as it was (a patch of `{}` keeps the RV precondition).
                if patched.objectValue != nil, patched.objectMeta("resourceVersion") == nil {
                    patched.setObjectMeta("resourceVersion", oldScale.objectMeta("resourceVersion"))
                }
                return patched
            }
        default:
            throw StatusError.noRoute()
        }
    }

    /// One scale write: the new Scale from `change(oldScale)`, the parent updated through
    /// the generic rules, the new Scale answered.
    private func writeScale(
        _ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery, _ paths: ScaleSubresource.Paths,
        _ change: @escaping @Sendable (JSONValue) throws -> JSONValue
    ) async throws -> APIResponse {
        let name = request.name ?? ""
        let namespace = request.namespace ?? ""
        return try await write(request, dryRun: query.dryRun, fieldManager: query.fieldManager) { writer in
            guard let (stored, old) = try writer.load(info.gvr, namespace: namespace, name: name) else {
                throw StatusError.notFound(info.gvr, name: name)
            }
            let newScale = try change(ScaleSubresource.scale(of: old, info: info, paths: paths))
            let proposed = try ScaleSubresource.parent(old, updatedBy: newScale, info: info, paths: paths)
            try RegistryWriter.requireResourceVersion(proposed.objectResourceVersion, of: old, info, name: name)
            let written = try writer.update(
                info, stored: stored, old: old, proposed: proposed, subresource: "scale")
            let scale = ScaleSubresource.scale(of: written.object, info: info, paths: paths)
            return APIResponse(code: 200, body: scale.serialized())
        }
    }
}
