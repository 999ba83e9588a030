import KubeModel

/// `pkg/apis/core/validation` for the core/v1 kinds, as the registry strategies call it:
/// create, update (with the old object) and status updates. Object metadata is the
/// caller's (the generic registry's) and is not validated here.
enum CoreValidation {
    /// All errors of a create or update of a core/v1 object.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let old = request.operation == .update ? request.old : nil
        let subresource = request.subresource
        switch (request.info.gvr.resource, subresource) {
        case ("pods", nil):
            if let old { return PodValidation.validatePodUpdate(object, old: old) }
            return PodValidation.validatePodCreate(object)
        case ("pods", "status"):
            guard let old else { return [] }
            return PodValidation.validatePodStatusUpdate(object, old: old)
        case ("podtemplates", nil):
            return PodValidation.validatePodTemplate(object)
        case ("replicationcontrollers", nil):
            return PodValidation.validateReplicationController(object)
        case ("replicationcontrollers", "status"):
            return PodValidation.validateReplicationControllerStatus(object)
        case ("services", nil):
            if let old { return ServiceValidation.validateUpdate(object, old: old) }
            return ServiceValidation.validate(object)
        case ("services", "status"):
            return ServiceValidation.validateStatusUpdate(object)
        case ("configmaps", nil):
            if let old { return ConfigValidation.validateConfigMapUpdate(object, old: old) }
            return ConfigValidation.validateConfigMap(object)
        case ("secrets", nil):
            if let old { return ConfigValidation.validateSecretUpdate(object, old: old) }
            return ConfigValidation.validateSecret(object)
        case ("namespaces", nil):
            return old == nil ? ConfigValidation.validateNamespace(object) : []
        case ("namespaces", "status"):
            return ConfigValidation.validateNamespaceStatus(object)
        case ("namespaces", "finalize"):
            return ConfigValidation.validateNamespaceFinalize(object)
        case ("endpoints", nil):
            return ConfigValidation.validateEndpoints(object)
        case ("nodes", nil), ("nodes", "status"):
            if let old { return ConfigValidation.validateNodeUpdate(object, old: old) }
            return ConfigValidation.validateNode(object)
        case ("persistentvolumeclaims", nil):
            if let old { return PersistentVolumeClaimValidation.validateUpdate(object, old: old) }
            return PersistentVolumeClaimValidation.validateSpec(object["spec"], "spec")
        case ("events", nil):
            return CoreEventValidation.validate(object)
        case ("limitranges", nil):
            return QuotaValidation.validateLimitRange(object)
        case ("resourcequotas", nil):
            if let old { return QuotaValidation.validateResourceQuotaUpdate(object, old: old) }
            return QuotaValidation.validateResourceQuota(object)
        case ("resourcequotas", "status"):
            return QuotaValidation.validateResourceQuotaStatusUpdate(object)
        default:
            // ServiceAccounts have nothing beyond their metadata; other kinds and
            // subresources (scale, ephemeralcontainers, PersistentVolumes) are not checked.
            return []
        }
    }
}
