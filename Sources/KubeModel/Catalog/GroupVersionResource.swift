/// A Kubernetes group/version/resource. The core group is the empty string.
public struct GroupVersionResource: Sendable, Hashable, CustomStringConvertible {
    /// The API group, for example `apps`; empty for the core group.
    public var group: String
    /// The version within the group, for example `v1`.
    public var version: String
    /// The plural resource name, for example `pods`.
    public var resource: String

    /// A resource of a group version.
    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    /// The identity under which objects of this resource are stored and interned
    /// in the event log: `"<group>/<version>/<resource>"` (core group: `"/v1/pods"`).
    public var storageKey: String { "\(group)/\(version)/\(resource)" }

    /// Parses a `storageKey`.
    public init?(storageKey: String) {
        let parts = storageKey.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(group: String(parts[0]), version: String(parts[1]), resource: String(parts[2]))
    }

    /// `apiVersion` as written in objects: `v1` or `apps/v1`.
    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `resource.version.group` as kubectl writes it (`pods.v1`, `deployments.v1.apps`).
    public var description: String { group.isEmpty ? "\(resource).\(version)" : "\(resource).\(version).\(group)" }
}
