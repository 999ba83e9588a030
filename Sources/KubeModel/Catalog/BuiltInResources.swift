/// The built-in resources AKE serves, described as the Kubernetes 1.33 apiserver's
/// discovery describes them (short names, scope, verbs, categories, subresources)
/// and with the field selector labels its field-label conversions accept.
enum BuiltInResources {
    /// Groups in the order `/apis` lists them (the apiserver's group priority).
    static let groupOrder = [
        "", "apps", "events.k8s.io", "batch", "certificates.k8s.io", "networking.k8s.io", "policy",
        "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
        "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io",
    ]

    private static func r(
        _ group: String, _ resource: String, _ kind: String, short: [String] = [], namespaced: Bool = true,
        verbs: [String] = ResourceInfo.standardVerbs, sub: Set<String> = [], fields: [String] = [],
        categories: [String] = []
    ) -> ResourceInfo {
        ResourceInfo(
            gvr: GroupVersionResource(group: group, version: "v1", resource: resource), kind: kind,
            shortNames: short, namespaced: namespaced, verbs: verbs, subresources: sub, selectableFields: fields,
            categories: categories)
    }

    static let all: [ResourceInfo] = [
        // core/v1
        r("", "configmaps", "ConfigMap", short: ["cm"]),
        r("", "endpoints", "Endpoints", short: ["ep"]),
        r(
            "", "events", "Event", short: ["ev"],
            fields: [
                "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                "reportingComponent", "source", "type",
            ]),
        r("", "limitranges", "LimitRange", short: ["limits"]),
        r(
            "", "namespaces", "Namespace", short: ["ns"], namespaced: false,
            verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], sub: ["status"],
            fields: ["status.phase"]),
        r("", "nodes", "Node", short: ["no"], namespaced: false, sub: ["status"], fields: ["spec.unschedulable"]),
        r("", "persistentvolumeclaims", "PersistentVolumeClaim", short: ["pvc"], sub: ["status"]),
        r("", "persistentvolumes", "PersistentVolume", short: ["pv"], namespaced: false, sub: ["status"]),
        r(
            "", "pods", "Pod", short: ["po"], sub: ["status"],
            fields: [
                "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
            ], categories: ["all"]),
        r("", "podtemplates", "PodTemplate"),
        r(
            "", "replicationcontrollers", "ReplicationController", short: ["rc"], sub: ["status", "scale"],
            fields: ["status.replicas"], categories: ["all"]),
        r("", "resourcequotas", "ResourceQuota", short: ["quota"], sub: ["status"]),
        r("", "secrets", "Secret", fields: ["type"]),
        r("", "serviceaccounts", "ServiceAccount", short: ["sa"]),
        r(
            "", "services", "Service", short: ["svc"], sub: ["status"], fields: ["spec.clusterIP", "spec.type"],
            categories: ["all"]),
        // apps/v1
        r("apps", "controllerrevisions", "ControllerRevision"),
        r("apps", "daemonsets", "DaemonSet", short: ["ds"], sub: ["status"], categories: ["all"]),
        r("apps", "deployments", "Deployment", short: ["deploy"], sub: ["status", "scale"], categories: ["all"]),
        r(
            "apps", "replicasets", "ReplicaSet", short: ["rs"], sub: ["status", "scale"], fields: ["status.replicas"],
            categories: ["all"]),
        r("apps", "statefulsets", "StatefulSet", short: ["sts"], sub: ["status", "scale"], categories: ["all"]),
        // events.k8s.io/v1
        r(
            "events.k8s.io", "events", "Event", short: ["ev"],
            fields: [
                "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
                "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "source", "type",
            ]),
        // batch/v1
        r("batch", "cronjobs", "CronJob", short: ["cj"], sub: ["status"], categories: ["all"]),
        r("batch", "jobs", "Job", sub: ["status"], fields: ["status.successful"], categories: ["all"]),
        // certificates.k8s.io/v1
        r(
            "certificates.k8s.io", "certificatesigningrequests", "CertificateSigningRequest", short: ["csr"],
            namespaced: false, sub: ["status"], fields: ["spec.signerName"]),
        // networking.k8s.io/v1
        r("networking.k8s.io", "ingressclasses", "IngressClass", namespaced: false),
        r("networking.k8s.io", "ingresses", "Ingress", short: ["ing"], sub: ["status"]),
        r("networking.k8s.io", "networkpolicies", "NetworkPolicy", short: ["netpol"]),
        // policy/v1
        r("policy", "poddisruptionbudgets", "PodDisruptionBudget", short: ["pdb"], sub: ["status"]),
        // rbac.authorization.k8s.io/v1
        r("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", namespaced: false),
        r("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", namespaced: false),
        r("rbac.authorization.k8s.io", "rolebindings", "RoleBinding"),
        r("rbac.authorization.k8s.io", "roles", "Role"),
        // storage.k8s.io/v1
        r("storage.k8s.io", "csidrivers", "CSIDriver", namespaced: false),
        r("storage.k8s.io", "csinodes", "CSINode", namespaced: false),
        r("storage.k8s.io", "storageclasses", "StorageClass", short: ["sc"], namespaced: false),
        r("storage.k8s.io", "volumeattachments", "VolumeAttachment", namespaced: false, sub: ["status"]),
        // apiextensions.k8s.io/v1
        r(
            "apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", short: ["crd", "crds"],
            namespaced: false, sub: ["status"], categories: ["api-extensions"]),
        // scheduling.k8s.io/v1
        r("scheduling.k8s.io", "priorityclasses", "PriorityClass", short: ["pc"], namespaced: false),
        // coordination.k8s.io/v1
        r("coordination.k8s.io", "leases", "Lease"),
        // node.k8s.io/v1
        r("node.k8s.io", "runtimeclasses", "RuntimeClass", namespaced: false),
        // discovery.k8s.io/v1
        r("discovery.k8s.io", "endpointslices", "EndpointSlice"),
    ]
}
