import EventLog
import KubeModel
import Projections

/// One object of a reconstructed state.
public struct ObjectSnapshot: Sendable, Hashable {
    public var resource: GroupVersionResource
    public var namespace: String
    public var name: String
    public var uid: String
    /// RV of the version (its last change at or before the state's RV).
    public var rv: ResourceVersion
    public var bytes: [UInt8]

    public init(
        resource: GroupVersionResource, namespace: String, name: String, uid: String, rv: ResourceVersion,
        bytes: [UInt8]
    ) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.rv = rv
        self.bytes = bytes
    }

    public init(_ stored: StoredObject) {
        self.init(
            resource: stored.resource, namespace: stored.namespace, name: stored.name, uid: stored.uid,
            rv: stored.rv, bytes: stored.bytes)
    }

    /// Identity within a state: resource, namespace, name.
    public var key: ObjectKey { ObjectKey(resource: resource, namespace: namespace, name: name) }
    public var isSecret: Bool { SecretRedactor.isSecretResource(resource) }
}

/// Identifies an object within one state.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var resource: GroupVersionResource
    public var namespace: String
    public var name: String

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (ForensicNames.resourceName(a.resource), a.resource.version, a.namespace, a.name)
            < (ForensicNames.resourceName(b.resource), b.resource.version, b.namespace, b.name)
    }

    /// `deployments.apps default/web`.
    public var description: String {
        "\(ForensicNames.resourceName(resource)) \(namespace.isEmpty ? name : "\(namespace)/\(name)")"
    }
}

/// What changed between two reconstructed states.
public struct StateDiff: Sendable {
    public enum Kind: String, Sendable { case added, removed, changed }

    public struct Entry: Sendable {
        public var kind: Kind
        public var key: ObjectKey
        public var old: ObjectSnapshot?
        public var new: ObjectSnapshot?
        /// Path changes (for `changed`; the object was replaced when the uid differs).
        public var changes: [JSONChange]
    }

    /// Entries in resource, namespace, name order.
    public var entries: [Entry]

    /// Compares the states `old` and `new` (as returned by `ObjectStore.state(at:)`).
    public init(old: [ObjectSnapshot], new: [ObjectSnapshot]) {
        let before = Dictionary(old.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var entries: [Entry] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            switch (before[key], after[key]) {
            case (nil, let n?): entries.append(Entry(kind: .added, key: key, old: nil, new: n, changes: []))
            case (let o?, nil): entries.append(Entry(kind: .removed, key: key, old: o, new: nil, changes: []))
            case (let o?, let n?) where o.rv != n.rv || o.bytes != n.bytes:
                let a = ForensicRenderer(revealSecrets: true).object(o.bytes, isSecret: false)
                let b = ForensicRenderer(revealSecrets: true).object(n.bytes, isSecret: false)
                let changes = JSONDiff.diff(a, b, ignoring: historyIgnoredPaths)
                entries.append(Entry(kind: .changed, key: key, old: o, new: n, changes: changes))
            default: break
            }
        }
        self.entries = entries
    }

    /// `+ pods default/web (RV 12)`, `- …`, `~ … (RV 12 → 15)` with indented path changes.
    public func render(_ renderer: ForensicRenderer) -> String {
        guard !entries.isEmpty else { return "no differences\n" }
        var out = ""
        for entry in entries {
            switch entry.kind {
            case .added: out += "+ \(entry.key)  (RV \(entry.new?.rv ?? 0))\n"
            case .removed: out += "- \(entry.key)  (was RV \(entry.old?.rv ?? 0))\n"
            case .changed:
                out += "~ \(entry.key)  (RV \(entry.old?.rv ?? 0) → \(entry.new?.rv ?? 0))"
                if let o = entry.old, let n = entry.new, o.uid != n.uid { out += "  replaced: uid \(o.uid) → \(n.uid)" }
                out += "\n"
                let history = ObjectHistory(versions: [], renderer: renderer)
                let secret = entry.new?.isSecret ?? false
                for change in entry.changes { out += "    " + history.line(change, secret: secret) + "\n" }
            }
        }
        let counts = [Kind.added, .changed, .removed].map { k in
            "\(entries.filter { $0.kind == k }.count) \(k.rawValue)"
        }
        return out + counts.joined(separator: ", ") + "\n"
    }

    /// `{"added":[obj...],"changed":[{"key":..,"old":..,"new":..,"changes":[..]}],"removed":[obj...]}`.
    public func json(_ renderer: ForensicRenderer) -> JSONValue {
        var added: [JSONValue] = []
        var removed: [JSONValue] = []
        var changed: [JSONValue] = []
        for entry in entries {
            switch entry.kind {
            case .added:
                if let n = entry.new { added.append(renderer.object(n.bytes, isSecret: n.isSecret)) }
            case .removed:
                if let o = entry.old { removed.append(renderer.object(o.bytes, isSecret: o.isSecret)) }
            case .changed:
                let secret = entry.new?.isSecret ?? false
                var c = JSONObject()
                c.appendUnchecked("resource", .string(ForensicNames.resourceName(entry.key.resource)))
                c.appendUnchecked("namespace", .string(entry.key.namespace))
                c.appendUnchecked("name", .string(entry.key.name))
                c.appendUnchecked("oldRV", .string(String(entry.old?.rv ?? 0)))
                c.appendUnchecked("newRV", .string(String(entry.new?.rv ?? 0)))
                c.appendUnchecked(
                    "changes",
                    .array(
                        entry.changes.map { change in
                            var o = JSONObject()
                            o.appendUnchecked("op", .string(change.kind.rawValue))
                            o.appendUnchecked("path", .string(renderPath(change.path)))
                            let hide = secret && !renderer.revealSecrets
                            if let v = change.old {
                                o.appendUnchecked("old", hide ? SecretRedactor.redact(v, at: change.path) : v)
                            }
                            if let v = change.new {
                                o.appendUnchecked("new", hide ? SecretRedactor.redact(v, at: change.path) : v)
                            }
                            return .object(o)
                        }))
                changed.append(.object(c))
            }
        }
        return ["added": .array(added), "changed": .array(changed), "removed": .array(removed)]
    }
}
