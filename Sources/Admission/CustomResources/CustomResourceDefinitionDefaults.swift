import KubeModel

/// apiextensions.k8s.io/v1 `SetDefaults_*` for CustomResourceDefinitions
/// (`pkg/apis/apiextensions/v1/defaults.go`).
enum CustomResourceDefinitionDefaults {
    /// Defaults a CustomResourceDefinition in place: singular and list kind names, a
    /// `None` conversion strategy, the conversion webhook service port, and the first
    /// stored version.
    static func apply(_ object: inout JSONValue, info: ResourceInfo) {
        guard info.gvr.resource == "customresourcedefinitions", case .object(var crd) = object else { return }
        var spec = crd["spec"]?.objectValue ?? JSONObject()
        var names = spec["names"]?.objectValue ?? JSONObject()
        let kind = names["kind"]?.stringValue ?? ""
        if (names["singular"]?.stringValue ?? "").isEmpty { names["singular"] = .string(kind.lowercased()) }
        if (names["listKind"]?.stringValue ?? "").isEmpty && !kind.isEmpty {
            names["listKind"] = .string(kind + "List")
        }
        spec["names"] = .object(names)
        if spec["conversion"] == nil || spec["conversion"]?.isNull == true {
            spec["conversion"] = ["strategy": "None"]
        } else if var service = spec["conversion"]?["webhook"]?["clientConfig"]?["service"]?.objectValue,
            service["port"] == nil
        {
            service["port"] = 443
            var conversion = spec["conversion"] ?? .null
            var webhook = conversion["webhook"] ?? .null
            var clientConfig = webhook["clientConfig"] ?? .null
            clientConfig["service"] = .object(service)
            webhook["clientConfig"] = clientConfig
            conversion["webhook"] = webhook
            spec["conversion"] = conversion
        }
        crd["spec"] = .object(spec)
        if (crd["status"]?["storedVersions"]?.arrayValue ?? []).isEmpty,
            let storage = (spec["versions"]?.arrayValue ?? []).first(where: { $0["storage"]?.boolValue == true }),
            let name = storage["name"]?.stringValue
        {
            var status = crd["status"]?.objectValue ?? JSONObject()
            status["storedVersions"] = [.string(name)]
            crd["status"] = .object(status)
        }
        object = .object(crd)
    }
}
