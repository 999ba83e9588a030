import KubeModel

/// The Endpoint's overloads of KubeModel's `StatusError` builders: the same Status,
/// addressed by the `GroupVersionResource` / `ResourceInfo` the Endpoint has at hand.
/// Every message is worded once, in KubeModel (`Status/StatusError.swift`).
extension StatusError {
    /// `(group, resource)` of a resource, as the builders take it.
    static func groupResource(_ gvr: GroupVersionResource) -> (group: String, resource: String) {
        (gvr.group, gvr.resource)
    }

    static func notFound(_ gvr: GroupVersionResource, name: String) -> StatusError {
        notFound(groupResource(gvr), name: name)
    }

    static func alreadyExists(_ gvr: GroupVersionResource, name: String) -> StatusError {
        alreadyExists(groupResource(gvr), name: name)
    }

    static func generateNameConflict(_ gvr: GroupVersionResource, name: String) -> StatusError {
        generateNameConflict(groupResource(gvr), name: name)
    }

    static func conflict(_ gvr: GroupVersionResource, name: String, _ detail: String = objectModifiedMessage)
        -> StatusError
    {
        conflict(groupResource(gvr), name: name, message: detail)
    }

    static func invalid(_ info: ResourceInfo, name: String, causes: [FieldError]) -> StatusError {
        invalid(kind: info.kind, group: info.gvr.group, name: name, causes: causes)
    }

    /// 422 for bad request options (`ListOptions`, `CreateOptions`, `DeleteOptions`, ...).
    static func invalidOptions(_ kind: String, causes: [FieldError]) -> StatusError {
        invalid(kind: kind, group: "meta.k8s.io", name: "", causes: causes)
    }

    /// 403 Forbidden with field causes (a namespace being terminated).
    static func forbidden(
        _ gvr: GroupVersionResource, name: String, _ detail: String, causes: [StatusCause] = []
    ) -> StatusError {
        var error = forbidden(groupResource(gvr), name: name, reason: detail)
        error.details?.causes = causes
        return error
    }

    static func methodNotAllowed(_ gvr: GroupVersionResource, verb: String) -> StatusError {
        methodNotAllowed(groupResource(gvr), action: verb)
    }

    /// Never carries request data: internal messages can contain object bytes.
    static func internalError() -> StatusError {
        StatusError(
            code: 500, reason: "InternalError",
            message: "Internal error occurred: the server could not complete the request")
    }
}
