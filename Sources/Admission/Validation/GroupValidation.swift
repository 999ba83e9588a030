import KubeModel

/// Validation of the built-in kinds outside core/v1 and apiextensions, by API group.
enum GroupValidation {
    /// The groups this dispatcher validates.
    static let groups: Set<String> = [
        "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "policy", "storage.k8s.io",
        "discovery.k8s.io", "coordination.k8s.io", "events.k8s.io", "scheduling.k8s.io", "node.k8s.io",
        "certificates.k8s.io",
    ]

    /// Whether `group` is validated here.
    static func handles(_ group: String) -> Bool { groups.contains(group) }

    /// All errors of a write of an object of one of `groups`.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        switch (request.info.gvr.group, request.info.kind) {
        case ("apps", _): return AppsValidation.validate(object, request)
        case ("coordination.k8s.io", "Lease"): return LeaseValidation.validate(object, request)
        case ("events.k8s.io", "Event"): return EventValidation.validate(object, request)
        case ("policy", "PodDisruptionBudget"): return PodDisruptionBudgetValidation.validate(object, request)
        case ("discovery.k8s.io", "EndpointSlice"): return EndpointSliceValidation.validate(object, request)
        case ("rbac.authorization.k8s.io", _): return RBACValidation.validate(object, request)
        case ("batch", _): return JobValidation.validate(object, request)
        case ("networking.k8s.io", _): return NetworkingValidation.validate(object, request)
        case ("node.k8s.io", "RuntimeClass"): return RuntimeClassValidation.validate(object, request)
        case ("scheduling.k8s.io", "PriorityClass"): return PriorityClassValidation.validate(object, request)
        case ("storage.k8s.io", "StorageClass"): return StorageClassValidation.validate(object, request)
        case ("storage.k8s.io", "CSINode"): return CSIValidation.csiNode(object, request)
        case ("storage.k8s.io", "CSIDriver"): return CSIValidation.csiDriver(object, request)
        case ("storage.k8s.io", "VolumeAttachment"):
            return request.subresource == nil ? CSIValidation.volumeAttachment(object, request) : []
        default: return []
        }
    }
}
