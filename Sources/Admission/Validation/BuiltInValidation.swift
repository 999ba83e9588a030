import KubeModel

/// `pkg/apis/*/validation` of k8s.io/kubernetes for the built-in kinds AKE serves.
enum BuiltInValidation {
    /// All errors of a create or update of a built-in object.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        switch request.info.gvr.group {
        case "":
            return CoreValidation.validate(object, request)
        case "apiextensions.k8s.io":
            return CustomResourceDefinitionValidation.validate(object, request)
        case let group where GroupValidation.handles(group):
            return GroupValidation.validate(object, request)
        default:
            // Filled in per group in the files beside this one.
            return []
        }
    }
}
