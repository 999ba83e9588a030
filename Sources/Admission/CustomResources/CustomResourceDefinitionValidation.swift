import KubeModel

/// apiextensions-apiserver's validation of a CustomResourceDefinition itself
/// (structural schemas required in v1, names, versions).
enum CustomResourceDefinitionValidation {
    /// All errors of a CRD create or update.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        []
    }
}
