import KubeModel

/// discovery.k8s.io/v1 defaulting: `SetDefaults_EndpointPort` of k8s.io/kubernetes
/// `pkg/apis/discovery/v1/defaults.go` (an EndpointSlice port's name `""`, protocol TCP).
enum DiscoveryDefaults {
    /// Defaults an object of the discovery.k8s.io/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        guard resource == "endpointslices" else { return }
        object.editEach("ports") { port in
            port.defaultPointer("name", "")
            port.defaultPointer("protocol", "TCP")
        }
    }
}
