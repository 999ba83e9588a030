import KubeModel

/// An authorizer's answer (apiserver's `authorizer.Decision`).
public enum AuthorizationDecision: Sendable, Equatable {
    case allow
    case deny
    /// Neither: the next authorizer of the chain decides; at the end of the chain it is a denial.
    case noOpinion
}

/// A decision with its reason (shown in 403 messages after a colon, and in access reviews).
public struct AuthorizationResult: Sendable, Equatable {
    public var decision: AuthorizationDecision
    public var reason: String

    public init(_ decision: AuthorizationDecision, _ reason: String = "") {
        self.decision = decision
        self.reason = reason
    }

    public var allowed: Bool { decision == .allow }
}

/// Decides whether a request may be done.
public protocol Authorizer: Sendable {
    func authorize(_ attributes: RequestAttributes) async -> AuthorizationResult
}

/// The rules an authorizer grants a user in a namespace (for SelfSubjectRulesReview).
public protocol RuleResolver: Sendable {
    /// The resource and non-resource rules that apply, whether the list is incomplete,
    /// and errors met while collecting them.
    func rules(for user: UserInfo, namespace: String) async -> ResolvedRules
}

/// What ``RuleResolver/rules(for:namespace:)`` finds.
public struct ResolvedRules: Sendable, Equatable {
    public var rules: [PolicyRule]
    public var incomplete: Bool
    public var errors: [String]

    public init(rules: [PolicyRule] = [], incomplete: Bool = false, errors: [String] = []) {
        self.rules = rules
        self.incomplete = incomplete
        self.errors = errors
    }
}

/// `--authorization-mode=AlwaysAllow`.
public struct AlwaysAllowAuthorizer: Authorizer, RuleResolver {
    public init() {}
    public func authorize(_ attributes: RequestAttributes) async -> AuthorizationResult { .init(.allow) }
    public func rules(for user: UserInfo, namespace: String) async -> ResolvedRules {
        ResolvedRules(rules: [
            PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]),
            PolicyRule(verbs: ["*"], nonResourceURLs: ["*"]),
        ])
    }
}

/// `--authorization-mode=AlwaysDeny`.
public struct AlwaysDenyAuthorizer: Authorizer, RuleResolver {
    public init() {}
    public func authorize(_ attributes: RequestAttributes) async -> AuthorizationResult {
        .init(.noOpinion, "Everything is forbidden.")
    }
    public func rules(for user: UserInfo, namespace: String) async -> ResolvedRules { ResolvedRules() }
}

/// Members of `system:masters` may do anything (kube-apiserver puts this first in the
/// chain, whatever the modes). It lists no rules: kube-apiserver does not count it as a
/// rule resolver, so `kubectl auth can-i --list` shows only what the other authorizers grant.
public struct PrivilegedGroupsAuthorizer: Authorizer, RuleResolver {
    public var groups: Set<String>
    public init(groups: Set<String> = [SystemUsers.privilegedGroup]) { self.groups = groups }

    public func authorize(_ attributes: RequestAttributes) async -> AuthorizationResult {
        attributes.user.groups.contains(where: groups.contains) ? .init(.allow) : .init(.noOpinion)
    }

    public func rules(for user: UserInfo, namespace: String) async -> ResolvedRules { ResolvedRules() }
}

/// Authorizers in order, as kube-apiserver's union authorizer chains them: the first
/// `allow` or `deny` decides; the reasons of those that had no opinion are joined
/// with newlines.
public struct AuthorizerChain: Authorizer, RuleResolver {
    public var authorizers: [any Authorizer & RuleResolver]

    public init(_ authorizers: [any Authorizer & RuleResolver]) {
        self.authorizers = authorizers
    }

    public func authorize(_ attributes: RequestAttributes) async -> AuthorizationResult {
        var reasons: [String] = []
        for authorizer in authorizers {
            let result = await authorizer.authorize(attributes)
            if !result.reason.isEmpty { reasons.append(result.reason) }
            switch result.decision {
            case .allow, .deny: return AuthorizationResult(result.decision, result.reason)
            case .noOpinion: continue
            }
        }
        return AuthorizationResult(.noOpinion, reasons.joined(separator: "\n"))
    }

    public func rules(for user: UserInfo, namespace: String) async -> ResolvedRules {
        var all = ResolvedRules()
        for authorizer in authorizers {
            let r = await authorizer.rules(for: user, namespace: namespace)
            all.rules += r.rules
            all.errors += r.errors
            all.incomplete = all.incomplete || r.incomplete
        }
        return all
    }
}

/// The authorization modes of `--authorization-mode`.
public enum AuthorizationMode: String, Sendable, CaseIterable {
    case alwaysAllow = "AlwaysAllow"
    case alwaysDeny = "AlwaysDeny"
    case rbac = "RBAC"
    case node = "Node"

    /// Parses kube-apiserver's comma-separated list; throws on an unknown or repeated mode.
    public static func parseList(_ text: String) throws(AuthConfigurationError) -> [AuthorizationMode] {
        var modes: [AuthorizationMode] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(part).trimmingSpaces()
            guard let mode = AuthorizationMode(rawValue: name) else {
                let known = AuthorizationMode.allCases.map(\.rawValue).joined(separator: ",")
                throw AuthConfigurationError(
                    "authorization-mode \(goQuoted(name)) is not a valid mode (valid modes: \(known))")
            }
            guard !modes.contains(mode) else {
                throw AuthConfigurationError("authorization-mode \(goQuoted(name)) has mode specified more than once")
            }
            modes.append(mode)
        }
        guard !modes.isEmpty else { throw AuthConfigurationError("at least one authorization-mode must be passed") }
        return modes
    }
}

extension StatusError {
    /// kube-apiserver's 401: `Unauthorized`, no details.
    public static let unauthorized = StatusError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// kube-apiserver's 403 for a denied request (`responsewriters.ForbiddenStatusError`):
    /// `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the
    /// namespace "default"`, `… at the cluster scope`, or `forbidden: User "x" cannot get
    /// path "/metrics"`, with `: <reason>` when the authorizers gave one, and `&<>`
    /// HTML-escaped in the user-derived part.
    public static func forbidden(_ a: RequestAttributes, reason: String) -> StatusError {
        var message: String
        if !a.isResourceRequest {
            message = "User \(goQuoted(a.user.name)) cannot \(a.verb) path \(goQuoted(a.path))"
        } else {
            let resource = a.subresource.isEmpty ? a.resource : a.resource + "/" + a.subresource
            if !a.namespace.isEmpty {
                message =
                    "User \(goQuoted(a.user.name)) cannot \(a.verb) resource \(goQuoted(resource)) in API group \(goQuoted(a.apiGroup)) in the namespace \(goQuoted(a.namespace))"
            } else {
                message =
                    "User \(goQuoted(a.user.name)) cannot \(a.verb) resource \(goQuoted(resource)) in API group \(goQuoted(a.apiGroup)) at the cluster scope"
            }
        }
        message = message.htmlSanitized()
        if !reason.isEmpty { message += ": " + reason }
        let group = a.isResourceRequest ? a.apiGroup : ""
        let resource = a.isResourceRequest ? a.resource : ""
        let qualified = group.isEmpty ? resource : resource + "." + group
        let full: String
        if qualified.isEmpty {
            full = "forbidden: " + message
        } else if a.name.isEmpty || !a.isResourceRequest {
            full = "\(qualified) is forbidden: " + message
        } else {
            full = "\(qualified) \(goQuoted(a.name)) is forbidden: " + message
        }
        return StatusError(
            code: 403, reason: "Forbidden", message: full,
            details: StatusDetails(name: a.isResourceRequest ? a.name : "", group: group, kind: resource))
    }
}

extension String {
    /// `&`, `<`, `>` as HTML entities (the apiserver's sanitizer of forbidden messages).
    func htmlSanitized() -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
