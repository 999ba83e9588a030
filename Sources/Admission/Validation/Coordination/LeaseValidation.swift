import KubeModel

/// `pkg/apis/coordination/validation` for Leases (`ValidateLeaseSpec`; create and update
/// check the same rules).
enum LeaseValidation {
    /// Kubernetes-defined coordinated leader election strategies.
    static let strategies = ["OldestEmulationVersion"]

    /// All errors of a Lease write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let spec = object["spec"]
        var errs: [FieldError] = []
        if let d = spec?["leaseDurationSeconds"]?.int64Value, d <= 0 {
            errs.append(
                FieldError(
                    .invalid, field: "spec.leaseDurationSeconds", value: .integer(d), detail: "must be greater than 0"))
        }
        if let t = spec?["leaseTransitions"]?.int64Value, t < 0 {
            errs.append(
                FieldError(
                    .invalid, field: "spec.leaseTransitions", value: .integer(t),
                    detail: ValidationSupport.isNegativeErrorMsg))
        }
        let strategy = spec?["strategy"]?.stringValue
        if let strategy {
            // ValidateCoordinatedLeaseStrategy reports under strategy.strategy.
            let path = "spec.strategy.strategy"
            if !strategy.contains("/") {
                if !strategies.contains(strategy) {
                    errs.append(.notSupported(path, strategy, supported: strategies))
                }
            } else {
                errs += NameValidation.isQualifiedName(strategy).map { .invalid(path, strategy, $0) }
            }
        }
        if let holder = spec?["preferredHolder"]?.stringValue, !holder.isEmpty, strategy?.isEmpty ?? true {
            errs.append(.forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"))
        }
        return errs
    }
}
