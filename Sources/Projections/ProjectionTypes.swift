import EventLog
import KubeModel
import Synchronization

/// The current version of an object as stored.
public struct StoredObject: Sendable, Hashable {
    /// The resource the object belongs to.
    public var resource: GroupVersionResource
    /// `""` for cluster-scoped objects.
    public var namespace: String
    /// `metadata.name`.
    public var name: String
    /// `metadata.uid`.
    public var uid: String
    /// Equals `metadata.resourceVersion` inside `bytes`.
    public var rv: ResourceVersion
    /// The cloud's resourceVersion of this version; empty when none.
    public var upstreamRV: String
    /// The object JSON exactly as served.
    public var bytes: [UInt8]

    /// A stored object; see the member docs.
    public init(
        resource: GroupVersionResource, namespace: String, name: String, uid: String, rv: ResourceVersion,
        upstreamRV: String, bytes: [UInt8]
    ) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.rv = rv
        self.upstreamRV = upstreamRV
        self.bytes = bytes
    }

    /// Parses `bytes`.
    public func json() throws -> JSONValue { try JSONValue(parsing: bytes) }
}

/// One page of a list.
public struct ListResult: Sendable {
    /// The snapshot RV every page of this list is read at.
    public var resourceVersion: ResourceVersion
    /// Object JSON in namespace/name order.
    public var items: [[UInt8]]
    /// The token for the next page; `nil` on the last page.
    public var continueToken: String?
    /// How many more objects match after this page, when known without reading them.
    public var remainingItemCount: Int?

    /// One page.
    public init(
        resourceVersion: ResourceVersion, items: [[UInt8]], continueToken: String? = nil,
        remainingItemCount: Int? = nil
    ) {
        self.resourceVersion = resourceVersion
        self.items = items
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }
}

/// Options of a watch.
public struct WatchOptions: Sendable {
    /// `nil` = all namespaces.
    public var namespace: String?
    /// A `metadata.name` field selector shortcut.
    public var name: String?
    /// Only objects whose labels match; an object whose labels stop (start) matching is sent as DELETED (ADDED).
    public var labelSelector: LabelSelector?
    /// Only objects whose selectable fields match; entering and leaving as for labels.
    public var fieldSelector: FieldSelector?
    /// `nil`/`0` = synthetic ADDED for the current state first; `N` = events after N.
    public var resourceVersion: ResourceVersion?
    /// Watch-list: initial ADDED events sorted by namespace/name, then an initial-events-end BOOKMARK.
    public var sendInitialEvents: Bool?
    /// Send BOOKMARK events (`allowWatchBookmarks`).
    public var allowBookmarks: Bool
    /// `nil` → server default 1800 s × random[1, 2).
    public var timeout: Duration?
    /// How often a BOOKMARK is sent when `allowBookmarks` (default 60 s).
    public var bookmarkInterval: Duration

    /// Watch options; the defaults watch everything from the current state, without bookmarks.
    public init(
        namespace: String? = nil, name: String? = nil, labelSelector: LabelSelector? = nil,
        fieldSelector: FieldSelector? = nil, resourceVersion: ResourceVersion? = nil, sendInitialEvents: Bool? = nil,
        allowBookmarks: Bool = false, timeout: Duration? = nil, bookmarkInterval: Duration = .seconds(60)
    ) {
        self.namespace = namespace
        self.name = name
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.sendInitialEvents = sendInitialEvents
        self.allowBookmarks = allowBookmarks
        self.timeout = timeout
        self.bookmarkInterval = bookmarkInterval
    }

    /// The cursor for a watch request: its ``ListOptions`` (selectors, resourceVersion,
    /// watch-list, bookmarks, `timeoutSeconds`) on `namespace` (and one object's `name`).
    /// `timeoutSeconds` 0 (or none) is the server default; kube-apiserver does not validate
    /// it, so a negative value becomes a timer that fires at once and the watch ends
    /// immediately (200, no events) — here too.
    public init(
        namespace: String?, name: String? = nil, _ options: ListOptions, bookmarkInterval: Duration = .seconds(60)
    ) {
        self.init(
            namespace: namespace, name: name, labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector, resourceVersion: options.resourceVersion,
            sendInitialEvents: options.sendInitialEvents, allowBookmarks: options.allowWatchBookmarks,
            timeout: options.timeoutSeconds.flatMap { $0 == 0 ? nil : .seconds(max($0, 0)) },
            bookmarkInterval: bookmarkInterval)
    }
}

/// The `type` of a watch event as it goes on the wire.
public enum WatchEventType: String, Sendable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}

/// One event of a watch stream.
public struct WatchEvent: Sendable {
    /// ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
    public var type: WatchEventType
    /// The RV of the event (for a BOOKMARK: the RV the watcher has seen everything up to; 0 for ERROR).
    public var rv: ResourceVersion
    /// Object JSON; for BOOKMARK only kind, apiVersion and metadata.resourceVersion; for ERROR a Status.
    public var object: [UInt8]
    /// The encodings of this very event shared by every watcher it is delivered to (a live
    /// change fanned out by the hub); `nil` for an event only one watcher sees (initial state,
    /// a log catch-up, a bookmark). A transport that changes `type` or `object` must drop it.
    public var frames: SharedFrames?

    /// An event.
    public init(type: WatchEventType, rv: ResourceVersion, object: [UInt8], frames: SharedFrames? = nil) {
        self.type = type
        self.rv = rv
        self.object = object
        self.frames = frames
    }
}

/// Encoded forms of one watch event, made once and shared by all its watchers: the first
/// watcher that needs an encoding (JSON line, Table row, protobuf frame — any key the
/// transport chooses) makes it, the others reuse the same bytes. Holds one value per key;
/// thread-safe.
public final class SharedFrames: Sendable {
    private let frames = Mutex<[(key: String, value: any Sendable)]>([])

    /// An empty cache.
    public init() {}

    /// The value stored under `key`, made by `make` (once, under the lock) if there is none
    /// yet. `key` must name everything the encoding depends on besides the event itself.
    public func frame<Value: Sendable>(_ key: String, make: () -> Value) -> Value {
        frames.withLock { frames in
            for entry in frames where entry.key == key {
                if let value = entry.value as? Value { return value }
            }
            let value = make()
            frames.append((key, value))
            return value
        }
    }

    /// How many encodings were made (tests).
    public var count: Int { frames.withLock { $0.count } }
}

/// Who made a write (the log's `EventOrigin`), named here so that the layers above (the
/// Endpoint) write through the store without reaching into the log.
public typealias WriteOrigin = EventOrigin

/// What a write does to an object (the log's `EventType`: added, modified, deleted),
/// named here for the same reason as ``WriteOrigin``.
public typealias ChangeType = EventType

/// The lifecycle state a write records (the log's `EventState`: committed, or pending
/// for an edge's offline write), named here for the same reason as ``WriteOrigin``.
public typealias WriteState = EventState

extension StatusError {
    /// The Status for a storage failure a client's request caused — a read below the
    /// log's compaction horizon is 410 Expired — or nil for a failure the client did
    /// not cause (the caller answers those with an internal error).
    public static func storage(_ error: any Error) -> StatusError? {
        if let status = error as? StatusError { return status }
        if let logError = error as? EventLogError {
            switch logError {
            case .belowHorizon(let requested, let horizon):
                return tooOldResourceVersion(requested: requested, oldest: horizon)
            case .quotaExceeded, .mapFull:
                return insufficientStorage()
            default:
                return nil
            }
        }
        return nil
    }

    /// 507 Insufficient Storage: the database reached its disk quota (`--max-db-size`).
    /// Reads keep working; writes are taken again once compaction (or deletions) free space.
    /// The apiserver has no reason for this code (etcd's NOSPACE alarm surfaces as a 500),
    /// so the reason names the HTTP status, as `StatusReason`s do.
    public static func insufficientStorage() -> StatusError {
        StatusError(
            code: 507, reason: "InsufficientStorage",
            message: "the server's database has reached its disk quota (--max-db-size); only deletions are accepted",
            details: StatusDetails(retryAfterSeconds: 10))
    }
}
