import KubeModel
import Synchronization

/// Which sync scopes own which objects at the edge. An object leaves the edge (a
/// DELETED event) only when no scope owns it any more.
///
/// Kept in memory and exact while running; at start it is derived from the stored
/// objects (a scope owns the stored objects its selector matches), which is what the
/// scopes' last lists and events left behind. Every operation is idempotent, so a
/// write body that runs twice (EventLog may retry after growing the map) is harmless.
public final class ScopeOwnership: Sendable {
    struct Key: Hashable {
        var resource: GroupVersionResource
        var object: ObjectKey
    }
    private let owners = Mutex<[Key: Set<UInt32>]>([:])

    public init() {}

    public func add(_ scope: UInt32, _ resource: GroupVersionResource, _ object: ObjectKey) {
        owners.withLock { _ = $0[Key(resource: resource, object: object), default: []].insert(scope) }
    }

    /// Removes `scope`; returns the owners left.
    @discardableResult
    public func remove(_ scope: UInt32, _ resource: GroupVersionResource, _ object: ObjectKey) -> Set<UInt32> {
        owners.withLock { map in
            let key = Key(resource: resource, object: object)
            guard var set = map[key] else { return [] }
            set.remove(scope)
            if set.isEmpty { map[key] = nil } else { map[key] = set }
            return set
        }
    }

    /// Drops every owner of an object (it was deleted through the edge); returns them.
    @discardableResult
    public func removeAll(_ resource: GroupVersionResource, _ object: ObjectKey) -> Set<UInt32> {
        owners.withLock { $0.removeValue(forKey: Key(resource: resource, object: object)) ?? [] }
    }

    public func owners(_ resource: GroupVersionResource, _ object: ObjectKey) -> Set<UInt32> {
        owners.withLock { $0[Key(resource: resource, object: object)] ?? [] }
    }

    /// The objects `scope` owns.
    public func objects(of scope: UInt32, _ resource: GroupVersionResource) -> [ObjectKey] {
        owners.withLock { map in
            map.compactMap { key, set in key.resource == resource && set.contains(scope) ? key.object : nil }
        }
    }

    /// Number of owned objects (for metrics).
    public var count: Int { owners.withLock { $0.count } }
}
