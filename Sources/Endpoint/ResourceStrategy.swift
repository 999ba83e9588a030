import Admission
import KubeModel

/// Per-resource rules the apiserver's registry strategies apply on writes, reduced to
/// what a standalone AKE needs.
enum ResourceStrategy {
    static let namespaces = GroupVersionResource(group: "", version: "v1", resource: "namespaces")
    static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    static let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
    static let crds = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
    /// Namespaces the NamespaceLifecycle admission plugin refuses to delete.
    static let immortalNamespaces: Set<String> = ["default", "kube-system", "kube-public"]
    /// Namespaces a new database starts with.
    static let bootstrapNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]
    static let namespaceNameLabel = "kubernetes.io/metadata.name"

    static func isNamespaces(_ info: ResourceInfo) -> Bool {
        info.gvr.group == "" && info.gvr.resource == "namespaces"
    }
    static func isCRDs(_ info: ResourceInfo) -> Bool {
        info.gvr.group == crds.group && info.gvr.resource == crds.resource
    }
    static func hasStatusSubresource(_ info: ResourceInfo) -> Bool { info.subresources.contains("status") }

    /// Registries with `ReturnDeletedObject: true` answer a delete with the object; the
    /// others with a success `Status`.
    static func returnsDeletedObject(_ info: ResourceInfo) -> Bool {
        if info.isCustom { return true }
        switch (info.gvr.group, info.gvr.resource) {
        case ("", "pods"), ("", "serviceaccounts"), ("", "services"), ("", "namespaces"),
            ("storage.k8s.io", "storageclasses"), ("apiextensions.k8s.io", "customresourcedefinitions"):
            return true
        default:
            return false
        }
    }

    /// `PrepareForCreate`: the status a new object starts with. Types with a status
    /// subresource start without the client's status, except Nodes (the kubelet registers
    /// its Node with status), Pods (Pending) and Namespaces (Active).
    static func prepareForCreate(_ object: inout JSONValue, _ info: ResourceInfo) {
        resetStatusForCreate(&object, info)
        // The reset status is a Go value too (a Service's is `{"loadBalancer": {}}`); the
        // rest of the object was shaped by defaulting.
        Admission.normalizeEncoding(&object, info, member: "status")
    }

    static func resetStatusForCreate(_ object: inout JSONValue, _ info: ResourceInfo) {
        if isNamespaces(info) {
            object["status"] = ["phase": "Active"]
            var spec = object["spec"]?.objectValue ?? JSONObject()
            spec["finalizers"] = ["kubernetes"]
            object["spec"] = .object(spec)
            setNamespaceNameLabel(&object)
            return
        }
        guard hasStatusSubresource(info) else { return }
        if info.gvr.group == "" && info.gvr.resource == "nodes" { return }
        if info.gvr.group == "" && info.gvr.resource == "pods" {
            object["status"] = ["phase": "Pending", "qosClass": .string(PodQOS.of(object))]
            return
        }
        object["status"] = nil
    }

    /// `PrepareForUpdate` rules beyond the generic ones in `RegistryWriter`.
    static func prepareForUpdate(_ object: inout JSONValue, old: JSONValue, _ info: ResourceInfo) {
        if isNamespaces(info) {
            // spec.finalizers only change through the finalize subresource.
            if let f = old["spec"]?["finalizers"] {
                var spec = object["spec"]?.objectValue ?? JSONObject()
                spec["finalizers"] = f
                object["spec"] = .object(spec)
            }
            setNamespaceNameLabel(&object)
        }
    }

    static func setNamespaceNameLabel(_ object: inout JSONValue) {
        var labels = object.objectMeta("labels")?.objectValue ?? JSONObject()
        labels[namespaceNameLabel] = .string(object.objectName)
        object.setObjectMeta("labels", .object(labels))
    }
}
