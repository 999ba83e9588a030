/// Tuning of edge mode (`ake serve --upstream`).
public struct EdgeSyncOptions: Sendable {
    /// Scopes to create and keep at start (`--sync`), never expired.
    public var preload: [ScopeSelector]
    /// How long an uncovered request waits for its new scope's first sync (then 504).
    public var firstSyncTimeout: Duration
    /// How often the link is probed (`/version`) while no upstream watch proves it.
    public var probeInterval: Duration
    /// While an open watch delivers events or bookmarks (those prove the link), the probe
    /// runs only after this long without any byte from upstream: a busy link carries no
    /// probes, an idle one a few bytes a second, and a silent cut is noticed about this
    /// long after the last byte.
    public var quietProbeInterval: Duration
    /// A watch that delivered nothing (not even a bookmark) for this long is restarted.
    public var watchIdleTimeout: Duration
    /// `timeoutSeconds` of each upstream watch (the server ends it; the reflector resumes).
    public var watchTimeoutSeconds: Int
    /// Scopes not used by any request for this long are dropped (nil = never).
    public var scopeExpiry: Duration?
    /// `limit` of each upstream list page.
    public var pageSize: Int
    /// After a 410 (a cut longer than the upstream's watch history), relist a scope through
    /// a metadata-only list and GETs of the objects that changed, instead of a full list
    /// (which it falls back to when most objects changed or the upstream cannot).
    public var metadataRelist: Bool
    /// Reflector backoff bounds.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// How often discovery and OpenAPI are refreshed in full from upstream (the safety
    /// net; CRD changes and misses refresh the groups concerned at once).
    public var discoveryInterval: Duration
    /// Keep a pinned sync scope on CustomResourceDefinitions and refresh the discovery
    /// of a group as soon as one of its CRDs changes upstream.
    public var followAPIChanges: Bool
    /// Seconds clients are told to wait (`Retry-After`) when the link is down.
    public var retryAfterSeconds: Int
    /// Which writes are accepted offline (`--write-policy`, `--write-policy-file`).
    public var writePolicy: WritePolicy
    /// How long a forwarded write waits for the cloud's answer (`--write-timeout`); then a
    /// `pending`-policy write is accepted locally and a `forward`-policy one answers 503.
    public var writeTimeout: Duration

    public init(
        preload: [ScopeSelector] = [], firstSyncTimeout: Duration = .seconds(20), probeInterval: Duration = .seconds(1),
        watchIdleTimeout: Duration = .seconds(90), watchTimeoutSeconds: Int = 300,
        scopeExpiry: Duration? = .seconds(3600),
        pageSize: Int = 500, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(5),
        discoveryInterval: Duration = .seconds(300), retryAfterSeconds: Int = 5, followAPIChanges: Bool = true,
        quietProbeInterval: Duration = .seconds(15), writePolicy: WritePolicy = WritePolicy(),
        writeTimeout: Duration = .seconds(5), metadataRelist: Bool = true
    ) {
        self.metadataRelist = metadataRelist
        self.quietProbeInterval = quietProbeInterval
        self.followAPIChanges = followAPIChanges
        self.writePolicy = writePolicy
        self.writeTimeout = writeTimeout
        self.preload = preload
        self.firstSyncTimeout = firstSyncTimeout
        self.probeInterval = probeInterval
        self.watchIdleTimeout = watchIdleTimeout
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.scopeExpiry = scopeExpiry
        self.pageSize = pageSize
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.discoveryInterval = discoveryInterval
        self.retryAfterSeconds = retryAfterSeconds
    }
}
