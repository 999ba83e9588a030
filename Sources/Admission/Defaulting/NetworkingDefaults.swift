import KubeModel

/// networking.k8s.io/v1 defaulting: `SetDefaults_NetworkPolicy`,
/// `SetDefaults_NetworkPolicyPort` and `SetDefaults_IngressClass` of k8s.io/kubernetes
/// `pkg/apis/networking/v1/defaults.go`. Ingresses have no defaults.
enum NetworkingDefaults {
    /// Defaults an object of the networking.k8s.io/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        switch resource {
        case "networkpolicies":
            object.edit("spec", create: true) { spec in
                if spec.isEmptyCollection("policyTypes") {
                    spec["policyTypes"] = spec.isEmptyCollection("egress") ? ["Ingress"] : ["Ingress", "Egress"]
                }
                for key in ["ingress", "egress"] {
                    spec.editEach(key) { rule in
                        rule.editEach("ports") { $0.defaultPointer("protocol", "TCP") }
                    }
                }
            }
        case "ingressclasses":
            object.edit("spec", create: true) { spec in
                spec.edit("parameters", create: false) { $0.defaultPointer("scope", "Cluster") }
            }
        default:
            break
        }
    }
}
