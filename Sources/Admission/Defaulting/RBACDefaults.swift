import KubeModel

/// rbac.authorization.k8s.io/v1 defaulting: `SetDefaults_RoleBinding`,
/// `SetDefaults_ClusterRoleBinding` and `SetDefaults_Subject` of k8s.io/kubernetes
/// `pkg/apis/rbac/v1/defaults.go`.
enum RBACDefaults {
    static let group = "rbac.authorization.k8s.io"

    /// Defaults an object of the rbac.authorization.k8s.io/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        guard resource == "rolebindings" || resource == "clusterrolebindings" else { return }
        object.edit("roleRef", create: true) { $0.defaultString("apiGroup", group) }
        object.editEach("subjects") { subject in
            guard subject.isUnsetString("apiGroup") else { return }
            switch subject["kind"]?.stringValue {
            case "ServiceAccount": subject["apiGroup"] = ""
            case "User", "Group": subject["apiGroup"] = .string(group)
            default: break
            }
        }
    }
}
