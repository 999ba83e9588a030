import KubeModel

/// `SetDefaults_*` of k8s.io/kubernetes `pkg/apis/*/v1*/defaults.go`, for the built-in
/// kinds AKE serves, followed by the shape Go's encoding gives the object (``GoEncoding``):
/// together, what decoding a write into the apiserver's types does to it.
enum BuiltInDefaults {
    /// Defaults `object` of the resource `info` in place.
    static func apply(_ object: inout JSONValue, info: ResourceInfo) {
        let resource = info.gvr.resource
        switch info.gvr.group {
        case "apiextensions.k8s.io":
            CustomResourceDefinitionDefaults.apply(&object, info: info)
            return
        case "": CoreDefaults.apply(&object, resource: resource)
        case "apps": AppsDefaults.apply(&object, resource: resource)
        case "batch": BatchDefaults.apply(&object, resource: resource)
        case "networking.k8s.io": NetworkingDefaults.apply(&object, resource: resource)
        case "rbac.authorization.k8s.io": RBACDefaults.apply(&object, resource: resource)
        case "discovery.k8s.io": DiscoveryDefaults.apply(&object, resource: resource)
        case "storage.k8s.io": StorageDefaults.apply(&object, resource: resource)
        case "scheduling.k8s.io": SchedulingDefaults.apply(&object, resource: resource)
        default:
            // policy, coordination, events.k8s.io, certificates.k8s.io and node.k8s.io
            // have no defaulting functions for the kinds AKE serves.
            break
        }
        GoEncoding.normalize(&object)
    }
}
