// The `patchStrategy` / `patchMergeKey` tags of the built-in Kubernetes API types, taken
// from k8s.io/api (core/v1, apps/v1, batch/v1, …) and k8s.io/apimachinery (ObjectMeta).
// Lists not named here have no tag and are atomic in the real API too — for example
// PodSpec.tolerations, PodSpec.readinessGates, Container.envFrom, Endpoints.subsets,
// EndpointSlice.endpoints, NodeSpec.taints and PodStatus.containerStatuses.

extension StrategicMergeSchema {
    /// The schema for a built-in kind, or nil when the kind is not built in (a custom
    /// resource): strategic merge patch is then unsupported and the API answers 415.
    public static func forKind(group: String, kind: String) -> StrategicMergeSchema? {
        builtIn[GroupKind(group: group, kind: kind)]
    }

    /// Whether `group`/`kind` is a built-in kind (one that accepts strategic merge patches).
    public static func isBuiltIn(group: String, kind: String) -> Bool {
        builtIn[GroupKind(group: group, kind: kind)] != nil
    }

    /// A schema with only ObjectMeta's tags: the right fallback for a built-in kind this
    /// table does not list (every built-in type embeds ObjectMeta), instead of an empty schema.
    public static let metadataOnly = kind()

    /// ObjectMeta's tags: `finalizers` merge as a set, `ownerReferences` by `uid`.
    static let objectMeta: [String: StrategicMergeField] = [
        "finalizers": .mergePrimitives,
        "ownerReferences": .merge(key: "uid"),
    ]

    /// Container and EphemeralContainerCommon.
    static let container: [String: StrategicMergeField] = [
        "ports": .merge(key: "containerPort"),
        "env": .merge(key: "name"),
        "volumeMounts": .merge(key: "mountPath"),
        "volumeDevices": .merge(key: "devicePath"),
    ]

    /// PodSpec, with the container lists' element fields.
    static let podSpec: [String: StrategicMergeField] = {
        var f: [String: StrategicMergeField] = [
            "volumes": .mergeRetainingKeys(key: "name"),
            "initContainers": .merge(key: "name"),
            "containers": .merge(key: "name"),
            "ephemeralContainers": .merge(key: "name"),
            "imagePullSecrets": .merge(key: "name"),
            "hostAliases": .merge(key: "ip"),
            "topologySpreadConstraints": .merge(key: "topologyKey"),
            "schedulingGates": .merge(key: "name"),
            "resourceClaims": .mergeRetainingKeys(key: "name"),
        ]
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for (path, field) in container { f[list + "." + path] = field }
        }
        return f
    }()

    static let podStatus: [String: StrategicMergeField] = [
        "conditions": .merge(key: "type"),
        "hostIPs": .merge(key: "ip"),
        "podIPs": .merge(key: "ip"),
        "resourceClaimStatuses": .mergeRetainingKeys(key: "name"),
    ]

    /// A schema with ObjectMeta at `metadata` and `fields` (full dotted paths).
    static func kind(_ fields: [String: StrategicMergeField] = [:]) -> StrategicMergeSchema {
        StrategicMergeSchema(fields: fields).adding(objectMeta, under: "metadata")
    }

    /// A schema with ObjectMeta at `metadata` and a PodTemplateSpec at `templatePath`.
    static func workload(template templatePath: String, _ fields: [String: StrategicMergeField] = [:])
        -> StrategicMergeSchema
    {
        kind(fields)
            .adding(objectMeta, under: templatePath + ".metadata")
            .adding(podSpec, under: templatePath + ".spec")
    }

    private static let conditionsByType: [String: StrategicMergeField] = ["status.conditions": .merge(key: "type")]

    struct GroupKind: Hashable, Sendable {
        var group: String
        var kind: String
    }

    static let builtIn: [GroupKind: StrategicMergeSchema] = {
        var table: [GroupKind: StrategicMergeSchema] = [:]
        func add(_ group: String, _ kind: String, _ schema: StrategicMergeSchema) {
            table[GroupKind(group: group, kind: kind)] = schema
        }
        // Kinds whose only tagged fields are in ObjectMeta.
        let plain: [String: [String]] = [
            "": [
                "Binding", "ConfigMap", "Endpoints", "Event", "LimitRange", "PersistentVolume", "ResourceQuota",
                "Secret",
            ],
            "apps": ["ControllerRevision"],
            "autoscaling": ["Scale"],
            "networking.k8s.io": ["Ingress", "IngressClass", "NetworkPolicy", "IPAddress"],
            "rbac.authorization.k8s.io": ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
            "storage.k8s.io": [
                "CSIDriver", "CSIStorageCapacity", "StorageClass", "VolumeAttachment", "VolumeAttributesClass",
            ],
            "coordination.k8s.io": ["Lease", "LeaseCandidate"],
            "discovery.k8s.io": ["EndpointSlice"],
            "events.k8s.io": ["Event"],
            "scheduling.k8s.io": ["PriorityClass"],
            "node.k8s.io": ["RuntimeClass"],
            "certificates.k8s.io": ["ClusterTrustBundle"],
            "admissionregistration.k8s.io": [
                "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicyBinding",
            ],
            "apiextensions.k8s.io": ["CustomResourceDefinition"],
            "apiregistration.k8s.io": ["APIService"],
            "resource.k8s.io": ["ResourceClaimTemplate", "ResourceSlice", "DeviceClass"],
        ]
        for (group, kinds) in plain {
            for k in kinds { add(group, k, kind()) }
        }

        // core/v1
        add(
            "", "Pod",
            kind().adding(podSpec, under: "spec").adding(podStatus, under: "status"))
        add("", "PodTemplate", workload(template: "template"))
        add("", "ReplicationController", workload(template: "spec.template", conditionsByType))
        add(
            "", "Service",
            kind(["spec.ports": .merge(key: "port"), "status.conditions": .merge(key: "type")]))
        add(
            "", "Node",
            kind([
                "spec.podCIDRs": .mergePrimitives,
                "status.conditions": .merge(key: "type"),
                "status.addresses": .merge(key: "type"),
            ]))
        add("", "Namespace", kind(conditionsByType))
        add("", "PersistentVolumeClaim", kind(conditionsByType))
        add("", "ServiceAccount", kind(["secrets": .merge(key: "name")]))
        add("", "ComponentStatus", kind(["conditions": .merge(key: "type")]))

        // apps/v1
        add(
            "apps", "Deployment",
            workload(template: "spec.template", conditionsByType.merging(["spec.strategy": .retainKeys]) { a, _ in a }))
        for k in ["ReplicaSet", "DaemonSet", "StatefulSet"] {
            add("apps", k, workload(template: "spec.template", conditionsByType))
        }

        // batch/v1
        add("batch", "Job", workload(template: "spec.template", conditionsByType))
        add(
            "batch", "CronJob",
            workload(template: "spec.jobTemplate.spec.template")
                .adding(objectMeta, under: "spec.jobTemplate.metadata"))

        // Others with tagged fields.
        add("autoscaling", "HorizontalPodAutoscaler", kind(conditionsByType))
        add("policy", "PodDisruptionBudget", kind(conditionsByType.merging(["spec.selector": .replace]) { a, _ in a }))
        add("policy", "Eviction", kind())
        add("networking.k8s.io", "ServiceCIDR", kind(conditionsByType))
        add("flowcontrol.apiserver.k8s.io", "FlowSchema", kind(conditionsByType))
        add("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration", kind(conditionsByType))
        add(
            "storage.k8s.io", "CSINode",
            kind(["spec.drivers": .merge(key: "name"), "status.storageHealth": .merge(key: "name")]))
        add("certificates.k8s.io", "CertificateSigningRequest", kind(conditionsByType))
        add("certificates.k8s.io", "PodCertificateRequest", kind(conditionsByType))
        add("storagemigration.k8s.io", "StorageVersionMigration", kind(conditionsByType))
        add("resource.k8s.io", "ResourceClaim", kind(["status.reservedFor": .merge(key: "uid")]))
        add("resource.k8s.io", "DeviceTaintRule", kind(conditionsByType))
        add(
            "admissionregistration.k8s.io", "ValidatingWebhookConfiguration",
            kind(["webhooks": .merge(key: "name"), "webhooks.matchConditions": .merge(key: "name")]))
        add(
            "admissionregistration.k8s.io", "MutatingWebhookConfiguration",
            kind(["webhooks": .merge(key: "name"), "webhooks.matchConditions": .merge(key: "name")]))
        add(
            "admissionregistration.k8s.io", "ValidatingAdmissionPolicy",
            kind(["spec.matchConditions": .merge(key: "name"), "spec.variables": .merge(key: "name")]))
        add(
            "admissionregistration.k8s.io", "MutatingAdmissionPolicy",
            kind(["spec.matchConditions": .merge(key: "name")]))
        return table
    }()
}
