import KubeModel
import Testing

@testable import Auth

/// The review APIs `kubectl auth can-i` and `kubectl auth whoami` use.
@Suite("Access reviews")
struct AccessReviewTests {
    static let jane = UserInfo(name: "jane", uid: "7", groups: ["dev", "system:authenticated"])
    static let authorizer = AuthorizerChain.forModes(
        [.rbac],
        rbac: StaticRBACSource(
            RBACSnapshot(
                roles: [
                    RBACRole(
                        name: "r", namespace: "default",
                        rules: [PolicyRule(verbs: ["list"], apiGroups: [""], resources: ["pods"])])
                ],
                roleBindings: [
                    RBACBinding(
                        name: "b", namespace: "default", roleKind: "Role", roleName: "r",
                        subjects: [RBACSubject(kind: "User", name: "jane")])
                ])),
        nodes: NoPods())

    func create(_ resource: String, group: String = "authorization.k8s.io", _ body: String, user: UserInfo = jane) async
        -> Result<JSONValue, StatusError>
    {
        await AccessReviews.create(
            group: group, resource: resource, body: Array(body.utf8), user: user, authorizer: Self.authorizer)
    }

    @Test("SelfSubjectAccessReview: allowed and not allowed")
    func selfAccess() async throws {
        let yes = try await create(
            "selfsubjectaccessreviews",
            #"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}"#
        ).get()
        #expect(yes["status"]?["allowed"] == .bool(true))
        #expect(
            yes["status"]?["reason"]?.stringValue
                == #"RBAC: allowed by RoleBinding "b/default" of Role "r" to User "jane""#)
        #expect(yes["kind"]?.stringValue == "SelfSubjectAccessReview")
        let no = try await create(
            "selfsubjectaccessreviews",
            #"{"spec":{"resourceAttributes":{"namespace":"default","verb":"delete","resource":"pods"}}}"#
        ).get()
        #expect(no["status"] == ["allowed": false])
    }

    @Test("SelfSubjectAccessReview: exactly one kind of attributes")
    func invalid() async {
        guard case .failure(let error) = await create("selfsubjectaccessreviews", #"{"spec":{}}"#) else {
            Issue.record("an empty spec is invalid")
            return
        }
        #expect(error.code == 422)
        #expect(
            error.message
                == #"SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified"#
        )
    }

    @Test("SubjectAccessReview asks about the spec's user")
    func subjectAccess() async throws {
        let review = try await create(
            "subjectaccessreviews",
            #"{"spec":{"user":"jane","resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}"#,
            user: UserInfo(name: "admin", groups: ["system:masters"])
        ).get()
        #expect(review["status"]?["allowed"] == .bool(true))
    }

    @Test("SelfSubjectReview returns the user")
    func whoami() async throws {
        let review = try await create(
            "selfsubjectreviews", group: "authentication.k8s.io",
            #"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#
        ).get()
        #expect(
            review["status"]?["userInfo"] == [
                "username": "jane", "uid": "7", "groups": ["dev", "system:authenticated"],
            ])
        #expect(review["apiVersion"]?.stringValue == "authentication.k8s.io/v1")
    }

    @Test("SelfSubjectRulesReview lists the rules in the namespace")
    func rules() async throws {
        let review = try await create("selfsubjectrulesreviews", #"{"spec":{"namespace":"default"}}"#).get()
        #expect(review["status"]?["resourceRules"] == [["verbs": ["list"], "apiGroups": [""], "resources": ["pods"]]])
        #expect(review["status"]?["incomplete"] == .bool(false))
    }
}
