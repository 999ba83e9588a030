import KubeModel

/// The NodeRestriction admission plugin (kube-apiserver 1.32,
/// `plugin/pkg/admission/noderestriction`): what a node (`system:node:<name>` in
/// `system:nodes`) may write, beyond what the Node authorizer lets it reach. The front
/// applies it in two steps when the Node authorizer is on:
///
/// - ``check(_:graph:)`` from the request line alone, right after authorization: its own
///   Node only, deletion, eviction and status updates of pods bound to it only, no pod
///   update and no other pod subresource, PVC status only, leases in `kube-node-lease`;
/// - ``admit(_:node:graph:)`` with the object the write proposes (a patch applied to the
///   stored object): mirror pods only, owned by its Node; no label change through pod
///   status; PVC status changes limited to capacity, conditions and allocation; a Node
///   without configSource at creation, taints and configSource left as they are, and only
///   the labels a kubelet may set; tokens only for pods bound to it; leases and CSINodes
///   named after it.
///
/// Refusals are the plugin's 403 (`pods "x" is forbidden: node "n" …`); a referenced
/// object that does not exist is its 404.
public enum NodeRestriction {
    static let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
    static let mirrorAnnotation = "kubernetes.io/config.mirror"

    /// The limits that need only the request line (and stored pods).
    public static func check(_ a: RequestAttributes, graph: any NodeGraphSource) async -> StatusError? {
        guard a.isResourceRequest, ["create", "update", "patch", "delete"].contains(a.verb),
            let node = NodeAuthorizer.nodeIdentity(a.user)
        else { return nil }
        let refuse = { (message: String) in forbidden(a.resource, group: a.apiGroup, name: a.name, message) }
        guard !node.isEmpty else { return refuse("could not determine node from user \(goQuoted(a.user.name))") }
        let operation = a.verb == "patch" ? "UPDATE" : a.verb.uppercased()
        switch (a.apiGroup, a.resource) {
        case ("", "nodes"):
            if !a.name.isEmpty && a.name != node {
                return refuse("node \(goQuoted(node)) is not allowed to modify node \(goQuoted(a.name))")
            }
        case ("", "pods"):
            switch a.subresource {
            case "":
                switch operation {
                case "CREATE": break  // the body decides (``admit``)
                case "DELETE":
                    return await boundPod(a, graph: graph, node: node) {
                        refuse("node \(goQuoted(node)) can only delete pods with spec.nodeName set to itself")
                    }
                default:
                    return refuse(
                        "unexpected operation \(goQuoted(operation)), node \(goQuoted(node)) can only create and delete mirror pods"
                    )
                }
            case "status":
                guard operation == "UPDATE" else { return refuse("unexpected operation \(goQuoted(operation))") }
                return await boundPod(a, graph: graph, node: node) {
                    refuse(
                        "node \(goQuoted(node)) can only update pod status for pods with spec.nodeName set to itself")
                }
            case "eviction":
                guard operation == "CREATE" else { return refuse("unexpected operation \(operation)") }
                guard !a.name.isEmpty else { return nil }  // named in the Eviction body (``admit``)
                return await boundPod(a, graph: graph, node: node) {
                    refuse("node \(node) can only evict pods with spec.nodeName set to itself")
                }
            default:
                return refuse(
                    "unexpected pod subresource \(goQuoted(a.subresource)), only 'status' and 'eviction' are allowed")
            }
        case ("", "persistentvolumeclaims"):
            if a.subresource != "status" { return refuse("may only update PVC status") }
            if operation != "UPDATE" { return refuse("unexpected operation \(goQuoted(operation))") }
        case ("coordination.k8s.io", "leases"):
            if a.namespace != "kube-node-lease" {
                return refuse("can only access leases in the \"kube-node-lease\" system namespace")
            }
            if operation != "CREATE" && a.name != node {
                return refuse("can only access node lease with the same name as the requesting node")
            }
        case ("storage.k8s.io", "csinodes"):
            if operation != "CREATE" && a.name != node {
                return refuse("can only access CSINode with the same name as the requesting node")
            }
        default:
            break
        }
        return nil
    }

    /// Nil when the pod is bound to `node` (or absent: the write itself answers 404).
    static func boundPod(
        _ a: RequestAttributes, graph: any NodeGraphSource, node: String, refusal: () -> StatusError
    ) async -> StatusError? {
        let pod = try? await graph.object(NodeAuthorizer.pods, namespace: a.namespace, name: a.name)
        if let pod, pod["spec"]?["nodeName"]?.stringValue != node { return refusal() }
        return nil
    }

    /// A node's write with its body: `object` is what the write proposes (the body of a
    /// create or update, the stored object with the patch applied), `old` the stored
    /// object (update and patch).
    public struct Write: Sendable {
        public var verb: String
        public var apiGroup: String
        public var resource: String
        public var subresource: String
        public var namespace: String
        public var name: String
        public var object: JSONValue
        public var old: JSONValue?

        public init(
            verb: String, apiGroup: String, resource: String, subresource: String = "", namespace: String = "",
            name: String = "", object: JSONValue, old: JSONValue? = nil
        ) {
            self.verb = verb
            self.apiGroup = apiGroup
            self.resource = resource
            self.subresource = subresource
            self.namespace = namespace
            self.name = name
            self.object = object
            self.old = old
        }

        var isCreate: Bool { verb == "create" }
        var isUpdate: Bool { verb == "update" || verb == "patch" }
    }

    /// Whether ``admit(_:node:graph:)`` has something to say about a write of this kind
    /// (so the front reads the body and the stored object only for these).
    public static func needsObject(apiGroup: String, resource: String, subresource: String, verb: String) -> Bool {
        guard ["create", "update", "patch"].contains(verb) else { return false }
        switch (apiGroup, resource, subresource) {
        case ("", "pods", ""), ("", "pods", "eviction"): return verb == "create"
        case ("", "pods", "status"), ("", "persistentvolumeclaims", "status"): return verb != "create"
        case ("", "nodes", ""), ("", "nodes", "status"): return true
        case ("", "serviceaccounts", "token"): return verb == "create"
        case ("coordination.k8s.io", "leases", ""), ("storage.k8s.io", "csinodes", ""): return verb == "create"
        default: return false
        }
    }

    /// The limits that need the proposed object; nil when the write may go on.
    public static func admit(_ w: Write, node: String, graph: any NodeGraphSource) async -> StatusError? {
        let name = w.name.isEmpty ? (w.object["metadata"]?["name"]?.stringValue ?? "") : w.name
        let refuse = { (message: String) in forbidden(w.resource, group: w.apiGroup, name: name, message) }
        switch (w.apiGroup, w.resource, w.subresource) {
        case ("", "pods", "") where w.isCreate:
            return await podCreate(w.object, node: node, graph: graph, refuse: refuse)
        case ("", "pods", "eviction") where w.isCreate:
            // The pod named by the path, else by the Eviction.
            guard w.name.isEmpty else { return nil }
            guard !name.isEmpty else { return refuse("could not determine pod from request data") }
            let pod: JSONValue
            switch await lookup(graph, NodeAuthorizer.pods, namespace: w.namespace, name: name) {
            case .failure(let error): return error
            case .success(let found): pod = found
            }
            if pod["spec"]?["nodeName"]?.stringValue != node {
                return refuse("node \(node) can only evict pods with spec.nodeName set to itself")
            }
        case ("", "pods", "status") where w.isUpdate:
            guard let old = w.old else { return nil }
            if old["spec"]?["nodeName"]?.stringValue != node {
                return refuse(
                    "node \(goQuoted(node)) can only update pod status for pods with spec.nodeName set to itself")
            }
            if labels(old) != labels(w.object) {
                return refuse("node \(goQuoted(node)) cannot update labels through pod status")
            }
            if !resourceClaimStatusesEqual(old, w.object) {
                return refuse("node \(goQuoted(node)) cannot update resource claim statues")
            }
        case ("", "persistentvolumeclaims", "status") where w.isUpdate:
            guard let old = w.old else { return nil }
            if pvcOutsideStatus(old) != pvcOutsideStatus(w.object) {
                return refuse(
                    "node \(goQuoted(node)) is not allowed to update fields other than status.capacity and status.conditions"
                )
            }
        case ("", "nodes", _):
            return nodeWrite(w, node: node, name: name, refuse: refuse)
        case ("", "serviceaccounts", "token") where w.isCreate:
            return await tokenRequest(w, node: node, graph: graph, refuse: refuse)
        case ("coordination.k8s.io", "leases", "") where w.isCreate:
            if name != node { return refuse("can only access node lease with the same name as the requesting node") }
        case ("storage.k8s.io", "csinodes", "") where w.isCreate:
            if name != node { return refuse("can only access CSINode with the same name as the requesting node") }
        default:
            break
        }
        return nil
    }

    /// `admitPodCreate`: a mirror pod (the `kubernetes.io/config.mirror` annotation),
    /// bound to the node, with exactly one owner reference — the node's own Node, as its
    /// controller, without blockOwnerDeletion, with the Node's uid — referencing no
    /// ServiceAccount, Secret, ConfigMap, ClusterTrustBundle or PersistentVolumeClaim.
    static func podCreate(
        _ pod: JSONValue, node: String, graph: any NodeGraphSource, refuse: (String) -> StatusError
    ) async -> StatusError? {
        let n = goQuoted(node)
        guard pod["metadata"]?["annotations"]?[mirrorAnnotation] != nil else {
            return refuse(
                "pod does not have \(goQuoted(mirrorAnnotation)) annotation, node \(n) can only create mirror pods")
        }
        guard pod["spec"]?["nodeName"]?.stringValue == node else {
            return refuse("node \(n) can only create pods with spec.nodeName set to itself")
        }
        let owners = pod["metadata"]?["ownerReferences"]?.arrayValue ?? []
        if owners.count > 1 {
            return refuse("node \(n) can only create pods with a single owner reference set to itself")
        }
        guard let owner = owners.first else {
            return refuse("node \(n) can only create pods with an owner reference set to itself")
        }
        guard owner["apiVersion"]?.stringValue == "v1", owner["kind"]?.stringValue == "Node",
            owner["name"]?.stringValue == node
        else { return refuse("node \(n) can only create pods with an owner reference set to itself") }
        guard owner["controller"]?.boolValue == true else {
            return refuse("node \(n) can only create pods with a controller owner reference set to itself")
        }
        if owner["blockOwnerDeletion"]?.boolValue == true {
            return refuse("node \(n) must not set blockOwnerDeletion on an owner reference")
        }
        let nodeObject: JSONValue
        switch await lookup(graph, nodes, namespace: "", name: node) {
        case .failure(let error): return error
        case .success(let found): nodeObject = found
        }
        let expected = owner["uid"]?.stringValue ?? ""
        let actual = nodeObject["metadata"]?["uid"]?.stringValue ?? ""
        if expected != actual { return refuse("node \(node) UID mismatch: expected \(expected) got \(actual)") }

        if let sa = pod["spec"]?["serviceAccountName"]?.stringValue, !sa.isEmpty {
            return refuse("node \(n) can not create pods that reference a service account")
        }
        let references = PodReferences(pod)
        if !references.secrets.isEmpty { return refuse("node \(n) can not create pods that reference secrets") }
        if !references.configMaps.isEmpty { return refuse("node \(n) can not create pods that reference configmaps") }
        let volumes = pod["spec"]?["volumes"]?.arrayValue ?? []
        let trustBundles = volumes.contains { volume in
            (volume["projected"]?["sources"]?.arrayValue ?? []).contains { $0["clusterTrustBundle"] != nil }
        }
        if trustBundles { return refuse("node \(n) can not create pods that reference clustertrustbundles") }
        if volumes.contains(where: { $0["persistentVolumeClaim"] != nil }) {
            return refuse("node \(n) can not create pods that reference persistentvolumeclaims")
        }
        return nil
    }

    /// `admitNode`: its own Node only; created without configSource and only with
    /// labels a kubelet may set; on update configSource not changed to a new non-nil
    /// value, taints unchanged, and no label outside the kubelet's set added, changed or
    /// removed.
    static func nodeWrite(_ w: Write, node: String, name: String, refuse: (String) -> StatusError) -> StatusError? {
        if name != node { return refuse("node \(goQuoted(node)) is not allowed to modify node \(goQuoted(name))") }
        let spec = w.object["spec"]
        if w.isCreate {
            if let source = spec?["configSource"], source != .null {
                return refuse("node \(goQuoted(node)) is not allowed to create pods with a non-nil configSource")
            }
            let forbidden = forbiddenLabels(modifiedLabels(labels(w.object), [:]))
            if !forbidden.isEmpty {
                return refuse(
                    "node \(goQuoted(node)) is not allowed to set the following labels: \(forbidden.joined(separator: ", "))"
                )
            }
        } else if let old = w.old {
            if let source = spec?["configSource"], source != .null, source != old["spec"]?["configSource"] {
                return refuse(
                    "node \(goQuoted(node)) is not allowed to update configSource to a new non-nil configSource")
            }
            if nonEmpty(spec?["taints"]) != nonEmpty(old["spec"]?["taints"]) {
                return refuse("node \(goQuoted(node)) is not allowed to modify taints")
            }
            let forbidden = forbiddenLabels(modifiedLabels(labels(w.object), labels(old)))
            if !forbidden.isEmpty {
                return refuse("is not allowed to modify labels: \(forbidden.joined(separator: ", "))")
            }
        }
        return nil
    }

    /// `admitServiceAccount`: a node's TokenRequest must be bound to a pod (by name and
    /// uid) that exists with that uid and is bound to the node.
    static func tokenRequest(
        _ w: Write, node: String, graph: any NodeGraphSource, refuse: (String) -> StatusError
    ) async -> StatusError? {
        let ref = w.object["spec"]?["boundObjectRef"]
        guard let ref, ref["apiVersion"]?.stringValue == "v1", ref["kind"]?.stringValue == "Pod",
            let podName = ref["name"]?.stringValue, !podName.isEmpty
        else { return refuse("node requested token not bound to a pod") }
        guard let uid = ref["uid"]?.stringValue, !uid.isEmpty else {
            return refuse("node requested token with a pod binding without a uid")
        }
        let pod: JSONValue
        switch await lookup(graph, NodeAuthorizer.pods, namespace: w.namespace, name: podName) {
        case .failure(let error): return error
        case .success(let found): pod = found
        }
        if pod["metadata"]?["uid"]?.stringValue != uid {
            return refuse(
                "the UID in the bound object reference (\(uid)) does not match the UID in record. The object might have been deleted and then recreated"
            )
        }
        if pod["spec"]?["nodeName"]?.stringValue != node {
            return refuse("node requested token bound to a pod scheduled on a different node")
        }
        return nil
    }

    /// A referenced object: 404 when it does not exist (the plugin returns the lister's
    /// NotFound), the source's error when it cannot say (an offline edge: 503).
    static func lookup(_ graph: any NodeGraphSource, _ gvr: GroupVersionResource, namespace: String, name: String)
        async -> Result<JSONValue, StatusError>
    {
        do {
            guard let object = try await graph.object(gvr, namespace: namespace, name: name) else {
                return .failure(StatusError.notFound((gvr.group, gvr.resource), name: name))
            }
            return .success(object)
        } catch let error as StatusError {
            return .failure(error)
        } catch {
            return .failure(StatusError(code: 500, reason: "InternalError", message: "\(error)"))
        }
    }

    // MARK: labels

    /// The labels a kubelet may set on its own Node (`k8s.io/kubelet/pkg/apis`,
    /// `kubeletLabels`).
    static let kubeletLabels: Set<String> = [
        "kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type", "kubernetes.io/os",
        "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
    ]
    /// Label namespaces (and their subdomains) a kubelet may set (`kubeletLabelNamespaces`).
    static let kubeletLabelNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"]
    /// The label namespace no kubelet may set (`LabelNamespaceNodeRestriction`).
    static let nodeRestrictionNamespace = "node-restriction.kubernetes.io"

    /// The prefix of a label key (before `/`), empty without one.
    static func labelNamespace(_ key: String) -> String {
        guard let slash = key.firstIndex(of: "/") else { return "" }
        return String(key[..<slash])
    }

    static func inNamespace(_ namespace: String, _ domain: String) -> Bool {
        namespace == domain || namespace.hasSuffix("." + domain)
    }

    /// `kubeletapis.IsKubeletLabel`.
    public static func isKubeletLabel(_ key: String) -> Bool {
        if kubeletLabels.contains(key) { return true }
        let namespace = labelNamespace(key)
        return kubeletLabelNamespaces.contains { inNamespace(namespace, $0) }
    }

    /// Label keys whose presence or value differ between the two sets.
    static func modifiedLabels(_ a: [String: String], _ b: [String: String]) -> Set<String> {
        var modified: Set<String> = []
        for (k, v) in a where b[k] != v { modified.insert(k) }
        for (k, v) in b where a[k] != v { modified.insert(k) }
        return modified
    }

    /// `getForbiddenLabels`, sorted: labels in `node-restriction.kubernetes.io` (and its
    /// subdomains), and `kubernetes.io`/`k8s.io` labels that are not kubelet labels.
    public static func forbiddenLabels(_ modified: Set<String>) -> [String] {
        modified.filter { key in
            let namespace = labelNamespace(key)
            if inNamespace(namespace, nodeRestrictionNamespace) { return true }
            let kubernetes = inNamespace(namespace, "kubernetes.io") || inNamespace(namespace, "k8s.io")
            return kubernetes && !isKubeletLabel(key)
        }.sorted()
    }

    static func labels(_ object: JSONValue) -> [String: String] {
        var result: [String: String] = [:]
        for (k, v) in object["metadata"]?["labels"]?.objectValue ?? JSONObject() {
            result[k] = v.stringValue ?? ""
        }
        return result
    }

    /// An absent, null or empty list compare equal (Go's semantic DeepEqual of a nil and
    /// an empty slice after decoding drops both).
    static func nonEmpty(_ value: JSONValue?) -> JSONValue? {
        guard let value, value != .null else { return nil }
        if let array = value.arrayValue, array.isEmpty { return nil }
        return value
    }

    /// `resourceClaimStatusesEqual`: the same names and claim names, in order.
    static func resourceClaimStatusesEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func entries(_ pod: JSONValue) -> [[String?]] {
            (pod["status"]?["resourceClaimStatuses"]?.arrayValue ?? []).map {
                [$0["name"]?.stringValue, $0["resourceClaimName"]?.stringValue]
            }
        }
        return entries(a) == entries(b)
    }

    /// A PVC without what a node may change (resourceVersion, managedFields,
    /// status.capacity, status.conditions, and with RecoverVolumeExpansionFailure — on
    /// by default in 1.32 — status.allocatedResources and status.allocatedResourceStatuses).
    static func pvcOutsideStatus(_ pvc: JSONValue) -> JSONValue {
        var copy = pvc
        if var metadata = copy["metadata"]?.objectValue {
            metadata["resourceVersion"] = nil
            metadata["managedFields"] = nil
            copy["metadata"] = .object(metadata)
        }
        if var status = copy["status"]?.objectValue {
            for key in ["capacity", "conditions", "allocatedResources", "allocatedResourceStatuses"] {
                status[key] = nil
            }
            copy["status"] = status.isEmpty ? nil : .object(status)
        }
        return copy
    }

    static func forbidden(_ resource: String, group: String, name: String, _ message: String) -> StatusError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        return StatusError(
            code: 403, reason: "Forbidden",
            message: name.isEmpty
                ? "\(qualified) is forbidden: \(message)" : "\(qualified) \(goQuoted(name)) is forbidden: \(message)",
            details: StatusDetails(name: name, group: group, kind: resource))
    }
}
