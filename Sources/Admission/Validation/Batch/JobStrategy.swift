import KubeModel

extension Admission {
    /// What a registry strategy's `PrepareForCreate` does to a new object before it is
    /// validated, beyond status handling: a Job (without `manualSelector`) gets its
    /// generated selector and pod template labels. Call after the object has its name
    /// and uid and after `applyDefaults`.
    public static func prepareForCreate(_ object: inout JSONValue, _ request: AdmissionRequest) {
        if request.info.gvr.group == "batch" && request.info.kind == "Job" {
            JobValidation.generateSelector(&object)
        }
    }
}
