import KubeModel

/// A `Status` failure the HTTP front produces itself (before or around the Endpoint):
/// unknown paths, wrong methods, media types, body limits, load shedding.
public struct FrontStatus: Error, Sendable, Equatable {
    public var code: Int
    public var reason: String
    public var message: String
    /// Seconds a client should wait before retrying (also sent as `Retry-After`).
    public var retryAfterSeconds: Int?

    public init(code: Int, reason: String, message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The apiserver's answer to a path it does not serve.
    public static let notFound = FrontStatus(
        code: 404, reason: "NotFound", message: StatusError.noRouteMessage)

    public static func methodNotAllowed(_ method: String) -> FrontStatus {
        FrontStatus(
            code: 405, reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource (\(method))")
    }

    public static let notAcceptable = FrontStatus(
        code: 406, reason: "NotAcceptable",
        message: "only the following media types are accepted: application/json, application/yaml")

    public static func unsupportedMediaType(_ type: String, accepted: [String]) -> FrontStatus {
        FrontStatus(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format (\(type)) - accepted media types include: "
                + accepted.joined(separator: ", "))
    }

    public static func requestEntityTooLarge(limit: Int) -> FrontStatus {
        FrontStatus(
            code: 413, reason: "RequestEntityTooLarge",
            message: "Request entity too large: limit is \(limit)")
    }

    public static func badRequest(_ message: String) -> FrontStatus {
        FrontStatus(code: 400, reason: "BadRequest", message: message)
    }

    public static func tooManyRequests(retryAfter: Int) -> FrontStatus {
        FrontStatus(
            code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
            retryAfterSeconds: retryAfter)
    }

    public static func serviceUnavailable(_ message: String, retryAfter: Int) -> FrontStatus {
        FrontStatus(code: 503, reason: "ServiceUnavailable", message: message, retryAfterSeconds: retryAfter)
    }

    public static func internalError(_ message: String) -> FrontStatus {
        FrontStatus(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }

    /// The apiserver's Status object for this failure.
    public func statusObject() -> JSONValue {
        var details = JSONObject()
        if let retryAfterSeconds {
            details.appendUnchecked("retryAfterSeconds", .number(JSONNumber(retryAfterSeconds)))
        }
        var o = JSONObject()
        o.appendUnchecked("kind", .string("Status"))
        o.appendUnchecked("apiVersion", .string("v1"))
        o.appendUnchecked("metadata", .object(JSONObject()))
        o.appendUnchecked("status", .string("Failure"))
        o.appendUnchecked("message", .string(message))
        o.appendUnchecked("reason", .string(reason))
        o.appendUnchecked("details", .object(details))
        o.appendUnchecked("code", .number(JSONNumber(code)))
        return .object(o)
    }
}
