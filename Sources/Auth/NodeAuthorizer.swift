import KubeModel
import Projections

/// The pods bound to a node, and the objects the Node authorizer looks up, from wherever
/// they are kept.
public protocol NodeGraphSource: Sendable {
    /// The pods whose `spec.nodeName` is `node`.
    func pods(boundTo node: String) async throws -> [JSONValue]
    /// One stored object, nil when absent.
    func object(_ gvr: GroupVersionResource, namespace: String, name: String) async throws -> JSONValue?
}

/// Reads the node graph from the projections (computed per request instead of kept as a
/// graph: the pods bound to the node, then what they reference).
public struct StoreNodeGraph: NodeGraphSource {
    let store: ObjectStore
    public init(store: ObjectStore) { self.store = store }

    public func pods(boundTo node: String) async throws -> [JSONValue] {
        let selector = try FieldSelector(parsing: "spec.nodeName=" + node)
        return try await store.list(NodeAuthorizer.pods, ListOptions(fieldSelector: selector)).items.map {
            try JSONValue(parsing: $0)
        }
    }

    public func object(_ gvr: GroupVersionResource, namespace: String, name: String) async throws -> JSONValue? {
        try store.get(gvr, namespace: namespace, name: name).map { try $0.json() }
    }
}

/// `--authorization-mode=Node`: a kubelet (`system:node:<name>` in `system:nodes`) may
/// read the Secrets, ConfigMaps, PersistentVolumeClaims and PersistentVolumes its pods
/// use, create tokens for their ServiceAccounts, read and write its own Node, Lease and
/// CSINode, read its pods (a list or watch only with `spec.nodeName=<node>`), update their
/// status, create events — the rules of the apiserver's `NodeAuthorizer` and the
/// `system:node` policy rules — and nothing else. Others get no opinion.
///
/// The write limits of the NodeRestriction admission plugin that depend only on stored
/// objects are checked here too (``NodeRestriction``).
public struct NodeAuthorizer: Authorizer, RuleResolver {
    public var graph: any NodeGraphSource

    public init(graph: any NodeGraphSource) { self.graph = graph }

    static let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
    static let pvcs = GroupVersionResource(group: "", version: "v1", resource: "persistentvolumeclaims")
    static let volumeAttachments = GroupVersionResource(
        group: "storage.k8s.io", version: "v1", resource: "volumeattachments")

    /// The node a user is, when it is one: `system:node:<name>` in `system:nodes` (the
    /// name may be empty: an unknown node).
    public static func nodeIdentity(_ user: UserInfo) -> String? {
        guard user.groups.contains(SystemUsers.nodesGroup), user.name.hasPrefix(SystemUsers.nodeUserPrefix) else {
            return nil
        }
        return String(user.name.dropFirst(SystemUsers.nodeUserPrefix.count))
    }

    /// The `system:node` rules (bootstrap policy's `NodeRules`) that apply once the
    /// object-specific checks had nothing to say.
    public static let nodeRules: [PolicyRule] = [
        PolicyRule(verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"]),
        PolicyRule(
            verbs: ["create"], apiGroups: ["authorization.k8s.io"],
            resources: ["subjectaccessreviews", "localsubjectaccessreviews"]),
        PolicyRule(verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["services"]),
        PolicyRule(verbs: ["create", "get", "list", "watch"], apiGroups: [""], resources: ["nodes"]),
        PolicyRule(verbs: ["update", "patch"], apiGroups: [""], resources: ["nodes/status"]),
        PolicyRule(verbs: ["update", "patch"], apiGroups: [""], resources: ["nodes"]),
        PolicyRule(verbs: ["create", "update", "patch"], apiGroups: [""], resources: ["events"]),
        PolicyRule(verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["pods"]),
        PolicyRule(verbs: ["create", "delete"], apiGroups: [""], resources: ["pods"]),
        PolicyRule(verbs: ["update", "patch"], apiGroups: [""], resources: ["pods/status"]),
        PolicyRule(verbs: ["create"], apiGroups: [""], resources: ["pods/eviction"]),
        PolicyRule(verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["secrets", "configmaps"]),
        PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["persistentvolumeclaims", "persistentvolumes"]),
        PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["endpoints"]),
        PolicyRule(
            verbs: ["create", "get", "list", "watch"], apiGroups: ["certificates.k8s.io"],
            resources: ["certificatesigningrequests"]),
        PolicyRule(
            verbs: ["get", "create", "update", "patch", "delete"], apiGroups: ["coordination.k8s.io"],
            resources: ["leases"]),
        PolicyRule(verbs: ["get"], apiGroups: ["storage.k8s.io"], resources: ["volumeattachments"]),
        PolicyRule(verbs: ["create"], apiGroups: [""], resources: ["serviceaccounts/token"]),
        PolicyRule(verbs: ["get", "update", "patch"], apiGroups: [""], resources: ["persistentvolumeclaims/status"]),
        PolicyRule(verbs: ["get", "watch", "list"], apiGroups: ["storage.k8s.io"], resources: ["csidrivers"]),
        PolicyRule(
            verbs: ["get", "create", "update", "patch", "delete"], apiGroups: ["storage.k8s.io"],
            resources: ["csinodes"]),
        PolicyRule(verbs: ["get", "list", "watch"], apiGroups: ["node.k8s.io"], resources: ["runtimeclasses"]),
    ]

    public func authorize(_ a: RequestAttributes) async -> AuthorizationResult {
        guard let node = Self.nodeIdentity(a.user) else { return AuthorizationResult(.noOpinion) }
        guard !node.isEmpty else {
            return AuthorizationResult(.noOpinion, "unknown node for user \(goQuoted(a.user.name))")
        }
        if a.isResourceRequest {
            switch (a.apiGroup, a.resource) {
            case ("", "secrets"), ("", "configmaps"):
                return await readNamespacedObject(node, a)
            case ("", "persistentvolumeclaims"):
                if a.subresource == "status" { return await statusUpdate(node, a) }
                return await getOnly(node, a)
            case ("", "persistentvolumes"), ("storage.k8s.io", "volumeattachments"):
                return await getOnly(node, a)
            case ("", "serviceaccounts"):
                return await createToken(node, a)
            case ("coordination.k8s.io", "leases"):
                return lease(node, a)
            case ("storage.k8s.io", "csinodes"):
                return csiNode(node, a)
            case ("", "nodes"):
                return nodeObject(node, a)
            case ("", "pods"):
                return await pod(node, a)
            default:
                break
            }
        }
        if Self.nodeRules.contains(where: { $0.allows(a) }) { return AuthorizationResult(.allow) }
        return AuthorizationResult(.noOpinion)
    }

    public func rules(for user: UserInfo, namespace: String) async -> ResolvedRules {
        guard let node = Self.nodeIdentity(user), !node.isEmpty else { return ResolvedRules() }
        // Object-specific decisions cannot be listed as rules.
        return ResolvedRules(rules: Self.nodeRules, incomplete: true)
    }

    func noRelationship(_ node: String) -> AuthorizationResult {
        AuthorizationResult(.noOpinion, "no relationship found between node '\(node)' and this object")
    }

    func statusUpdate(_ node: String, _ a: RequestAttributes) async -> AuthorizationResult {
        guard a.verb == "update" || a.verb == "patch" else {
            return AuthorizationResult(.noOpinion, "can only get/update/patch this type")
        }
        return await related(node, a)
    }

    func getOnly(_ node: String, _ a: RequestAttributes) async -> AuthorizationResult {
        guard a.verb == "get" else {
            return AuthorizationResult(.noOpinion, "can only get individual resources of this type")
        }
        guard a.subresource.isEmpty else { return AuthorizationResult(.noOpinion, "cannot get subresource") }
        return await related(node, a)
    }

    func readNamespacedObject(_ node: String, _ a: RequestAttributes) async -> AuthorizationResult {
        guard ["get", "list", "watch"].contains(a.verb) else {
            return AuthorizationResult(.noOpinion, "can only read resources of this type")
        }
        guard a.subresource.isEmpty else { return AuthorizationResult(.noOpinion, "cannot read subresource") }
        guard !a.namespace.isEmpty else {
            return AuthorizationResult(.noOpinion, "can only read namespaced object of this type")
        }
        return await related(node, a)
    }

    func createToken(_ node: String, _ a: RequestAttributes) async -> AuthorizationResult {
        guard a.verb == "create", !a.name.isEmpty else {
            return AuthorizationResult(.noOpinion, "can only create tokens for individual service accounts")
        }
        guard a.subresource == "token" else {
            return AuthorizationResult(.noOpinion, "can only create token subresource of serviceaccount")
        }
        return await related(node, a)
    }

    func lease(_ node: String, _ a: RequestAttributes) -> AuthorizationResult {
        guard ["get", "create", "update", "patch", "delete"].contains(a.verb) else {
            return AuthorizationResult(.noOpinion, "can only get, create, update, patch, or delete a node lease")
        }
        guard a.namespace == "kube-node-lease" else {
            return AuthorizationResult(.noOpinion, "can only access leases in the \"kube-node-lease\" system namespace")
        }
        guard a.verb == "create" || a.name == node else {
            return AuthorizationResult(
                .noOpinion, "can only access node lease with the same name as the requesting node")
        }
        return AuthorizationResult(.allow)
    }

    func csiNode(_ node: String, _ a: RequestAttributes) -> AuthorizationResult {
        guard ["get", "create", "update", "patch", "delete"].contains(a.verb) else {
            return AuthorizationResult(.noOpinion, "can only get, create, update, patch, or delete a CSINode")
        }
        guard a.subresource.isEmpty else {
            return AuthorizationResult(.noOpinion, "cannot authorize CSINode subresources")
        }
        guard a.verb == "create" || a.name == node else {
            return AuthorizationResult(.noOpinion, "can only access CSINode with the same name as the requesting node")
        }
        return AuthorizationResult(.allow)
    }

    /// The Node object (with the AuthorizeNodeWithSelectors rules, on in 1.32).
    func nodeObject(_ node: String, _ a: RequestAttributes) -> AuthorizationResult {
        switch a.subresource {
        case "":
            switch a.verb {
            case "create", "update", "patch": return AuthorizationResult(.allow)
            case "get", "list", "watch":
                if a.name == node { return AuthorizationResult(.allow) }
                if a.name.isEmpty {
                    return AuthorizationResult(
                        .noOpinion, "node '\(node)' cannot read all nodes, only its own Node object")
                }
                return AuthorizationResult(
                    .noOpinion, "node '\(node)' cannot read '\(a.name)', only its own Node object")
            default: break
            }
        case "status":
            if a.verb == "update" || a.verb == "patch" { return AuthorizationResult(.allow) }
        default: break
        }
        return AuthorizationResult(.noOpinion)
    }

    /// Pods (with the AuthorizeNodeWithSelectors rules): get a bound pod; list and watch
    /// only with a `spec.nodeName=<node>` field selector (or naming a bound pod).
    func pod(_ node: String, _ a: RequestAttributes) async -> AuthorizationResult {
        switch a.subresource {
        case "":
            switch a.verb {
            case "get": return await getOnly(node, a)
            case "list", "watch":
                if FieldSelectorTerms.requires(a.fieldSelector, field: "spec.nodeName", value: node) {
                    return AuthorizationResult(.allow)
                }
                if !a.name.isEmpty { return await related(node, a) }
                return AuthorizationResult(.noOpinion, "can only list/watch pods with spec.nodeName field selector")
            case "create", "delete": return AuthorizationResult(.allow)
            default: break
            }
        case "status":
            if a.verb == "update" || a.verb == "patch" { return AuthorizationResult(.allow) }
        case "eviction":
            if a.verb == "create" { return AuthorizationResult(.allow) }
        default: break
        }
        return AuthorizationResult(.noOpinion)
    }

    /// Whether the object is reachable from the node in the apiserver's graph: a pod
    /// bound to it, or what such a pod references.
    func related(_ node: String, _ a: RequestAttributes) async -> AuthorizationResult {
        guard !a.name.isEmpty else { return AuthorizationResult(.noOpinion, "No Object name found") }
        guard let pods = try? await graph.pods(boundTo: node) else { return noRelationship(node) }
        let found: Bool
        switch (a.apiGroup, a.resource) {
        case ("", "pods"):
            found = pods.contains {
                $0["metadata"]?["namespace"]?.stringValue == a.namespace
                    && $0["metadata"]?["name"]?.stringValue == a.name
            }
        case ("", "persistentvolumes"):
            var claims: Set<[String]> = []
            for pod in pods {
                let ns = pod["metadata"]?["namespace"]?.stringValue ?? ""
                for claim in PodReferences(pod).claims { claims.insert([ns, claim]) }
            }
            var bound = false
            for claim in claims {
                if let pvc = try? await graph.object(Self.pvcs, namespace: claim[0], name: claim[1]),
                    pvc["spec"]?["volumeName"]?.stringValue == a.name
                {
                    bound = true
                    break
                }
            }
            found = bound
        case ("storage.k8s.io", "volumeattachments"):
            let va = try? await graph.object(Self.volumeAttachments, namespace: "", name: a.name)
            found = !pods.isEmpty && va?["spec"]?["nodeName"]?.stringValue == node
        default:
            found = pods.contains { pod in
                guard pod["metadata"]?["namespace"]?.stringValue == a.namespace else { return false }
                let refs = PodReferences(pod)
                switch a.resource {
                case "secrets": return refs.secrets.contains(a.name)
                case "configmaps": return refs.configMaps.contains(a.name)
                case "persistentvolumeclaims": return refs.claims.contains(a.name)
                case "serviceaccounts": return refs.serviceAccount == a.name
                default: return false
                }
            }
        }
        return found ? AuthorizationResult(.allow) : noRelationship(node)
    }
}

/// What a pod references (the edges the apiserver's node graph adds for a pod):
/// volumes (secret, configMap, projected sources, persistentVolumeClaim, ephemeral
/// claims named `<pod>-<volume>`), `env`/`envFrom` of every container kind, image pull
/// secrets, and its ServiceAccount.
struct PodReferences {
    var secrets: Set<String> = []
    var configMaps: Set<String> = []
    var claims: Set<String> = []
    var serviceAccount: String

    init(_ pod: JSONValue) {
        let spec = pod["spec"]
        let podName = pod["metadata"]?["name"]?.stringValue ?? ""
        serviceAccount = spec?["serviceAccountName"]?.stringValue ?? "default"
        if serviceAccount.isEmpty { serviceAccount = "default" }
        for secret in spec?["imagePullSecrets"]?.arrayValue ?? [] {
            if let name = secret["name"]?.stringValue { secrets.insert(name) }
        }
        for volume in spec?["volumes"]?.arrayValue ?? [] {
            if let name = volume["secret"]?["secretName"]?.stringValue { secrets.insert(name) }
            if let name = volume["configMap"]?["name"]?.stringValue { configMaps.insert(name) }
            if let name = volume["persistentVolumeClaim"]?["claimName"]?.stringValue { claims.insert(name) }
            if volume["ephemeral"] != nil, let name = volume["name"]?.stringValue {
                claims.insert(podName + "-" + name)
            }
            for source in volume["projected"]?["sources"]?.arrayValue ?? [] {
                if let name = source["secret"]?["name"]?.stringValue { secrets.insert(name) }
                if let name = source["configMap"]?["name"]?.stringValue { configMaps.insert(name) }
            }
            for key in ["azureFile", "cephfs", "cinder", "flexVolume", "rbd", "scaleIO", "storageos", "iscsi", "csi"] {
                if let name = volume[key]?["secretRef"]?["name"]?.stringValue
                    ?? volume[key]?["nodePublishSecretRef"]?["name"]?.stringValue
                    ?? volume[key]?["secretName"]?.stringValue
                {
                    secrets.insert(name)
                }
            }
        }
        for kind in ["initContainers", "containers", "ephemeralContainers"] {
            for container in spec?[kind]?.arrayValue ?? [] {
                for env in container["env"]?.arrayValue ?? [] {
                    if let name = env["valueFrom"]?["secretKeyRef"]?["name"]?.stringValue { secrets.insert(name) }
                    if let name = env["valueFrom"]?["configMapKeyRef"]?["name"]?.stringValue { configMaps.insert(name) }
                }
                for from in container["envFrom"]?.arrayValue ?? [] {
                    if let name = from["secretRef"]?["name"]?.stringValue { secrets.insert(name) }
                    if let name = from["configMapRef"]?["name"]?.stringValue { configMaps.insert(name) }
                }
            }
        }
    }
}

/// Field selector terms as authorization reads them (`fields.ParseSelector(...).Requirements()`).
enum FieldSelectorTerms {
    /// Whether the raw selector has the requirement `field=value` (or `field==value`).
    static func requires(_ selector: String, field: String, value: String) -> Bool {
        selector.split(separator: ",").contains { term in
            let t = term.drop(while: { $0 == " " })
            return t == "\(field)=\(value)" || t == "\(field)==\(value)"
        }
    }
}
