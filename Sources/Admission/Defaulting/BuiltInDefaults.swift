import KubeModel

/// `SetDefaults_*` of k8s.io/kubernetes `pkg/apis/*/v1*/defaults.go`, for the built-in
/// kinds AKE serves.
enum BuiltInDefaults {
    /// Defaults `object` of the resource `info` in place.
    static func apply(_ object: inout JSONValue, info: ResourceInfo) {
        switch info.gvr.group {
        case "apiextensions.k8s.io":
            CustomResourceDefinitionDefaults.apply(&object, info: info)
        default:
            // Filled in per group in the files beside this one.
            break
        }
    }
}
