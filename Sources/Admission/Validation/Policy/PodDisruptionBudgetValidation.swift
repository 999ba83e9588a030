import KubeModel

/// `pkg/apis/policy/validation` for PodDisruptionBudgets (`ValidatePodDisruptionBudgetSpec`).
enum PodDisruptionBudgetValidation {
    /// The `unhealthyPodEvictionPolicy` values.
    static let evictionPolicies = ["AlwaysAllow", "IfHealthyBudget"]

    /// All errors of a PodDisruptionBudget write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        guard request.subresource == nil else { return [] }
        let spec = object["spec"]
        let minAvailable = present(spec?["minAvailable"])
        let maxUnavailable = present(spec?["maxUnavailable"])
        var errs: [FieldError] = []
        if minAvailable != nil && maxUnavailable != nil {
            let rendered =
                "policy.PodDisruptionBudgetSpec{MinAvailable:"
                + GoRendering.pointer("intstr.IntOrString", minAvailable) + ", Selector:"
                + GoRendering.pointer("v1.LabelSelector", spec?["selector"]) + ", MaxUnavailable:"
                + GoRendering.pointer("intstr.IntOrString", maxUnavailable) + ", UnhealthyPodEvictionPolicy:"
                + GoRendering.pointer("policy.UnhealthyPodEvictionPolicyType", spec?["unhealthyPodEvictionPolicy"])
                + "}"
            errs.append(
                FieldError(
                    .invalid, field: "spec", value: .raw(rendered),
                    detail: "minAvailable and maxUnavailable cannot be both set"))
        }
        for (name, value) in [("minAvailable", minAvailable), ("maxUnavailable", maxUnavailable)] {
            guard let value else { continue }
            errs += AppsValidation.positiveIntOrPercent(value, "spec." + name)
            errs += AppsValidation.notMoreThan100Percent(value, "spec." + name)
        }
        // On update the strategy tolerates label values the stored selector already had.
        let oldSelectorInvalid =
            request.operation == .update && selectorHasInvalidLabelValue(request.old?["spec"]?["selector"])
        errs += ValidationSupport.labelSelector(
            spec?["selector"], "spec.selector", allowInvalidLabelValue: oldSelectorInvalid)
        if let policy = spec?["unhealthyPodEvictionPolicy"]?.stringValue, !evictionPolicies.contains(policy) {
            errs.append(.notSupported("spec.unhealthyPodEvictionPolicy", policy, supported: evictionPolicies))
        }
        return errs
    }

    private static func present(_ v: JSONValue?) -> JSONValue? {
        guard let v, !v.isNull else { return nil }
        return v
    }

    private static func selectorHasInvalidLabelValue(_ selector: JSONValue?) -> Bool {
        for expr in selector?["matchExpressions"]?.arrayValue ?? [] {
            for v in expr["values"]?.arrayValue ?? []
            where !NameValidation.isValidLabelValue(v.stringValue ?? "").isEmpty {
                return true
            }
        }
        return false
    }
}
