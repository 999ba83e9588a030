/// The classification helpers of k8s.io/apimachinery `pkg/api/errors` (`IsNotFound`,
/// `IsConflict`, …): what a client asks of an error it got back from a server.
///
/// As there, a well-known reason decides; the HTTP code decides only when the reason
/// is empty or one this package does not know (a proxy's bare 404, a server that sent
/// no `Status` body).
extension StatusError {
    /// The reasons `metav1` defines; any other reason falls back to the code.
    static let knownReasons: Set<String> = [
        "Unauthorized", "Forbidden", "NotFound", "AlreadyExists", "Conflict", "Gone", "Invalid", "ServerTimeout",
        "StoreReadError", "Timeout", "TooManyRequests", "BadRequest", "MethodNotAllowed", "NotAcceptable",
        "RequestEntityTooLarge", "UnsupportedMediaType", "InternalError", "Expired", "ServiceUnavailable",
    ]

    private func matches(_ wanted: String, code fallback: Int?) -> Bool {
        if reason == wanted { return true }
        guard let fallback, !Self.knownReasons.contains(reason) else { return false }
        return code == fallback
    }

    /// 404 `NotFound`.
    public var isNotFound: Bool { matches("NotFound", code: 404) }
    /// 409 `AlreadyExists` (a create of a name in use).
    public var isAlreadyExists: Bool { matches("AlreadyExists", code: nil) }
    /// 409 `Conflict` (a stale resourceVersion or a failed precondition).
    public var isConflict: Bool { matches("Conflict", code: 409) }
    /// 422 `Invalid`.
    public var isInvalid: Bool { matches("Invalid", code: 422) }
    /// 410 `Gone`.
    public var isGone: Bool { matches("Gone", code: 410) }
    /// 410 `Expired`: the resourceVersion or continue token asked for has been compacted.
    public var isResourceExpired: Bool { matches("Expired", code: nil) }
    /// What makes an informer relist (client-go's reflector: `IsResourceExpired || IsGone`).
    public var requiresRelist: Bool { isResourceExpired || isGone }
}
