import EventLog
import KubeModel
import Projections
import Synchronization

/// RBAC objects read from the projections (standalone: the local objects; at an edge:
/// those synced from the cloud, so decisions work offline). The parsed snapshot is kept
/// while no RBAC object changes: when the log's head moved, the events since the cached
/// head are scanned for a write to `rbac.authorization.k8s.io` (up to a bound; beyond it,
/// or below the compaction horizon, the four resources are read again).
public final class StoreRBACSource: RBACObjectSource {
    let store: ObjectStore
    let cache = Mutex<(head: UInt64, snapshot: RBACSnapshot)?>(nil)
    /// How many events are scanned before reading the RBAC objects again is cheaper.
    static let scanLimit = 4096

    public static let clusterRoles = GroupVersionResource(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles")
    public static let roles = GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles")
    public static let clusterRoleBindings = GroupVersionResource(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings")
    public static let roleBindings = GroupVersionResource(
        group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings")

    public init(store: ObjectStore) {
        self.store = store
    }

    public func snapshot() async throws -> RBACSnapshot {
        let head = store.log.head
        if let cached = cache.withLock({ $0 }) {
            if cached.head == head { return cached.snapshot }
            if cached.head < head, (try? rbacUnchanged(after: cached.head)) == true {
                cache.withLock { current in
                    if let c = current, c.head == cached.head { current = (head, c.snapshot) }
                }
                return cached.snapshot
            }
        }
        func objects(_ gvr: GroupVersionResource) async throws -> [JSONValue] {
            try await store.list(gvr, ListOptions()).items.map { try JSONValue(parsing: $0) }
        }
        let snapshot = RBACSnapshot(
            clusterRoles: try await objects(Self.clusterRoles), roles: try await objects(Self.roles),
            clusterRoleBindings: try await objects(Self.clusterRoleBindings),
            roleBindings: try await objects(Self.roleBindings))
        cache.withLock { current in
            if (current?.head ?? 0) <= head { current = (head, snapshot) }
        }
        return snapshot
    }

    /// Whether no event after `rv` wrote an RBAC object (false when unsure).
    func rbacUnchanged(after rv: UInt64) throws -> Bool {
        try store.log.read { txn in
            var unchanged = true
            var scanned = 0
            var isRBAC: [ResourceID: Bool] = [:]
            try txn.events(after: rv) { event in
                scanned += 1
                let id = event.resource
                let rbac: Bool
                if let known = isRBAC[id] {
                    rbac = known
                } else {
                    let key = try txn.storageKey(for: id)
                    rbac = key.map { $0.hasPrefix("rbac.authorization.k8s.io/") } ?? true
                    isRBAC[id] = rbac
                }
                if rbac || scanned >= Self.scanLimit {
                    unchanged = false
                    return false
                }
                return true
            }
            return unchanged
        }
    }
}
