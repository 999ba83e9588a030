/// The options of a list or watch (`metav1.ListOptions`), typed: selectors parsed,
/// the resourceVersion a number. The one options value of the system — the front
/// parses a request's query into it, the Endpoint and the projections execute it, the
/// clientset builds it and renders it back into a query with ``queryItems``.
///
/// AKE's resourceVersions, like those of every etcd-backed kube-apiserver, are unsigned
/// integers; a client that reads another server's version parses it once
/// (``resourceVersion(parsing:)``) before it puts it here.
public struct ListOptions: Sendable, Hashable {
    /// Only objects whose labels match; `nil` = all.
    public var labelSelector: LabelSelector?
    /// Only objects whose selectable fields match; `nil` = all.
    public var fieldSelector: FieldSelector?
    /// Page size; `nil` or ≤ 0 = no limit.
    public var limit: Int?
    /// The `continue` token of the previous page.
    public var continueToken: String?
    /// `nil` = the latest state; `0` = any state the server holds; `N` = at least N
    /// (exactly N with ``ResourceVersionMatch/exact``); a watch sends the changes after N.
    public var resourceVersion: UInt64?
    /// How ``resourceVersion`` is matched by a list (and a watch-list).
    public var resourceVersionMatch: ResourceVersionMatch?
    /// Watch only: the server ends the stream after this many seconds.
    public var timeoutSeconds: Int64?
    /// Watch only: ask for BOOKMARK events.
    public var allowWatchBookmarks: Bool
    /// Watch only: watch-list (initial ADDED events, then a BOOKMARK marking their end).
    public var sendInitialEvents: Bool?

    /// Options; the defaults list (or watch) everything at the latest state.
    public init(
        labelSelector: LabelSelector? = nil, fieldSelector: FieldSelector? = nil, limit: Int? = nil,
        continueToken: String? = nil, resourceVersion: UInt64? = nil, resourceVersionMatch: ResourceVersionMatch? = nil,
        timeoutSeconds: Int64? = nil, allowWatchBookmarks: Bool = false, sendInitialEvents: Bool? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
        self.sendInitialEvents = sendInitialEvents
    }

    /// The page size to apply: `nil` for no limit.
    public var pageLimit: Int? { (limit ?? 0) > 0 ? limit : nil }

    /// The query parameters that carry these options (selectors in canonical form;
    /// unset and empty options left out, as client-go's parameter codec leaves them out).
    public var queryItems: [String: [String]] {
        var q: [String: [String]] = [:]
        if let labelSelector, !labelSelector.isEmpty { q["labelSelector"] = [labelSelector.description] }
        if let fieldSelector, !fieldSelector.isEmpty { q["fieldSelector"] = [fieldSelector.description] }
        if let limit = pageLimit { q["limit"] = [String(limit)] }
        if let continueToken, !continueToken.isEmpty { q["continue"] = [continueToken] }
        if let resourceVersion { q["resourceVersion"] = [String(resourceVersion)] }
        if let resourceVersionMatch { q["resourceVersionMatch"] = [resourceVersionMatch.rawValue] }
        if let timeoutSeconds { q["timeoutSeconds"] = [String(timeoutSeconds)] }
        if allowWatchBookmarks { q["allowWatchBookmarks"] = ["true"] }
        if let sendInitialEvents { q["sendInitialEvents"] = [sendInitialEvents ? "true" : "false"] }
        return q
    }

    /// A resourceVersion as a server sent it (`metadata.resourceVersion`, a list's or a
    /// bookmark's), parsed into the number ``resourceVersion`` carries: `nil` for the
    /// empty string (no version) and for text that is not an unsigned integer.
    public static func resourceVersion(parsing text: String?) -> UInt64? {
        guard let text, !text.isEmpty else { return nil }
        return UInt64(text)
    }
}
