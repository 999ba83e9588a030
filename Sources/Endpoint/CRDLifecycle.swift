import KubeModel

/// What the apiextensions controllers do for a CustomResourceDefinition, done synchronously
/// inside the write: validate it, accept its names, mark it Established, and find the
/// resources it serves so deleting it can delete their objects.
enum CRDLifecycle {
    /// 422 when the CRD cannot be served. Runs the catalog's own registration on a scratch
    /// catalog so the live catalog only changes after the write commits.
    static func validate(_ crd: JSONValue, info: ResourceInfo) throws {
        let name = crd.objectName
        let group = crd["spec"]?["group"]?.stringValue ?? ""
        let plural = crd["spec"]?["names"]?["plural"]?.stringValue ?? ""
        if !plural.isEmpty && !group.isEmpty && name != "\(plural).\(group)" {
            throw StatusError.invalid(
                info, name: name,
                causes: [.invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group")])
        }
        _ = try ResourceCatalog.builtIn().register(crd: crd)
    }

    /// The CRD with `status.acceptedNames`, `NamesAccepted` and `Established` conditions and
    /// `storedVersions`, as the controllers would set them.
    static func withStatus(_ crd: JSONValue, old: JSONValue?, now: String) -> JSONValue {
        var crd = crd
        let names = crd["spec"]?["names"]?.objectValue ?? JSONObject()
        let kind = names["kind"]?.stringValue ?? ""
        var accepted = JSONObject()
        accepted["plural"] = names["plural"] ?? ""
        accepted["singular"] = names["singular"] ?? .string(kind.lowercased())
        if let s = names["shortNames"] { accepted["shortNames"] = s }
        accepted["kind"] = .string(kind)
        accepted["listKind"] = names["listKind"] ?? .string(kind + "List")
        if let c = names["categories"] { accepted["categories"] = c }

        let oldConditions = old?["status"]?["conditions"]?.arrayValue ?? []
        func condition(_ type: String, reason: String, message: String) -> JSONValue {
            let previous = oldConditions.first {
                $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True"
            }
            return [
                "type": .string(type), "status": "True",
                "lastTransitionTime": previous?["lastTransitionTime"] ?? .string(now),
                "reason": .string(reason), "message": .string(message),
            ]
        }
        var stored = (old?["status"]?["storedVersions"]?.arrayValue ?? []).compactMap(\.stringValue)
        for v in crd["spec"]?["versions"]?.arrayValue ?? [] where v["storage"]?.boolValue == true {
            if let n = v["name"]?.stringValue, !stored.contains(n) { stored.append(n) }
        }
        crd["status"] = [
            "conditions": [
                condition("NamesAccepted", reason: "NoConflicts", message: "no conflicts found"),
                condition(
                    "Established", reason: "InitialNamesAccepted", message: "the initial names have been accepted"),
            ],
            "acceptedNames": .object(accepted),
            "storedVersions": .array(stored.map { .string($0) }),
        ]
        return crd
    }

    /// Every group/version/resource the CRD declares (served or not), for cleanup.
    static func resources(of crd: JSONValue) -> [GroupVersionResource] {
        let group = crd["spec"]?["group"]?.stringValue ?? ""
        let plural = crd["spec"]?["names"]?["plural"]?.stringValue ?? ""
        guard !group.isEmpty, !plural.isEmpty else { return [] }
        return (crd["spec"]?["versions"]?.arrayValue ?? []).compactMap {
            $0["name"]?.stringValue.map { GroupVersionResource(group: group, version: $0, resource: plural) }
        }
    }

    /// The CRD object name that serves a custom resource.
    static func crdName(for gvr: GroupVersionResource) -> String { "\(gvr.resource).\(gvr.group)" }
}
