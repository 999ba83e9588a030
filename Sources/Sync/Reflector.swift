/// One object as the upstream sent it, reduced to what the reflector needs.
public struct UpstreamObject: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var uid: String
    /// The cloud's `metadata.resourceVersion`.
    public var upstreamRV: String
    /// The object JSON as received (its resourceVersion is the cloud's).
    public var bytes: [UInt8]

    public init(namespace: String, name: String, uid: String, upstreamRV: String, bytes: [UInt8]) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.upstreamRV = upstreamRV
        self.bytes = bytes
    }

    /// `namespace/name`, the key ownership and diffs use.
    public var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
}

/// `namespace/name` of an object within one resource.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.namespace, a.name) < (b.namespace, b.name)
    }
    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}

/// One event of an upstream watch, decoded.
public enum UpstreamWatchEvent: Sendable, Hashable {
    case added(UpstreamObject)
    case modified(UpstreamObject)
    case deleted(UpstreamObject)
    /// A BOOKMARK: the stream has seen everything up to this upstream RV.
    case bookmark(upstreamRV: String)
    /// An ERROR event carrying a Status code (410 = resume point expired).
    case error(code: Int, message: String)

    /// The name of the object an added/modified/deleted event carries.
    var objectName: String? {
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): o.name
        case .bookmark, .error: nil
        }
    }
}

/// The reflector of one sync scope, as a plain state machine (no I/O, no clock):
/// `listing (pages) → apply diff → watching from the list RV → on end/error back off
/// with jitter and resume from the last upstream RV → on 410 relist and diff`.
///
/// The driver (`ScopeRunner`) performs each returned action and feeds the outcome back.
/// Relisting keeps the scope's objects in place: the diff against what the scope owns
/// turns a relist into a few ADDED/MODIFIED/DELETED for local clients.
public struct ReflectorStateMachine: Sendable {
    /// What the driver must do next.
    public enum Action: Sendable, Equatable {
        /// GET one list page (`continue` nil = first page) with `limit=pageSize`.
        case listPage(continueToken: String?)
        /// GET one page of the scope's list as metadata only (`PartialObjectMetadataList`,
        /// same selectors, `limit`, `continue`): the start of a relist that fetches only
        /// what changed. Feed the answer to `metadataPageReceived`, a full list answered
        /// instead to `metadataIgnored`, a failure to `metadataFailed`.
        case listMetadataPage(continueToken: String?)
        /// Diff these (namespace, name, uid, upstream RV) against what the scope owns, GET
        /// the changed and new objects, apply (removed + fetched, with `upstreamRV` as the
        /// scope's resume point) and call `listApplied()` — or, when fetching one by one
        /// would cost more than a list, call `metadataFallback()` for the full list.
        case applyMetadata(items: [UpstreamObjectMeta], upstreamRV: String)
        /// Replace what the scope owns by these objects (diff + append real changes),
        /// record `upstreamRV`, mark the scope synced, then call `listApplied()`.
        case applyList(objects: [UpstreamObject], upstreamRV: String)
        /// Open a watch from this upstream RV (allowWatchBookmarks=true).
        case watch(fromUpstreamRV: String)
        /// Apply one event, then record its RV (call nothing back).
        case apply(UpstreamWatchEvent)
        /// Record the upstream RV a bookmark reached.
        case recordBookmark(upstreamRV: String)
        /// Wait this long (already jittered and capped), then call `backoffElapsed()`.
        case backoff(Duration, reason: String)
        /// Nothing to do.
        case none
    }

    public enum State: Sendable, Equatable {
        case idle
        /// Listing; pages collected so far. `relist` = the scope had been synced before.
        case listing(collected: [UpstreamObject], relist: Bool)
        /// Relisting as metadata only; pages collected so far.
        case listingMetadata(collected: [UpstreamObjectMeta])
        case watching(upstreamRV: String)
        /// Waiting to retry; `resumeRV` nil = must (re)list.
        case backingOff(resumeRV: String?)
        case stopped
    }

    public private(set) var state: State = .idle
    /// Consecutive failures since the last success (drives the backoff).
    public private(set) var failures: Int = 0
    /// The newest upstream RV applied (list, event or bookmark); resume point.
    public private(set) var lastUpstreamRV: String
    /// Counters for metrics and tests.
    public private(set) var relists = 0
    public private(set) var resumes = 0
    /// Relists that fetched only the changed objects (a subset of `relists`).
    public private(set) var metadataRelists = 0

    public let initialBackoff: Duration
    public let maxBackoff: Duration
    /// Relist a scope synced before through a metadata-only list and GETs of what changed.
    /// Turned off for good when the upstream does not serve `PartialObjectMetadataList`.
    public private(set) var metadataRelist: Bool

    /// - Parameter resumeFrom: a persisted upstream RV of a scope that was synced
    ///   before a restart: the machine watches from it instead of listing.
    /// - Parameter metadataRelist: relist (after a 410) as a metadata-only list plus GETs
    ///   of the objects that changed, instead of the full list.
    public init(
        resumeFrom: String = "", initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(10),
        metadataRelist: Bool = false
    ) {
        self.metadataRelist = metadataRelist
        self.lastUpstreamRV = resumeFrom
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Starts: list, or resume the watch from a persisted RV.
    public mutating func start() -> Action {
        guard state == .idle else { return .none }
        if lastUpstreamRV.isEmpty {
            state = .listing(collected: [], relist: false)
            return .listPage(continueToken: nil)
        }
        resumes += 1
        state = .watching(upstreamRV: lastUpstreamRV)
        return .watch(fromUpstreamRV: lastUpstreamRV)
    }

    /// A list page arrived. `continueToken` non-empty = more pages follow.
    public mutating func listPageReceived(_ objects: [UpstreamObject], continueToken: String?, upstreamRV: String)
        -> Action
    {
        guard case .listing(var collected, let relist) = state else { return .none }
        collected.append(contentsOf: objects)
        if let token = continueToken, !token.isEmpty {
            state = .listing(collected: collected, relist: relist)
            return .listPage(continueToken: token)
        }
        state = .listing(collected: [], relist: relist)
        return .applyList(objects: collected, upstreamRV: upstreamRV)
    }

    /// The list was applied: watch from its RV.
    public mutating func listApplied(upstreamRV: String) -> Action {
        switch state {
        case .listing: break
        case .listingMetadata: metadataRelists += 1
        default: return .none
        }
        failures = 0
        lastUpstreamRV = upstreamRV
        state = .watching(upstreamRV: upstreamRV)
        return .watch(fromUpstreamRV: upstreamRV)
    }

    /// The list (a page or the apply) failed. A 410 on a continue token restarts the
    /// list from the first page; anything else backs off and lists again.
    public mutating func listFailed(code: Int?, message: String, jitter: Double) -> Action {
        if case .listingMetadata = state {
            return metadataFailed(code: code, message: message, jitter: jitter)
        }
        guard case .listing(_, let relist) = state else { return .none }
        if code == 410 {
            state = .listing(collected: [], relist: relist)
            return .listPage(continueToken: nil)
        }
        state = .backingOff(resumeRV: nil)
        return backoff(reason: message, jitter: jitter)
    }

    /// One watch event arrived.
    public mutating func watchEvent(_ event: UpstreamWatchEvent, jitter: Double) -> Action {
        guard case .watching = state else { return .none }
        switch event {
        case .added(let o), .modified(let o), .deleted(let o):
            failures = 0
            if !o.upstreamRV.isEmpty {
                lastUpstreamRV = o.upstreamRV
                state = .watching(upstreamRV: o.upstreamRV)
            }
            return .apply(event)
        case .bookmark(let rv):
            failures = 0
            lastUpstreamRV = rv
            state = .watching(upstreamRV: rv)
            return .recordBookmark(upstreamRV: rv)
        case .error(let code, let message):
            if code == 410 { return relist() }
            state = .backingOff(resumeRV: lastUpstreamRV)
            return backoff(reason: "watch error \(code): \(message)", jitter: jitter)
        }
    }

    /// The watch could not be opened, or its stream ended. `code` is the HTTP/Status
    /// code when the upstream answered (410 = resume point compacted away: relist);
    /// `clean` = the server closed the stream normally (timeoutSeconds reached): resume
    /// at once without counting a failure.
    public mutating func watchEnded(code: Int?, clean: Bool, message: String, jitter: Double) -> Action {
        guard case .watching = state else { return .none }
        if code == 410 { return relist() }
        if clean {
            resumes += 1
            return .watch(fromUpstreamRV: lastUpstreamRV)
        }
        state = .backingOff(resumeRV: lastUpstreamRV)
        return backoff(reason: message, jitter: jitter)
    }

    /// The backoff is over: resume the watch, or list again.
    public mutating func backoffElapsed() -> Action {
        guard case .backingOff(let resume) = state else { return .none }
        if let resume, !resume.isEmpty {
            resumes += 1
            state = .watching(upstreamRV: resume)
            return .watch(fromUpstreamRV: resume)
        }
        let relist = !lastUpstreamRV.isEmpty
        if relist {
            relists += 1
            if metadataRelist {
                state = .listingMetadata(collected: [])
                return .listMetadataPage(continueToken: nil)
            }
        }
        state = .listing(collected: [], relist: relist)
        return .listPage(continueToken: nil)
    }

    /// A page of the metadata-only list arrived. `continueToken` non-empty = more follow.
    public mutating func metadataPageReceived(
        _ items: [UpstreamObjectMeta], continueToken: String?, upstreamRV: String
    ) -> Action {
        guard case .listingMetadata(var collected) = state else { return .none }
        collected.append(contentsOf: items)
        if let token = continueToken, !token.isEmpty {
            state = .listingMetadata(collected: collected)
            return .listMetadataPage(continueToken: token)
        }
        state = .listingMetadata(collected: [])
        return .applyMetadata(items: collected, upstreamRV: upstreamRV)
    }

    /// The upstream answered the first metadata page with a full list page (it does not
    /// serve `PartialObjectMetadataList`, as an old or non-Kubernetes server may): that page
    /// starts the full relist, and this scope relists in full from now on.
    public mutating func metadataIgnored(_ page: [UpstreamObject], continueToken: String?, upstreamRV: String)
        -> Action
    {
        guard case .listingMetadata(let collected) = state else { return .none }
        metadataRelist = false
        guard collected.isEmpty else {
            // A later page in another form: start the list over.
            state = .listing(collected: [], relist: true)
            return .listPage(continueToken: nil)
        }
        state = .listing(collected: [], relist: true)
        return listPageReceived(page, continueToken: continueToken, upstreamRV: upstreamRV)
    }

    /// Fetching the changed objects one by one would cost more than a list (or could not be
    /// done safely): relist in full this time — and from now on when `disable` (the upstream
    /// refused a GET the metadata relist needs).
    public mutating func metadataFallback(disable: Bool = false) -> Action {
        guard case .listingMetadata = state else { return .none }
        if disable { metadataRelist = false }
        state = .listing(collected: [], relist: true)
        return .listPage(continueToken: nil)
    }

    /// The metadata list, a GET of a changed object, or the apply failed. 406 / 415 / 400
    /// (the upstream refuses the metadata form) relists in full, and in full from now on; a
    /// 410 on a continue token starts the metadata list over; anything else backs off and
    /// relists again.
    public mutating func metadataFailed(code: Int?, message: String, jitter: Double) -> Action {
        guard case .listingMetadata = state else { return .none }
        switch code {
        case 406, 415, 400:
            metadataRelist = false
            state = .listing(collected: [], relist: true)
            return .listPage(continueToken: nil)
        case 410:
            state = .listingMetadata(collected: [])
            return .listMetadataPage(continueToken: nil)
        default:
            state = .backingOff(resumeRV: nil)
            return backoff(reason: message, jitter: jitter)
        }
    }

    /// Stops for good (scope expired or shutdown).
    public mutating func stop() { state = .stopped }

    private mutating func relist() -> Action {
        relists += 1
        if metadataRelist {
            state = .listingMetadata(collected: [])
            return .listMetadataPage(continueToken: nil)
        }
        state = .listing(collected: [], relist: true)
        return .listPage(continueToken: nil)
    }

    /// Exponential backoff: initial × 2^(failures-1), capped, times a jitter factor in
    /// [1, 1.5) (`jitter` in [0, 1) comes from the driver so tests are deterministic).
    private mutating func backoff(reason: String, jitter: Double) -> Action {
        failures += 1
        let exponent = min(failures - 1, 30)
        var delay = initialBackoff * Double(1 << min(exponent, 20))
        if delay > maxBackoff { delay = maxBackoff }
        let factor = 1 + max(0, min(jitter, 0.999)) * 0.5
        return .backoff(delay * factor, reason: reason)
    }
}

/// The diff of a (re)list against what a scope owns: only real changes are appended.
public struct ScopeDiff: Sendable, Equatable {
    public var added: [UpstreamObject] = []
    public var modified: [UpstreamObject] = []
    /// Keys the scope owned that the list no longer has.
    public var removed: [ObjectKey] = []
    public var unchanged = 0

    public init() {}

    /// `owned` maps each key the scope owns to the upstream RV stored at the edge.
    public static func compute(owned: [ObjectKey: String], listed: [UpstreamObject]) -> ScopeDiff {
        var diff = ScopeDiff()
        var seen = Set<ObjectKey>()
        for object in listed {
            let key = object.key
            seen.insert(key)
            if let rv = owned[key] {
                if rv == object.upstreamRV { diff.unchanged += 1 } else { diff.modified.append(object) }
            } else {
                diff.added.append(object)
            }
        }
        diff.removed = owned.keys.filter { !seen.contains($0) }.sorted()
        return diff
    }
}
