import KubeModel

/// `pkg/apis/scheduling/validation` for PriorityClasses: the reserved `system-` names,
/// the highest value a user may give, the preemption policy, and an update that keeps
/// the value and the preemption policy.
enum PriorityClassValidation {
    static let systemPriorityClassPrefix = "system-"
    static let highestUserDefinablePriority: Int64 = 1_000_000_000
    /// The built-in system priority classes: name, value, globalDefault.
    static let systemPriorityClasses: [(String, Int64, Bool)] = [
        ("system-node-critical", 2_000_001_000, false), ("system-cluster-critical", 2_000_000_000, false),
    ]

    /// All errors of a PriorityClass write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let value = object["value"]?.int64Value ?? 0
        // preemptionPolicy defaults to PreemptLowerPriority.
        let policy = object["preemptionPolicy"]?.stringValue ?? "PreemptLowerPriority"
        if request.operation == .update, let old = request.old {
            var errs: [FieldError] = []
            if value != old["value"]?.int64Value ?? 0 {
                errs.append(.forbidden("value", "may not be changed in an update."))
            }
            let oldPolicy = old["preemptionPolicy"]?.stringValue ?? "PreemptLowerPriority"
            if policy != oldPolicy {
                errs.append(.invalid("preemptionPolicy", policy, ValidationSupport.fieldImmutableErrorMsg))
            }
            return errs
        }
        var errs: [FieldError] = []
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if name.hasPrefix(systemPriorityClassPrefix) {
            let globalDefault = object["globalDefault"]?.boolValue ?? false
            var problem: String?
            if let known = systemPriorityClasses.first(where: { $0.0 == name }) {
                if known.1 != value {
                    problem = "value of \(name) PriorityClass must be \(known.1)"
                } else if known.2 != globalDefault {
                    problem = "globalDefault of \(name) PriorityClass must be \(known.2)"
                }
            } else {
                problem = "\(name) is not a known system priority class"
            }
            if let problem {
                errs.append(
                    .forbidden(
                        "metadata.name",
                        "priority class names with 'system-' prefix are reserved for system use only. error: " + problem
                    ))
            }
        } else if value > highestUserDefinablePriority {
            errs.append(
                .forbidden(
                    "value", "maximum allowed value of a user defined priority is \(highestUserDefinablePriority)"))
        }
        switch policy {
        case "PreemptLowerPriority", "Never": break
        case "": errs.append(.required("preemptionPolicy"))
        default: errs.append(.notSupported("preemptionPolicy", policy, supported: ["PreemptLowerPriority", "Never"]))
        }
        return errs
    }
}
