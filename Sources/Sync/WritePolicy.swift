import Foundation
import KubeModel

/// What an edge does with a client's write (`--write-policy`).
public enum WriteMode: String, Sendable, Codable, CaseIterable {
    /// Forwarded to the cloud; offline it is answered locally only when the edge can
    /// decide it (409, 422, 404 namespace), else 503 with Retry-After.
    case forward
    /// Forwarded while the link works; offline (or when the upstream deadline expires)
    /// accepted locally as a pending write and reconciled with the cloud on reconnect.
    case pending
}

/// One rule of the write policy: `RESOURCE[/SUBRESOURCE][@NAMESPACE][:VERBS]=forward|pending`.
///
/// - `RESOURCE` is `plural[.group]` as in `--sync` (`leases.coordination.k8s.io`,
///   `events`, `events.events.k8s.io`), `*` for every resource, or `*custom*` for every
///   custom resource (served by a CRD);
/// - `/SUBRESOURCE` restricts the rule to that subresource (`nodes/status`); without it
///   the rule matches writes to the object itself only;
/// - `@NAMESPACE` restricts it to one namespace (`leases.coordination.k8s.io@kube-node-lease`);
/// - `:VERBS` is a comma-separated list of create, update, patch, delete (all four when absent).
///
/// deletecollection is always forwarded: a collection is not one object whose change can wait.
public struct WritePolicyRule: Sendable, Hashable, CustomStringConvertible {
    /// The plural resource name, or `*` (every resource) or `*custom*` (every custom resource).
    public var resource: String
    /// The API group ("" for core and for the wildcards).
    public var group: String
    /// The subresource the rule is for; nil: writes to the object itself.
    public var subresource: String?
    /// Only writes in this namespace; nil: any.
    public var namespace: String?
    /// The verbs the rule decides (create, update, patch, delete).
    public var verbs: Set<APIVerb>
    /// What happens to the writes it matches.
    public var mode: WriteMode

    public static let anyResource = "*"
    public static let customResources = "*custom*"
    public static let allVerbs: Set<APIVerb> = [.create, .update, .patch, .delete]

    public init(
        resource: String, group: String = "", subresource: String? = nil, namespace: String? = nil,
        verbs: Set<APIVerb> = WritePolicyRule.allVerbs, mode: WriteMode
    ) {
        self.resource = resource
        self.group = group
        self.subresource = subresource
        self.namespace = namespace
        self.verbs = verbs
        self.mode = mode
    }

    /// Parses `RESOURCE[/SUBRESOURCE][@NAMESPACE][:VERBS]=MODE`. Throws a message.
    public static func parse(_ text: String) throws(WritePolicyError) -> WritePolicyRule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let eq = trimmed.lastIndex(of: "=") else {
            throw WritePolicyError(
                text: text, message: "expected RESOURCE[/SUBRESOURCE][@NAMESPACE][:VERBS]=forward|pending")
        }
        let modeText = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard let mode = WriteMode(rawValue: modeText) else {
            throw WritePolicyError(text: text, message: "unknown mode \"\(modeText)\" (forward or pending)")
        }
        var rest = Substring(trimmed[..<eq])
        var verbs = allVerbs
        if let colon = rest.firstIndex(of: ":") {
            verbs = []
            for word in rest[rest.index(after: colon)...].split(separator: ",") {
                guard let verb = APIVerb(rawValue: String(word).trimmingCharacters(in: .whitespaces)),
                    allVerbs.contains(verb)
                else {
                    throw WritePolicyError(
                        text: text, message: "unknown verb \"\(word)\" (create, update, patch, delete)")
                }
                verbs.insert(verb)
            }
            guard !verbs.isEmpty else { throw WritePolicyError(text: text, message: "empty verb list") }
            rest = rest[..<colon]
        }
        var namespace: String?
        if let at = rest.firstIndex(of: "@") {
            namespace = String(rest[rest.index(after: at)...])
            guard let ns = namespace, NameValidation.isDNS1123Label(ns).isEmpty else {
                throw WritePolicyError(text: text, message: "invalid namespace \"\(namespace ?? "")\"")
            }
            rest = rest[..<at]
        }
        var subresource: String?
        if let slash = rest.firstIndex(of: "/") {
            subresource = String(rest[rest.index(after: slash)...])
            guard subresource == "status" || subresource == "scale" else {
                throw WritePolicyError(
                    text: text, message: "unknown subresource \"\(subresource ?? "")\" (status or scale)")
            }
            rest = rest[..<slash]
        }
        let name = String(rest)
        guard !name.isEmpty else { throw WritePolicyError(text: text, message: "missing resource") }
        if name == anyResource || name == customResources {
            return WritePolicyRule(
                resource: name, subresource: subresource, namespace: namespace, verbs: verbs, mode: mode)
        }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        return WritePolicyRule(
            resource: parts[0], group: parts.count > 1 ? parts[1] : "", subresource: subresource,
            namespace: namespace, verbs: verbs, mode: mode)
    }

    /// Whether this rule decides a write of `verb` to `resource` (`/subresource`) in `namespace`.
    func matches(
        _ gvr: GroupVersionResource, subresource: String?, namespace: String?, verb: APIVerb, isCustom: Bool
    ) -> Bool {
        switch resource {
        case Self.anyResource: break
        case Self.customResources: guard isCustom else { return false }
        default: guard resource == gvr.resource, group == gvr.group else { return false }
        }
        guard (subresource ?? "") == (self.subresource ?? "") else { return false }
        if let ns = self.namespace, ns != (namespace ?? "") { return false }
        return verbs.contains(verb)
    }

    public var description: String {
        var text = resource
        if !group.isEmpty { text += ".\(group)" }
        if let subresource { text += "/\(subresource)" }
        if let namespace { text += "@\(namespace)" }
        if verbs != Self.allVerbs {
            text += ":" + verbs.map(\.rawValue).sorted().joined(separator: ",")
        }
        return text + "=\(mode.rawValue)"
    }
}

/// A write-policy rule that does not parse.
public struct WritePolicyError: Error, Sendable, CustomStringConvertible {
    /// The rule (or file line) as given.
    public var text: String
    /// What is wrong with it.
    public var message: String
    public var description: String { "\(text): \(message)" }
}

/// The edge's write policy: the operator's rules (first match wins) before the defaults;
/// a write no rule matches is forwarded.
public struct WritePolicy: Sendable, Hashable {
    /// The operator's rules, in order (`--write-policy`, then `--write-policy-file`).
    public var rules: [WritePolicyRule]

    /// The defaults, chosen for node agents (kubelet, device agents): their leases, node
    /// and pod status, Events and custom resources' status are accepted offline.
    public static let defaultRules: [WritePolicyRule] = [
        WritePolicyRule(resource: "leases", group: "coordination.k8s.io", namespace: "kube-node-lease", mode: .pending),
        WritePolicyRule(resource: "nodes", subresource: "status", mode: .pending),
        WritePolicyRule(resource: "pods", subresource: "status", mode: .pending),
        WritePolicyRule(resource: "events", mode: .pending),
        WritePolicyRule(resource: "events", group: "events.k8s.io", mode: .pending),
        WritePolicyRule(resource: WritePolicyRule.customResources, subresource: "status", mode: .pending),
    ]

    public init(rules: [WritePolicyRule] = []) {
        self.rules = rules
    }

    /// The mode of a write. deletecollection is always `forward`.
    public func mode(
        _ gvr: GroupVersionResource, subresource: String?, namespace: String?, verb: APIVerb, isCustom: Bool
    ) -> WriteMode {
        guard verb != .deletecollection else { return .forward }
        for rule in rules + Self.defaultRules
        where rule.matches(gvr, subresource: subresource, namespace: namespace, verb: verb, isCustom: isCustom) {
            return rule.mode
        }
        return .forward
    }

    /// Parses a policy file: one rule per line; blank lines and `#` comments ignored.
    public static func parseFile(_ text: String) throws(WritePolicyError) -> [WritePolicyRule] {
        var rules: [WritePolicyRule] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do { rules.append(try WritePolicyRule.parse(line)) } catch {
                throw WritePolicyError(text: "line \(index + 1): \(line)", message: error.message)
            }
        }
        return rules
    }
}
