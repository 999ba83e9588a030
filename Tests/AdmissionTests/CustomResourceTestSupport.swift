import KubeModel
import Testing

@testable import Admission

/// A CustomResourceDefinition `widgets.example.com` (kind Widget, version v1, namespaced)
/// with a given `openAPIV3Schema`, and the writes Admission sees for its objects.
struct WidgetDefinition {
    let crd: JSONValue
    let info: ResourceInfo

    /// A CRD whose version v1 has `schema` (YAML or JSON text); `status` enables the status
    /// subresource, `scale` adds a scale subresource.
    init(
        schema: String, status: Bool = false, scale: JSONValue? = nil,
        uid: String = "uid-\(UInt64.random(in: 0...UInt64.max))"
    ) throws {
        try self.init(schemaValue: JSONValue(yaml: schema), status: status, scale: scale, uid: uid)
    }

    init(
        schemaValue: JSONValue, status: Bool = false, scale: JSONValue? = nil,
        uid: String = "uid-\(UInt64.random(in: 0...UInt64.max))"
    ) throws {
        var version: JSONValue = [
            "name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": schemaValue],
        ]
        var subresources = JSONObject()
        if status { subresources["status"] = .object(JSONObject()) }
        if let scale { subresources["scale"] = scale }
        if !subresources.isEmpty { version["subresources"] = .object(subresources) }
        crd = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "widgets.example.com", "uid": .string(uid), "resourceVersion": "7"],
            "spec": [
                "group": "example.com", "scope": "Namespaced",
                "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"],
                "versions": [version],
            ],
        ]
        let infos = try ResourceCatalog.builtIn().register(crd: crd)
        info = try #require(infos.first)
    }

    /// A Widget with `spec` (and `status` when given).
    static func widget(_ spec: JSONValue?, status: JSONValue? = nil) -> JSONValue {
        var o: JSONValue = [
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w", "namespace": "default"],
        ]
        if let spec { o["spec"] = spec }
        if let status { o["status"] = status }
        return o
    }

    func request(_ operation: AdmissionOperation, old: JSONValue? = nil, subresource: String? = nil)
        -> AdmissionRequest
    {
        AdmissionRequest(info: info, operation: operation, subresource: subresource, old: old, definition: crd)
    }

    /// The messages (`field: body`) of validating `object` as a create.
    func create(_ object: JSONValue) -> [String] {
        Admission.validate(object, request(.create)).map(\.description)
    }

    /// The messages of validating `object` as an update of `old`.
    func update(_ object: JSONValue, old: JSONValue, subresource: String? = nil) -> [String] {
        Admission.validate(object, request(.update, old: old, subresource: subresource)).map(\.description)
    }

    /// `object` after pruning and defaulting.
    func defaulted(_ object: JSONValue) -> JSONValue {
        var o = object
        Admission.applyDefaults(&o, request(.create))
        return o
    }
}

/// A CustomResourceDefinition write as Admission sees it.
func crdRequest(_ operation: AdmissionOperation = .create, old: JSONValue? = nil) throws -> AdmissionRequest {
    let info = try #require(
        ResourceCatalog.builtIn().resource(
            group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions"))
    return AdmissionRequest(info: info, operation: operation, old: old)
}
