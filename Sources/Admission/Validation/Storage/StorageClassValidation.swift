import KubeModel

/// `pkg/apis/storage/validation` for StorageClasses: provisioner, parameters, reclaim
/// policy and binding mode, and the fields an update may not change. (The
/// `allowedTopologies` term checks are not ported.)
enum StorageClassValidation {
    static let maxProvisionerParameterSize = 256 * 1024
    static let maxProvisionerParameterLen = 512

    /// All errors of a StorageClass write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let provisioner = object["provisioner"]?.stringValue ?? ""
        // reclaimPolicy defaults to Delete and volumeBindingMode to Immediate.
        let reclaimPolicy = object["reclaimPolicy"]?.stringValue ?? "Delete"
        let bindingMode = object["volumeBindingMode"]?.stringValue ?? "Immediate"
        if request.operation == .update, let old = request.old {
            var errs: [FieldError] = []
            if !sameParameters(object["parameters"], old["parameters"]) {
                errs.append(.forbidden("parameters", "updates to parameters are forbidden."))
            }
            if provisioner != old["provisioner"]?.stringValue ?? "" {
                errs.append(.forbidden("provisioner", "updates to provisioner are forbidden."))
            }
            if reclaimPolicy != old["reclaimPolicy"]?.stringValue ?? "Delete" {
                errs.append(.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
            }
            if bindingMode != old["volumeBindingMode"]?.stringValue ?? "Immediate" {
                errs.append(.invalid("volumeBindingMode", bindingMode, ValidationSupport.fieldImmutableErrorMsg))
            }
            return errs
        }
        var errs: [FieldError] = []
        if provisioner.isEmpty {
            errs.append(.required("provisioner"))
        } else {
            let lower = provisioner.lowercased()
            errs += NameValidation.isQualifiedName(lower).map { .invalid("provisioner", lower, $0) }
        }
        let params = object["parameters"]?.objectValue ?? JSONObject()
        if params.count > maxProvisionerParameterLen {
            errs.append(.tooLong("parameters", maxBytes: maxProvisionerParameterLen))
        } else {
            var total = 0
            for (k, v) in params {
                if k.isEmpty { errs.append(.invalid("parameters", k, "field can not be empty.")) }
                total += k.utf8.count + (v.stringValue ?? "").utf8.count
            }
            if total > maxProvisionerParameterSize {
                errs.append(.tooLong("parameters", maxBytes: maxProvisionerParameterSize))
            }
        }
        if !reclaimPolicy.isEmpty && reclaimPolicy != "Delete" && reclaimPolicy != "Retain" {
            errs.append(.notSupported("reclaimPolicy", reclaimPolicy, supported: ["Delete", "Retain"]))
        }
        if bindingMode != "Immediate" && bindingMode != "WaitForFirstConsumer" {
            errs.append(
                .notSupported("volumeBindingMode", bindingMode, supported: ["Immediate", "WaitForFirstConsumer"]))
        }
        return errs
    }

    /// `reflect.DeepEqual` of the parameter maps: an absent map differs from an empty one.
    private static func sameParameters(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        let x = a.flatMap { $0.isNull ? nil : $0.objectValue }
        let y = b.flatMap { $0.isNull ? nil : $0.objectValue }
        switch (x, y) {
        case (nil, nil): return true
        case (let x?, let y?): return ValidationSupport.stringMap(.object(x)) == ValidationSupport.stringMap(.object(y))
        default: return false
        }
    }
}
