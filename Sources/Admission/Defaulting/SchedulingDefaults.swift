import KubeModel

/// scheduling.k8s.io/v1 defaulting: `SetDefaults_PriorityClass` of k8s.io/kubernetes
/// `pkg/apis/scheduling/v1/defaults.go`.
enum SchedulingDefaults {
    /// Defaults an object of the scheduling.k8s.io/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        guard resource == "priorityclasses" else { return }
        object.defaultPointer("preemptionPolicy", "PreemptLowerPriority")
    }
}
