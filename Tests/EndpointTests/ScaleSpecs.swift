import Endpoint
import KubeModel
import Testing

/// The `scale` subresource (`autoscaling/v1` Scale), after kube-apiserver's `ScaleREST`:
/// a view of the parent's replicas and selector; writes change only the parent's replicas.
@Suite("Endpoint: scale subresource")
struct ScaleSpecs {
    static let rcs = GroupVersionResource(group: "", version: "v1", resource: "replicationcontrollers")

    static func deployment(_ name: String, replicas: Int? = 2) -> JSONValue {
        var d: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
            "spec": [
                "selector": [
                    "matchLabels": ["app": "web", "tier": "front"],
                    "matchExpressions": [["key": "env", "operator": "In", "values": ["prod", "dev"]]],
                ],
                "template": [
                    "metadata": ["labels": ["app": "web", "tier": "front", "env": "prod"]],
                    "spec": ["containers": [["name": "c", "image": "nginx"]]],
                ],
            ],
        ]
        if let replicas { d["spec"]?["replicas"] = .number(JSONNumber(replicas)) }
        return d
    }

    func scale(_ h: Harness, _ name: String) async -> APIResponse {
        await scale(h, Harness.deployments, name)
    }

    func scale(_ h: Harness, _ gvr: GroupVersionResource, _ name: String) async -> APIResponse {
        await h.call(.get, gvr, namespace: "default", name: name, subresource: "scale")
    }

    func patchScale(
        _ h: Harness, _ name: String, _ patch: String, type: String = "application/merge-patch+json",
        query: [String: [String]] = [:], gvr: GroupVersionResource = Harness.deployments
    ) async -> APIResponse {
        await h.call(
            .patch, gvr, namespace: "default", name: name, subresource: "scale", query: query,
            raw: Array(patch.utf8), contentType: type, client: "kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b")
    }

    @Test("GET /scale renders the parent as an autoscaling/v1 Scale with its selector as a string")
    func getScale() async throws {
        try await Harness.run { h in
            let d = try await h.create(Harness.deployments, namespace: "default", Self.deployment("web"))
            let r = await scale(h, "web")
            #expect(r.code == 200, "\(r.text)")
            let s = try r.json()
            #expect(s["kind"] == "Scale")
            #expect(s["apiVersion"] == "autoscaling/v1")
            #expect(
                s["metadata"]
                    == [
                        "name": "web", "namespace": "default", "uid": d["metadata"]?["uid"] ?? .null,
                        "resourceVersion": .string(d.rv),
                        "creationTimestamp": d["metadata"]?["creationTimestamp"] ?? .null,
                    ])
            #expect(s["spec"] == ["replicas": 2])
            #expect(s["status"] == ["replicas": 0, "selector": "app=web,env in (dev,prod),tier=front"])

            // Absent spec.replicas is the built-in default of 1; a missing parent is the parent's NotFound.
            _ = try await h.create(Harness.deployments, namespace: "default", Self.deployment("one", replicas: nil))
            #expect(try await scale(h, "one").json()["spec"] == ["replicas": 1])
            let missing = await scale(h, "nope")
            #expect(missing.code == 404)
            #expect(missing.message == #"deployments.apps "nope" not found"#)
        }
    }

    @Test("a ReplicationController's map selector renders sorted; replicas 0 is omitted as in omitempty")
    func replicationController() async throws {
        try await Harness.run { h in
            let rc: JSONValue = [
                "apiVersion": "v1", "kind": "ReplicationController", "metadata": ["name": "rc"],
                "spec": [
                    "replicas": 0, "selector": ["b": "2", "a": "1"],
                    "template": [
                        "metadata": ["labels": ["a": "1", "b": "2"]],
                        "spec": ["containers": [["name": "c", "image": "nginx"]]],
                    ],
                ],
            ]
            _ = try await h.create(Self.rcs, namespace: "default", rc)
            let s = try await scale(h, Self.rcs, "rc").json()
            #expect(s["spec"] == [:])
            #expect(s["status"] == ["replicas": 0, "selector": "a=1,b=2"])
        }
    }

    @Test("PATCH /scale (what kubectl scale sends) changes only spec.replicas, bumps RV and generation, one MODIFIED")
    func patchReplicas() async throws {
        try await Harness.run { h in
            let d = try await h.create(Harness.deployments, namespace: "default", Self.deployment("web"))
            let before = try await h.head()
            let r = await patchScale(h, "web", #"{"spec":{"replicas":3}}"#)
            #expect(r.code == 200, "\(r.text)")
            let s = try r.json()
            #expect(s["kind"] == "Scale")
            #expect(s["spec"] == ["replicas": 3])
            #expect(s.rv != d.rv)

            let after = try await h.get(Harness.deployments, namespace: "default", "web").json()
            #expect(after["spec"]?["replicas"] == 3)
            #expect(after.rv == s.rv)
            #expect(after["metadata"]?["generation"] == 2)
            #expect(after["spec"]?["selector"] == d["spec"]?["selector"])
            #expect(after["spec"]?["template"] == d["spec"]?["template"])

            let events = try await h.events(Harness.deployments, namespace: "default", after: before, count: 1)
            #expect(events.count == 1)
            #expect(events.first?.type == "MODIFIED")
            #expect(events.first?.object["spec"]?["replicas"] == 3)

            // Strategic merge and JSON patch apply to the Scale too.
            let sm = await patchScale(
                h, "web", #"{"spec":{"replicas":4}}"#, type: "application/strategic-merge-patch+json")
            #expect(sm.object["spec"] == ["replicas": 4])
            let jp = await patchScale(
                h, "web", #"[{"op":"replace","path":"/spec/replicas","value":5}]"#,
                type: "application/json-patch+json")
            #expect(jp.object["spec"] == ["replicas": 5])
            #expect(try await h.get(Harness.deployments, namespace: "default", "web").json()["spec"]?["replicas"] == 5)
        }
    }

    @Test("a /scale write is an Update entry with subresource scale owning spec.replicas, taken from its creator")
    func managedFields() async throws {
        try await Harness.run { h in
            _ = try await h.create(Harness.deployments, namespace: "default", Self.deployment("web"))
            _ = await patchScale(h, "web", #"{"spec":{"replicas":3}}"#)
            let d = try await h.get(Harness.deployments, namespace: "default", "web").json()
            let entries = d["metadata"]?["managedFields"]?.arrayValue ?? []
            let scaleEntry = try #require(entries.first { $0["subresource"] == "scale" })
            #expect(scaleEntry["manager"] == "kubectl")
            #expect(scaleEntry["operation"] == "Update")
            #expect(scaleEntry["apiVersion"] == "apps/v1")
            #expect(scaleEntry["fieldsV1"] == ["f:spec": ["f:replicas": [:]]])
            let creator = try #require(entries.first { $0["manager"] == "endpoint-tests" })
            #expect(creator["fieldsV1"]?["f:spec"]?["f:replicas"] == nil)
            #expect(creator["fieldsV1"]?["f:spec"]?["f:selector"] != nil)
        }
    }

    @Test("PUT /scale honours metadata.resourceVersion as a precondition (409) and sets only replicas")
    func putScale() async throws {
        try await Harness.run { h in
            _ = try await h.create(Harness.deployments, namespace: "default", Self.deployment("web"))
            var s = try await scale(h, "web").json()
            s["spec"] = ["replicas": 6]
            s["status"] = ["replicas": 99]  // status is not written through /scale
            let ok = await h.call(
                .update, Harness.deployments, namespace: "default", name: "web", subresource: "scale", body: s)
            #expect(ok.code == 200, "\(ok.text)")
            #expect(ok.object["spec"] == ["replicas": 6])
            #expect(ok.object["status"]?["replicas"] == 0)

            // The same (now stale) resourceVersion again: the apiserver's optimistic-lock conflict.
            s["spec"] = ["replicas": 7]
            let stale = await h.call(
                .update, Harness.deployments, namespace: "default", name: "web", subresource: "scale", body: s)
            #expect(stale.code == 409)
            #expect(stale.reason == "Conflict")
            #expect(
                stale.message
                    == #"Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again"#
            )
            #expect(try await h.get(Harness.deployments, namespace: "default", "web").json()["spec"]?["replicas"] == 6)

            // Without a resourceVersion, a built-in's update is unconditional.
            s["metadata"]?["resourceVersion"] = nil
            let free = await h.call(
                .update, Harness.deployments, namespace: "default", name: "web", subresource: "scale", body: s)
            #expect(free.object["spec"] == ["replicas": 7])

            // Invalid replicas, a foreign uid.
            s["spec"] = ["replicas": -1]
            let negative = await h.call(
                .update, Harness.deployments, namespace: "default", name: "web", subresource: "scale", body: s)
            #expect(negative.code == 422)
            #expect(
                negative.message
                    == #"Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"#
            )
            s["spec"] = ["replicas": 1]
            s["metadata"]?["uid"] = "not-the-uid"
            let uid = await h.call(
                .update, Harness.deployments, namespace: "default", name: "web", subresource: "scale", body: s)
            #expect(uid.code == 409)
            #expect(
                uid.message.hasPrefix(
                    #"Operation cannot be fulfilled on deployments/scale.apps "web": Precondition failed: UID in precondition: not-the-uid"#
                ))
        }
    }

    @Test("dryRun on /scale answers the new Scale and stores nothing")
    func dryRun() async throws {
        try await Harness.run { h in
            let d = try await h.create(Harness.deployments, namespace: "default", Self.deployment("web"))
            let r = await patchScale(h, "web", #"{"spec":{"replicas":9}}"#, query: ["dryRun": ["All"]])
            #expect(r.code == 200, "\(r.text)")
            #expect(r.object["spec"] == ["replicas": 9])
            let after = try await h.get(Harness.deployments, namespace: "default", "web").json()
            #expect(after["spec"]?["replicas"] == 2)
            #expect(after.rv == d.rv)
        }
    }

    @Test("resources without scale, unknown subresources and other verbs on /scale are 404 / not found")
    func notServed() async throws {
        try await Harness.run { h in
            _ = try await h.create(Harness.configmaps, namespace: "default", configMap("c"))
            _ = try await h.create(Harness.deployments, namespace: "default", Self.deployment("web"))
            let cm = await h.call(.get, Harness.configmaps, namespace: "default", name: "c", subresource: "scale")
            #expect(cm.code == 404)
            #expect(cm.message == "the server could not find the requested resource")
            let unknown = await h.call(
                .get, Harness.deployments, namespace: "default", name: "web", subresource: "scales")
            #expect(unknown.code == 404)
            let del = await h.call(
                .delete, Harness.deployments, namespace: "default", name: "web", subresource: "scale")
            #expect(del.code == 404)
        }
    }

    @Test("custom resources scale through the CRD's specReplicasPath, statusReplicasPath and labelSelectorPath")
    func customResource() async throws {
        try await Harness.run { h in
            var crd = CustomResourceSpecs.crd
            crd["spec"]?["versions"] = [
                [
                    "name": "v1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                    "subresources": [
                        "status": [:],
                        "scale": [
                            "specReplicasPath": ".spec.size", "statusReplicasPath": ".status.count",
                            "labelSelectorPath": ".status.selector",
                        ],
                    ],
                ]
            ]
            _ = try await h.create(Harness.crds, crd)
            let w = try await h.create(Harness.widgets, namespace: "default", CustomResourceSpecs.widget("w1", size: 2))
            var st = w
            st["status"] = ["count": 1, "selector": "app=w"]
            let su = await h.call(
                .update, Harness.widgets, namespace: "default", name: "w1", subresource: "status", body: st)
            #expect(su.code == 200, "\(su.text)")

            let s = try await scale(h, Harness.widgets, "w1").json()
            #expect(s["spec"] == ["replicas": 2])
            #expect(s["status"] == ["replicas": 1, "selector": "app=w"])

            let r = await patchScale(h, "w1", #"{"spec":{"replicas":5}}"#, gvr: Harness.widgets)
            #expect(r.code == 200, "\(r.text)")
            #expect(r.object["spec"] == ["replicas": 5])
            let after = try await h.get(Harness.widgets, namespace: "default", "w1").json()
            #expect(after["spec"]?["size"] == 5)

            // A custom resource's update needs a resourceVersion.
            var body = r.object
            body["metadata"]?["resourceVersion"] = nil
            let noRV = await h.call(
                .update, Harness.widgets, namespace: "default", name: "w1", subresource: "scale", body: body)
            #expect(noRV.code == 422)
        }
    }

    @Test("a CRD without subresources.scale serves no /scale")
    func customWithoutScale() async throws {
        try await Harness.run { h in
            _ = try await h.create(Harness.crds, CustomResourceSpecs.crd)
            _ = try await h.create(Harness.widgets, namespace: "default", CustomResourceSpecs.widget("w1"))
            let r = await scale(h, Harness.widgets, "w1")
            #expect(r.code == 404)
            #expect(r.message == "the server could not find the requested resource")
        }
    }
}
