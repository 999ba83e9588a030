import KubeModel

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The review APIs, answered from the request's user and the authorizer chain (nothing
/// is stored, as in kube-apiserver):
/// - `authorization.k8s.io/v1` SelfSubjectAccessReview (`kubectl auth can-i`),
///   SelfSubjectRulesReview (`kubectl auth can-i --list`), SubjectAccessReview (for
///   whoever may create them: the reviewed user comes from the spec);
/// - `authentication.k8s.io/v1` SelfSubjectReview (`kubectl auth whoami`).
public enum AccessReviews {
    /// The review resources, by group and resource name, with their kinds.
    public static let kinds: [String: [String: String]] = [
        "authorization.k8s.io": [
            "selfsubjectaccessreviews": "SelfSubjectAccessReview", "selfsubjectrulesreviews": "SelfSubjectRulesReview",
            "subjectaccessreviews": "SubjectAccessReview", "localsubjectaccessreviews": "LocalSubjectAccessReview",
        ],
        "authentication.k8s.io": ["selfsubjectreviews": "SelfSubjectReview"],
    ]

    /// Whether `group`/`version`/`resource` is a review this server answers.
    public static func handles(group: String, version: String, resource: String) -> Bool {
        version == "v1" && kinds[group]?[resource] != nil && resource != "localsubjectaccessreviews"
    }

    /// Answers a `create` of a review: 201 with the review and its status, or the Status error.
    public static func create(
        group: String, resource: String, body: [UInt8], user: UserInfo, authorizer: any Authorizer & RuleResolver,
        now: Date = Date()
    ) async -> Result<JSONValue, StatusError> {
        guard let kind = kinds[group]?[resource] else { return .failure(.noRoute()) }
        let object: JSONValue
        do {
            object = try JSONValue(parsing: body)
        } catch {
            return .failure(.badRequest("error decoding \(kind): \(error)"))
        }
        guard case .object = object else { return .failure(.badRequest("the body of \(kind) must be a JSON object")) }
        if let sentKind = object["kind"]?.stringValue, !sentKind.isEmpty, sentKind != kind {
            return .failure(
                .badRequest(
                    "the API version in the data (\(object["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(group)/v1)"
                )
            )
        }
        switch resource {
        case "selfsubjectreviews":
            return .success(selfSubjectReview(user: user, now: now))
        case "selfsubjectaccessreviews":
            return await accessReview(object, kind: kind, subject: user, authorizer: authorizer)
        case "subjectaccessreviews":
            let spec = object["spec"]
            var causes: [FieldError] = []
            let name = spec?["user"]?.stringValue ?? ""
            let groups = spec?["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if name.isEmpty && groups.isEmpty {
                causes.append(.invalid("spec.user", name, "at least one of user or group must be specified"))
            }
            var extra: [String: [String]] = [:]
            for (k, v) in spec?["extra"]?.objectValue ?? JSONObject() {
                extra[k] = v.arrayValue?.compactMap(\.stringValue) ?? []
            }
            let subject = UserInfo(name: name, uid: spec?["uid"]?.stringValue ?? "", groups: groups, extra: extra)
            return await accessReview(object, kind: kind, subject: subject, authorizer: authorizer, extraCauses: causes)
        case "selfsubjectrulesreviews":
            let namespace = object["spec"]?["namespace"]?.stringValue ?? ""
            let found = await authorizer.rules(for: user, namespace: namespace)
            var status = JSONObject()
            status.appendUnchecked(
                "resourceRules",
                .array(
                    found.rules.filter { !$0.resources.isEmpty }.map { rule in
                        var o = JSONObject()
                        o.appendUnchecked("verbs", .array(rule.verbs.map { .string($0) }))
                        if !rule.apiGroups.isEmpty {
                            o.appendUnchecked("apiGroups", .array(rule.apiGroups.map { .string($0) }))
                        }
                        o.appendUnchecked("resources", .array(rule.resources.map { .string($0) }))
                        if !rule.resourceNames.isEmpty {
                            o.appendUnchecked("resourceNames", .array(rule.resourceNames.map { .string($0) }))
                        }
                        return .object(o)
                    }))
            status.appendUnchecked(
                "nonResourceRules",
                .array(
                    found.rules.filter { !$0.nonResourceURLs.isEmpty }.map { rule in
                        [
                            "verbs": .array(rule.verbs.map { .string($0) }),
                            "nonResourceURLs": .array(rule.nonResourceURLs.map { .string($0) }),
                        ]
                    }))
            status.appendUnchecked("incomplete", .bool(found.incomplete))
            if !found.errors.isEmpty {
                status.appendUnchecked("evaluationError", .string(aggregate(found.errors)))
            }
            return .success(review(kind: kind, group: group, spec: object["spec"] ?? [:], status: .object(status)))
        default:
            return .failure(.noRoute())
        }
    }

    static func aggregate(_ errors: [String]) -> String {
        errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
    }

    /// SelfSubjectReview: the user as authenticated.
    static func selfSubjectReview(user: UserInfo, now: Date) -> JSONValue {
        var info = JSONObject()
        info.appendUnchecked("username", .string(user.name))
        if !user.uid.isEmpty { info.appendUnchecked("uid", .string(user.uid)) }
        if !user.groups.isEmpty { info.appendUnchecked("groups", .array(user.groups.map { .string($0) })) }
        if !user.extra.isEmpty {
            var extra = JSONObject()
            for key in user.extra.keys.sorted() {
                extra.appendUnchecked(key, .array((user.extra[key] ?? []).map { .string($0) }))
            }
            info.appendUnchecked("extra", .object(extra))
        }
        return [
            "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": ["creationTimestamp": .string(RFC3339.format(seconds: Int64(now.timeIntervalSince1970)) ?? "")],
            "status": ["userInfo": .object(info)],
        ]
    }

    /// (Self)SubjectAccessReview: validates the spec (exactly one of resourceAttributes
    /// and nonResourceAttributes; empty metadata) and asks the authorizer.
    static func accessReview(
        _ object: JSONValue, kind: String, subject: UserInfo, authorizer: any Authorizer & RuleResolver,
        extraCauses: [FieldError] = []
    ) async -> Result<JSONValue, StatusError> {
        let spec = object["spec"] ?? [:]
        let resourceAttributes = spec["resourceAttributes"].flatMap { $0.isNull ? nil : $0 }
        let nonResourceAttributes = spec["nonResourceAttributes"].flatMap { $0.isNull ? nil : $0 }
        var causes: [FieldError] = []
        if resourceAttributes != nil && nonResourceAttributes != nil {
            causes.append(
                .invalid(
                    "spec.nonResourceAttributes", "\(nonResourceAttributes ?? .null)",
                    "cannot be specified in combination with resourceAttributes"))
        }
        if resourceAttributes == nil && nonResourceAttributes == nil {
            causes.append(
                .invalid(
                    "spec.resourceAttributes", "null",
                    "exactly one of nonResourceAttributes or resourceAttributes must be specified"))
        }
        causes += extraCauses
        if let meta = object["metadata"]?.objectValue,
            meta.contains(where: { $0.key != "creationTimestamp" && $0.key != "managedFields" && !$0.value.isNull })
        {
            causes.append(.invalid("metadata", "\(JSONValue.object(meta))", "must be empty"))
        }
        guard causes.isEmpty else {
            return .failure(.invalid(kind: kind, group: "authorization.k8s.io", name: "", causes: causes))
        }
        let attributes: RequestAttributes
        if let r = resourceAttributes {
            let version = r["version"]?.stringValue ?? ""
            attributes = .resource(
                user: subject, verb: r["verb"]?.stringValue ?? "", group: r["group"]?.stringValue ?? "",
                version: version.isEmpty ? "*" : version, resource: r["resource"]?.stringValue ?? "",
                subresource: r["subresource"]?.stringValue ?? "", namespace: r["namespace"]?.stringValue ?? "",
                name: r["name"]?.stringValue ?? "")
        } else {
            let n = nonResourceAttributes ?? [:]
            attributes = .nonResource(
                user: subject, verb: n["verb"]?.stringValue ?? "", path: n["path"]?.stringValue ?? "")
        }
        let result = await authorizer.authorize(attributes)
        var status = JSONObject()
        status.appendUnchecked("allowed", .bool(result.decision == .allow))
        if result.decision == .deny { status.appendUnchecked("denied", true) }
        if !result.reason.isEmpty { status.appendUnchecked("reason", .string(result.reason)) }
        return .success(review(kind: kind, group: "authorization.k8s.io", spec: spec, status: .object(status)))
    }

    static func review(kind: String, group: String, spec: JSONValue, status: JSONValue) -> JSONValue {
        [
            "kind": .string(kind), "apiVersion": .string(group + "/v1"), "metadata": ["creationTimestamp": nil],
            "spec": spec, "status": status,
        ]
    }
}
