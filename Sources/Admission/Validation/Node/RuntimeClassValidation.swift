import KubeModel

/// `pkg/apis/node/validation` for RuntimeClasses: the handler is a DNS label and never
/// changes; `scheduling.nodeSelector` holds valid labels. (The `overhead` resources and
/// `scheduling.tolerations` checks, shared with pod validation, are not ported here.)
enum RuntimeClassValidation {
    /// All errors of a RuntimeClass write.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        if request.operation == .update, let old = request.old {
            return ValidationSupport.immutableString(object["handler"], old["handler"], "handler")
        }
        let handler = object["handler"]?.stringValue ?? ""
        var errs = NameValidation.isDNS1123Label(handler).map { FieldError.invalid("handler", handler, $0) }
        if let selector = object["scheduling"]?["nodeSelector"], !selector.isNull {
            errs += ValidationSupport.labels(selector, "scheduling.nodeSelector")
        }
        return errs
    }
}
