import KubeModel

/// apps/v1 defaulting: `SetDefaults_*` of k8s.io/kubernetes `pkg/apis/apps/v1/defaults.go`,
/// with every pod template getting core's pod spec defaults (Kubernetes 1.32, default
/// feature gates: `StatefulSetAutoDeletePVC` on, `MaxUnavailableStatefulSet` off).
enum AppsDefaults {
    /// Defaults an object of the apps/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        switch resource {
        case "deployments": object.edit("spec", create: true) { deployment(&$0) }
        case "daemonsets": object.edit("spec", create: true) { daemonSet(&$0) }
        case "statefulsets": object.edit("spec", create: true) { statefulSet(&$0) }
        case "replicasets":
            object.edit("spec", create: true) { spec in
                spec.defaultPointer("replicas", 1)
                podTemplate(&spec)
            }
        default:
            break
        }
    }

    /// The pod spec inside `spec.template` (a Go value, always present).
    static func podTemplate(_ spec: inout JSONValue) {
        spec.edit("template", create: true) { template in
            template.edit("spec", create: true) { CoreDefaults.podSpec(&$0) }
        }
    }

    static func deployment(_ spec: inout JSONValue) {
        spec.defaultPointer("replicas", 1)
        spec.edit("strategy", create: true) { strategy in
            strategy.defaultString("type", "RollingUpdate")
            guard strategy["type"]?.stringValue == "RollingUpdate" else { return }
            strategy.edit("rollingUpdate", create: true) { rolling in
                rolling.defaultPointer("maxUnavailable", "25%")
                rolling.defaultPointer("maxSurge", "25%")
            }
        }
        spec.defaultPointer("revisionHistoryLimit", 10)
        spec.defaultPointer("progressDeadlineSeconds", 600)
        podTemplate(&spec)
    }

    static func daemonSet(_ spec: inout JSONValue) {
        spec.edit("updateStrategy", create: true) { strategy in
            strategy.defaultString("type", "RollingUpdate")
            guard strategy["type"]?.stringValue == "RollingUpdate" else { return }
            strategy.edit("rollingUpdate", create: true) { rolling in
                rolling.defaultPointer("maxUnavailable", 1)
                rolling.defaultPointer("maxSurge", 0)
            }
        }
        spec.defaultPointer("revisionHistoryLimit", 10)
        podTemplate(&spec)
    }

    static func statefulSet(_ spec: inout JSONValue) {
        spec.defaultString("podManagementPolicy", "OrderedReady")
        spec.edit("updateStrategy", create: true) { strategy in
            if strategy.isUnsetString("type") {
                strategy["type"] = "RollingUpdate"
                strategy.defaultPointer("rollingUpdate", .object(JSONObject()))
            }
            guard strategy["type"]?.stringValue == "RollingUpdate" else { return }
            strategy.edit("rollingUpdate", create: false) { $0.defaultPointer("partition", 0) }
        }
        spec.edit("persistentVolumeClaimRetentionPolicy", create: true) { policy in
            policy.defaultString("whenDeleted", "Retain")
            policy.defaultString("whenScaled", "Retain")
        }
        spec.defaultPointer("replicas", 1)
        spec.defaultPointer("revisionHistoryLimit", 10)
        podTemplate(&spec)
        spec.editEach("volumeClaimTemplates") { claim in
            CoreDefaults.persistentVolumeClaim(&claim)
        }
    }
}
