import KubeModel

/// batch/v1 defaulting: `SetDefaults_Job` and `SetDefaults_CronJob` of k8s.io/kubernetes
/// `pkg/apis/batch/v1/defaults.go` (Kubernetes 1.32, `JobPodReplacementPolicy` on). A
/// CronJob's job template gets only the pod spec defaults, not the Job's.
enum BatchDefaults {
    /// Defaults an object of the batch/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        switch resource {
        case "jobs": job(&object)
        case "cronjobs":
            object.edit("spec", create: true) { spec in
                spec.defaultString("concurrencyPolicy", "Allow")
                spec.defaultPointer("suspend", false)
                spec.defaultPointer("successfulJobsHistoryLimit", 3)
                spec.defaultPointer("failedJobsHistoryLimit", 1)
                spec.edit("jobTemplate", create: true) { jobTemplate in
                    jobTemplate.edit("spec", create: true) { AppsDefaults.podTemplate(&$0) }
                }
            }
        default:
            break
        }
    }

    static func job(_ object: inout JSONValue) {
        var templateLabels: JSONValue?
        if case .object(let labels)? = object["spec"]?["template"]?["metadata"]?["labels"] {
            templateLabels = .object(labels)
        }
        object.edit("spec", create: true) { spec in
            if spec.isUnset("completions") && spec.isUnset("parallelism") {
                spec["completions"] = 1
                spec["parallelism"] = 1
            }
            spec.defaultPointer("parallelism", 1)
            if spec.isUnset("backoffLimit") {
                spec["backoffLimit"] = spec.isUnset("backoffLimitPerIndex") ? 6 : .number(JSONNumber(Int64(Int32.max)))
            }
            spec.defaultPointer("completionMode", "NonIndexed")
            spec.defaultPointer("suspend", false)
            spec.edit("podFailurePolicy", create: false) { policy in
                policy.editEach("rules") { rule in
                    rule.editEach("onPodConditions") { $0.defaultString("status", "True") }
                }
            }
            if spec.isUnset("podReplacementPolicy") {
                spec["podReplacementPolicy"] = spec.isUnset("podFailurePolicy") ? "TerminatingOrFailed" : "Failed"
            }
            spec.defaultPointer("manualSelector", false)
            AppsDefaults.podTemplate(&spec)
        }
        if let templateLabels {
            object.edit("metadata", create: true) { meta in
                if meta.isEmptyCollection("labels") { meta["labels"] = templateLabels }
            }
        }
    }
}
