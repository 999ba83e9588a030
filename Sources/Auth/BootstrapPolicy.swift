import KubeModel

/// The default ClusterRoles and ClusterRoleBindings a fresh server needs (the part of
/// kube-apiserver's bootstrap policy that concerns users of a standalone endpoint):
/// `cluster-admin` for `system:masters`, discovery and self-review for every
/// authenticated user, health and version for everyone, metrics for `system:monitoring`,
/// ServiceAccount issuer discovery for every ServiceAccount.
/// Each carries the `kubernetes.io/bootstrapping: rbac-defaults` label and the
/// `rbac.authorization.kubernetes.io/autoupdate: "true"` annotation.
public enum BootstrapPolicy {
    static let rbacGroup = "rbac.authorization.k8s.io"

    /// The ClusterRoles, as `rbac.authorization.k8s.io/v1` objects.
    public static var clusterRoles: [JSONValue] {
        [
            clusterRole(
                "cluster-admin",
                [
                    PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]),
                    PolicyRule(verbs: ["*"], nonResourceURLs: ["*"]),
                ]),
            clusterRole(
                "system:discovery",
                [
                    PolicyRule(
                        verbs: ["get"],
                        nonResourceURLs: [
                            "/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api",
                            "/api/*", "/apis", "/apis/*",
                        ])
                ]),
            clusterRole(
                "system:monitoring",
                [
                    PolicyRule(
                        verbs: ["get"],
                        nonResourceURLs: [
                            "/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*",
                            "/healthz/*",
                        ])
                ]),
            clusterRole(
                "system:basic-user",
                [
                    PolicyRule(
                        verbs: ["create"], apiGroups: ["authorization.k8s.io"],
                        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                    PolicyRule(
                        verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"]),
                ]),
            clusterRole(
                "system:service-account-issuer-discovery",
                [
                    PolicyRule(
                        verbs: ["get"],
                        nonResourceURLs: [
                            "/.well-known/openid-configuration", "/.well-known/openid-configuration/",
                            "/openid/v1/jwks", "/openid/v1/jwks/",
                        ])
                ]),
            clusterRole(
                "system:public-info-viewer",
                [
                    PolicyRule(
                        verbs: ["get"], nonResourceURLs: ["/livez", "/readyz", "/healthz", "/version", "/version/"])
                ]),
        ]
    }

    /// The ClusterRoleBindings (each named like its role).
    public static var clusterRoleBindings: [JSONValue] {
        [
            binding("cluster-admin", groups: [SystemUsers.privilegedGroup]),
            binding("system:monitoring", groups: [SystemUsers.monitoringGroup]),
            binding("system:discovery", groups: [SystemUsers.allAuthenticated]),
            binding("system:basic-user", groups: [SystemUsers.allAuthenticated]),
            binding("system:service-account-issuer-discovery", groups: [SystemUsers.serviceAccountsGroup]),
            binding(
                "system:public-info-viewer", groups: [SystemUsers.allAuthenticated, SystemUsers.allUnauthenticated]),
        ]
    }

    /// The same objects as a snapshot (tests, and a server that evaluates without a store).
    public static var snapshot: RBACSnapshot {
        RBACSnapshot(clusterRoles: clusterRoles, roles: [], clusterRoleBindings: clusterRoleBindings, roleBindings: [])
    }

    static func metadata(_ name: String) -> JSONValue {
        [
            "name": .string(name),
            "labels": ["kubernetes.io/bootstrapping": "rbac-defaults"],
            "annotations": ["rbac.authorization.kubernetes.io/autoupdate": "true"],
        ]
    }

    static func clusterRole(_ name: String, _ rules: [PolicyRule]) -> JSONValue {
        [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": metadata(name),
            "rules": .array(rules.map(\.json)),
        ]
    }

    static func binding(_ name: String, groups: [String]) -> JSONValue {
        [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": metadata(name),
            "roleRef": ["apiGroup": .string(rbacGroup), "kind": "ClusterRole", "name": .string(name)],
            "subjects": .array(
                groups.map { ["apiGroup": .string(rbacGroup), "kind": "Group", "name": .string($0)] }),
        ]
    }
}
