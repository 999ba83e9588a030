import EventLog
import KubeModel

/// How `ake replay history` shows what changed between two versions.
public enum DiffStyle: String, Sendable, CaseIterable {
    /// A unified diff of the YAML of the two versions.
    case yaml
    /// One line per changed JSON path: `~ spec.replicas: 1 → 3`.
    case paths
}

/// Fields left out of version-to-version diffs: they change on every write and
/// are stated in each version's header anyway.
public let historyIgnoredPaths: Set<[PathComponent]> = [
    [.key("metadata"), .key("resourceVersion")],
    [.key("metadata"), .key("managedFields")],
]

/// Every retained version of one object and how to print the changes between them.
public struct ObjectHistory: Sendable {
    /// The object's events, oldest first (all uids: a name deleted and created again shows both lives).
    public var versions: [EventRecord]
    public var renderer: ForensicRenderer

    public init(versions: [EventRecord], renderer: ForensicRenderer) {
        self.versions = versions
        self.renderer = renderer
    }

    /// One step of the history: a version and the changes that produced it.
    public struct Step: Sendable {
        public var event: EventRecord
        /// The previous version's object (nil for the first retained version or a re-creation).
        public var previous: JSONValue?
        public var current: JSONValue
        /// Path changes from `previous` (empty when there is no previous version).
        public var changes: [JSONChange]
        /// The object was created again under the same name with a new uid.
        public var recreated: Bool
    }

    /// The versions with their raw (unredacted) objects and path changes.
    public func steps() -> [Step] {
        var out: [Step] = []
        var previous: JSONValue? = nil
        var previousUID: String? = nil
        var previousDeleted = false
        for event in versions {
            let current = ForensicRenderer(revealSecrets: true).object(event.object, isSecret: false)
            let recreated = previousUID != nil && (previousDeleted || previousUID != event.uid)
            let base = recreated ? nil : previous
            let changes = base.map { JSONDiff.diff($0, current, ignoring: historyIgnoredPaths) } ?? []
            out.append(Step(event: event, previous: base, current: current, changes: changes, recreated: recreated))
            previous = current
            previousUID = event.uid
            previousDeleted = event.type == .deleted
        }
        return out
    }

    /// The history as text: a header per version (RV, time, type, origin) followed by its diff.
    public func render(style: DiffStyle) throws -> String {
        var out = ""
        for step in steps() {
            let e = step.event
            out += "RV \(e.rv)  \(TimeSpec.format(e.time))  \(ForensicNames.typeName(e.type))"
            out += "  by \(ForensicNames.originColumn(e.origin, e.state))"
            if !e.upstreamRV.isEmpty { out += "  upstreamRV \(e.upstreamRV)" }
            if !e.uid.isEmpty { out += "  uid \(e.uid)" }
            out += "\n"
            if step.recreated { out += "  (created again under the same name)\n" }
            if e.type == .deleted {
                out += step.changes.isEmpty ? "  (deleted)\n" : "  (deleted; last changes:)\n"
            }
            switch style {
            case .paths:
                if step.previous == nil, e.type != .deleted {
                    out += "  + (created)\n"
                    out += try indent(ForensicRenderer.yaml(shown(removingIgnored(step.current), e)), by: "    ")
                }
                for change in step.changes { out += "  " + line(change, secret: isSecret(e, step.current)) + "\n" }
            case .yaml:
                let new = try ForensicRenderer.yaml(shown(removingIgnored(step.current), e))
                if let previous = step.previous {
                    let old = try ForensicRenderer.yaml(shown(removingIgnored(previous), e))
                    let diff = LineDiff.unified(old, new)
                    if !diff.isEmpty { out += indent(diff, by: "  ") }
                    // Secret values are redacted on both sides; still say which ones changed.
                    if isSecret(e, step.current), !renderer.revealSecrets {
                        for change in step.changes where hidesValue(change) {
                            out += "  # \(renderPath(change.path)) \(change.kind.rawValue) (value redacted)\n"
                        }
                    }
                } else if e.type != .deleted {
                    out += indent(LineDiff.unified("", new), by: "  ")
                }
            }
            out += "\n"
        }
        return out
    }

    /// The history as JSON: `{"versions":[{rv,time,type,origin,uid,changes:[{op,path,old,new}],object}]}`.
    public func json() -> JSONValue {
        var items: [JSONValue] = []
        for step in steps() {
            var o = renderer.json(step.event, includeObject: false).objectValue ?? JSONObject()
            o["recreated"] = .bool(step.recreated)
            let secret = isSecret(step.event, step.current)
            o["changes"] = .array(
                step.changes.map { change in
                    var c = JSONObject()
                    c.appendUnchecked("op", .string(change.kind.rawValue))
                    c.appendUnchecked("path", .string(renderPath(change.path)))
                    if let old = change.old { c.appendUnchecked("old", value(old, at: change.path, secret: secret)) }
                    if let new = change.new { c.appendUnchecked("new", value(new, at: change.path, secret: secret)) }
                    return .object(c)
                })
            o["object"] = shown(step.current, step.event)
            items.append(.object(o))
        }
        return ["versions": .array(items)]
    }

    /// `~ spec.replicas: 1 → 3`, `+ metadata.labels.tier: web`, `- metadata.annotations.note: x`.
    func line(_ change: JSONChange, secret: Bool) -> String {
        let path = renderPath(change.path)
        let old = change.old.map { value($0, at: change.path, secret: secret) }
        let new = change.new.map { value($0, at: change.path, secret: secret) }
        switch change.kind {
        case .added: return "+ \(path): \(ForensicRenderer.inline(new))"
        case .removed: return "- \(path): \(ForensicRenderer.inline(old))"
        case .changed: return "~ \(path): \(ForensicRenderer.inline(old)) → \(ForensicRenderer.inline(new))"
        }
    }

    private func value(_ v: JSONValue, at path: [PathComponent], secret: Bool) -> JSONValue {
        secret && !renderer.revealSecrets ? SecretRedactor.redact(v, at: path) : v
    }

    private func isSecret(_ e: EventRecord, _ object: JSONValue) -> Bool {
        e.isSecret || SecretRedactor.isSecretObject(object)
    }

    private func hidesValue(_ change: JSONChange) -> Bool {
        let v = change.new ?? change.old ?? .null
        return SecretRedactor.redact(v, at: change.path) != v
    }

    private func shown(_ object: JSONValue, _ e: EventRecord) -> JSONValue {
        renderer.redacted(object, isSecret: e.isSecret)
    }
}

/// `object` without the fields history diffs ignore.
func removingIgnored(_ object: JSONValue) -> JSONValue {
    var o = object
    if var metadata = o["metadata"]?.objectValue {
        metadata.removeValue(forKey: "resourceVersion")
        metadata.removeValue(forKey: "managedFields")
        o["metadata"] = .object(metadata)
    }
    return o
}

func indent(_ text: String, by prefix: String) -> String {
    var out = ""
    for line in LineDiff.splitLines(text) { out += prefix + line + "\n" }
    return out
}
