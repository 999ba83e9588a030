// CONTRACT (to be replaced by the real implementation; the public signatures here are
// what Projections codes against — keep them, add to them, don't break them).
import Logging

/// AKE's resource version: strictly increasing, gapless, assigned by the log.
public typealias ResourceVersion = UInt64

/// A small integer naming an interned resource (`GroupVersionResource.storageKey`).
public typealias ResourceID = UInt32

/// What an event did to its object.
public enum EventType: UInt8, Sendable, Hashable {
    case added = 1
    case modified = 2
    case deleted = 3
}

/// Who caused an event.
public enum EventOrigin: Sendable, Hashable {
    /// A client of this AKE (the string identifies it, e.g. user agent or user).
    case local(client: String)
    /// Synced down from the cloud by the sync scope with this id.
    case upstream(scope: UInt32)
    /// The pending-write reconciler.
    case reconciler
    /// AKE itself (bootstrap objects, garbage collection, namespace cleanup).
    case system
}

/// Lifecycle state of an event (offline writes are `pending` until reconciled).
public struct EventState: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let committed = EventState(rawValue: 1)
    public static let pending = EventState(rawValue: 2)
    public static let conflicted = EventState(rawValue: 4)
}

/// An event to append. The log assigns its RV and time.
public struct NewEvent: Sendable {
    public var type: EventType
    public var resource: ResourceID
    public var namespace: String
    public var name: String
    public var uid: String
    public var origin: EventOrigin
    /// The cloud's resourceVersion of this object version; empty when none.
    public var upstreamRV: String
    public var state: EventState
    /// RV of the previous event of the same object; 0 when none.
    public var previousRV: ResourceVersion
    /// The object's JSON bytes (for DELETED: the object as it was when deleted).
    public var object: [UInt8]

    public init(
        type: EventType, resource: ResourceID, namespace: String, name: String, uid: String,
        origin: EventOrigin, upstreamRV: String = "", state: EventState = .committed,
        previousRV: ResourceVersion = 0, object: [UInt8]
    ) {
        self.type = type
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.origin = origin
        self.upstreamRV = upstreamRV
        self.state = state
        self.previousRV = previousRV
        self.object = object
    }
}

/// An owned copy of a stored event.
public struct LogEvent: Sendable, Hashable {
    public var rv: ResourceVersion
    /// Commit time, microseconds since the Unix epoch.
    public var time: UInt64
    public var type: EventType
    public var resource: ResourceID
    public var namespace: String
    public var name: String
    public var uid: String
    public var origin: EventOrigin
    public var upstreamRV: String
    public var state: EventState
    public var previousRV: ResourceVersion
    public var object: [UInt8]
}

/// Errors of the event log.
public enum EventLogError: Error, Sendable, Equatable {
    /// A read asked for events below the compaction horizon (the API maps this to 410 Expired).
    case belowHorizon(requested: ResourceVersion, horizon: ResourceVersion)
    case notImplemented
}
