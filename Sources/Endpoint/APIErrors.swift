import KubeModel

/// One field error in a 422 Invalid, worded like apimachinery's `field.Error`.
struct FieldCause: Sendable, Hashable {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueForbidden`, ...
    var reason: String
    /// The field path, for example `metadata.name`.
    var field: String
    /// The message without the field: `Invalid value: "x": must be ...`.
    var message: String

    static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldCause {
        FieldCause(reason: "FieldValueInvalid", field: field, message: "Invalid value: \(quoted(value)): \(detail)")
    }
    /// An invalid value printed raw (numbers, `0x0`, `null`).
    static func invalidRaw(_ field: String, _ rawValue: String, _ detail: String) -> FieldCause {
        FieldCause(reason: "FieldValueInvalid", field: field, message: "Invalid value: \(rawValue): \(detail)")
    }
    static func required(_ field: String, _ detail: String) -> FieldCause {
        FieldCause(reason: "FieldValueRequired", field: field, message: "Required value: \(detail)")
    }
    static func forbidden(_ field: String, _ detail: String) -> FieldCause {
        FieldCause(reason: "FieldValueForbidden", field: field, message: "Forbidden: \(detail)")
    }
    static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> FieldCause {
        FieldCause(
            reason: "FieldValueNotSupported", field: field,
            message: "Unsupported value: \(quoted(value)): supported values: "
                + supported.map { quoted($0) }.joined(separator: ", "))
    }
    static func tooLong(_ field: String, _ maxBytes: Int) -> FieldCause {
        FieldCause(
            reason: "FieldValueTooLong", field: field, message: "Too long: may not be more than \(maxBytes) bytes")
    }

    /// `field: message`, as the Status message lists it.
    var text: String { field.isEmpty ? message : "\(field): \(message)" }

    /// Go's `%q` for the strings Kubernetes objects hold.
    static func quoted(_ s: String) -> String { goQuoted(s) }
}

/// The `StatusError`s the endpoint produces, worded like kube-apiserver's
/// `k8s.io/apimachinery/pkg/api/errors` so client-go and kubectl classify them right.
enum APIErrors {
    /// `configmaps` or `deployments.apps`.
    static func qualifiedResource(_ gvr: GroupVersionResource) -> String {
        gvr.group.isEmpty ? gvr.resource : "\(gvr.resource).\(gvr.group)"
    }
    /// `ConfigMap` or `Deployment.apps`.
    static func qualifiedKind(_ kind: String, group: String) -> String {
        group.isEmpty ? kind : "\(kind).\(group)"
    }

    static func make(
        code: Int, reason: String, message: String, name: String? = nil, group: String? = nil, kind: String? = nil,
        causes: [FieldCause] = [], retryAfterSeconds: Int = 0
    ) -> StatusError {
        let hasDetails = name != nil || group != nil || kind != nil || !causes.isEmpty || retryAfterSeconds > 0
        let details: StatusDetails? =
            hasDetails
            ? StatusDetails(
                name: name ?? "", group: group ?? "", kind: kind ?? "",
                causes: causes.map { StatusCause(reason: $0.reason, message: $0.message, field: $0.field) },
                retryAfterSeconds: retryAfterSeconds)
            : nil
        return StatusError(code: code, reason: reason, message: message, details: details)
    }

    static func notFound(_ gvr: GroupVersionResource, name: String) -> StatusError {
        make(
            code: 404, reason: "NotFound", message: "\(qualifiedResource(gvr)) \(FieldCause.quoted(name)) not found",
            name: name, group: gvr.group.isEmpty ? nil : gvr.group, kind: gvr.resource)
    }

    /// What the apiserver answers for a path it has no route for.
    static func noRoute() -> StatusError {
        make(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }

    static func alreadyExists(_ gvr: GroupVersionResource, name: String) -> StatusError {
        make(
            code: 409, reason: "AlreadyExists",
            message: "\(qualifiedResource(gvr)) \(FieldCause.quoted(name)) already exists",
            name: name, group: gvr.group.isEmpty ? nil : gvr.group, kind: gvr.resource)
    }

    /// generateName found no free name: AlreadyExists with retryAfterSeconds, so clients retry.
    static func generateNameConflict(_ gvr: GroupVersionResource, name: String) -> StatusError {
        make(
            code: 409, reason: "AlreadyExists",
            message:
                "\(qualifiedResource(gvr)) \(FieldCause.quoted(name)) already exists, the server was not able to generate a unique name for the object",
            name: name, group: gvr.group.isEmpty ? nil : gvr.group, kind: gvr.resource, retryAfterSeconds: 1)
    }

    static let staleMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    static func conflict(_ gvr: GroupVersionResource, name: String, _ detail: String = staleMessage) -> StatusError {
        make(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(qualifiedResource(gvr)) \(FieldCause.quoted(name)): \(detail)",
            name: name, group: gvr.group.isEmpty ? nil : gvr.group, kind: gvr.resource)
    }

    static func invalid(kind: String, group: String, name: String, causes: [FieldCause]) -> StatusError {
        let list =
            causes.count == 1 ? causes[0].text : "[" + causes.map(\.text).joined(separator: ", ") + "]"
        return make(
            code: 422, reason: "Invalid",
            message: "\(qualifiedKind(kind, group: group)) \(FieldCause.quoted(name)) is invalid: \(list)",
            name: name, group: group.isEmpty ? nil : group, kind: kind, causes: causes)
    }

    static func invalid(_ info: ResourceInfo, name: String, causes: [FieldCause]) -> StatusError {
        invalid(kind: info.kind, group: info.gvr.group, name: name, causes: causes)
    }

    /// 422 for bad request options (`ListOptions`, `CreateOptions`, `DeleteOptions`, ...).
    static func invalidOptions(_ kind: String, causes: [FieldCause]) -> StatusError {
        invalid(kind: kind, group: "meta.k8s.io", name: "", causes: causes)
    }

    static func badRequest(_ message: String) -> StatusError {
        make(code: 400, reason: "BadRequest", message: message)
    }

    static func forbidden(
        _ gvr: GroupVersionResource, name: String, _ detail: String, causes: [FieldCause] = []
    ) -> StatusError {
        let subject =
            name.isEmpty ? qualifiedResource(gvr) : "\(qualifiedResource(gvr)) \(FieldCause.quoted(name))"
        return make(
            code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(detail)", name: name,
            group: gvr.group.isEmpty ? nil : gvr.group, kind: gvr.resource, causes: causes)
    }

    static func methodNotAllowed(_ gvr: GroupVersionResource, verb: String) -> StatusError {
        make(
            code: 405, reason: "MethodNotAllowed",
            message: "\(verb) is not supported on resources of kind \(FieldCause.quoted(qualifiedResource(gvr)))",
            group: gvr.group.isEmpty ? nil : gvr.group, kind: gvr.resource)
    }

    static func unsupportedMediaType(_ contentType: String, accepted: [String]) -> StatusError {
        make(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + accepted.joined(separator: ", "))
    }

    /// Never carries request data: internal messages can contain object bytes.
    static func internalError() -> StatusError {
        make(
            code: 500, reason: "InternalError",
            message: "Internal error occurred: the server could not complete the request")
    }
}
