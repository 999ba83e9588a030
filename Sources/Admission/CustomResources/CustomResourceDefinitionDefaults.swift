import KubeModel

/// apiextensions.k8s.io/v1 `SetDefaults_*` for CustomResourceDefinitions.
enum CustomResourceDefinitionDefaults {
    /// Defaults a CustomResourceDefinition in place.
    static func apply(_ object: inout JSONValue, info: ResourceInfo) {
    }
}
