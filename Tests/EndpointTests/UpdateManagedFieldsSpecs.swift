import Endpoint
import KubeModel
import Testing

/// `Update` managedFields entries, after kube-apiserver's field manager (k8s.io/apiserver
/// `fieldmanager`): every create, update and non-apply patch records what it set or changed
/// under the request's field manager (or the User-Agent's product name); apply conflicts
/// name those managers as `printManager` does.
@Suite("Endpoint: Update managedFields entries")
struct UpdateManagedFieldsSpecs {
    static let kubectlAgent = "kubectl-edit/v1.30.0 (linux/amd64) kubernetes/7c48c2b"

    func entries(_ object: JSONValue) -> [JSONValue] {
        object["metadata"]?["managedFields"]?.arrayValue ?? []
    }

    func entry(_ object: JSONValue, _ manager: String, subresource: String? = nil) -> JSONValue? {
        entries(object).first {
            $0["manager"]?.stringValue == manager && $0["subresource"]?.stringValue == subresource
        }
    }

    func mergePatch(
        _ h: Harness, _ gvr: GroupVersionResource, _ name: String, _ patch: String, query: [String: [String]] = [:],
        subresource: String? = nil, client: String = "endpoint-tests"
    ) async -> APIResponse {
        await h.call(
            .patch, gvr, namespace: "default", name: name, subresource: subresource, query: query,
            raw: Array(patch.utf8), contentType: "application/merge-patch+json", client: client)
    }

    func apply(_ h: Harness, _ name: String, _ config: String, manager: String, force: Bool = false) async
        -> APIResponse
    {
        var query = ["fieldManager": [manager]]
        if force { query["force"] = ["true"] }
        return await h.call(
            .patch, Harness.configmaps, namespace: "default", name: name, query: query, raw: Array(config.utf8),
            contentType: "application/apply-patch+yaml")
    }

    @Test("a create owns every field it set, under the User-Agent's product name, as an Update entry")
    func createFromUserAgent() async throws {
        try await Harness.run { h in
            let r = await h.call(
                .create, Harness.configmaps, namespace: "default",
                body: configMap("c", labels: ["app": "x"], data: ["a": "1"]),
                client: "kubectl-create/v1.30.0 (linux/amd64) kubernetes/7c48c2b")
            #expect(r.code == 201)
            let all = entries(r.object)
            #expect(all.count == 1)
            let e = try #require(all.first)
            #expect(e["manager"] == "kubectl-create")
            #expect(e["operation"] == "Update")
            #expect(e["apiVersion"] == "v1")
            #expect(e["fieldsType"] == "FieldsV1")
            #expect(e["time"]?.stringValue?.hasSuffix("Z") == true)
            #expect(e["subresource"] == nil)
            #expect(e["fieldsV1"] == ["f:data": ["f:a": [:]], "f:metadata": ["f:labels": ["f:app": [:]]]])
            // Stored as answered.
            #expect(await h.get(Harness.configmaps, namespace: "default", "c").object == r.object)
        }
    }

    @Test("what kubectl create deployment sends: keyed containers, no ownership of null values")
    func createDeployment() async throws {
        try await Harness.run { h in
            let deployment: JSONValue = [
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": ["name": "web", "creationTimestamp": .null, "labels": ["app": "web"]],
                "spec": [
                    "replicas": 1, "selector": ["matchLabels": ["app": "web"]],
                    "template": [
                        "metadata": ["creationTimestamp": .null, "labels": ["app": "web"]],
                        "spec": ["containers": [["name": "nginx", "image": "nginx", "resources": [:]]]],
                    ],
                ],
                "status": [:],
            ]
            let r = await h.call(
                .create, Harness.deployments, namespace: "default", query: ["fieldManager": ["kubectl-create"]],
                body: deployment)
            #expect(r.code == 201)
            let fields = try #require(entry(r.object, "kubectl-create")?["fieldsV1"])
            #expect(fields["f:spec"]?["f:replicas"] == [:])
            #expect(fields["f:spec"]?["f:template"]?["f:metadata"] == ["f:labels": ["f:app": [:]]])
            // The entry covers the object as stored, defaults included, as kube-apiserver's does.
            #expect(
                fields["f:spec"]?["f:template"]?["f:spec"]?["f:containers"]
                    == [
                        #"k:{"name":"nginx"}"#: [
                            ".": [:], "f:image": [:], "f:imagePullPolicy": [:], "f:name": [:], "f:resources": [:],
                            "f:terminationMessagePath": [:], "f:terminationMessagePolicy": [:],
                        ]
                    ])
            #expect(fields["f:status"] == nil)
            #expect(fields["f:metadata"] == ["f:labels": ["f:app": [:]]])
        }
    }

    @Test("?fieldManager= names the manager instead of the User-Agent; the Python client is OpenAPI-Generator")
    func managerNames() async throws {
        try await Harness.run { h in
            let named = await h.call(
                .create, Harness.configmaps, namespace: "default", query: ["fieldManager": ["deployer"]],
                body: configMap("a"), client: Self.kubectlAgent)
            #expect(entries(named.object).map(\.["manager"]) == ["deployer"])
            let python = await h.call(
                .create, Harness.configmaps, namespace: "default", body: configMap("b"),
                client: "OpenAPI-Generator/29.0.0/python")
            #expect(entries(python.object).map(\.["manager"]) == ["OpenAPI-Generator"])
        }
    }

    @Test("a patch takes the fields it changed from other managers; a manager left with nothing is dropped")
    func takesOwnership() async throws {
        try await Harness.run { h in
            _ = await h.call(
                .create, Harness.configmaps, namespace: "default", query: ["fieldManager": ["creator"]],
                body: configMap("c", data: ["a": "1", "b": "1"]))
            let edited = await mergePatch(h, Harness.configmaps, "c", #"{"data":{"a":"2"}}"#, client: Self.kubectlAgent)
            #expect(edited.code == 200)
            #expect(entry(edited.object, "creator")?["fieldsV1"] == ["f:data": ["f:b": [:]]])
            #expect(entry(edited.object, "kubectl-edit")?["fieldsV1"] == ["f:data": ["f:a": [:]]])
            #expect(entry(edited.object, "kubectl-edit")?["operation"] == "Update")

            // The same manager's later write merges into its entry.
            let again = await mergePatch(
                h, Harness.configmaps, "c", #"{"data":{"b":"2","c":"3"}}"#, client: Self.kubectlAgent)
            #expect(entries(again.object).count == 1)
            #expect(
                entry(again.object, "kubectl-edit")?["fieldsV1"] == ["f:data": ["f:a": [:], "f:b": [:], "f:c": [:]]])

            // A removed field leaves its owner's set.
            let removed = await mergePatch(
                h, Harness.configmaps, "c", #"{"data":{"c":null}}"#, query: ["fieldManager": ["cleaner"]])
            #expect(entries(removed.object).count == 1)
            #expect(entry(removed.object, "kubectl-edit")?["fieldsV1"] == ["f:data": ["f:a": [:], "f:b": [:]]])
        }
    }

    @Test("a write that changes nothing records nothing and keeps the resourceVersion")
    func noOp() async throws {
        try await Harness.run { h in
            let created = try await h.create(Harness.configmaps, namespace: "default", configMap("c"))
            let same = await mergePatch(h, Harness.configmaps, "c", #"{"data":{"k":"v"}}"#, client: Self.kubectlAgent)
            #expect(same.code == 200)
            #expect(same.object == created)
        }
    }

    @Test(
        "apply of a field an Update manager changed is a 409 naming it with its apiVersion; force takes the field over"
    )
    func applyConflictsWithUpdateManager() async throws {
        try await Harness.run { h in
            let config = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#
            #expect(await apply(h, "c", config, manager: "alice").code == 201)
            let edited = await mergePatch(h, Harness.configmaps, "c", #"{"data":{"a":"2"}}"#, client: Self.kubectlAgent)
            #expect(edited.code == 200)
            // The update took the field from the applier without conflict.
            #expect(entry(edited.object, "alice") == nil)

            let conflict = await apply(h, "c", config, manager: "alice")
            #expect(conflict.code == 409)
            let status = try conflict.json()
            #expect(
                status["message"] == #"Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a"#)
            #expect(status["details"]?["causes"]?.arrayValue?.first?["field"] == ".data.a")
            #expect(
                status["details"]?["causes"]?.arrayValue?.first?["message"] == #"conflict with "kubectl-edit" using v1"#
            )

            let forced = await apply(h, "c", config, manager: "alice", force: true)
            #expect(forced.code == 200)
            #expect(forced.object["data"] == ["a": "1"])
            #expect(entries(forced.object).map(\.["manager"]) == ["alice"])
            #expect(entry(forced.object, "alice")?["operation"] == "Apply")
        }
    }

    @Test("a status write is recorded with subresource status and owns only status; the main write never owns status")
    func statusSubresource() async throws {
        try await Harness.run { h in
            let pod: JSONValue = [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                "spec": ["containers": [["name": "web", "image": "nginx"]]],
            ]
            let created = await h.call(
                .create, Harness.pods, namespace: "default", query: ["fieldManager": ["creator"]], body: pod)
            #expect(created.code == 201)
            let createdFields = try #require(entry(created.object, "creator")?["fieldsV1"])
            #expect(createdFields["f:status"] == nil)
            #expect(createdFields["f:spec"]?["f:containers"]?[#"k:{"name":"web"}"#]?["f:image"] == [:])

            let status = await mergePatch(
                h, Harness.pods, "p", #"{"status":{"phase":"Running"}}"#, query: ["fieldManager": ["kubelet"]],
                subresource: "status")
            #expect(status.code == 200)
            let e = try #require(entry(status.object, "kubelet", subresource: "status"))
            #expect(e["operation"] == "Update")
            #expect(e["fieldsV1"] == ["f:status": ["f:phase": [:]]])
            #expect(entry(status.object, "creator")?["fieldsV1"] == createdFields)
        }
    }

    @Test("managedFields [] in a write keeps them; [{}] resets them, and an object without any stays untracked")
    func resetting() async throws {
        try await Harness.run { h in
            _ = await h.call(
                .create, Harness.configmaps, namespace: "default", query: ["fieldManager": ["creator"]],
                body: configMap("c"))
            let kept = await mergePatch(
                h, Harness.configmaps, "c", #"{"metadata":{"managedFields":[]}}"#, client: Self.kubectlAgent)
            #expect(kept.code == 200)
            #expect(entries(kept.object).map(\.["manager"]) == ["creator"])

            let reset = await mergePatch(
                h, Harness.configmaps, "c", #"{"metadata":{"managedFields":[{}]}}"#, client: Self.kubectlAgent)
            #expect(reset.code == 200)
            #expect(reset.object["metadata"]?["managedFields"] == nil)

            let later = await mergePatch(
                h, Harness.configmaps, "c", #"{"data":{"k":"w"}}"#, client: Self.kubectlAgent)
            #expect(later.code == 200)
            #expect(later.object["data"] == ["k": "w"])
            #expect(later.object["metadata"]?["managedFields"] == nil)
        }
    }

    @Test("beyond ten Update managers the oldest merge into one ancient-changes entry that keeps their fields")
    func capsUpdateManagers() async throws {
        try await Harness.run { h in
            _ = await h.call(
                .create, Harness.configmaps, namespace: "default", query: ["fieldManager": ["m0"]],
                body: configMap("c", data: ["k0": "v"]))
            var last = APIResponse(code: 0, body: [])
            for i in 1...11 {
                last = await mergePatch(
                    h, Harness.configmaps, "c", #"{"data":{"k\#(i)":"v"}}"#, query: ["fieldManager": ["m\(i)"]])
                #expect(last.code == 200)
            }
            let all = entries(last.object)
            #expect(all.count == 10)
            #expect(all.filter { $0["manager"] == "ancient-changes" }.count == 1)
            var owned = Set<String>()
            for e in all { owned.formUnion(e["fieldsV1"]?["f:data"]?.objectValue?.keys.map { $0 } ?? []) }
            #expect(owned == Set((0...11).map { "f:k\($0)" }))
        }
    }
}
