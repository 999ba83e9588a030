import KubeModel

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
