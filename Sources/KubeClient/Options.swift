import KubeModel

/// Options of list and watch (the apiserver's ListOptions).
public struct ListOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    /// nil: most recent; "0": any cached state; "N": at least N (or exactly N with `.exact`).
    public var resourceVersion: String?
    public var resourceVersionMatch: ResourceVersionMatch?
    /// Watch only: server-side bound on the stream.
    public var timeoutSeconds: Int?
    /// Watch only: ask for BOOKMARK events.
    public var allowWatchBookmarks: Bool
    /// Watch only: watch-list (initial ADDED events, then a BOOKMARK marking their end).
    public var sendInitialEvents: Bool?

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil, resourceVersionMatch: ResourceVersionMatch? = nil,
        timeoutSeconds: Int? = nil, allowWatchBookmarks: Bool = false, sendInitialEvents: Bool? = nil
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

    var query: [String: [String]] {
        var q: [String: [String]] = [:]
        if let labelSelector, !labelSelector.isEmpty { q["labelSelector"] = [labelSelector] }
        if let fieldSelector, !fieldSelector.isEmpty { q["fieldSelector"] = [fieldSelector] }
        if let limit, limit > 0 { q["limit"] = [String(limit)] }
        if let continueToken, !continueToken.isEmpty { q["continue"] = [continueToken] }
        if let resourceVersion { q["resourceVersion"] = [resourceVersion] }
        if let resourceVersionMatch { q["resourceVersionMatch"] = [resourceVersionMatch.rawValue] }
        if let timeoutSeconds { q["timeoutSeconds"] = [String(timeoutSeconds)] }
        if allowWatchBookmarks { q["allowWatchBookmarks"] = ["true"] }
        if let sendInitialEvents { q["sendInitialEvents"] = [sendInitialEvents ? "true" : "false"] }
        return q
    }
}

/// Options of delete and deletecollection (the apiserver's DeleteOptions).
public struct DeleteOptions: Sendable {
    public var gracePeriodSeconds: Int?
    public var propagationPolicy: PropagationPolicy?
    /// Delete only if the object still has this uid.
    public var preconditionUID: String?
    /// Delete only if the object is still at this resourceVersion.
    public var preconditionResourceVersion: String?
    public var dryRun: Bool

    public init(
        gracePeriodSeconds: Int? = nil, propagationPolicy: PropagationPolicy? = nil, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, dryRun: Bool = false
    ) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.dryRun = dryRun
    }

    var query: [String: [String]] {
        var q: [String: [String]] = [:]
        if let gracePeriodSeconds { q["gracePeriodSeconds"] = [String(gracePeriodSeconds)] }
        if let propagationPolicy { q["propagationPolicy"] = [propagationPolicy.rawValue] }
        if dryRun { q["dryRun"] = ["All"] }
        return q
    }

    /// The DeleteOptions body (carries the preconditions, which have no query form).
    var body: [UInt8]? {
        guard preconditionUID != nil || preconditionResourceVersion != nil else { return nil }
        var pre: [String] = []
        if let u = preconditionUID { pre.append("\"uid\":\"\(u)\"") }
        if let r = preconditionResourceVersion { pre.append("\"resourceVersion\":\"\(r)\"") }
        return Array(
            "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\(pre.joined(separator: ","))}}".utf8)
    }
}

/// The patch formats the API accepts.
public enum PatchType: String, Sendable {
    /// RFC 6902.
    case json = "application/json-patch+json"
    /// RFC 7386.
    case merge = "application/merge-patch+json"
    /// Kubernetes strategic merge (built-in types only).
    case strategic = "application/strategic-merge-patch+json"
    /// Server-side apply.
    case apply = "application/apply-patch+yaml"
}
