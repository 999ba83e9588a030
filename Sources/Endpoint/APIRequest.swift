import KubeModel

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

/// One Kubernetes API request, independent of the transport that carried it.
///
/// APIFront builds it from an HTTP request; KubeClient builds it in-process.
/// The endpoint validates everything in it (names, query options, body).
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
    public var query: [String: [String]]
    /// The request body (JSON, or YAML for server-side apply); size already limited by the front.
    public var body: [UInt8]?
    /// The body's media type; selects the patch type for `patch`.
    public var contentType: String?
    /// Who sent the request (user agent or user); recorded as the event origin.
    public var client: String

    public init(
        verb: APIVerb, resource: GroupVersionResource, namespace: String? = nil, name: String? = nil,
        subresource: String? = nil, query: [String: [String]] = [:], body: [UInt8]? = nil,
        contentType: String? = nil, client: String = "unknown"
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
    }
}
