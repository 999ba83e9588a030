/// The Kubernetes verbs the endpoint answers.
public enum APIVerb: String, Sendable, Hashable, CaseIterable {
    case get, list, watch, create, update, patch, delete, deletecollection

    /// Whether the verb changes state (and so accepts `dryRun`).
    public var isWrite: Bool {
        switch self {
        case .get, .list, .watch: false
        case .create, .update, .patch, .delete, .deletecollection: true
        }
    }

}

/// One Kubernetes API request, independent of the transport that carries it.
///
/// The one request value of the system: APIFront parses an HTTP request into it, the
/// Endpoint executes it, KubeClient's clientset builds it (and sends it in-process or
/// over HTTP) and an edge forwards a write upstream as it is. The endpoint validates
/// everything in it (names, query options, body).
public struct APIRequest: Sendable {
    public var verb: APIVerb
    public var resource: GroupVersionResource
    /// The namespace from the path; `nil` for cluster-scoped resources or an all-namespaces list/watch.
    public var namespace: String?
    /// The object name from the path, if any.
    public var name: String?
    /// The subresource from the path (`status`, `scale`, ...), if any.
    public var subresource: String?
    /// Raw query parameters as sent (labelSelector, fieldSelector, resourceVersion,
    /// resourceVersionMatch, limit, continue, timeoutSeconds, allowWatchBookmarks,
    /// sendInitialEvents, dryRun, fieldManager, fieldValidation, force,
    /// gracePeriodSeconds, propagationPolicy, pretty, ...). The endpoint validates them.
    /// A `watch` verb needs no `watch` parameter: the verb says it.
    public var query: [String: [String]]
    /// The request body (JSON, or YAML for server-side apply); size already limited by the front.
    public var body: [UInt8]?
    /// The body's media type; selects the patch type for `patch`.
    public var contentType: String?
    /// Who sent the request (user agent or user); recorded as the event origin.
    public var client: String
    /// The authenticated user, when the front authenticated the request (nil for
    /// in-process callers and a front without authentication).
    public var user: UserInfo?
    /// Whether the caller can write a large List body in pieces as it is read
    /// (``APIResponse/stream``). Only a transport that writes to a socket sets it; every
    /// other caller gets the body in ``APIResponse/body`` as always.
    public var acceptsStreamedList = false

    public init(
        verb: APIVerb, resource: GroupVersionResource, namespace: String? = nil, name: String? = nil,
        subresource: String? = nil, query: [String: [String]] = [:], body: [UInt8]? = nil,
        contentType: String? = nil, client: String = "unknown", user: UserInfo? = nil
    ) {
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.query = query
        self.body = body
        self.contentType = contentType
        self.client = client
        self.user = user
    }

    /// The request's path below the server URL (`/api/v1/namespaces/ns/pods/x/status`).
    public var path: String {
        Kubeconfig.path(resource, namespace: namespace, name: name, subresource: subresource)
    }

    /// The query as sent over HTTP: a watch carries `watch=true`.
    public var wireQuery: [String: [String]] {
        guard verb == .watch else { return query }
        var q = query
        q["watch"] = ["true"]
        return q
    }

    /// Whether the request asks for a dry run (`dryRun` present).
    public var isDryRun: Bool { !(query["dryRun"]?.isEmpty ?? true) }
}

/// A complete (non-streaming) answer: a status code and a JSON body.
public struct APIResponse: Sendable {
    /// HTTP-style status code: 200, 201, 404, ...
    public var code: Int
    /// JSON bytes: an object, a List, or a `Status`.
    public var body: [UInt8]
    /// Warnings for the client (sent as `Warning: 299 - "..."` headers).
    public var warnings: [String]
    /// A 200 List too large for one piece, to a request with
    /// ``APIRequest/acceptsStreamedList``: the body comes from this stream and `body` is empty.
    public var stream: APIBodyStream?

    public init(code: Int, body: [UInt8], warnings: [String] = []) {
        self.code = code
        self.body = body
        self.warnings = warnings
    }

    /// A 200 answer whose body follows in pieces.
    public init(streaming stream: APIBodyStream) {
        self.code = 200
        self.body = []
        self.warnings = []
        self.stream = stream
    }
}

/// How a list's `resourceVersion` is interpreted (`resourceVersionMatch`).
public enum ResourceVersionMatch: String, Sendable, Hashable {
    /// At least the given version (the default).
    case notOlderThan = "NotOlderThan"
    /// Exactly the given version.
    case exact = "Exact"
}

/// How dependents of a deleted object are treated (`propagationPolicy` of DeleteOptions).
public enum PropagationPolicy: String, Sendable, Hashable {
    case orphan = "Orphan"
    case background = "Background"
    case foreground = "Foreground"
}

/// How kube-apiserver reads query parameters (apimachinery's `runtime` conversions,
/// which its parameter codec and request-info resolution both use).
public enum QueryParameter {
    /// `Convert_Slice_string_To_bool`: absent is false; the first value `0` or
    /// (any case) `false` is false; anything else — `true`, `True`, `1`, `yes` and
    /// the empty value of a bare `?watch` — is true.
    public static func bool(_ values: [String]?) -> Bool {
        guard let first = values?.first else { return false }
        return !(first == "0" || first.lowercased() == "false")
    }

    /// `strconv.ParseInt` of the first value; nil when absent or empty. Throws the
    /// apiserver's 400 for anything that is not a decimal 64-bit integer.
    public static func int64(_ value: String?) throws(StatusError) -> Int64? {
        guard let value, !value.isEmpty else { return nil }
        guard let v = Int64(value) else {
            throw StatusError.badRequest("strconv.ParseInt: parsing \(goQuoted(value)): invalid syntax")
        }
        return v
    }
}
