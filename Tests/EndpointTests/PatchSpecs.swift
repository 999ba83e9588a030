import Endpoint
import KubeModel
import Testing

@Suite("Endpoint: patch types")
struct PatchSpecs {
    static let pod: JSONValue = [
        "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "labels": ["a": "1"]],
        "spec": [
            "containers": [
                ["name": "app", "image": "app:1", "env": [["name": "A", "value": "1"]]],
                ["name": "sidecar", "image": "side:1"],
            ]
        ],
    ]

    @Test("JSON patch (RFC 6902)")
    func jsonPatch() async throws {
        try await Harness.run { h in
            try await h.create(Harness.pods, namespace: "default", Self.pod)
            let r = await h.call(
                .patch, Harness.pods, namespace: "default", name: "p",
                raw: Array(
                    #"[{"op":"replace","path":"/spec/containers/1/image","value":"side:2"},{"op":"remove","path":"/metadata/labels/a"}]"#
                        .utf8),
                contentType: "application/json-patch+json")
            #expect(r.code == 200)
            let p = try r.json()
            #expect(p["spec"]?["containers"]?.arrayValue?[1]["image"] == "side:2")
            #expect(p["metadata"]?["labels"]?["a"] == nil)
        }
    }

    /// A Pod's containers cannot be replaced (kube-apiserver refuses the update), a
    /// PodTemplate's can: the list-replacing patch is made on one.
    static let podtemplates = GroupVersionResource(group: "", version: "v1", resource: "podtemplates")
    static let podTemplate: JSONValue = [
        "apiVersion": "v1", "kind": "PodTemplate", "metadata": ["name": "p", "labels": ["a": "1"]],
        "template": ["spec": pod["spec"] ?? [:]],
    ]

    @Test("merge patch (RFC 7386) replaces lists and deletes with null")
    func mergePatch() async throws {
        try await Harness.run { h in
            try await h.create(Self.podtemplates, namespace: "default", Self.podTemplate)
            let r = await h.call(
                .patch, Self.podtemplates, namespace: "default", name: "p",
                body: [
                    "metadata": ["labels": ["a": nil, "b": "2"]],
                    "template": ["spec": ["containers": [["name": "only", "image": "x"]]]],
                ],
                contentType: "application/merge-patch+json; charset=utf-8")
            #expect(r.code == 200)
            let p = try r.json()
            #expect(p["metadata"]?["labels"] == ["b": "2"])
            #expect(p["template"]?["spec"]?["containers"]?.arrayValue?.count == 1)
        }
    }

    @Test("strategic merge patch merges containers by name")
    func strategicMergePatch() async throws {
        try await Harness.run { h in
            try await h.create(Harness.pods, namespace: "default", Self.pod)
            let r = await h.call(
                .patch, Harness.pods, namespace: "default", name: "p",
                body: ["spec": ["containers": [["name": "app", "image": "app:2"]]]],
                contentType: "application/strategic-merge-patch+json")
            #expect(r.code == 200)
            let containers = try r.json()["spec"]?["containers"]?.arrayValue ?? []
            #expect(containers.count == 2)
            #expect(containers.first { $0["name"] == "app" }?["image"] == "app:2")
            #expect(containers.first { $0["name"] == "app" }?["env"]?.arrayValue?.count == 1)
        }
    }

    @Test("server-side apply creates (201), updates (200), records the field manager; re-applying writes nothing")
    func apply() async throws {
        try await Harness.run { h in
            let config = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"a":"1"}}"#
            let created = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "applied", query: ["fieldManager": ["tester"]],
                raw: Array(config.utf8), contentType: "application/apply-patch+yaml")
            #expect(created.code == 201)
            let c = try created.json()
            #expect(c["data"] == ["a": "1"])
            let managers = c["metadata"]?["managedFields"]?.arrayValue ?? []
            #expect(managers.first?["manager"] == "tester")
            #expect(managers.first?["operation"] == "Apply")
            #expect(managers.first?["fieldsV1"]?["f:data"]?["f:a"] != nil)

            let next = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"b":"2"}}"#
            let updated = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "applied", query: ["fieldManager": ["tester"]],
                raw: Array(next.utf8), contentType: "application/apply-patch+yaml")
            #expect(updated.code == 200)
            let u = try updated.json()
            #expect(u["data"]?["b"] == "2")
            #expect(u["metadata"]?["managedFields"]?.arrayValue?.count == 1)
            #expect(u["metadata"]?["uid"] == c["metadata"]?["uid"])

            let again = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "applied", query: ["fieldManager": ["tester"]],
                raw: Array(next.utf8), contentType: "application/apply-patch+yaml")
            #expect(again.code == 200)
            #expect(again.object.rv == u.rv)
        }
    }

    @Test("server-side apply accepts a YAML configuration")
    func applyYAML() async throws {
        try await Harness.run { h in
            let yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: from-yaml
                  labels:
                    app: demo
                data:
                  port: "8080"
                """
            let r = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "from-yaml",
                query: ["fieldManager": ["yaml-client"]], raw: Array(yaml.utf8),
                contentType: "application/apply-patch+yaml")
            #expect(r.code == 201)
            #expect(r.object["data"]?["port"] == "8080")
            #expect(r.object["metadata"]?["labels"]?["app"] == "demo")
        }
    }
}
