/// How a strategic merge patch treats one field: the `patchStrategy` and
/// `patchMergeKey` struct tags of the Go API types, as data.
public struct StrategicMergeField: Sendable, Hashable, CustomStringConvertible {
    /// The `patchStrategy` tag (without `retainKeys`, which is the ``StrategicMergeField/retainKeys-property`` flag).
    public enum Strategy: String, Sendable, Hashable {
        /// No tag: objects merge key by key, lists are replaced whole (atomic).
        case `default`
        /// `patchStrategy:"merge"`: lists merge — by ``StrategicMergeField/mergeKey`` for
        /// lists of objects, as a set for lists of primitives.
        case merge
        /// `patchStrategy:"replace"`: the patch value replaces the field whole.
        case replace
    }

    public var strategy: Strategy
    /// `patchMergeKey`: the member that identifies an element of a merged list of objects.
    public var mergeKey: String?
    /// `patchStrategy:"retainKeys"`: clients send `$retainKeys` for this field. Applying a
    /// patch honours `$retainKeys` wherever it appears, so this matters only to clients
    /// that build patches.
    public var retainKeys: Bool

    public init(strategy: Strategy = .default, mergeKey: String? = nil, retainKeys: Bool = false) {
        self.strategy = strategy
        self.mergeKey = mergeKey
        self.retainKeys = retainKeys
    }

    /// A list of objects merged by `key` (`patchStrategy:"merge" patchMergeKey:"<key>"`).
    public static func merge(key: String) -> StrategicMergeField { .init(strategy: .merge, mergeKey: key) }
    /// `patchStrategy:"merge,retainKeys" patchMergeKey:"<key>"` (PodSpec.volumes).
    public static func mergeRetainingKeys(key: String) -> StrategicMergeField {
        .init(strategy: .merge, mergeKey: key, retainKeys: true)
    }
    /// A list of primitives merged as an ordered set (`metadata.finalizers`).
    public static let mergePrimitives = StrategicMergeField(strategy: .merge)
    /// `patchStrategy:"replace"`.
    public static let replace = StrategicMergeField(strategy: .replace)
    /// `patchStrategy:"retainKeys"` on an object (DeploymentSpec.strategy).
    public static let retainKeys = StrategicMergeField(retainKeys: true)

    public var description: String {
        var parts: [String] = []
        if strategy != .default { parts.append(strategy.rawValue) }
        if retainKeys { parts.append("retainKeys") }
        var s = parts.isEmpty ? "default" : parts.joined(separator: ",")
        if let mergeKey { s += " by \(mergeKey)" }
        return s
    }
}

/// The strategic-merge metadata of one kind: a tree of field names, each with its
/// ``StrategicMergeField``. A path walks through list elements implicitly, so
/// `spec.containers.env` is the `env` field of every element of `spec.containers`.
/// Fields not in the tree use the default: objects merge, lists are replaced.
public struct StrategicMergeSchema: Sendable, Hashable {
    struct Node: Sendable, Hashable {
        var field = StrategicMergeField()
        var children: [String: Node] = [:]

        func child(_ name: String) -> Node { children[name] ?? Node() }
    }

    var root: Node

    /// A schema where every object merges and every list is replaced.
    public init() { root = Node() }

    /// A schema from dotted field paths (`"spec.template.spec.containers": .merge(key: "name")`).
    public init(fields: [String: StrategicMergeField]) {
        root = Node()
        for (path, field) in fields { set(field, at: path) }
    }

    /// Sets the strategy of one field.
    public mutating func set(_ field: StrategicMergeField, at path: String) {
        let names = path.split(separator: ".").map(String.init)
        Self.set(field, at: names[...], in: &root)
    }

    /// The strategy of the field at a dotted path (the default when the path is unknown).
    public func field(at path: String) -> StrategicMergeField {
        var node = root
        for name in path.split(separator: ".") { node = node.child(String(name)) }
        return node.field
    }

    /// A copy with `fields` (paths relative to `prefix`) added under `prefix`.
    public func adding(_ fields: [String: StrategicMergeField], under prefix: String) -> StrategicMergeSchema {
        var copy = self
        for (path, field) in fields { copy.set(field, at: prefix.isEmpty ? path : prefix + "." + path) }
        return copy
    }

    private static func set(_ field: StrategicMergeField, at names: ArraySlice<String>, in node: inout Node) {
        guard let first = names.first else {
            node.field = field
            return
        }
        var child = node.children[first] ?? Node()
        node.children[first] = nil
        set(field, at: names.dropFirst(), in: &child)
        node.children[first] = child
    }
}
