import EventLog
import KubeModel

/// What a list or watch selects: namespace, name, label and field selectors.
struct ObjectFilter: Sendable {
    var namespace: String?
    var name: String?
    var labelSelector: LabelSelector?
    var fieldSelector: FieldSelector?

    init(namespace: String?, name: String?, labelSelector: LabelSelector?, fieldSelector: FieldSelector?) {
        self.namespace = namespace
        self.name = name
        self.labelSelector = labelSelector?.isEmpty == false ? labelSelector : nil
        self.fieldSelector = fieldSelector?.isEmpty == false ? fieldSelector : nil
    }

    /// Whether matching needs labels or field values (not just the key).
    var needsAttributes: Bool { labelSelector != nil || fieldSelector != nil }

    func matchesKey(namespace ns: String, name n: String) -> Bool {
        if let namespace, namespace != ns { return false }
        if let name, name != n { return false }
        return true
    }

    /// Matches selectors only (the key is checked by `matchesKey`).
    func matchesAttributes(namespace ns: String, name n: String, _ attributes: ObjectAttributes) -> Bool {
        if let labelSelector, !labelSelector.matches(attributes.labels) { return false }
        if let fieldSelector {
            var fields = attributes.fields
            fields["metadata.name"] = n
            fields["metadata.namespace"] = ns
            if !fieldSelector.matches(fields) { return false }
        }
        return true
    }

    func matches(namespace ns: String, name n: String, _ attributes: ObjectAttributes) -> Bool {
        matchesKey(namespace: ns, name: n) && matchesAttributes(namespace: ns, name: n, attributes)
    }

    /// The watch event a change produces for this filter, like the apiserver's watch
    /// cache: a MODIFIED that makes the object stop matching becomes DELETED, one that
    /// makes it start matching becomes ADDED; `nil` = not delivered.
    func transition(
        _ type: EventType, namespace ns: String, name n: String, new: ObjectAttributes, old: ObjectAttributes?
    ) -> WatchEventType? {
        guard matchesKey(namespace: ns, name: n) else { return nil }
        let newMatches = matchesAttributes(namespace: ns, name: n, new)
        switch type {
        case .added: return newMatches ? .added : nil
        case .deleted: return newMatches ? .deleted : nil
        case .modified:
            let oldMatches = old.map { matchesAttributes(namespace: ns, name: n, $0) } ?? false
            switch (oldMatches, newMatches) {
            case (true, true): return .modified
            case (false, true): return .added
            case (true, false): return .deleted
            case (false, false): return nil
            }
        }
    }
}

extension ObjectAttributes {
    /// Computes the attributes of an object version from its JSON.
    static func of(
        json: JSONValue, info: ResourceInfo?, uid: String, deleted: Bool
    ) -> ObjectAttributes {
        var fields = info?.fieldValues(of: json) ?? [:]
        fields["metadata.name"] = nil
        fields["metadata.namespace"] = nil
        return ObjectAttributes(deleted: deleted, uid: uid, labels: json.labels, fields: fields)
    }

    /// Computes the attributes of an event's object (an unparsable object gets none).
    static func of(event: EventView, info: ResourceInfo?) -> ObjectAttributes {
        guard let json = try? JSONValue(parsing: event.object) else {
            return ObjectAttributes(deleted: event.type == .deleted, uid: event.uid, labels: [:], fields: [:])
        }
        return of(json: json, info: info, uid: event.uid, deleted: event.type == .deleted)
    }
}
