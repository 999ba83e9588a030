import KubeModel
import Testing

@testable import Auth

/// NodeRestriction as kube-apiserver 1.32 applies it (`plugin/pkg/admission/noderestriction`);
/// the cases carry the names of `Test_nodePlugin_Admit` in its admission_test.go.
@Suite("NodeRestriction")
struct NodeRestrictionTests {
    static let mynode = UserInfo(name: "system:node:mynode", groups: ["system:nodes"])

    static func json(_ text: String) -> JSONValue {
        (try? JSONValue(parsing: Array(text.utf8))) ?? .null
    }

    /// The stored objects: Node `mynode` (uid `mynode-uid`), pods bound to it and to another node.
    struct Objects: NodeGraphSource {
        func pods(boundTo node: String) async throws -> [JSONValue] { [] }
        func object(_ gvr: GroupVersionResource, namespace: String, name: String) async throws -> JSONValue? {
            switch (gvr.resource, name) {
            case ("nodes", "mynode"): json(#"{"metadata":{"name":"mynode","uid":"mynode-uid"}}"#)
            case ("pods", "mypod"):
                json(#"{"metadata":{"name":"mypod","namespace":"ns","uid":"pod-uid"},"spec":{"nodeName":"mynode"}}"#)
            case ("pods", "otherpod"):
                json(
                    #"{"metadata":{"name":"otherpod","namespace":"ns","uid":"pod-uid"},"spec":{"nodeName":"othernode"}}"#
                )
            default: nil
            }
        }
        func json(_ text: String) -> JSONValue { NodeRestrictionTests.json(text) }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var write: NodeRestriction.Write
        /// The refusal's message, nil when allowed.
        var error: String?
        var code = 403
        var testDescription: String { name }
    }

    static let owner =
        #""ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"mynode","uid":"mynode-uid","controller":true}]"#
    static let mirror = #""annotations":{"kubernetes.io/config.mirror":"true"}"#

    static func pod(meta: String = "\(mirror),\(owner)", node: String = "mynode", spec: String = "") -> JSONValue {
        json(#"{"metadata":{"name":"mymirrorpod","namespace":"ns",\#(meta)},"spec":{"nodeName":"\#(node)"\#(spec)}}"#)
    }

    static func create(_ object: JSONValue) -> NodeRestriction.Write {
        NodeRestriction.Write(verb: "create", apiGroup: "", resource: "pods", namespace: "ns", object: object)
    }

    static let podCreates: [Case] = [
        Case(name: "allow creating a mirror pod bound to self", write: create(pod()), error: nil),
        Case(
            name: "forbid creating a normal pod bound to self", write: create(pod(meta: owner)),
            error:
                #"pods "mymirrorpod" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "mynode" can only create mirror pods"#
        ),
        Case(
            name: "forbid creating a mirror pod bound to another", write: create(pod(node: "othernode")),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can only create pods with spec.nodeName set to itself"#
        ),
        Case(
            name: "create mirror pod without owner reference", write: create(pod(meta: mirror)),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can only create pods with an owner reference set to itself"#
        ),
        Case(
            name: "create mirror pod with non-node owner reference",
            write: create(
                pod(
                    meta:
                        #"\#(mirror),"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u","controller":true}]"#
                )),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can only create pods with an owner reference set to itself"#
        ),
        Case(
            name: "create mirror pod with multiple owner references",
            write: create(
                pod(
                    meta:
                        #"\#(mirror),"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"mynode","uid":"mynode-uid","controller":true},{"apiVersion":"v1","kind":"Node","name":"mynode","uid":"mynode-uid"}]"#
                )),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can only create pods with a single owner reference set to itself"#
        ),
        Case(
            name: "create mirror pod with non-controller owner reference",
            write: create(
                pod(
                    meta:
                        #"\#(mirror),"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"mynode","uid":"mynode-uid"}]"#
                )),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can only create pods with a controller owner reference set to itself"#
        ),
        Case(
            name: "create mirror pod with blockOwnerDeletion",
            write: create(
                pod(
                    meta:
                        #"\#(mirror),"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"mynode","uid":"mynode-uid","controller":true,"blockOwnerDeletion":true}]"#
                )),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" must not set blockOwnerDeletion on an owner reference"#
        ),
        Case(
            name: "create mirror pod with wrong node uid",
            write: create(
                pod(
                    meta:
                        #"\#(mirror),"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"mynode","uid":"other-uid","controller":true}]"#
                )),
            error: #"pods "mymirrorpod" is forbidden: node mynode UID mismatch: expected other-uid got mynode-uid"#),
        Case(
            name: "forbid pod with service account",
            write: create(pod(spec: #","serviceAccountName":"foo""#)),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can not create pods that reference a service account"#),
        Case(
            name: "forbid pod with secret",
            write: create(pod(spec: #","volumes":[{"name":"v","secret":{"secretName":"foo"}}]"#)),
            error: #"pods "mymirrorpod" is forbidden: node "mynode" can not create pods that reference secrets"#),
        Case(
            name: "forbid pod with configmap",
            write: create(pod(spec: #","containers":[{"name":"c","envFrom":[{"configMapRef":{"name":"c"}}]}]"#)),
            error: #"pods "mymirrorpod" is forbidden: node "mynode" can not create pods that reference configmaps"#),
        Case(
            name: "forbid pod with cluster trust bundle",
            write: create(
                pod(
                    spec:
                        #","volumes":[{"name":"v","projected":{"sources":[{"clusterTrustBundle":{"name":"b","path":"p"}}]}}]"#
                )),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can not create pods that reference clustertrustbundles"#
        ),
        Case(
            name: "forbid pod with persistentvolumeclaim",
            write: create(pod(spec: #","volumes":[{"name":"v","persistentVolumeClaim":{"claimName":"foo"}}]"#)),
            error:
                #"pods "mymirrorpod" is forbidden: node "mynode" can not create pods that reference persistentvolumeclaims"#
        ),
        // Ephemeral volumes are not PVC references at creation (the plugin checks `persistentVolumeClaim` only).
        Case(
            name: "allow pod with ephemeral volume",
            write: create(pod(spec: #","volumes":[{"name":"v","ephemeral":{"volumeClaimTemplate":{"spec":{}}}}]"#)),
            error: nil),
    ]

    static let myPod = #""name":"mypod","namespace":"ns","uid":"pod-uid""#
    static func statusUpdate(old: String, new: String) -> NodeRestriction.Write {
        NodeRestriction.Write(
            verb: "update", apiGroup: "", resource: "pods", subresource: "status", namespace: "ns", name: "mypod",
            object: json(new), old: json(old))
    }

    static let podStatusUpdates: [Case] = [
        Case(
            name: "allow update of my pod status",
            write: statusUpdate(
                old: #"{"metadata":{\#(myPod)},"spec":{"nodeName":"mynode"}}"#,
                new: #"{"metadata":{\#(myPod)},"spec":{"nodeName":"mynode"},"status":{"phase":"Running"}}"#),
            error: nil),
        Case(
            name: "forbid addition of pod status preexisting labels",
            write: statusUpdate(
                old: #"{"metadata":{\#(myPod),"labels":{"label-a":"value-a"}},"spec":{"nodeName":"mynode"}}"#,
                new:
                    #"{"metadata":{\#(myPod),"labels":{"label-a":"value-a","label-b":"value-b"}},"spec":{"nodeName":"mynode"}}"#
            ),
            error: #"pods "mypod" is forbidden: node "mynode" cannot update labels through pod status"#),
        Case(
            name: "forbid deletion of pod status preexisting labels",
            write: statusUpdate(
                old: #"{"metadata":{\#(myPod),"labels":{"label-a":"value-a"}},"spec":{"nodeName":"mynode"}}"#,
                new: #"{"metadata":{\#(myPod)},"spec":{"nodeName":"mynode"}}"#),
            error: #"pods "mypod" is forbidden: node "mynode" cannot update labels through pod status"#),
        Case(
            name: "forbid update of other pod status",
            write: statusUpdate(
                old: #"{"metadata":{\#(myPod)},"spec":{"nodeName":"othernode"}}"#,
                new: #"{"metadata":{\#(myPod)},"spec":{"nodeName":"othernode"}}"#),
            error:
                #"pods "mypod" is forbidden: node "mynode" can only update pod status for pods with spec.nodeName set to itself"#
        ),
        Case(
            name: "forbid changing resource claim statuses",
            write: statusUpdate(
                old: #"{"metadata":{\#(myPod)},"spec":{"nodeName":"mynode"}}"#,
                new:
                    #"{"metadata":{\#(myPod)},"spec":{"nodeName":"mynode"},"status":{"resourceClaimStatuses":[{"name":"c","resourceClaimName":"x"}]}}"#
            ),
            error: #"pods "mypod" is forbidden: node "mynode" cannot update resource claim statues"#),
    ]

    /// Label sets of admission_test.go's `setAllowedUpdateLabels` and `setForbiddenUpdateLabels`.
    static let allowedLabels = [
        "foo", "example.com/foo", "kubernetes.io/hostname", "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
        "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type", "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch", "kubernetes.io/os", "kubernetes.io/arch", "kubelet.kubernetes.io/foo",
        "foo.kubelet.kubernetes.io/foo", "node.kubernetes.io/foo", "foo.node.kubernetes.io/foo",
    ]
    static let forbiddenLabels = [
        "node-restriction.kubernetes.io/foo", "foo.node-restriction.kubernetes.io/foo", "other.kubernetes.io/foo",
        "other.k8s.io/foo",
    ]
    static let forbiddenList =
        "foo.node-restriction.kubernetes.io/foo, node-restriction.kubernetes.io/foo, other.k8s.io/foo, other.kubernetes.io/foo"

    static func node(labels: [String] = [], value: String = "value", spec: String = "{}") -> JSONValue {
        let pairs = labels.map { "\"\($0)\":\"\(value)\"" }.joined(separator: ",")
        return json(#"{"metadata":{"name":"mynode","uid":"mynode-uid","labels":{\#(pairs)}},"spec":\#(spec)}"#)
    }

    static func nodeWrite(_ verb: String, _ object: JSONValue, old: JSONValue? = nil, sub: String = "")
        -> NodeRestriction.Write
    {
        NodeRestriction.Write(
            verb: verb, apiGroup: "", resource: "nodes", subresource: sub, name: verb == "create" ? "" : "mynode",
            object: object, old: old)
    }

    static let configA =
        #"{"configSource":{"configMap":{"name":"foo","namespace":"bar","uid":"fooUID","kubeletConfigKey":"kubelet"}}}"#
    static let configB =
        #"{"configSource":{"configMap":{"name":"qux","namespace":"bar","uid":"quxUID","kubeletConfigKey":"kubelet"}}}"#
    static let taintA = #"{"taints":[{"key":"mykey","value":"A"}]}"#
    static let taintB = #"{"taints":[{"key":"mykey","value":"B"}]}"#

    static let nodeWrites: [Case] = [
        Case(name: "allow create of my node", write: nodeWrite("create", node()), error: nil),
        Case(
            name: "allow create of my node with allowed labels",
            write: nodeWrite("create", node(labels: allowedLabels)),
            error: nil),
        Case(
            name: "forbid create of my node with forbidden labels",
            write: nodeWrite("create", node(labels: forbiddenLabels)),
            error:
                #"nodes "mynode" is forbidden: node "mynode" is not allowed to set the following labels: \#(forbiddenList)"#
        ),
        Case(
            name: "forbid create of my node with non-nil configSource", write: nodeWrite("create", node(spec: configA)),
            error:
                #"nodes "mynode" is forbidden: node "mynode" is not allowed to create pods with a non-nil configSource"#
        ),
        Case(
            name: "forbid create of other node pulling name from object",
            write: nodeWrite("create", json(#"{"metadata":{"name":"othernode"}}"#)),
            error: #"nodes "othernode" is forbidden: node "mynode" is not allowed to modify node "othernode""#),
        Case(
            name: "allow update of my node", write: nodeWrite("update", node(), old: node()), error: nil),
        Case(
            name: "allow update of my node status", write: nodeWrite("update", node(), old: node(), sub: "status"),
            error: nil),
        Case(
            name: "forbid update of my node: nil configSource to new non-nil configSource",
            write: nodeWrite("update", node(spec: configA), old: node()),
            error:
                #"nodes "mynode" is forbidden: node "mynode" is not allowed to update configSource to a new non-nil configSource"#
        ),
        Case(
            name: "forbid update of my node: non-nil configSource to new non-nil configSource",
            write: nodeWrite("update", node(spec: configB), old: node(spec: configA)),
            error:
                #"nodes "mynode" is forbidden: node "mynode" is not allowed to update configSource to a new non-nil configSource"#
        ),
        Case(
            name: "allow update of my node: non-nil configSource unchanged",
            write: nodeWrite("update", node(spec: configA), old: node(spec: configA)), error: nil),
        Case(
            name: "allow update of my node: non-nil configSource to nil configSource",
            write: nodeWrite("update", node(), old: node(spec: configA)), error: nil),
        Case(
            name: "allow update of my node: no change to taints",
            write: nodeWrite("update", node(spec: taintA), old: node(spec: taintA)), error: nil),
        Case(
            name: "forbid update of my node: add taints", write: nodeWrite("update", node(spec: taintA), old: node()),
            error: #"nodes "mynode" is forbidden: node "mynode" is not allowed to modify taints"#),
        Case(
            name: "forbid update of my node: remove taints",
            write: nodeWrite("update", node(), old: node(spec: taintA)),
            error: #"nodes "mynode" is forbidden: node "mynode" is not allowed to modify taints"#),
        Case(
            name: "forbid update of my node: change taints",
            write: nodeWrite("update", node(spec: taintA), old: node(spec: taintB)),
            error: #"nodes "mynode" is forbidden: node "mynode" is not allowed to modify taints"#),
        Case(
            name: "allow update of my node: add allowed labels",
            write: nodeWrite("update", node(labels: allowedLabels), old: node()), error: nil),
        Case(
            name: "allow update of my node: change allowed labels",
            write: nodeWrite("update", node(labels: allowedLabels, value: "new"), old: node(labels: allowedLabels)),
            error: nil),
        Case(
            name: "allow update of my node: add allowed labels while forbidden labels exist unmodified",
            write: nodeWrite(
                "update", node(labels: allowedLabels + forbiddenLabels), old: node(labels: forbiddenLabels)),
            error: nil),
        Case(
            name: "forbid update of my node: add labels",
            write: nodeWrite("update", node(labels: forbiddenLabels), old: node()),
            error: #"nodes "mynode" is forbidden: is not allowed to modify labels: \#(forbiddenList)"#),
        Case(
            name: "forbid update of my node: remove labels",
            write: nodeWrite("update", node(), old: node(labels: forbiddenLabels)),
            error: #"nodes "mynode" is forbidden: is not allowed to modify labels: \#(forbiddenList)"#),
        Case(
            name: "forbid update of my node: change labels",
            write: nodeWrite("update", node(labels: forbiddenLabels, value: "new"), old: node(labels: forbiddenLabels)),
            error: #"nodes "mynode" is forbidden: is not allowed to modify labels: \#(forbiddenList)"#),
    ]

    static func token(_ ref: String) -> NodeRestriction.Write {
        NodeRestriction.Write(
            verb: "create", apiGroup: "", resource: "serviceaccounts", subresource: "token", namespace: "ns",
            name: "mysa", object: json(#"{"spec":{"audiences":["foo"]\#(ref)}}"#))
    }

    static let others: [Case] = [
        Case(
            name: "forbid create of unbound token", write: token(""),
            error: #"serviceaccounts "mysa" is forbidden: node requested token not bound to a pod"#),
        Case(
            name: "forbid create of token bound to nonexistant pod",
            write: token(#","boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"nopod","uid":"someuid"}"#),
            error: #"pods "nopod" not found"#, code: 404),
        Case(
            name: "forbid create of token bound to pod without uid",
            write: token(#","boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"mypod"}"#),
            error: #"serviceaccounts "mysa" is forbidden: node requested token with a pod binding without a uid"#),
        Case(
            name: "forbid create of token bound to pod scheduled on another node",
            write: token(#","boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"otherpod","uid":"pod-uid"}"#),
            error:
                #"serviceaccounts "mysa" is forbidden: node requested token bound to a pod scheduled on a different node"#
        ),
        Case(
            name: "allow create of token bound to pod scheduled this node",
            write: token(#","boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"mypod","uid":"pod-uid"}"#),
            error: nil),
        Case(
            name: "node lease: forbid create of lease with wrong name",
            write: NodeRestriction.Write(
                verb: "create", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease",
                object: json(#"{"metadata":{"name":"foo","namespace":"kube-node-lease"}}"#)),
            error:
                #"leases.coordination.k8s.io "foo" is forbidden: can only access node lease with the same name as the requesting node"#
        ),
        Case(
            name: "csinode: forbid create of CSINode with wrong name",
            write: NodeRestriction.Write(
                verb: "create", apiGroup: "storage.k8s.io", resource: "csinodes",
                object: json(#"{"metadata":{"name":"foo"}}"#)),
            error:
                #"csinodes.storage.k8s.io "foo" is forbidden: can only access CSINode with the same name as the requesting node"#
        ),
        Case(
            name: "forbid update of PVC status beyond capacity and conditions",
            write: NodeRestriction.Write(
                verb: "update", apiGroup: "", resource: "persistentvolumeclaims", subresource: "status",
                namespace: "ns",
                name: "claim",
                object: json(
                    #"{"metadata":{"name":"claim","labels":{"a":"b"}},"status":{"capacity":{"storage":"2Gi"}}}"#),
                old: json(
                    #"{"metadata":{"name":"claim","resourceVersion":"5"},"status":{"capacity":{"storage":"1Gi"}}}"#)),
            error:
                #"persistentvolumeclaims "claim" is forbidden: node "mynode" is not allowed to update fields other than status.capacity and status.conditions"#
        ),
        Case(
            name: "allow update of PVC status capacity and conditions",
            write: NodeRestriction.Write(
                verb: "update", apiGroup: "", resource: "persistentvolumeclaims", subresource: "status",
                namespace: "ns",
                name: "claim",
                object: json(
                    #"{"metadata":{"name":"claim"},"status":{"capacity":{"storage":"2Gi"},"conditions":[{"type":"Resizing","status":"True"}]}}"#
                ),
                old: json(
                    #"{"metadata":{"name":"claim","resourceVersion":"5"},"status":{"capacity":{"storage":"1Gi"}}}"#)),
            error: nil),
    ]

    @Test("the proposed object of a node's write", arguments: podCreates + podStatusUpdates + nodeWrites + others)
    func admit(_ c: Case) async {
        let refusal = await NodeRestriction.admit(c.write, node: "mynode", graph: Objects())
        #expect(refusal?.message == c.error)
        if c.error != nil { #expect(refusal?.code == c.code) }
    }

    struct LineCase: CustomTestStringConvertible, Sendable {
        var name: String
        var verb: String
        var resource: String
        var group = ""
        var sub = ""
        var ns = "ns"
        var objectName = ""
        var error: String?
        var testDescription: String { name }
    }

    @Test(
        "the request line of a node's write",
        arguments: [
            LineCase(
                name: "forbid update of my pod", verb: "update", resource: "pods", objectName: "mypod",
                error:
                    #"pods "mypod" is forbidden: unexpected operation "UPDATE", node "mynode" can only create and delete mirror pods"#
            ),
            LineCase(name: "allow delete of my pod", verb: "delete", resource: "pods", objectName: "mypod"),
            LineCase(
                name: "forbid delete of other pod", verb: "delete", resource: "pods", objectName: "otherpod",
                error:
                    #"pods "otherpod" is forbidden: node "mynode" can only delete pods with spec.nodeName set to itself"#
            ),
            LineCase(
                name: "allow create of eviction for my pod", verb: "create", resource: "pods", sub: "eviction",
                objectName: "mypod"),
            LineCase(
                name: "forbid create of eviction for other pod", verb: "create", resource: "pods", sub: "eviction",
                objectName: "otherpod",
                error:
                    #"pods "otherpod" is forbidden: node mynode can only evict pods with spec.nodeName set to itself"#),
            LineCase(
                name: "forbid create of unknown pod subresource", verb: "create", resource: "pods", sub: "binding",
                objectName: "mypod",
                error:
                    #"pods "mypod" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed"#
            ),
            LineCase(
                name: "forbid PVC update of the object itself", verb: "update", resource: "persistentvolumeclaims",
                objectName: "claim", error: #"persistentvolumeclaims "claim" is forbidden: may only update PVC status"#),
            LineCase(
                name: "forbid update of other node", verb: "update", resource: "nodes", ns: "", objectName: "othernode",
                error: #"nodes "othernode" is forbidden: node "mynode" is not allowed to modify node "othernode""#),
            LineCase(
                name: "forbid update of other node status", verb: "patch", resource: "nodes", sub: "status", ns: "",
                objectName: "othernode",
                error: #"nodes "othernode" is forbidden: node "mynode" is not allowed to modify node "othernode""#),
            LineCase(
                name: "node lease: forbid update of lease in the wrong namespace", verb: "update", resource: "leases",
                group: "coordination.k8s.io", ns: "foo", objectName: "mynode",
                error:
                    #"leases.coordination.k8s.io "mynode" is forbidden: can only access leases in the "kube-node-lease" system namespace"#
            ),
            LineCase(
                name: "node lease: allow update of my lease", verb: "update", resource: "leases",
                group: "coordination.k8s.io", ns: "kube-node-lease", objectName: "mynode"),
            LineCase(name: "reads are not admission's", verb: "get", resource: "pods", objectName: "otherpod"),
        ])
    func requestLine(_ c: LineCase) async {
        let a = RequestAttributes.resource(
            user: Self.mynode, verb: c.verb, group: c.group, resource: c.resource, subresource: c.sub, namespace: c.ns,
            name: c.objectName)
        #expect(await NodeRestriction.check(a, graph: Objects())?.message == c.error)
    }

    @Test("other users are not restricted; a node of unknown name is refused every write")
    func identities() async {
        let alice = RequestAttributes.resource(
            user: UserInfo(name: "alice"), verb: "update", group: "", resource: "nodes", subresource: "",
            namespace: "", name: "othernode")
        #expect(await NodeRestriction.check(alice, graph: Objects()) == nil)
        let unnamed = RequestAttributes.resource(
            user: UserInfo(name: "system:node:", groups: ["system:nodes"]), verb: "update", group: "",
            resource: "nodes", subresource: "", namespace: "", name: "mynode")
        #expect(
            await NodeRestriction.check(unnamed, graph: Objects())?.message
                == #"nodes "mynode" is forbidden: could not determine node from user "system:node:""#)
    }

    @Test("kubelet labels: the kubelet set and namespaces are allowed; node-restriction.kubernetes.io never")
    func labels() {
        for key in Self.allowedLabels { #expect(NodeRestriction.forbiddenLabels([key]).isEmpty, "\(key)") }
        for key in Self.forbiddenLabels { #expect(NodeRestriction.forbiddenLabels([key]) == [key], "\(key)") }
        #expect(NodeRestriction.isKubeletLabel("kubelet.kubernetes.io/x"))
        #expect(!NodeRestriction.isKubeletLabel("node-role.kubernetes.io/master"))
    }
}
