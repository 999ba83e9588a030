import KubeModel

/// The reconcile rules of one pending object, as a pure function (no I/O): given the
/// ledger entry, the edge's current object and the cloud's current object, what to send
/// next — or that the cloud already reflects the edge's writes, or that they lost.
///
/// The driver (`EdgeSync+Pending.swift`) fetches the cloud's object, asks `decide`, sends
/// what it says, and asks again with the cloud's answer, until `reconciled` or
/// `conflicted`. Because every decision starts from the cloud's current object, an upload
/// whose fate is unknown (sent, no answer, or the edge killed) is never applied twice:
/// the next decision sees it already there.
///
/// The conflict policy:
/// - the cloud wins for spec: when the edge changed a field outside status that the
///   cloud also changed since the edge's base version, the edge's change is dropped
///   (`conflicted`) and the edge takes the cloud's object — unless the cloud's value is
///   the one of an edge write that was forwarded and got no answer (`maybeLanded`): that
///   is the edge's own write having landed;
/// - the edge wins for the status fields it wrote: they are applied to the cloud's latest
///   status through the status subresource, whatever the cloud changed meanwhile; a
///   status write never carries the cloud's spec back (PUT /status ignores it);
/// - an object deleted in the cloud, or deleted and recreated (another uid), wins over
///   the edge's updates and deletes;
/// - a create that finds an object of the same name: if it has the edge's content, it
///   is the edge's own earlier upload (unknown fate) and is kept; if not, an object the
///   edge owns entirely (Events, node Leases) is overwritten with the edge's, any other
///   is `conflicted`.
public enum Reconcile {
    /// What to do next.
    public enum Action: Sendable, Equatable {
        /// POST this object.
        case create(JSONValue)
        /// PUT this object (it carries the cloud's resourceVersion).
        case update(JSONValue)
        /// PUT this object to the status subresource (it carries the cloud's resourceVersion).
        case updateStatus(JSONValue)
        /// DELETE the cloud's object with this uid as precondition.
        case delete(uid: String)
        /// The cloud reflects the edge's writes: the edge takes the cloud's object.
        case reconciled
        /// The edge's change lost: the edge takes the cloud's object; the reason says why.
        case conflicted(String)
    }

    /// What `decide` needs to know about the resource.
    public struct Resource: Sendable, Equatable {
        /// The resource has a status subresource (status is written apart from spec).
        public var hasStatus: Bool
        /// The edge owns the whole object (Events, node Leases): on a name clash at
        /// create its version replaces the cloud's.
        public var edgeOwned: Bool

        public init(hasStatus: Bool, edgeOwned: Bool) {
            self.hasStatus = hasStatus
            self.edgeOwned = edgeOwned
        }
    }

    /// The next step for `entry`. `edge` is the edge's current object (nil: gone at the
    /// edge), `cloud` the cloud's (nil: 404).
    public static func decide(_ entry: PendingWrite, edge: JSONValue?, cloud: JSONValue?, resource: Resource)
        -> Action
    {
        switch entry.kind {
        case .delete:
            guard let cloud else { return .reconciled }
            let cloudUID = cloud.uid ?? ""
            if !entry.uid.isEmpty && cloudUID != entry.uid {
                return .conflicted(
                    "deleted at the edge, but the cloud's object was recreated (uid \(cloudUID), the edge deleted \(entry.uid)); the cloud's is kept"
                )
            }
            if cloud.deletionTimestamp != nil { return .reconciled }
            return .delete(uid: cloudUID)
        case .recreate:
            if let cloud, !entry.uid.isEmpty, cloud.uid == entry.uid {
                if cloud.deletionTimestamp != nil {
                    return .conflicted(
                        "recreated at the edge, but the cloud's old object (uid \(entry.uid)) is still being deleted")
                }
                return .delete(uid: entry.uid)
            }
            return decideCreate(edge: edge, cloud: cloud, resource: resource)
        case .create:
            return decideCreate(edge: edge, cloud: cloud, resource: resource)
        case .update:
            return decideUpdate(entry, edge: edge, cloud: cloud, resource: resource)
        }
    }

    static func decideCreate(edge: JSONValue?, cloud: JSONValue?, resource: Resource) -> Action {
        guard let edge else { return .reconciled }
        guard let cloud else { return .create(uploadable(edge)) }
        if specPart(edge, resource) != specPart(cloud, resource) {
            guard resource.edgeOwned else {
                return .conflicted(
                    "created at the edge, but the cloud has another object of this name (uid \(cloud.uid ?? "")); the cloud's is kept"
                )
            }
            var replacement = uploadable(edge)
            replacement.resourceVersion = cloud.resourceVersion
            replacement["metadata"]?["uid"] = cloud["metadata"]?["uid"]
            return .update(replacement)
        }
        if resource.hasStatus, let status = edge["status"], status != (cloud["status"] ?? .null) {
            var updated = cloud
            updated["status"] = status
            return .updateStatus(updated)
        }
        return .reconciled
    }

    static func decideUpdate(_ entry: PendingWrite, edge: JSONValue?, cloud: JSONValue?, resource: Resource)
        -> Action
    {
        guard let cloud else {
            return .conflicted("changed at the edge, but deleted in the cloud meanwhile; the cloud wins")
        }
        let cloudUID = cloud.uid ?? ""
        if !entry.uid.isEmpty && cloudUID != entry.uid {
            return .conflicted(
                "changed at the edge, but the cloud's object was recreated (uid \(cloudUID), the edge changed \(entry.uid)); the cloud's is kept"
            )
        }
        guard let edge else { return .reconciled }
        let base = entry.baseObject ?? cloud
        if !entry.statusOnly {
            let edits = JSONEdits.diff(specPart(base, resource), specPart(edge, resource))
            let cloudSpec = specPart(cloud, resource)
            if !edits.isSatisfied(by: cloudSpec) {
                let baseSpec = specPart(base, resource)
                // The cloud's value is the edge's own when an earlier write of the entry
                // reached the cloud without an answer: not a change made in the cloud.
                let ownWrites = entry.maybeLandedObjects.map { specPart($0, resource) }
                let contested = edits.paths.filter { path in
                    cloudSpec[path: path] != baseSpec[path: path]
                        && !ownWrites.contains { $0[path: path] == cloudSpec[path: path] }
                }
                if !contested.isEmpty {
                    let fields = contested.map { $0.joined(separator: ".") }.joined(separator: ", ")
                    return .conflicted(
                        "the cloud changed \(fields) since the edge's version (upstream resourceVersion \(entry.baseUpstreamRV)); the cloud wins for spec"
                    )
                }
                var merged = cloud
                edits.apply(to: &merged)
                return .update(merged)
            }
        }
        if resource.hasStatus || entry.statusOnly {
            let edits = JSONEdits.diff(statusPart(base), statusPart(edge))
            if !edits.isSatisfied(by: statusPart(cloud)) {
                var merged = cloud
                edits.apply(to: &merged)
                return .updateStatus(merged)
            }
        }
        return .reconciled
    }

    /// A JSON merge patch to send before the cloud's current object is known.
    public struct Patch: Sendable, Equatable {
        /// `status` for the status subresource; nil for the object itself.
        public var subresource: String?
        /// The `application/merge-patch+json` body.
        public var body: JSONValue
    }

    /// The first upload of an `update` entry without reading the cloud's object first: a
    /// JSON merge patch of what the edge changed since its base (the cloud's object its
    /// first write was based on) — the change the client's own writes would have made
    /// had the link been up. Nil when the driver must start from the cloud's object
    /// (GET, then `decide`): a create, a delete, an entry without a base, an entry that
    /// changed nothing, or one that changed spec and status both.
    ///
    /// The patch keeps `decide`'s conflict policy:
    /// - status changes (a resource with a status subresource) go to `/status` with the
    ///   base's uid as their only precondition: the edge wins for the status fields it
    ///   wrote, whatever the cloud changed meanwhile, and a recreated object (another
    ///   uid) refuses the patch (the uid is immutable);
    /// - spec changes also carry the base's resourceVersion: the cloud applies them only
    ///   when it did not change the object since the edge's base, so a concurrent cloud
    ///   change answers 409 and the driver falls back to the three-way `decide` (cloud
    ///   wins for spec).
    /// A merge patch replaces lists whole (as `JSONEdits` compares them) and writes a
    /// removed member as `null`.
    public static func patch(_ entry: PendingWrite, edge: JSONValue?, resource: Resource) -> Patch? {
        guard entry.kind == .update, !entry.uid.isEmpty, let edge, let base = entry.baseObject else {
            return nil
        }
        var status: JSONValue = [:]
        if resource.hasStatus || entry.statusOnly {
            guard resource.hasStatus else { return nil }
            status = MergePatch.create(from: statusPart(base), to: statusPart(edge))
        }
        var spec: JSONValue = [:]
        if !entry.statusOnly {
            spec = MergePatch.create(from: specPart(base, resource), to: specPart(edge, resource))
        }
        let hasStatusChange = status.objectValue.map { !$0.isEmpty } ?? true
        let hasSpecChange = spec.objectValue.map { !$0.isEmpty } ?? true
        switch (hasSpecChange, hasStatusChange) {
        case (true, false):
            guard spec.objectValue != nil, !entry.baseUpstreamRV.isEmpty else { return nil }
            var body = spec
            if body["metadata"]?.objectValue == nil { body["metadata"] = [:] }
            body["metadata"]?["uid"] = .string(entry.uid)
            body["metadata"]?["resourceVersion"] = .string(entry.baseUpstreamRV)
            return Patch(subresource: nil, body: body)
        case (false, true):
            guard status.objectValue != nil else { return nil }
            var body = status
            body["metadata"] = ["uid": .string(entry.uid)]
            return Patch(subresource: "status", body: body)
        default:
            return nil
        }
    }

    /// Metadata the server sets; never compared or uploaded.
    static let serverMetadata = [
        "resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink",
        "deletionTimestamp", "deletionGracePeriodSeconds",
    ]

    /// The object without server-set metadata, type meta, and (for resources with a
    /// status subresource) status: what "spec" means for the conflict policy.
    static func specPart(_ object: JSONValue, _ resource: Resource) -> JSONValue {
        var o = object
        for key in serverMetadata { o["metadata"]?[key] = nil }
        o["kind"] = nil
        o["apiVersion"] = nil
        if resource.hasStatus { o["status"] = nil }
        return o
    }

    /// `{"status": …}` of the object (empty object when it has none).
    static func statusPart(_ object: JSONValue) -> JSONValue {
        var o: JSONValue = [:]
        if let status = object["status"] { o["status"] = status }
        return o
    }

    /// The edge's object as the cloud must receive it on a create: without the edge's
    /// uid, resourceVersion and other server-set metadata (the name is kept).
    static func uploadable(_ object: JSONValue) -> JSONValue {
        var o = object
        for key in serverMetadata { o["metadata"]?[key] = nil }
        return o
    }
}

/// Leaf-level changes between two JSON objects: objects are compared member by member,
/// arrays and scalars as whole values (so a changed `conditions` list is one edit).
public struct JSONEdits: Sendable, Equatable {
    public struct Edit: Sendable, Equatable {
        /// Object keys from the root to the changed member.
        public var path: [String]
        /// The new value; nil when the member was removed.
        public var value: JSONValue?
    }

    /// The changes, in the order found.
    public var edits: [Edit]

    /// Nothing changed.
    public var isEmpty: Bool { edits.isEmpty }
    /// The changed paths.
    public var paths: [[String]] { edits.map(\.path) }

    /// The edits that turn `old` into `new`.
    public static func diff(_ old: JSONValue, _ new: JSONValue) -> JSONEdits {
        var edits: [Edit] = []
        collect(old, new, path: [], into: &edits)
        return JSONEdits(edits: edits)
    }

    private static func collect(_ old: JSONValue?, _ new: JSONValue?, path: [String], into edits: inout [Edit]) {
        if old == new { return }
        if let o = old?.objectValue, let n = new?.objectValue {
            for (key, value) in n { collect(o[key], value, path: path + [key], into: &edits) }
            for key in o.keys where n[key] == nil { edits.append(Edit(path: path + [key], value: nil)) }
            return
        }
        edits.append(Edit(path: path, value: new))
    }

    /// Whether `target` already has every edited value.
    public func isSatisfied(by target: JSONValue) -> Bool {
        edits.allSatisfy { target[path: $0.path] == $0.value }
    }

    /// Applies the edits (creating intermediate objects as needed).
    public func apply(to target: inout JSONValue) {
        for edit in edits { Self.set(&target, edit.path[...], edit.value) }
    }

    private static func set(_ target: inout JSONValue, _ path: ArraySlice<String>, _ value: JSONValue?) {
        guard let first = path.first else {
            if let value { target = value }
            return
        }
        if path.count == 1 {
            target[first] = value
            return
        }
        var child = target[first] ?? (value == nil ? .null : [:])
        if child.objectValue == nil {
            guard value != nil else { return }
            child = [:]
        }
        set(&child, path.dropFirst(), value)
        target[first] = child
    }
}
