import KubeModel

/// Pod and pod-template validation (`ValidatePodSpec`, `ValidatePodTemplateSpec` in
/// k8s.io/kubernetes `pkg/apis/core/validation`), shared by Pods, PodTemplates,
/// ReplicationControllers and the workload kinds of apps and batch.
enum PodValidation {
    /// `ValidatePodTemplateSpec`: the template's metadata (labels, annotations) and its
    /// spec, with errors under `path` (for example `spec.template`).
    static func validatePodTemplateSpec(_ template: JSONValue?, path: String) -> [FieldError] {
        []
    }
}
