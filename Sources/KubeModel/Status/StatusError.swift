/// One reason an object is invalid (`metav1.StatusCause`).
public struct StatusCause: Sendable, Hashable {
    /// The cause type, for example `FieldValueInvalid` or `ResourceVersionTooLarge`.
    public var reason: String
    /// Human-readable explanation.
    public var message: String
    /// The JSON path of the field concerned, if any.
    public var field: String

    /// A cause; empty members are left out of the JSON.
    public init(reason: String = "", message: String = "", field: String = "") {
        self.reason = reason
        self.message = message
        self.field = field
    }
}

/// `metav1.StatusDetails`.
public struct StatusDetails: Sendable, Hashable {
    /// The object name, if one is concerned.
    public var name: String
    /// The API group (empty for core).
    public var group: String
    /// The kind, or (for most errors, as the apiserver does) the plural resource.
    public var kind: String
    /// The object UID (success statuses of deletes).
    public var uid: String
    /// Field-level causes (Invalid errors, internal errors).
    public var causes: [StatusCause]
    /// Seconds to wait before retrying; 0 is omitted.
    public var retryAfterSeconds: Int

    /// Details; empty members are left out of the JSON.
    public init(
        name: String = "", group: String = "", kind: String = "", uid: String = "", causes: [StatusCause] = [],
        retryAfterSeconds: Int = 0
    ) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The one error type at the API boundary: an apiserver `Status` with its HTTP code.
///
/// Constructors mirror k8s.io/apimachinery `pkg/api/errors` (1.33) so that messages,
/// reasons and details match what client-go and kubectl expect, and `statusObject()`
/// renders the JSON field order the apiserver uses.
public struct StatusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// HTTP status code; `0` is omitted from the JSON (as in success statuses).
    public var code: Int
    /// `StatusReason`, for example `NotFound`; empty for success.
    public var reason: String
    /// Human-readable explanation.
    public var message: String
    /// Extra data; `nil` leaves `details` out of the JSON.
    public var details: StatusDetails?
    /// `Failure` for errors, `Success` for the status returned by delete.
    public var status: String

    /// A status with every member given.
    public init(code: Int, reason: String, message: String, details: StatusDetails? = nil, status: String = "Failure") {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.status = status
    }

    /// The message.
    public var description: String { message }

    /// Seconds a client should wait before retrying, if the error says (`Retry-After`).
    public var retryAfterSeconds: Int? {
        guard let s = details?.retryAfterSeconds, s > 0 else { return nil }
        return s
    }

    /// The exact `Status` object the apiserver sends:
    /// `kind, apiVersion, metadata, status, message, reason, details, code`, with
    /// empty members left out as Go's `omitempty` does.
    public func statusObject() -> JSONValue {
        var o = JSONObject()
        o.appendUnchecked("kind", "Status")
        o.appendUnchecked("apiVersion", "v1")
        o.appendUnchecked("metadata", .object(JSONObject()))
        if !status.isEmpty { o.appendUnchecked("status", .string(status)) }
        if !message.isEmpty { o.appendUnchecked("message", .string(message)) }
        if !reason.isEmpty { o.appendUnchecked("reason", .string(reason)) }
        if let details {
            var d = JSONObject()
            if !details.name.isEmpty { d.appendUnchecked("name", .string(details.name)) }
            if !details.group.isEmpty { d.appendUnchecked("group", .string(details.group)) }
            if !details.kind.isEmpty { d.appendUnchecked("kind", .string(details.kind)) }
            if !details.uid.isEmpty { d.appendUnchecked("uid", .string(details.uid)) }
            if !details.causes.isEmpty {
                d.appendUnchecked(
                    "causes",
                    .array(
                        details.causes.map { c in
                            var co = JSONObject()
                            if !c.reason.isEmpty { co.appendUnchecked("reason", .string(c.reason)) }
                            if !c.message.isEmpty { co.appendUnchecked("message", .string(c.message)) }
                            if !c.field.isEmpty { co.appendUnchecked("field", .string(c.field)) }
                            return .object(co)
                        }))
            }
            if details.retryAfterSeconds != 0 {
                d.appendUnchecked("retryAfterSeconds", .number(JSONNumber(details.retryAfterSeconds)))
            }
            o.appendUnchecked("details", .object(d))
        }
        if code != 0 { o.appendUnchecked("code", .number(JSONNumber(code))) }
        return .object(o)
    }

    /// Reads a `Status` object (for example one an upstream apiserver sent).
    /// `nil` when `object` is not a Status.
    public init?(statusObject object: JSONValue) {
        guard object["kind"]?.stringValue == "Status" else { return nil }
        code = Int(object["code"]?.int64Value ?? 0)
        reason = object["reason"]?.stringValue ?? ""
        message = object["message"]?.stringValue ?? ""
        status = object["status"]?.stringValue ?? ""
        if let d = object["details"], d.objectValue != nil {
            details = StatusDetails(
                name: d["name"]?.stringValue ?? "", group: d["group"]?.stringValue ?? "",
                kind: d["kind"]?.stringValue ?? "", uid: d["uid"]?.stringValue ?? "",
                causes: (d["causes"]?.arrayValue ?? []).map {
                    StatusCause(
                        reason: $0["reason"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? "",
                        field: $0["field"]?.stringValue ?? "")
                },
                retryAfterSeconds: Int(d["retryAfterSeconds"]?.int64Value ?? 0))
        } else {
            details = nil
        }
    }
}

// MARK: - Constructors (k8s.io/apimachinery/pkg/api/errors)

extension StatusError {
    /// `schema.GroupResource.String()`: `configmaps` or `deployments.apps`.
    static func qualified(_ gr: (group: String, resource: String)) -> String {
        gr.group.isEmpty ? gr.resource : "\(gr.resource).\(gr.group)"
    }

    /// The wording of the optimistic-concurrency conflict (registry `OptimisticLockErrorMsg`).
    public static let objectModifiedMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    /// What the apiserver answers for a path it has no route for.
    public static let noRouteMessage = "the server could not find the requested resource"

    /// 404 NotFound for a path the server does not serve (no details).
    public static func noRoute() -> StatusError {
        StatusError(code: 404, reason: "NotFound", message: noRouteMessage)
    }

    /// 404 NotFound: `configmaps "x" not found`.
    public static func notFound(_ gr: (group: String, resource: String), name: String) -> StatusError {
        StatusError(
            code: 404, reason: "NotFound", message: "\(qualified(gr)) \(goQuoted(name)) not found",
            details: StatusDetails(name: name, group: gr.group, kind: gr.resource))
    }

    /// 409 AlreadyExists: `configmaps "x" already exists`.
    public static func alreadyExists(_ gr: (group: String, resource: String), name: String) -> StatusError {
        StatusError(
            code: 409, reason: "AlreadyExists", message: "\(qualified(gr)) \(goQuoted(name)) already exists",
            details: StatusDetails(name: name, group: gr.group, kind: gr.resource))
    }

    /// 409 AlreadyExists for a generateName that collided (clients retry it).
    public static func generateNameConflict(
        _ gr: (group: String, resource: String), name: String, retryAfter: Int = 1
    ) -> StatusError {
        StatusError(
            code: 409, reason: "AlreadyExists",
            message:
                "\(qualified(gr)) \(goQuoted(name)) already exists, the server was not able to generate a unique name for the object",
            details: StatusDetails(name: name, group: gr.group, kind: gr.resource, retryAfterSeconds: retryAfter))
    }

    /// 409 Conflict: `Operation cannot be fulfilled on configmaps "x": <message>`.
    public static func conflict(
        _ gr: (group: String, resource: String), name: String, message: String = objectModifiedMessage
    ) -> StatusError {
        StatusError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(qualified(gr)) \(goQuoted(name)): \(message)",
            details: StatusDetails(name: name, group: gr.group, kind: gr.resource))
    }

    /// 422 Invalid: `ConfigMap "x" is invalid: metadata.name: Invalid value: ...`.
    /// `kind` is the Kind (not the resource); `group` is empty for core.
    public static func invalid(kind: String, group: String = "", name: String, causes: [FieldError]) -> StatusError {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        var message = "\(qualifiedKind) \(goQuoted(name)) is invalid"
        if !causes.isEmpty { message += ": " + causes.aggregateMessage }
        return StatusError(
            code: 422, reason: "Invalid", message: message,
            details: StatusDetails(name: name, group: group, kind: kind, causes: causes.map(\.cause)))
    }

    /// 422 Invalid from ready-made causes (message rebuilt as `<field>: <message>`).
    public static func invalid(kind: String, group: String = "", name: String, causes: [StatusCause]) -> StatusError {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        var message = "\(qualifiedKind) \(goQuoted(name)) is invalid"
        if !causes.isEmpty {
            message += ": " + aggregateErrorMessage(causes.map { "\($0.field): \($0.message)" })
        }
        return StatusError(
            code: 422, reason: "Invalid", message: message,
            details: StatusDetails(name: name, group: group, kind: kind, causes: causes))
    }

    /// 400 BadRequest with `message` as is.
    public static func badRequest(_ message: String) -> StatusError {
        StatusError(code: 400, reason: "BadRequest", message: message)
    }

    /// 415 UnsupportedMediaType listing the accepted request content types.
    public static func unsupportedMediaType(_ accepted: [String]) -> StatusError {
        StatusError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + accepted.joined(separator: ", "))
    }

    /// 406 NotAcceptable listing the media types the server can produce.
    public static func notAcceptable(_ accepted: [String]) -> StatusError {
        StatusError(
            code: 406, reason: "NotAcceptable",
            message: "only the following media types are accepted: " + accepted.joined(separator: ", "))
    }

    /// 410 Expired with `message` as is (watch or list from a compacted RV, stale continue token).
    public static func expired(_ message: String) -> StatusError {
        StatusError(code: 410, reason: "Expired", message: message)
    }

    /// 410 Expired: `too old resource version: <requested> (<oldest>)`.
    public static func tooOldResourceVersion(requested: UInt64, oldest: UInt64) -> StatusError {
        expired("too old resource version: \(requested) (\(oldest))")
    }

    /// The apiserver's message for a continue token whose snapshot is compacted (etcd3
    /// storage's `continueExpired`; its longer `inconsistentContinue` wording goes only with
    /// a fresh continue token in the Status, which AKE does not send).
    public static let continueExpiredMessage =
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."

    /// 410 Expired for a continue token whose snapshot is compacted.
    public static func continueExpired() -> StatusError {
        expired(continueExpiredMessage)
    }

    /// 410 Gone with `message` as is.
    public static func gone(_ message: String) -> StatusError {
        StatusError(code: 410, reason: "Gone", message: message)
    }

    /// 504 Timeout: `Timeout: <message>`, with retryAfterSeconds.
    public static func timeout(_ message: String, retryAfter: Int = 0) -> StatusError {
        StatusError(
            code: 504, reason: "Timeout", message: "Timeout: \(message)",
            details: StatusDetails(retryAfterSeconds: retryAfter))
    }

    /// 504 Timeout for a resourceVersion the server has not reached yet
    /// (cause type `ResourceVersionTooLarge`, as storage's `NewTooLargeResourceVersionError`).
    public static func tooLargeResourceVersion(current: UInt64, requested: UInt64, retryAfter: Int = 1) -> StatusError {
        var e = timeout("Too large resource version: \(requested), current: \(current)", retryAfter: retryAfter)
        e.details?.causes = [StatusCause(reason: "ResourceVersionTooLarge", message: "Too large resource version")]
        return e
    }

    /// 500 ServerTimeout: `The <operation> operation against <resource> could not be completed at this time, please try again.`
    public static func serverTimeout(_ gr: (group: String, resource: String), operation: String, retryAfter: Int)
        -> StatusError
    {
        StatusError(
            code: 500, reason: "ServerTimeout",
            message:
                "The \(operation) operation against \(qualified(gr)) could not be completed at this time, please try again.",
            details: StatusDetails(name: operation, group: gr.group, kind: gr.resource, retryAfterSeconds: retryAfter))
    }

    /// 503 ServiceUnavailable; with `retryAfter`, details carry retryAfterSeconds
    /// (send the same number in a `Retry-After` header).
    public static func serviceUnavailable(_ message: String, retryAfter: Int? = nil) -> StatusError {
        StatusError(
            code: 503, reason: "ServiceUnavailable", message: message,
            details: retryAfter.map { StatusDetails(retryAfterSeconds: $0) })
    }

    /// 403 Forbidden: `pods "x" is forbidden: <reason>` (or without a name/resource).
    public static func forbidden(_ gr: (group: String, resource: String), name: String = "", reason: String)
        -> StatusError
    {
        let message: String
        if gr.group.isEmpty && gr.resource.isEmpty {
            message = "forbidden: \(reason)"
        } else if name.isEmpty {
            message = "\(qualified(gr)) is forbidden: \(reason)"
        } else {
            message = "\(qualified(gr)) \(goQuoted(name)) is forbidden: \(reason)"
        }
        return StatusError(
            code: 403, reason: "Forbidden", message: message,
            details: StatusDetails(name: name, group: gr.group, kind: gr.resource))
    }

    /// 401 Unauthorized (`not authorized` when no message is given).
    public static func unauthorized(_ message: String = "") -> StatusError {
        StatusError(code: 401, reason: "Unauthorized", message: message.isEmpty ? "not authorized" : message)
    }

    /// 429 TooManyRequests with retryAfterSeconds.
    public static func tooManyRequests(
        _ message: String = "Too many requests, please try again later.", retryAfter: Int
    ) -> StatusError {
        StatusError(
            code: 429, reason: "TooManyRequests", message: message,
            details: StatusDetails(retryAfterSeconds: retryAfter))
    }

    /// 413 RequestEntityTooLarge: `Request entity too large: <message>`.
    public static func requestEntityTooLarge(_ message: String) -> StatusError {
        StatusError(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: \(message)")
    }

    /// 405 MethodNotAllowed: `<action> is not supported on resources of kind "<resource>"`.
    public static func methodNotAllowed(_ gr: (group: String, resource: String), action: String) -> StatusError {
        StatusError(
            code: 405, reason: "MethodNotAllowed",
            message: "\(action) is not supported on resources of kind \(goQuoted(qualified(gr)))",
            details: StatusDetails(group: gr.group, kind: gr.resource))
    }

    /// 405 MethodNotAllowed with `message` as is.
    public static func methodNotAllowed(_ message: String) -> StatusError {
        StatusError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    /// 500 InternalError: `Internal error occurred: <message>` with the message as the cause.
    public static func internalError(_ message: String) -> StatusError {
        StatusError(
            code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
            details: StatusDetails(causes: [StatusCause(message: message)]))
    }

    /// The success Status a delete returns when the object is gone: no code, the
    /// resource (plural) as `kind`, as the generic registry's `finalizeDelete` writes it.
    public static func success(name: String, group: String = "", kind: String, uid: String = "") -> StatusError {
        StatusError(
            code: 0, reason: "", message: "", details: StatusDetails(name: name, group: group, kind: kind, uid: uid),
            status: "Success")
    }
}
