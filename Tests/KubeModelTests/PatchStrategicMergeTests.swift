import PropertyBased
import Testing

@testable import KubeModel

private func schema(_ group: String, _ kind: String) throws -> StrategicMergeSchema {
    try #require(StrategicMergeSchema.forKind(group: group, kind: kind))
}

private func smp(_ patch: String, to doc: String, _ group: String, _ kind: String) throws -> JSONValue {
    try StrategicMergePatch.apply(try patchJSON(patch), to: try patchJSON(doc), schema: try schema(group, kind))
}

private func smpError(_ patch: String, on doc: String, _ group: String = "", _ kind: String = "Pod") throws
    -> PatchError?
{
    let p = try patchJSON(patch)
    let d = try patchJSON(doc)
    let s = try schema(group, kind)
    return patchError { () throws(PatchError) in try StrategicMergePatch.apply(p, to: d, schema: s) }
}

private func names(_ list: JSONValue?, key: String = "name") -> [String] {
    (list?.arrayValue ?? []).compactMap { $0[key]?.stringValue }
}

private let deployment = #"""
    {"apiVersion":"apps/v1","kind":"Deployment",
     "metadata":{"name":"web","namespace":"default","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"old","deployment.kubernetes.io/revision":"1"}},
     "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
      "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{
        "containers":[
          {"name":"app","image":"nginx:1","env":[{"name":"A","value":"1"},{"name":"B","value":"x"}],
           "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}],
           "volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"cfg","mountPath":"/etc/cfg"}],
           "resources":{"limits":{"cpu":"1"}}},
          {"name":"sidecar","image":"envoy:1"}],
        "volumes":[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"a"}}],
        "nodeSelector":{"disk":"ssd","zone":"a"},
        "tolerations":[{"key":"a","operator":"Exists"}],
        "dnsPolicy":"ClusterFirst"}}}}
    """#

private func container(_ doc: JSONValue, _ name: String) -> JSONValue? {
    doc[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first { $0["name"] == .string(name) }
}

@Suite("Strategic merge patch")
struct StrategicMergePatchTests {
    // MARK: What kubectl apply sends

    @Test(
        "kubectl apply: image change, env A changed, C added, B deleted, resources removed, order by $setElementOrder")
    func kubectlApplyContainersAndEnv() throws {
        let patch = #"""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"}},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],"containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"C"}],"env":[{"name":"A","value":"2"},{"name":"C","value":"3"},{"$patch":"delete","name":"B"}],"image":"nginx:2","name":"app","resources":null}]}}}}
            """#
        let result = try smp(patch, to: deployment, "apps", "Deployment")
        #expect(
            result[path: ["metadata", "annotations"]] == [
                "kubectl.kubernetes.io/last-applied-configuration": "new", "deployment.kubernetes.io/revision": "1",
            ])
        #expect(names(result[path: ["spec", "template", "spec", "containers"]]) == ["app", "sidecar"])
        let app = try #require(container(result, "app"))
        #expect(app["image"] == "nginx:2")
        #expect(app["env"] == [["name": "A", "value": "2"], ["name": "C", "value": "3"]])
        #expect(app["resources"] == nil)
        #expect(app["ports"]?.arrayValue?.count == 2, "fields the patch does not name are kept")
        #expect(container(result, "sidecar") == ["name": "sidecar", "image": "envoy:1"])
        #expect(result[path: ["spec", "replicas"]] == 2)
    }

    @Test("kubectl apply: $setElementOrder alone reorders the containers")
    func setElementOrderReorders() throws {
        let patch =
            #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}]}}}}"#
        let result = try smp(patch, to: deployment, "apps", "Deployment")
        #expect(names(result[path: ["spec", "template", "spec", "containers"]]) == ["sidecar", "app"])
        #expect(container(result, "app")?["image"] == "nginx:1")
    }

    @Test("kubectl apply: a new container lands where $setElementOrder puts it")
    func newContainerInTheMiddle() throws {
        let patch = #"""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"debug"},{"name":"sidecar"}],"containers":[{"image":"busybox","name":"debug"}]}}}}
            """#
        let result = try smp(patch, to: deployment, "apps", "Deployment")
        #expect(names(result[path: ["spec", "template", "spec", "containers"]]) == ["app", "debug", "sidecar"])
        #expect(container(result, "debug") == ["image": "busybox", "name": "debug"])
    }

    @Test("kubectl apply: volumeMounts by mountPath and ports by containerPort")
    func volumeMountsAndPorts() throws {
        let patch = #"""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],"containers":[{"$setElementOrder/ports":[{"containerPort":80},{"containerPort":443},{"containerPort":9090}],"$setElementOrder/volumeMounts":[{"mountPath":"/data"},{"mountPath":"/cache"}],"name":"app","ports":[{"containerPort":80,"name":"http"},{"containerPort":9090,"name":"metrics"}],"volumeMounts":[{"mountPath":"/data","readOnly":true},{"mountPath":"/cache","name":"cache"},{"$patch":"delete","mountPath":"/etc/cfg"}]}]}}}}
            """#
        let result = try smp(patch, to: deployment, "apps", "Deployment")
        let app = try #require(container(result, "app"))
        #expect(
            app["ports"] == [
                ["containerPort": 80, "protocol": "TCP", "name": "http"],
                ["containerPort": 443, "protocol": "TCP"],
                ["containerPort": 9090, "name": "metrics"],
            ])
        #expect(
            app["volumeMounts"] == [
                ["name": "data", "mountPath": "/data", "readOnly": true], ["mountPath": "/cache", "name": "cache"],
            ])
    }

    @Test("kubectl apply: $retainKeys on the Deployment strategy drops the server-defaulted rollingUpdate")
    func retainKeysOnStrategy() throws {
        for patch in [
            #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#,
            #"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}"#,
        ] {
            let result = try smp(patch, to: deployment, "apps", "Deployment")
            #expect(result[path: ["spec", "strategy"]] == ["type": "Recreate"])
        }
        // Without the directive the old member survives: that is what $retainKeys is for.
        let merged = try smp(#"{"spec":{"strategy":{"type":"Recreate"}}}"#, to: deployment, "apps", "Deployment")
        #expect(merged[path: ["spec", "strategy", "rollingUpdate"]] != nil)
    }

    @Test("kubectl apply: $retainKeys on a volume switches its source from emptyDir to hostPath")
    func retainKeysOnVolumeSource() throws {
        let patch = #"""
            {"spec":{"template":{"spec":{"$setElementOrder/volumes":[{"name":"data"},{"name":"cfg"}],"volumes":[{"$retainKeys":["hostPath","name"],"hostPath":{"path":"/srv"},"name":"data"}]}}}}
            """#
        let result = try smp(patch, to: deployment, "apps", "Deployment")
        #expect(
            result[path: ["spec", "template", "spec", "volumes"]] == [
                ["name": "data", "hostPath": ["path": "/srv"]], ["name": "cfg", "configMap": ["name": "a"]],
            ])
    }

    @Test("kubectl apply: $deleteFromPrimitiveList/finalizers with $setElementOrder/finalizers")
    func deleteFromPrimitiveList() throws {
        let doc = #"{"metadata":{"name":"x","finalizers":["a","b"]},"data":{}}"#
        let patch = #"""
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["a","c"],"finalizers":["c"]}}
            """#
        let result = try smp(patch, to: doc, "", "ConfigMap")
        #expect(result[path: ["metadata", "finalizers"]] == ["a", "c"])
        let onlyDelete = try smp(
            #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a","zz"]}}"#, to: doc, "", "ConfigMap")
        #expect(onlyDelete[path: ["metadata", "finalizers"]] == ["b"])
    }

    @Test("kubectl apply: removed fields arrive as null and are deleted; unknown nulls are ignored")
    func nullRemovesFields() throws {
        let patch =
            #"{"spec":{"template":{"spec":{"nodeSelector":null,"priorityClassName":null,"containers":[{"name":"sidecar","image":null}]}}}}"#
        let result = try smp(patch, to: deployment, "apps", "Deployment")
        #expect(result[path: ["spec", "template", "spec", "nodeSelector"]] == nil)
        #expect(result[path: ["spec", "template", "spec", "priorityClassName"]] == nil)
        #expect(container(result, "sidecar") == ["name": "sidecar"])
    }

    // MARK: Other kinds and lists

    @Test("Service ports merge by port: kubectl adds https and later deletes http")
    func servicePorts() throws {
        let service = #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080,"nodePort":30080}]}}
            """#
        let added = try smp(
            #"{"spec":{"$setElementOrder/ports":[{"port":80},{"port":443}],"ports":[{"name":"https","port":443,"protocol":"TCP","targetPort":8443}]}}"#,
            to: service, "", "Service")
        #expect(
            added[path: ["spec", "ports"]] == [
                ["name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080],
                ["name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443],
            ])
        let removed = try StrategicMergePatch.apply(
            try patchJSON(
                #"{"spec":{"$setElementOrder/ports":[{"port":443}],"ports":[{"$patch":"delete","port":80}]}}"#),
            to: added, schema: try schema("", "Service"))
        #expect(names(removed[path: ["spec", "ports"]]) == ["https"])
    }

    @Test("kubelet status patch: Pod conditions merge by type in $setElementOrder order, podIPs by ip")
    func podStatusConditions() throws {
        let pod = #"""
            {"metadata":{"name":"p","uid":"u1"},"spec":{"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Pending","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"False","reason":"ContainersNotReady"},{"type":"ContainersReady","status":"False"},{"type":"PodScheduled","status":"True"}]}}
            """#
        let patch = #"""
            {"metadata":{"uid":"u1"},"status":{"$setElementOrder/conditions":[{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"lastTransitionTime":"2026-11-28T22:00:00Z","reason":null,"status":"True","type":"Ready"},{"lastTransitionTime":"2026-11-28T22:00:00Z","status":"True","type":"ContainersReady"}],"phase":"Running","podIP":"10.0.0.5","podIPs":[{"ip":"10.0.0.5"}]}}
            """#
        let result = try smp(patch, to: pod, "", "Pod")
        let conditions = result[path: ["status", "conditions"]]
        #expect(names(conditions, key: "type") == ["Initialized", "Ready", "ContainersReady", "PodScheduled"])
        #expect(
            conditions?.arrayValue?[1]
                == ["type": "Ready", "status": "True", "lastTransitionTime": "2026-11-28T22:00:00Z"])
        #expect(result[path: ["status", "podIPs"]] == [["ip": "10.0.0.5"]])
        #expect(result[path: ["status", "phase"]] == "Running")
    }

    @Test("kubelet node status patch: addresses and conditions merge by type")
    func nodeStatus() throws {
        let node = #"""
            {"metadata":{"name":"n"},"spec":{"podCIDRs":["10.0.0.0/24"]},"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1"},{"type":"Hostname","address":"n"}],"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"False"}]}}
            """#
        let patch = #"""
            {"status":{"$setElementOrder/addresses":[{"type":"InternalIP"},{"type":"Hostname"}],"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"Ready"}],"addresses":[{"address":"192.0.2.9","type":"InternalIP"}],"conditions":[{"status":"True","type":"Ready"}]}}
            """#
        let result = try smp(patch, to: node, "", "Node")
        #expect(
            result[path: ["status", "addresses"]] == [
                ["type": "InternalIP", "address": "192.0.2.9"], ["type": "Hostname", "address": "n"],
            ])
        #expect(
            result[path: ["status", "conditions"]] == [
                ["type": "MemoryPressure", "status": "False"], ["type": "Ready", "status": "True"],
            ])
        let cidrs = try smp(#"{"spec":{"podCIDRs":["fd00::/64"]}}"#, to: node, "", "Node")
        #expect(cidrs[path: ["spec", "podCIDRs"]] == ["fd00::/64", "10.0.0.0/24"], "podCIDRs merge as a set")
    }

    @Test("lists without a strategy are atomic: tolerations, readinessGates, Endpoints subsets")
    func atomicLists() throws {
        let result = try smp(
            #"{"spec":{"template":{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}}}"#, to: deployment,
            "apps", "Deployment")
        #expect(result[path: ["spec", "template", "spec", "tolerations"]] == [["key": "b", "operator": "Exists"]])

        let endpoints =
            #"{"metadata":{"name":"e"},"subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"port":80}]}]}"#
        let replaced = try smp(#"{"subsets":[{"addresses":[{"ip":"10.0.0.2"}]}]}"#, to: endpoints, "", "Endpoints")
        #expect(replaced["subsets"] == [["addresses": [["ip": "10.0.0.2"]]]])
    }

    @Test("Secret and ConfigMap data maps merge key by key; null deletes a key")
    func dataMaps() throws {
        let secret = #"{"metadata":{"name":"s"},"type":"Opaque","data":{"k1":"djE=","k2":"djI="}}"#
        let result = try smp(#"{"data":{"k1":null,"k3":"djM="},"stringData":{"k4":"v4"}}"#, to: secret, "", "Secret")
        #expect(result["data"] == ["k2": "djI=", "k3": "djM="])
        #expect(result["stringData"] == ["k4": "v4"])
    }

    @Test("ownerReferences merge by uid")
    func ownerReferences() throws {
        let doc =
            #"{"metadata":{"name":"p","ownerReferences":[{"uid":"u1","kind":"ReplicaSet","name":"rs"}]},"spec":{}}"#
        let result = try smp(
            #"{"metadata":{"ownerReferences":[{"uid":"u1","controller":true},{"uid":"u2","kind":"Node","name":"n"}]}}"#,
            to: doc, "", "Pod")
        #expect(
            result[path: ["metadata", "ownerReferences"]] == [
                ["uid": "u1", "kind": "ReplicaSet", "name": "rs", "controller": true],
                ["uid": "u2", "kind": "Node", "name": "n"],
            ])
    }

    @Test(
        "every workload kind merges its pod template's containers by name and its template finalizers as a set",
        arguments: [
            ("apps", "Deployment", ["spec", "template"]), ("apps", "ReplicaSet", ["spec", "template"]),
            ("apps", "DaemonSet", ["spec", "template"]), ("apps", "StatefulSet", ["spec", "template"]),
            ("batch", "Job", ["spec", "template"]), ("", "ReplicationController", ["spec", "template"]),
            ("", "PodTemplate", ["template"]), ("batch", "CronJob", ["spec", "jobTemplate", "spec", "template"]),
        ])
    func workloadTemplates(group: String, kind: String, templatePath: [String]) throws {
        func nest(_ value: JSONValue, _ path: ArraySlice<String>) -> JSONValue {
            guard let first = path.first else { return value }
            return .object(JSONObject([(key: first, value: nest(value, path.dropFirst()))]))
        }
        let doc = nest(
            [
                "metadata": ["finalizers": ["f1"]],
                "spec": [
                    "containers": [
                        ["name": "a", "image": "1", "env": [["name": "X", "value": "1"]]], ["name": "b", "image": "1"],
                    ]
                ],
            ],
            templatePath[...])
        let patch = nest(
            [
                "metadata": ["finalizers": ["f2"]],
                "spec": [
                    "containers": [["name": "b", "image": "2"], ["name": "a", "env": [["name": "Y", "value": "2"]]]]
                ],
            ],
            templatePath[...])
        let result = try StrategicMergePatch.apply(patch, to: doc, schema: try schema(group, kind))
        let spec = result[path: templatePath + ["spec"]]
        // Elements the patch names come in patch order (b before a); a new env var goes first.
        #expect(
            spec?["containers"] == [
                ["name": "b", "image": "2"],
                ["name": "a", "image": "1", "env": [["name": "Y", "value": "2"], ["name": "X", "value": "1"]]],
            ])
        #expect(result[path: templatePath + ["metadata", "finalizers"]] == ["f2", "f1"])
    }

    // MARK: Ordering without $setElementOrder (what the apiserver does)

    @Test("without $setElementOrder a patch that only adds puts the new elements first, like the apiserver")
    func newElementsGoFirst() throws {
        let doc = #"{"metadata":{"name":"c","finalizers":["example.com/a"]}}"#
        let result = try smp(#"{"metadata":{"finalizers":["example.com/b"]}}"#, to: doc, "", "ConfigMap")
        #expect(result[path: ["metadata", "finalizers"]] == ["example.com/b", "example.com/a"])
        let same = try smp(#"{"metadata":{"finalizers":["example.com/a"]}}"#, to: doc, "", "ConfigMap")
        #expect(same[path: ["metadata", "finalizers"]] == ["example.com/a"], "no duplicates")
    }

    @Test("without $setElementOrder a new element goes before the first existing element that follows it in the patch")
    func interleaving() throws {
        let pod = #"{"spec":{"containers":[{"name":"c","env":[{"name":"A"},{"name":"B"},{"name":"C"}]}]}}"#
        let result = try smp(
            #"{"spec":{"containers":[{"name":"c","env":[{"name":"B","value":"b"},{"name":"D"}]}]}}"#, to: pod, "", "Pod"
        )
        #expect(names(result[path: ["spec", "containers"]]?.arrayValue?.first?["env"]) == ["A", "B", "D", "C"])
    }

    // MARK: $patch directives

    @Test("$patch: replace on a map replaces it; $patch: delete empties it")
    func mapDirectives() throws {
        let replaced = try smp(
            #"{"spec":{"template":{"spec":{"nodeSelector":{"$patch":"replace","disk":"hdd"}}}}}"#, to: deployment,
            "apps", "Deployment")
        #expect(replaced[path: ["spec", "template", "spec", "nodeSelector"]] == ["disk": "hdd"])
        let deleted = try smp(
            #"{"spec":{"template":{"spec":{"nodeSelector":{"$patch":"delete"}}}}}"#, to: deployment, "apps",
            "Deployment")
        #expect(deleted[path: ["spec", "template", "spec", "nodeSelector"]] == [:])
    }

    @Test("$patch: replace inside a merged list makes the list exactly the patch's elements")
    func listReplace() throws {
        let result = try smp(
            #"{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}}"#,
            to: deployment, "apps", "Deployment")
        #expect(result[path: ["spec", "template", "spec", "containers"]] == [["name": "only", "image": "x"]])
    }

    @Test("a strategic patch with no schema entries behaves like a merge patch")
    func plainMapsMerge() throws {
        let result = try StrategicMergePatch.apply(
            ["a": ["b": 1, "c": nil], "l": [1]], to: ["a": ["c": 2, "d": 3], "l": [0]], schema: StrategicMergeSchema())
        #expect(result == ["a": ["d": 3, "b": 1], "l": [1]])
    }

    @Test("a null body is an empty patch, as the apiserver decodes it")
    func nullBody() throws {
        #expect(try smp("null", to: deployment, "apps", "Deployment") == patchJSON(deployment))
    }

    // MARK: Schemas

    @Test("built-in schemas carry the k8s.io/api tags")
    func schemaTable() throws {
        let pod = try schema("", "Pod")
        #expect(pod.field(at: "spec.containers") == .merge(key: "name"))
        #expect(pod.field(at: "spec.containers.env") == .merge(key: "name"))
        #expect(pod.field(at: "spec.initContainers.volumeMounts") == .merge(key: "mountPath"))
        #expect(pod.field(at: "spec.ephemeralContainers.volumeDevices") == .merge(key: "devicePath"))
        #expect(pod.field(at: "spec.containers.ports") == .merge(key: "containerPort"))
        #expect(pod.field(at: "spec.volumes") == .mergeRetainingKeys(key: "name"))
        #expect(pod.field(at: "spec.imagePullSecrets") == .merge(key: "name"))
        #expect(pod.field(at: "spec.hostAliases") == .merge(key: "ip"))
        #expect(pod.field(at: "spec.tolerations") == StrategicMergeField())
        #expect(pod.field(at: "spec.readinessGates") == StrategicMergeField())
        #expect(pod.field(at: "status.conditions") == .merge(key: "type"))
        #expect(pod.field(at: "metadata.finalizers") == .mergePrimitives)
        #expect(pod.field(at: "metadata.ownerReferences") == .merge(key: "uid"))
        #expect(try schema("", "Service").field(at: "spec.ports") == .merge(key: "port"))
        #expect(try schema("apps", "Deployment").field(at: "spec.strategy") == .retainKeys)
        #expect(try schema("apps", "Deployment").field(at: "spec.template.spec.containers.env") == .merge(key: "name"))
        #expect(
            try schema("batch", "CronJob").field(at: "spec.jobTemplate.spec.template.spec.containers")
                == .merge(key: "name"))
        #expect(try schema("", "Node").field(at: "status.addresses") == .merge(key: "type"))
        #expect(try schema("discovery.k8s.io", "EndpointSlice").field(at: "endpoints") == StrategicMergeField())
        #expect(try schema("policy", "PodDisruptionBudget").field(at: "spec.selector") == .replace)
        #expect(StrategicMergeSchema.metadataOnly.field(at: "metadata.finalizers") == .mergePrimitives)
        #expect(StrategicMergeSchema.metadataOnly.field(at: "spec.containers") == StrategicMergeField())
    }

    @Test("custom resources have no schema: strategic merge is unsupported (415)")
    func customResources() throws {
        #expect(StrategicMergeSchema.forKind(group: "example.com", kind: "Widget") == nil)
        #expect(!StrategicMergeSchema.isBuiltIn(group: "example.com", kind: "Widget"))
        #expect(StrategicMergeSchema.isBuiltIn(group: "", kind: "ConfigMap"))
        let error = patchError { () throws(PatchError) in
            try StrategicMergePatch.apply(["spec": ["a": 1]], to: [:], group: "example.com", kind: "Widget")
        }
        guard case .unsupported? = error else {
            Issue.record("expected unsupported, got \(String(describing: error))")
            return
        }
        #expect(error?.statusCode == 415)
        #expect(error?.reason == "UnsupportedMediaType")
    }

    // MARK: Malformed patches

    @Test("a body that is not an object is 400 BadRequest", arguments: ["[]", #""x""#, "1", "true"])
    func notAnObject(body: String) throws {
        let error = try smpError(body, on: "{}")
        #expect(error?.statusCode == 400)
        #expect(error?.message.hasPrefix("json: cannot unmarshal") == true)
    }

    @Test(
        "malformed directives are 400 BadRequest with apimachinery's messages",
        arguments: [
            (#"{"spec":{"$setElementOrder":[{"name":"a"}]}}"#, "invalid patch format of setElementOrder list"),
            (#"{"metadata":{"$deleteFromPrimitiveList":["a"]}}"#, "invalid patch format of primitive list"),
            (#"{"spec":{"$retainKeys":"x"}}"#, "invalid patch format of retainKeys"),
            (#"{"spec":{"$retainKeys":["a"],"b":1}}"#, "invalid patch format of retainKeys"),
        ])
    func malformedDirectives(body: String, message: String) throws {
        let error = try smpError(body, on: #"{"metadata":{"finalizers":["a"]},"spec":{}}"#)
        #expect(error == .invalid(message))
        #expect(error?.statusCode == 400)
    }

    @Test(
        "merge errors apimachinery returns untyped are 500 with its messages (Go %v formatting)",
        arguments: [
            (
                #"{"spec":{"containers":[{"image":"x"}]}}"#,
                "map: map[image:x] does not contain declared merge key: name"
            ),
            (
                #"{"spec":{"containers":[{"$patch":"delete","image":"x"}]}}"#,
                "map: map[$patch:delete image:x] does not contain declared merge key: name"
            ),
            (#"{"spec":{"$patch":"frob"}}"#, "unknown patch type: frob in map: map[$patch:frob]"),
            (#"{"spec":{"containers":[{"$patch":"merge"}]}}"#, "merging lists cannot yet be specified in the patch"),
            (#"{"spec":{"$setElementOrder/containers":"a"}}"#, "expected a []interface {}, but received a string"),
            (#"{"metadata":{"finalizers":["b",1]}}"#, "list element types are not identical: [[a] [b 1]]"),
            (#"{"spec":{"containers":["c"]}}"#, "list element types are not identical: [[map[name:c]] [c]]"),
        ])
    func mergeFailures(body: String, message: String) throws {
        let error = try smpError(body, on: #"{"metadata":{"finalizers":["a"]},"spec":{"containers":[{"name":"c"}]}}"#)
        #expect(error == .mergeFailed(message))
        #expect(error?.statusCode == 500)
        #expect(error?.reason == "")
    }

    @Test("$setElementOrder that contradicts the patch list is refused")
    func setElementOrderMismatch() throws {
        let error = try smpError(
            #"{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"b","image":"x"}]}}"#,
            on: #"{"spec":{"containers":[{"name":"a"}]}}"#)
        guard case .mergeFailed(let message)? = error else {
            Issue.record("expected mergeFailed, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("The order in patch list:"))
    }

    @Test("a list of lists in a merged list is 422, like apimachinery's ErrNoListOfLists")
    func listOfLists() throws {
        let error = try smpError(#"{"metadata":{"finalizers":[["x"]]}}"#, on: #"{"metadata":{"finalizers":["a"]}}"#)
        #expect(error == .unprocessable("lists of lists are not supported"))
        #expect(error?.statusCode == 422)
    }

    // MARK: Edges, as apimachinery handles them

    @Test("a key the object lacks takes the patch value without nulls; an object carrying $patch is dropped")
    func newKeys() throws {
        let result = try smp(
            #"{"spec":{"nodeSelector":{"$patch":"delete"},"affinity":{"a":{"$patch":"replace","b":1},"c":null,"d":2},"tolerations":[{"key":"k","value":null},{"$patch":"delete","key":"x"}]}}"#,
            to: #"{"spec":{"containers":[{"name":"c"}]}}"#, "", "Pod")
        #expect(result["spec"]?["nodeSelector"] == nil)
        #expect(result["spec"]?["affinity"] == ["d": 2])
        #expect(result["spec"]?["tolerations"] == [["key": "k"]])
    }

    @Test("a deletion list is ignored where the list is missing or not a list; null removes the list")
    func deletionListEdges() throws {
        let doc = #"{"metadata":{"name":"c","finalizers":["a","b"]},"data":{"k":"v"}}"#
        let ignored = try smp(
            #"{"metadata":{"$deleteFromPrimitiveList/finalizers":"a","$deleteFromPrimitiveList/absent":["x"]}}"#,
            to: doc, "", "ConfigMap")
        #expect(ignored == (try patchJSON(doc)))
        let removed = try smp(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":null}}"#, to: doc, "", "ConfigMap")
        #expect(removed[path: ["metadata", "finalizers"]] == nil)
    }

    @Test(
        "elements $setElementOrder does not name land where Go's stable sort puts them (checked against apimachinery)")
    func goStableSortOrder() throws {
        let result = try smp(
            #"{"spec":{"$setElementOrder/containers":[],"containers":[{"name":"a"},{"name":"d"},{"name":"c"}]}}"#,
            to: #"{"spec":{"containers":[{"name":"x"}]}}"#, "", "Pod")
        #expect(names(result[path: ["spec", "containers"]]) == ["x", "c", "d", "a"])
    }

    @Test(
        "more 500s, with the messages apimachinery gives for the same documents",
        arguments: [
            (
                #"{"metadata":{"finalizers":[]}}"#, #"{"metadata":{"$setElementOrder/finalizers":["x"]}}"#,
                "no elements in any of the given slices"
            ),
            (
                #"{"spec":{"containers":[{"name":"c","env":[{"name":"B"}]}]}}"#,
                #"{"spec":{"containers":[{"name":"c","env":["A"]}]}}"#,
                "list element types are not identical: [[map[name:B]] [A]]"
            ),
            (
                #"{"spec":{"containers":[{"name":"c","env":["B"]}]}}"#,
                #"{"spec":{"containers":[{"name":"c","env":["A"]}]}}"#,
                "expected a map[string]interface {}, but received a string"
            ),
        ])
    func moreMergeFailures(doc: String, body: String, message: String) throws {
        #expect(try smpError(body, on: doc) == .mergeFailed(message))
    }

    @Test("Go's stable sort: insertion sort below 20 elements, SymMerge above, stable for a strict order")
    func goStableSortMatchesSorted() {
        for n in [0, 1, 5, 20, 21, 45, 100] {
            var items = (0..<n).map { ($0 * 7919) % 13 }.enumerated().map { (key: $0.element, pos: $0.offset) }
            GoStableSort.sort(&items) { $0.key < $1.key }
            #expect(items.map(\.key) == items.map(\.key).sorted())
            for i in items.indices.dropFirst() where items[i - 1].key == items[i].key {
                #expect(items[i - 1].pos < items[i].pos, "stable at \(i) of \(n)")
            }
        }
    }

    // MARK: Properties

    @Test("property: a merge patch from MergePatch.create is a strategic patch with the same result")
    func agreesWithMergePatch() async {
        await propertyCheck(count: 400, input: patchNullFreeObjects, patchNullFreeObjects) { a, b in
            let patch = MergePatch.create(from: a, to: b)
            let result = try? StrategicMergePatch.apply(patch, to: a, schema: StrategicMergeSchema())
            #expect(result == b, "patch \(patch.jsonString)")
        }
    }

    @Test("property: patching containers named in list order keeps the order and changes exactly the named ones")
    func containerUpdatesKeepOrder() async throws {
        let podSchema = try schema("", "Pod")
        let cases = Generator<([String], [String: String]), Shrink.None<([String], [String: String])>> { rng in
            let all = (0..<Int.random(in: 1...8, using: &rng)).map { "c\($0)" }.shuffled(using: &rng)
            var updates: [String: String] = [:]
            for name in all where Bool.random(using: &rng) {
                updates[name] = "image-\(Int.random(in: 0...9, using: &rng))"
            }
            return (all, updates)
        }
        await propertyCheck(count: 300, input: cases) { (all: [String], updates: [String: String]) in
            let doc: JSONValue = ["spec": ["containers": .array(all.map { ["name": .string($0), "image": "old"] })]]
            // kubectl lists elements in the order of the config, which is the list's order.
            let patchItems = all.filter { updates[$0] != nil }.map { name -> JSONValue in
                ["name": .string(name), "image": .string(updates[name] ?? "")]
            }
            let patch: JSONValue = ["spec": ["containers": .array(patchItems)]]
            let result = try? StrategicMergePatch.apply(patch, to: doc, schema: podSchema)
            let containers = result?[path: ["spec", "containers"]]?.arrayValue ?? []
            #expect(containers.compactMap { $0["name"]?.stringValue } == all)
            for c in containers {
                let name = c["name"]?.stringValue ?? ""
                #expect(c["image"]?.stringValue == (updates[name] ?? "old"))
            }
        }
    }

    @Test("property: $setElementOrder with a permutation of the names orders the list exactly so")
    func setElementOrderPermutes() async throws {
        let podSchema = try schema("", "Pod")
        let cases = Generator<([String], [String]), Shrink.None<([String], [String])>> { rng in
            let all = (0..<Int.random(in: 1...8, using: &rng)).map { "c\($0)" }
            return (all, all.shuffled(using: &rng))
        }
        await propertyCheck(count: 300, input: cases) { (all: [String], order: [String]) in
            let doc: JSONValue = ["spec": ["containers": .array(all.map { ["name": .string($0)] })]]
            let patch: JSONValue = [
                "spec": ["$setElementOrder/containers": .array(order.map { ["name": .string($0)] })]
            ]
            let result = try? StrategicMergePatch.apply(patch, to: doc, schema: podSchema)
            #expect(names(result?[path: ["spec", "containers"]]) == order)
        }
    }

    @Test("property: random directive-laden bodies never crash; failures carry 400, 422 or 500")
    func randomBodiesNeverCrash() async throws {
        let podSchema = try schema("", "Pod")
        let doc = try patchJSON(
            #"{"metadata":{"finalizers":["a"],"labels":{"x":"1"}},"spec":{"containers":[{"name":"c","env":[{"name":"A"}]}],"volumes":[{"name":"v","emptyDir":{}}]}}"#
        )
        let keys = [
            "$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/env", "$setElementOrder",
            "$deleteFromPrimitiveList/finalizers", "$deleteFromPrimitiveList/x", "containers", "env", "name",
            "finalizers", "spec", "metadata", "volumes", "emptyDir",
        ]
        let values: [JSONValue] = ["delete", "replace", "merge", "frob", "c", "A", 1, nil, [], ["c"], [["name": "c"]]]
        @Sendable func randomBody(_ depth: Int, _ rng: inout some RandomNumberGenerator) -> JSONValue {
            if depth == 0 || Int.random(in: 0..<4, using: &rng) == 0 {
                return values.randomElement(using: &rng) ?? nil
            }
            if Bool.random(using: &rng) {
                return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomBody(depth - 1, &rng) })
            }
            var o = JSONObject()
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                o[keys.randomElement(using: &rng) ?? "x"] = randomBody(depth - 1, &rng)
            }
            return .object(o)
        }
        let bodies = Generator<JSONValue, Shrink.None<JSONValue>> { rng in randomBody(4, &rng) }
        await propertyCheck(count: 1000, input: bodies) { body in
            let error = patchError { () throws(PatchError) in
                try StrategicMergePatch.apply(body, to: doc, schema: podSchema)
            }
            if let error { #expect([400, 422, 500].contains(error.statusCode), "\(error)") }
        }
    }
}
