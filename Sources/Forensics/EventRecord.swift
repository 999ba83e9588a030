import EventLog
import KubeModel

/// One event as the forensic tools see it: the log's fields with the resource
/// resolved to its GVR, and the object bytes (absent when only headers were read).
public struct EventRecord: Sendable, Hashable {
    public var rv: ResourceVersion
    /// Commit time, microseconds since the Unix epoch.
    public var time: UInt64
    public var type: EventType
    /// The resource; `nil` when the log holds an id this build cannot name.
    public var resource: GroupVersionResource?
    /// The interned storage key (`/v1/pods`), or `#<id>` when unknown.
    public var storageKey: String
    public var namespace: String
    public var name: String
    public var uid: String
    public var origin: EventOrigin
    public var upstreamRV: String
    public var state: EventState
    public var previousRV: ResourceVersion
    /// Size of the stored object JSON in bytes.
    public var size: Int
    /// The object JSON (for DELETED: as it was when deleted); empty if not loaded.
    public var object: [UInt8]

    public init(
        rv: ResourceVersion, time: UInt64, type: EventType, storageKey: String, namespace: String, name: String,
        uid: String = "", origin: EventOrigin, upstreamRV: String = "", state: EventState = .committed,
        previousRV: ResourceVersion = 0, size: Int? = nil, object: [UInt8] = []
    ) {
        self.rv = rv
        self.time = time
        self.type = type
        self.storageKey = storageKey
        self.resource = GroupVersionResource(storageKey: storageKey)
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.origin = origin
        self.upstreamRV = upstreamRV
        self.state = state
        self.previousRV = previousRV
        self.size = size ?? object.count
        self.object = object
    }

    /// Builds a record from an owned log event; `storageKey` names its resource id.
    public init(_ event: LogEvent, storageKey: String) {
        self.init(
            rv: event.rv, time: event.time, type: event.type, storageKey: storageKey, namespace: event.namespace,
            name: event.name, uid: event.uid, origin: event.origin, upstreamRV: event.upstreamRV,
            state: event.state, previousRV: event.previousRV, object: event.object)
    }

    /// `pods` or `deployments.apps`: the name kubectl users type.
    public var resourceName: String { resource.map(ForensicNames.resourceName) ?? storageKey }

    /// `namespace/name`, or just `name` for cluster-scoped objects.
    public var objectKey: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    /// Whether this event belongs to a core/v1 Secret (its data must be redacted).
    public var isSecret: Bool { resource.map(SecretRedactor.isSecretResource) ?? false }
}

/// Human names for the log's enums, shared by every output format.
public enum ForensicNames {
    /// `ADDED`, `MODIFIED`, `DELETED` — the watch event names.
    public static func typeName(_ type: EventType) -> String {
        switch type {
        case .added: "ADDED"
        case .modified: "MODIFIED"
        case .deleted: "DELETED"
        }
    }

    /// Parses a `--type` value (case-insensitive).
    public static func eventType(_ text: String) -> EventType? {
        switch text.uppercased() {
        case "ADDED", "ADD", "CREATED": .added
        case "MODIFIED", "MODIFY", "UPDATED": .modified
        case "DELETED", "DELETE": .deleted
        default: nil
        }
    }

    /// `upstream:<scope>`, `local:<client>`, `reconciler` or `system`.
    public static func originName(_ origin: EventOrigin) -> String {
        switch origin {
        case .upstream(let scope): "upstream:\(scope)"
        case .local(let client): client.isEmpty ? "local" : "local:\(client)"
        case .reconciler: "reconciler"
        case .system: "system"
        }
    }

    /// The coarse origin kind used for grouping in `ake log stats`.
    public static func originKind(_ origin: EventOrigin) -> String {
        switch origin {
        case .upstream: "upstream"
        case .local: "local"
        case .reconciler: "reconciler"
        case .system: "system"
        }
    }

    /// What an event means for an edge's offline writes: `pending` (accepted offline,
    /// not yet in the cloud), `reconciled` (the reconciler took the cloud's version after
    /// uploading), `conflicted` (the edge's change lost to the cloud's); "" for the rest.
    public static func lifecycle(_ origin: EventOrigin, _ state: EventState) -> String {
        if state.contains(.pending) { return "pending" }
        guard origin == .reconciler else { return "" }
        return state.contains(.conflicted) ? "conflicted" : "reconciled"
    }

    /// `ORIGIN` of the event table: the origin, with the offline-write lifecycle in
    /// parentheses when there is one (`local:kubelet (pending)`, `reconciler (conflicted)`).
    public static func originColumn(_ origin: EventOrigin, _ state: EventState) -> String {
        let lifecycle = lifecycle(origin, state)
        return lifecycle.isEmpty ? originName(origin) : "\(originName(origin)) (\(lifecycle))"
    }

    /// `committed`, `pending`, `pending,conflicted`, ...
    public static func stateName(_ state: EventState) -> String {
        var parts: [String] = []
        if state.contains(.committed) { parts.append("committed") }
        if state.contains(.pending) { parts.append("pending") }
        if state.contains(.conflicted) { parts.append("conflicted") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    /// `pods` for the core group, `deployments.apps` otherwise.
    public static func resourceName(_ gvr: GroupVersionResource) -> String {
        gvr.group.isEmpty ? gvr.resource : "\(gvr.resource).\(gvr.group)"
    }
}
