import Endpoint
import KubeModel
import Testing

/// Server-side apply ownership, checked against structured-merge-diff's behaviour and the
/// apiserver's conflict Status (k8s.io/apiserver fieldmanager/internal/conflict.go).
@Suite("Endpoint: server-side apply field ownership")
struct ServerSideApplySpecs {
    static func pod(image: String, extra: String = "") -> String {
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"web","image":"\#(image)"\#(extra)}]}}"#
    }

    func apply(
        _ h: Harness, _ gvr: GroupVersionResource, _ name: String, _ config: String, manager: String,
        force: Bool = false
    )
        async -> APIResponse
    {
        var query = ["fieldManager": [manager]]
        if force { query["force"] = ["true"] }
        return await h.call(
            .patch, gvr, namespace: "default", name: name, query: query, raw: Array(config.utf8),
            contentType: "application/apply-patch+yaml")
    }

    func entry(_ object: JSONValue, _ manager: String) -> JSONValue? {
        object["metadata"]?["managedFields"]?.arrayValue?.first { $0["manager"]?.stringValue == manager }
    }

    @Test("list items merged by key are owned as k:{\"name\":…} with a \".\" marker; sets as v:…")
    func fieldsV1Shape() async throws {
        try await Harness.run { h in
            let config =
                #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["example.com/a"],"labels":{"app":"x"}},"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}"#
            let r = await apply(h, Harness.pods, "p", config, manager: "alice")
            #expect(r.code == 201)
            let fields = try #require(entry(r.object, "alice")?["fieldsV1"])
            let item = fields["f:spec"]?["f:containers"]?[#"k:{"name":"web"}"#]
            #expect(item == [".": [:], "f:image": [:], "f:name": [:]])
            #expect(fields["f:metadata"]?["f:finalizers"] == [#"v:"example.com/a""#: [:]])
            #expect(fields["f:metadata"]?["f:labels"] == ["f:app": [:]])
            #expect(fields["f:metadata"]?["f:name"] == nil)
        }
    }

    @Test(
        "changing a keyed list item's field another manager owns is a 409 naming .spec.containers[name=\"web\"].image")
    func keyedConflict() async throws {
        try await Harness.run { h in
            #expect(await apply(h, Harness.pods, "p", Self.pod(image: "nginx:1.25"), manager: "alice").code == 201)
            let r = await apply(h, Harness.pods, "p", Self.pod(image: "nginx:1.26"), manager: "bob")
            #expect(r.code == 409)
            let status = try r.json()
            #expect(status["reason"] == "Conflict")
            #expect(
                status["message"]
                    == #"Apply failed with 1 conflict: conflict with "alice": .spec.containers[name="web"].image"#)
            let cause = status["details"]?["causes"]?.arrayValue?.first
            #expect(cause?["reason"] == "FieldManagerConflict")
            #expect(cause?["field"] == #".spec.containers[name="web"].image"#)
            #expect(cause?["message"] == #"conflict with "alice""#)
            #expect(status["details"]?["name"] == nil)
            // Nothing was written.
            let current = await h.call(.get, Harness.pods, namespace: "default", name: "p")
            #expect(current.object["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:1.25")
        }
    }

    /// A Pod's containers may only change their image (kube-apiserver refuses other
    /// updates), so merging a new container field in is shown on a PodTemplate.
    static func podTemplate(image: String, extra: String = "") -> String {
        #"{"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"p"},"template":{"spec":{"containers":[{"name":"web","image":"\#(image)"\#(extra)}]}}}"#
    }
    static let podtemplates = GroupVersionResource(group: "", version: "v1", resource: "podtemplates")

    @Test("applying the same value shares ownership; other items and fields merge in without conflict")
    func sharedOwnership() async throws {
        try await Harness.run { h in
            #expect(
                await apply(h, Self.podtemplates, "p", Self.podTemplate(image: "nginx:1.25"), manager: "alice").code
                    == 201)
            let r = await apply(
                h, Self.podtemplates, "p", Self.podTemplate(image: "nginx:1.25", extra: #","command":["run"]"#),
                manager: "bob")
            #expect(r.code == 200)
            let web = r.object["template"]?["spec"]?["containers"]?.arrayValue?.first
            #expect(web?["command"] == ["run"])
            let key = #"k:{"name":"web"}"#
            func containers(_ manager: String) -> JSONValue? {
                entry(r.object, manager)?["fieldsV1"]?["f:template"]?["f:spec"]?["f:containers"]?[key]
            }
            #expect(containers("alice")?["f:image"] != nil)
            #expect(containers("bob")?["f:image"] != nil)
            #expect(containers("bob")?["f:command"] != nil)
        }
    }

    @Test("force=true moves the conflicting fields to the applier and keeps the other manager's other fields")
    func forceTransfersOwnership() async throws {
        try await Harness.run { h in
            #expect(await apply(h, Harness.pods, "p", Self.pod(image: "nginx:1.25"), manager: "alice").code == 201)
            let r = await apply(h, Harness.pods, "p", Self.pod(image: "nginx:1.26"), manager: "bob", force: true)
            #expect(r.code == 200)
            #expect(r.object["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:1.26")
            let key = #"k:{"name":"web"}"#
            let alice = entry(r.object, "alice")?["fieldsV1"]?["f:spec"]?["f:containers"]?[key]
            #expect(alice == [".": [:], "f:name": [:]])
            #expect(entry(r.object, "bob")?["fieldsV1"]?["f:spec"]?["f:containers"]?[key]?["f:image"] != nil)
            // Alice now conflicts with bob when she re-applies her old image.
            let back = await apply(h, Harness.pods, "p", Self.pod(image: "nginx:1.25"), manager: "alice")
            #expect(back.code == 409)
            #expect(
                (try? back.json())?["message"]
                    == #"Apply failed with 1 conflict: conflict with "bob": .spec.containers[name="web"].image"#)
        }
    }

    @Test("a manager left with no fields after a forced apply is dropped from managedFields")
    func emptyManagerDropped() async throws {
        try await Harness.run { h in
            let alice = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"owner":"alice"}}"#
            let bob = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"owner":"bob"}}"#
            #expect(await apply(h, Harness.configmaps, "c", alice, manager: "alice").code == 201)
            let conflict = await apply(h, Harness.configmaps, "c", bob, manager: "bob")
            #expect(conflict.code == 409)
            #expect(
                (try? conflict.json())?["message"]
                    == #"Apply failed with 1 conflict: conflict with "alice": .data.owner"#)
            let r = await apply(h, Harness.configmaps, "c", bob, manager: "bob", force: true)
            #expect(r.code == 200)
            #expect(r.object["data"]?["owner"] == "bob")
            let managers = r.object["metadata"]?["managedFields"]?.arrayValue?.compactMap { $0["manager"]?.stringValue }
            #expect(managers == ["bob"])
        }
    }

    @Test("several conflicts are listed per manager, like the apiserver's message")
    func severalConflicts() async throws {
        try await Harness.run { h in
            let alice = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"1"}}"#
            let bob = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"2","b":"2"}}"#
            #expect(await apply(h, Harness.configmaps, "c", alice, manager: "alice").code == 201)
            let r = await apply(h, Harness.configmaps, "c", bob, manager: "bob")
            #expect(r.code == 409)
            #expect(
                (try? r.json())?["message"]
                    == "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .data.a\n- .data.b")
            #expect((try? r.json())?["details"]?["causes"]?.arrayValue?.count == 2)
        }
    }

    @Test("a field the manager stops applying is removed, unless another manager owns it")
    func removesDroppedFields() async throws {
        try await Harness.run { h in
            let both = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"1"}}"#
            let onlyA = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#
            let bobB = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"b":"1"}}"#
            #expect(await apply(h, Harness.configmaps, "c", both, manager: "alice").code == 201)
            #expect(await apply(h, Harness.configmaps, "c", onlyA, manager: "alice").object["data"] == ["a": "1"])
            #expect(await apply(h, Harness.configmaps, "c", both, manager: "alice").code == 200)
            #expect(await apply(h, Harness.configmaps, "c", bobB, manager: "bob").code == 200)
            // b is shared with bob now: alice dropping it leaves it in place.
            #expect(
                await apply(h, Harness.configmaps, "c", onlyA, manager: "alice").object["data"] == ["a": "1", "b": "1"])
        }
    }

    @Test("a path owned before as a leaf or atomic list is not pruned when the new configuration owns what is below it")
    func leafBecomesObject() async throws {
        try await Harness.run { h in
            let empty = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{}}"#
            let filled = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#
            #expect(await apply(h, Harness.configmaps, "c", empty, manager: "alice").code == 201)
            #expect(await apply(h, Harness.configmaps, "c", filled, manager: "alice").object["data"] == ["a": "1"])

            // An entry that owns the containers list atomically (as AKE recorded before keyed ownership).
            let pod = try JSONValue(parsing: Array(Self.pod(image: "nginx:1.25").utf8))
            #expect(await h.call(.create, Harness.pods, namespace: "default", body: pod).code == 201)
            let oldEntry: JSONValue = [
                "manager": "alice", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
                "fieldsV1": ["f:spec": ["f:containers": [:]]],
            ]
            let seeded = await h.call(
                .patch, Harness.pods, namespace: "default", name: "p",
                body: ["metadata": ["managedFields": [oldEntry]]], contentType: "application/merge-patch+json")
            #expect(seeded.object["metadata"]?["managedFields"] == [oldEntry])
            let r = await apply(h, Harness.pods, "p", Self.pod(image: "nginx:1.25"), manager: "alice")
            #expect(r.code == 200)
            #expect(r.object["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:1.25")
        }
    }
}
