import KubeModel
import Testing

@testable import Auth

/// RBAC evaluation, with the examples of the Kubernetes RBAC documentation
/// ("Using RBAC Authorization") and the rule-matching cases of the apiserver's tests.
@Suite("RBAC authorizer")
struct RBACTests {
    static let jane = UserInfo(name: "jane", groups: ["system:authenticated"])
    static let dave = UserInfo(name: "dave", groups: ["manager", "system:authenticated"])
    static let bob = UserInfo(name: "bob", groups: ["system:authenticated"])
    static let sa = UserInfo(name: "system:serviceaccount:default:robot", groups: ["system:serviceaccounts"])
    static let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// The documented examples: pod-reader (Role in default, bound to jane), secret-reader
    /// (ClusterRole bound to group manager cluster-wide and to dave in development),
    /// a resourceNames rule, a subresource rule, non-resource URLs, a ServiceAccount.
    static let snapshot: RBACSnapshot = {
        var s = BootstrapPolicy.snapshot
        let extra = RBACSnapshot(
            clusterRoles: [
                RBACRole(
                    name: "secret-reader",
                    rules: [PolicyRule(verbs: ["get", "watch", "list"], apiGroups: [""], resources: ["secrets"])]),
                RBACRole(
                    name: "health-reader",
                    rules: [PolicyRule(verbs: ["get", "post"], nonResourceURLs: ["/healthz", "/healthz/*"])]),
                RBACRole(
                    name: "monitoring", labels: [:], rules: [],
                    aggregation: [try! LabelSelector(matchLabels: ["rbac.example.com/aggregate-to-monitoring": "true"])]
                ),
                RBACRole(
                    name: "monitoring-endpoints", labels: ["rbac.example.com/aggregate-to-monitoring": "true"],
                    rules: [
                        PolicyRule(
                            verbs: ["get", "list", "watch"], apiGroups: [""],
                            resources: ["services", "endpointslices", "pods"])
                    ]),
            ],
            roles: [
                RBACRole(
                    name: "pod-reader", namespace: "default",
                    rules: [PolicyRule(verbs: ["get", "watch", "list"], apiGroups: [""], resources: ["pods"])]),
                RBACRole(
                    name: "configmap-updater", namespace: "default",
                    rules: [
                        PolicyRule(
                            verbs: ["update", "get"], apiGroups: [""], resources: ["configmaps"],
                            resourceNames: ["my-configmap"])
                    ]),
                RBACRole(
                    name: "pod-and-pod-logs-reader", namespace: "default",
                    rules: [PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"])]),
                RBACRole(
                    name: "status-writer", namespace: "default",
                    rules: [PolicyRule(verbs: ["update"], apiGroups: ["apps"], resources: ["*/status"])]),
            ],
            clusterRoleBindings: [
                RBACBinding(
                    name: "read-secrets-global", roleKind: "ClusterRole", roleName: "secret-reader",
                    subjects: [RBACSubject(kind: "Group", name: "manager")]),
                RBACBinding(
                    name: "health", roleKind: "ClusterRole", roleName: "health-reader",
                    subjects: [RBACSubject(kind: "User", name: "bob")]),
                RBACBinding(
                    name: "monitoring", roleKind: "ClusterRole", roleName: "monitoring",
                    subjects: [RBACSubject(kind: "ServiceAccount", name: "robot", namespace: "default")]),
            ],
            roleBindings: [
                RBACBinding(
                    name: "read-pods", namespace: "default", roleKind: "Role", roleName: "pod-reader",
                    subjects: [RBACSubject(kind: "User", name: "jane")]),
                RBACBinding(
                    name: "update-cm", namespace: "default", roleKind: "Role", roleName: "configmap-updater",
                    subjects: [RBACSubject(kind: "User", name: "jane")]),
                RBACBinding(
                    name: "logs", namespace: "default", roleKind: "Role", roleName: "pod-and-pod-logs-reader",
                    subjects: [RBACSubject(kind: "User", name: "bob")]),
                RBACBinding(
                    name: "status", namespace: "default", roleKind: "Role", roleName: "status-writer",
                    subjects: [RBACSubject(kind: "ServiceAccount", name: "robot")]),
                RBACBinding(
                    name: "read-secrets", namespace: "development", roleKind: "ClusterRole", roleName: "secret-reader",
                    subjects: [RBACSubject(kind: "User", name: "bob")]),
                RBACBinding(
                    name: "dangling", namespace: "staging", roleKind: "Role", roleName: "gone",
                    subjects: [RBACSubject(kind: "User", name: "bob")]),
            ])
        s = RBACSnapshot(
            clusterRoles: Array(s.clusterRoles.values) + Array(extra.clusterRoles.values),
            roles: extra.roles.values.flatMap(\.values),
            clusterRoleBindings: s.clusterRoleBindings + extra.clusterRoleBindings,
            roleBindings: extra.roleBindings.values.flatMap { $0 })
        return s
    }()

    struct Case: CustomTestStringConvertible, Sendable {
        var what: String
        var attributes: RequestAttributes
        var allowed: Bool
        var testDescription: String { what }
    }

    static func r(
        _ user: UserInfo, _ verb: String, _ resource: String, group: String = "", sub: String = "", ns: String = "",
        name: String = ""
    ) -> RequestAttributes {
        .resource(user: user, verb: verb, group: group, resource: resource, subresource: sub, namespace: ns, name: name)
    }

    static let cases: [Case] = [
        Case(what: "jane reads pods in default", attributes: r(jane, "list", "pods", ns: "default"), allowed: true),
        Case(
            what: "jane gets a pod in default", attributes: r(jane, "get", "pods", ns: "default", name: "p"),
            allowed: true),
        Case(
            what: "jane cannot delete pods", attributes: r(jane, "delete", "pods", ns: "default", name: "p"),
            allowed: false),
        Case(
            what: "a Role does not reach another namespace", attributes: r(jane, "list", "pods", ns: "kube-system"),
            allowed: false),
        Case(what: "a Role does not reach cluster scope", attributes: r(jane, "list", "pods"), allowed: false),
        Case(
            what: "pods does not cover pods/status",
            attributes: r(jane, "get", "pods", sub: "status", ns: "default", name: "p"), allowed: false),
        Case(
            what: "resourceNames: the named configmap",
            attributes: r(jane, "update", "configmaps", ns: "default", name: "my-configmap"), allowed: true),
        Case(
            what: "resourceNames: another configmap",
            attributes: r(jane, "update", "configmaps", ns: "default", name: "other"), allowed: false),
        Case(
            what: "resourceNames: a list has no name", attributes: r(jane, "list", "configmaps", ns: "default"),
            allowed: false),
        Case(
            what: "group manager reads secrets everywhere",
            attributes: r(dave, "get", "secrets", ns: "kube-system", name: "s"), allowed: true),
        Case(what: "group manager reads secrets cluster-wide", attributes: r(dave, "list", "secrets"), allowed: true),
        Case(
            what: "a ClusterRole in a RoleBinding: its namespace",
            attributes: r(bob, "list", "secrets", ns: "development"), allowed: true),
        Case(
            what: "a ClusterRole in a RoleBinding: not elsewhere", attributes: r(bob, "list", "secrets", ns: "default"),
            allowed: false),
        Case(
            what: "subresource rule pods/log", attributes: r(bob, "get", "pods", sub: "log", ns: "default", name: "p"),
            allowed: true),
        Case(
            what: "*/status matches any status subresource",
            attributes: r(sa, "update", "deployments", group: "apps", sub: "status", ns: "default", name: "d"),
            allowed: true),
        Case(
            what: "*/status does not match the resource",
            attributes: r(sa, "update", "deployments", group: "apps", ns: "default", name: "d"), allowed: false),
        Case(
            what: "*/status does not match another group",
            attributes: r(sa, "update", "pods", sub: "status", ns: "default", name: "p"), allowed: false),
        Case(
            what: "a ServiceAccount subject without namespace takes the binding's",
            attributes: r(sa, "update", "statefulsets", group: "apps", sub: "status", ns: "default", name: "s"),
            allowed: true),
        Case(
            what: "aggregated ClusterRole grants its members' rules", attributes: r(sa, "watch", "services", ns: "x"),
            allowed: true),
        Case(
            what: "aggregated ClusterRole grants nothing else",
            attributes: r(sa, "delete", "services", ns: "x", name: "s"), allowed: false),
        Case(
            what: "non-resource URL exact", attributes: .nonResource(user: bob, verb: "get", path: "/healthz"),
            allowed: true),
        Case(
            what: "non-resource URL prefix*", attributes: .nonResource(user: bob, verb: "post", path: "/healthz/etcd"),
            allowed: true),
        Case(
            what: "non-resource URL verb", attributes: .nonResource(user: bob, verb: "delete", path: "/healthz"),
            allowed: false),
        Case(
            what: "system:discovery for the authenticated",
            attributes: .nonResource(user: jane, verb: "get", path: "/apis/apps/v1"), allowed: true),
        Case(
            what: "no discovery for anonymous", attributes: .nonResource(user: anonymous, verb: "get", path: "/api"),
            allowed: false),
        Case(
            what: "public-info-viewer for anonymous",
            attributes: .nonResource(user: anonymous, verb: "get", path: "/version"), allowed: true),
        Case(
            what: "no metrics for the authenticated",
            attributes: .nonResource(user: jane, verb: "get", path: "/metrics"), allowed: false),
        Case(
            what: "basic-user: self access review",
            attributes: r(jane, "create", "selfsubjectaccessreviews", group: "authorization.k8s.io"), allowed: true),
        Case(
            what: "basic-user: whoami",
            attributes: r(anonymous, "create", "selfsubjectreviews", group: "authentication.k8s.io"), allowed: false),
        Case(
            what: "cluster-admin via system:masters binding",
            attributes: r(UserInfo(name: "root", groups: ["system:masters"]), "delete", "nodes", name: "n"),
            allowed: true),
    ]

    @Test("decides", arguments: cases)
    func decides(_ c: Case) async {
        let rbac = RBACAuthorizer(source: StaticRBACSource(Self.snapshot))
        let result = await rbac.authorize(c.attributes)
        #expect(result.allowed == c.allowed, "\(result.reason)")
        #expect(result.decision != .deny, "RBAC never denies, it has no opinion")
    }

    @Test("an allow names the binding, role and subject")
    func allowReason() async {
        let rbac = RBACAuthorizer(source: StaticRBACSource(Self.snapshot))
        let result = await rbac.authorize(Self.r(Self.jane, "get", "pods", ns: "default", name: "p"))
        #expect(
            result.reason == #"RBAC: allowed by RoleBinding "read-pods/default" of Role "pod-reader" to User "jane""#)
        let sa = await rbac.authorize(Self.r(Self.sa, "list", "pods", ns: "x"))
        #expect(
            sa.reason
                == #"RBAC: allowed by ClusterRoleBinding "monitoring" of ClusterRole "monitoring" to ServiceAccount "robot/default""#
        )
    }

    @Test("a binding to a missing role is the denial's reason")
    func missingRole() async {
        let rbac = RBACAuthorizer(source: StaticRBACSource(Self.snapshot))
        let result = await rbac.authorize(Self.r(Self.bob, "list", "pods", ns: "staging"))
        #expect(result == AuthorizationResult(.noOpinion, #"RBAC: role.rbac.authorization.k8s.io "gone" not found"#))
    }

    @Test("rules for SelfSubjectRulesReview: cluster bindings then the namespace's")
    func rulesFor() async {
        let rbac = RBACAuthorizer(source: StaticRBACSource(Self.snapshot))
        let rules = await rbac.rules(for: Self.jane, namespace: "default")
        #expect(
            rules.rules.contains(PolicyRule(verbs: ["get", "watch", "list"], apiGroups: [""], resources: ["pods"])))
        #expect(
            rules.rules.contains(
                PolicyRule(verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"])))
        let elsewhere = await rbac.rules(for: Self.jane, namespace: "other")
        #expect(
            !elsewhere.rules.contains(
                PolicyRule(verbs: ["get", "watch", "list"], apiGroups: [""], resources: ["pods"])))
    }

    @Test("stored objects (JSON) parse into the same decisions")
    func fromJSON() async throws {
        let role = try JSONValue(
            parsing: Array(
                #"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r","namespace":"ns"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"],"resourceNames":["a"]}]}"#
                    .utf8))
        let binding = try JSONValue(
            parsing: Array(
                #"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"b","namespace":"ns"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"kind":"Group","name":"g","apiGroup":"rbac.authorization.k8s.io"}]}"#
                    .utf8))
        let snapshot = RBACSnapshot(clusterRoles: [], roles: [role], clusterRoleBindings: [], roleBindings: [binding])
        let rbac = RBACAuthorizer(source: StaticRBACSource(snapshot))
        let member = UserInfo(name: "x", groups: ["g"])
        #expect(await rbac.authorize(Self.r(member, "get", "configmaps", ns: "ns", name: "a")).allowed)
        #expect(!(await rbac.authorize(Self.r(member, "get", "configmaps", ns: "ns", name: "b")).allowed))
    }

    @Test("the chain: system:masters first, then the modes in order")
    func chain() async {
        let chain = AuthorizerChain.forModes([.rbac], rbac: StaticRBACSource(RBACSnapshot()), nodes: NoPods())
        #expect(
            await chain.authorize(Self.r(UserInfo(name: "x", groups: ["system:masters"]), "delete", "nodes")).allowed)
        #expect(!(await chain.authorize(Self.r(Self.jane, "get", "pods", ns: "default"))).allowed)
        let deny = AuthorizerChain.forModes(
            [.alwaysDeny, .alwaysAllow], rbac: StaticRBACSource(RBACSnapshot()), nodes: NoPods())
        #expect(
            await deny.authorize(Self.r(Self.jane, "get", "pods")).allowed,
            "AlwaysDeny has no opinion; the next decides")
        let only = AuthorizerChain.forModes([.alwaysDeny], rbac: StaticRBACSource(RBACSnapshot()), nodes: NoPods())
        #expect(
            await only.authorize(Self.r(Self.jane, "get", "pods"))
                == AuthorizationResult(.noOpinion, "Everything is forbidden."))
    }

    @Test("--authorization-mode parsing")
    func modes() throws {
        #expect(try AuthorizationMode.parseList("Node,RBAC") == [.node, .rbac])
        #expect(throws: AuthConfigurationError.self) { try AuthorizationMode.parseList("RBAC,Webhook") }
        #expect(throws: AuthConfigurationError.self) { try AuthorizationMode.parseList("RBAC,RBAC") }
    }
}

struct NoPods: NodeGraphSource {
    func pods(boundTo node: String) async throws -> [JSONValue] { [] }
    func object(_ gvr: GroupVersionResource, namespace: String, name: String) async throws -> JSONValue? { nil }
}
