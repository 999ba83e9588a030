import KubeModel

/// A failure the HTTP front answers itself (unknown paths, wrong methods, media types,
/// body limits, load shedding): the same `StatusError` as every other Status.
public typealias FrontStatus = StatusError

extension StatusError {
    /// The apiserver's answer to a path it does not serve (with the empty `details` of
    /// its generic responses).
    public static let notFound = StatusError(
        code: 404, reason: "NotFound", message: noRouteMessage, details: StatusDetails())

    /// 405 for an HTTP method the path does not take.
    public static func methodNotAllowed(method: String) -> StatusError {
        StatusError(
            code: 405, reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource (\(method))",
            details: StatusDetails())
    }

    /// 406: nothing in `Accept` can be produced. As kube-apiserver's negotiation error, the
    /// Status has no `details`.
    public static let notAcceptable = StatusError.notAcceptable(["application/json", "application/yaml"])

    /// 415 for a request body of a media type the verb does not take.
    public static func unsupportedMediaType(_ type: String, accepted: [String]) -> StatusError {
        StatusError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format (\(type)) - accepted media types include: "
                + accepted.joined(separator: ", "),
            details: StatusDetails())
    }

    /// 413 for a body over the front's limit.
    public static func requestEntityTooLarge(limit: Int) -> StatusError {
        var error = requestEntityTooLarge("limit is \(limit)")
        error.details = StatusDetails()
        return error
    }

    /// 400 for a request the front cannot read (with the front's empty `details`).
    public static func malformed(_ message: String) -> StatusError {
        StatusError(code: 400, reason: "BadRequest", message: message, details: StatusDetails())
    }
}
