import KubeModel
import Projections
import Synchronization

/// RBAC objects read from the projections (standalone: the local objects; at an edge:
/// those synced from the cloud, so decisions work offline). The parsed snapshot is kept
/// until the log's head moves; a request after a write reads the four resources again.
public final class StoreRBACSource: RBACObjectSource {
    let store: ObjectStore
    let cache = Mutex<(head: UInt64, snapshot: RBACSnapshot)?>(nil)

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
        if let cached = cache.withLock({ $0 }), cached.head == head { return cached.snapshot }
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
}
