import Endpoint
import Foundation
import KubeModel
import Testing

@Suite("Endpoint: reads and writes")
struct ReadWriteSpecs {
    @Test("bootstrap creates default, kube-system, kube-public, kube-node-lease, Active and labelled, once")
    func bootstrapNamespaces() async throws {
        try await Harness.run { h in
            try await h.endpoint.bootstrap()  // second time: nothing new
            let list = try await h.call(.list, Harness.namespaces).json()
            #expect(list.items.map(\.metaName) == ["default", "kube-node-lease", "kube-public", "kube-system"])
            for ns in list.items {
                #expect(ns["status"]?["phase"]?.stringValue == "Active")
                #expect(ns["metadata"]?["labels"]?["kubernetes.io/metadata.name"]?.stringValue == ns.metaName)
                #expect(ns["spec"]?["finalizers"] == ["kubernetes"])
            }
        }
    }

    @Test("create fills uid, creationTimestamp, generation 1, resourceVersion, kind and apiVersion; answers 201")
    func createSystemFields() async throws {
        try await Harness.run { h in
            let before = try await h.head()
            let body: JSONValue = ["metadata": ["name": "cfg"], "data": ["a": "1"]]
            let r = await h.call(.create, Harness.configmaps, namespace: "default", body: body)
            #expect(r.code == 201)
            let cm = try r.json()
            #expect(cm["kind"] == "ConfigMap")
            #expect(cm["apiVersion"] == "v1")
            #expect(cm["metadata"]?["namespace"] == "default")
            let uid = try #require(cm["metadata"]?["uid"]?.stringValue)
            #expect(UUID(uuidString: uid) != nil && uid == uid.lowercased())
            let ts = try #require(cm["metadata"]?["creationTimestamp"]?.stringValue)
            #expect(ts.count == 20 && ts.hasSuffix("Z") && ts.dropFirst(10).first == "T")
            #expect(cm["metadata"]?["generation"] == 1)
            #expect(UInt64(cm.rv) == before + 1)
            #expect(cm["data"]?["a"] == "1")
            let got = await h.get(Harness.configmaps, namespace: "default", "cfg")
            #expect(got.code == 200)
            #expect(got.object == cm)
        }
    }

    @Test("a namespaced resource: get, list, update, patch, delete")
    func namespacedVerbs() async throws {
        try await Harness.run { h in
            var cm = try await h.create(Harness.configmaps, namespace: "default", configMap("a"))
            try await h.create(Harness.configmaps, namespace: "kube-system", configMap("b"))

            let inDefault = try await h.call(.list, Harness.configmaps, namespace: "default").json()
            #expect(inDefault["kind"] == "ConfigMapList")
            #expect(inDefault["apiVersion"] == "v1")
            #expect(inDefault.items.map(\.metaName) == ["a"])
            let everywhere = try await h.call(.list, Harness.configmaps).json()
            #expect(everywhere.items.map(\.metaName) == ["a", "b"])
            #expect(everywhere["metadata"]?["resourceVersion"]?.stringValue?.isEmpty == false)

            cm["data"] = ["k": "changed"]
            let updated = await h.call(.update, Harness.configmaps, namespace: "default", name: "a", body: cm)
            #expect(updated.code == 200)
            let u = try updated.json()
            #expect(u["data"]?["k"] == "changed")
            #expect(UInt64(u.rv)! > UInt64(cm.rv)!)
            #expect(u["metadata"]?["uid"] == cm["metadata"]?["uid"])

            let patched = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "a", body: ["data": ["p": "1"]],
                contentType: "application/merge-patch+json")
            #expect(patched.code == 200)
            #expect(patched.object["data"] == ["k": "changed", "p": "1"])

            let deleted = await h.call(.delete, Harness.configmaps, namespace: "default", name: "a")
            #expect(deleted.code == 200)
            let status = try deleted.json()
            #expect(status["kind"] == "Status")
            #expect(status["status"] == "Success")
            #expect(status["details"]?["name"] == "a")
            #expect(await h.get(Harness.configmaps, namespace: "default", "a").code == 404)
        }
    }

    @Test("a cluster-scoped resource: create, get, list, update, patch, delete, deletecollection")
    func clusterScopedVerbs() async throws {
        try await Harness.run { h in
            func role(_ name: String, _ label: String) -> JSONValue {
                [
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": ["name": .string(name), "labels": ["tier": .string(label)]], "rules": [],
                ]
            }
            var r1 = try await h.create(Harness.clusterroles, role("reader", "a"))
            #expect(r1["metadata"]?["namespace"] == nil)
            try await h.create(Harness.clusterroles, role("writer", "b"))
            try await h.create(Harness.clusterroles, role("admin", "b"))
            #expect(await h.get(Harness.clusterroles, "reader").code == 200)
            let list = try await h.call(.list, Harness.clusterroles).json()
            #expect(list["kind"] == "ClusterRoleList")
            #expect(list["apiVersion"] == "rbac.authorization.k8s.io/v1")
            #expect(list.items.map(\.metaName) == ["admin", "reader", "writer"])

            r1["rules"] = [["verbs": ["get"], "apiGroups": [""], "resources": ["pods"]]]
            let updated = await h.call(.update, Harness.clusterroles, name: "reader", body: r1)
            #expect(updated.code == 200)
            let patched = await h.call(
                .patch, Harness.clusterroles, name: "reader",
                raw: Array(#"[{"op":"add","path":"/metadata/annotations","value":{"x":"y"}}]"#.utf8),
                contentType: "application/json-patch+json")
            #expect(patched.code == 200)
            #expect(patched.object["metadata"]?["annotations"] == ["x": "y"])

            let dc = await h.call(.deletecollection, Harness.clusterroles, query: ["labelSelector": ["tier=b"]])
            #expect(dc.code == 200)
            #expect(dc.object.items.map(\.metaName).sorted() == ["admin", "writer"])
            #expect(await h.call(.list, Harness.clusterroles).object.items.map(\.metaName) == ["reader"])

            #expect(await h.call(.delete, Harness.clusterroles, name: "reader").code == 200)
            #expect(await h.call(.list, Harness.clusterroles).object.items.isEmpty)
        }
    }

    @Test("generateName gets a 5-character random suffix from the apiserver's alphabet")
    func generateName() async throws {
        try await Harness.run { h in
            let body: JSONValue = ["metadata": ["generateName": "job-"], "data": [:]]
            let a = try await h.create(Harness.configmaps, namespace: "default", body)
            let b = try await h.create(Harness.configmaps, namespace: "default", body)
            for name in [a.metaName, b.metaName] {
                #expect(name.hasPrefix("job-") && name.count == 9)
                #expect(name.dropFirst(4).allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
            }
            #expect(a.metaName != b.metaName)
            #expect(a["metadata"]?["generateName"] == "job-")
        }
    }

    @Test("an update with an empty resourceVersion is unconditional for built-ins; a stale one conflicts")
    func updatePreconditions() async throws {
        try await Harness.run { h in
            let cm = try await h.create(Harness.configmaps, namespace: "default", configMap("c"))
            var unconditional = configMap("c", data: ["k": "2"])
            let r = await h.call(.update, Harness.configmaps, namespace: "default", name: "c", body: unconditional)
            #expect(r.code == 200)

            unconditional["metadata"]?["resourceVersion"] = .string(cm.rv)  // now stale
            unconditional["data"] = ["k": "3"]
            let stale = await h.call(.update, Harness.configmaps, namespace: "default", name: "c", body: unconditional)
            #expect(stale.code == 409)
            #expect(stale.reason == "Conflict")
            #expect(
                stale.message
                    == #"Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again"#
            )
            let missing = await h.call(
                .update, Harness.configmaps, namespace: "default", name: "zz", body: configMap("zz"))
            #expect(missing.code == 404)
        }
    }

    @Test("concurrent updates from the same resourceVersion: exactly one wins, the others get 409 Conflict")
    func concurrentConflicts() async throws {
        try await Harness.run { h in
            let cm = try await h.create(Harness.configmaps, namespace: "default", configMap("race"))
            let codes = await withTaskGroup(of: Int.self) { group in
                for i in 0..<8 {
                    var body = cm
                    body["data"] = ["writer": .string(String(i))]
                    group.addTask {
                        await h.call(.update, Harness.configmaps, namespace: "default", name: "race", body: body).code
                    }
                }
                var out: [Int] = []
                for await code in group { out.append(code) }
                return out
            }
            #expect(codes.filter { $0 == 200 }.count == 1)
            #expect(codes.filter { $0 == 409 }.count == 7)
        }
    }

    @Test("an update that changes nothing writes nothing: same resourceVersion, no event")
    func noopUpdate() async throws {
        try await Harness.run { h in
            let cm = try await h.create(Harness.configmaps, namespace: "default", configMap("same"))
            let head = try await h.head()
            let r = await h.call(.update, Harness.configmaps, namespace: "default", name: "same", body: cm)
            #expect(r.code == 200)
            #expect(r.object.rv == cm.rv)
            let headAfter = try await h.head()
            #expect(headAfter == head)
        }
    }

    @Test("generation moves only when something outside metadata and status changes")
    func generation() async throws {
        try await Harness.run { h in
            let deployment: JSONValue = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                "spec": [
                    "replicas": 1, "selector": ["matchLabels": ["app": "web"]],
                    "template": [
                        "metadata": ["labels": ["app": "web"]],
                        "spec": ["containers": [["name": "c", "image": "nginx"]]],
                    ],
                ],
            ]
            var d = try await h.create(Harness.deployments, namespace: "default", deployment)
            #expect(d["metadata"]?["generation"] == 1)
            d["metadata"]?["labels"] = ["x": "y"]
            d = try await h.call(.update, Harness.deployments, namespace: "default", name: "web", body: d).json()
            #expect(d["metadata"]?["generation"] == 1)
            d["spec"]?["replicas"] = 3
            d = try await h.call(.update, Harness.deployments, namespace: "default", name: "web", body: d).json()
            #expect(d["metadata"]?["generation"] == 2)
        }
    }

    @Test("writes are defaulted; a PUT of the client's un-defaulted body changes nothing")
    func defaultedWrites() async throws {
        try await Harness.run { h in
            let body: JSONValue = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                "spec": [
                    "selector": ["matchLabels": ["app": "web"]],
                    "template": [
                        "metadata": ["labels": ["app": "web"]],
                        "spec": ["containers": [["name": "c", "image": "nginx"]]],
                    ],
                ],
            ]
            let created = try await h.create(Harness.deployments, namespace: "default", body)
            #expect(created["spec"]?["replicas"] == 1)
            #expect(
                created["spec"]?["strategy"] == [
                    "type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"],
                ])
            let container = created["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first
            #expect(container?["imagePullPolicy"] == "Always")
            let replaced = try await h.call(
                .update, Harness.deployments, namespace: "default", name: "web", body: body
            ).json()
            #expect(replaced["metadata"]?["generation"] == 1)
            #expect(replaced["metadata"]?["resourceVersion"] == created["metadata"]?["resourceVersion"])
            #expect(replaced["spec"] == created["spec"])
        }
    }

    @Test("status subresource: the main resource ignores status, /status changes only status")
    func statusSplit() async throws {
        try await Harness.run { h in
            let deployment: JSONValue = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "api"],
                "spec": [
                    "replicas": 1, "selector": ["matchLabels": ["app": "api"]],
                    "template": [
                        "metadata": ["labels": ["app": "api"]],
                        "spec": ["containers": [["name": "c", "image": "nginx"]]],
                    ],
                ],
                "status": ["replicas": 7],
            ]
            var d = try await h.create(Harness.deployments, namespace: "default", deployment)
            #expect(d["status"] == [:])  // dropped on create: a new DeploymentStatus is `{}`

            d["status"] = ["replicas": 2]
            d["spec"]?["replicas"] = 2
            d = try await h.call(.update, Harness.deployments, namespace: "default", name: "api", body: d).json()
            #expect(d["status"] == [:])
            #expect(d["spec"]?["replicas"] == 2)
            #expect(d["metadata"]?["generation"] == 2)

            var s = d
            s["status"] = ["replicas": 2, "readyReplicas": 1]
            s["spec"]?["replicas"] = 9  // ignored through /status
            let r = await h.call(
                .update, Harness.deployments, namespace: "default", name: "api", subresource: "status", body: s)
            #expect(r.code == 200)
            let afterStatus = try r.json()
            #expect(afterStatus["status"] == ["replicas": 2, "readyReplicas": 1])
            #expect(afterStatus["spec"]?["replicas"] == 2)
            #expect(afterStatus["metadata"]?["generation"] == 2)

            let p = await h.call(
                .patch, Harness.deployments, namespace: "default", name: "api", subresource: "status",
                body: ["status": ["readyReplicas": 2], "spec": ["replicas": 5]],
                contentType: "application/merge-patch+json")
            #expect(p.code == 200)
            let afterPatch = try p.json()
            #expect(afterPatch["status"]?["readyReplicas"] == 2)
            #expect(afterPatch["spec"]?["replicas"] == 2)

            let viaStatus = await h.call(
                .get, Harness.deployments, namespace: "default", name: "api", subresource: "status")
            #expect(viaStatus.object["status"]?["readyReplicas"] == 2)
        }
    }

    @Test("pods start Pending; Nodes keep the status the kubelet registers")
    func createStatus() async throws {
        try await Harness.run { h in
            let pod = try await h.create(
                Harness.pods, namespace: "default",
                [
                    "metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "i"]]],
                    "status": ["phase": "Running"],
                ])
            #expect(pod["status"] == ["phase": "Pending", "qosClass": "BestEffort"])
            let node = try await h.create(
                Harness.nodes, ["metadata": ["name": "n1"], "status": ["capacity": ["cpu": "2"]]])
            #expect(node["status"]?["capacity"]?["cpu"] == "2")
        }
    }

    @Test("watch streams ADDED, MODIFIED and DELETED for writes")
    func watchSeesWrites() async throws {
        try await Harness.run { h in
            let start = try await h.head()
            var cm = try await h.create(Harness.configmaps, namespace: "default", configMap("w"))
            cm["data"] = ["k": "2"]
            _ = await h.call(.update, Harness.configmaps, namespace: "default", name: "w", body: cm)
            _ = await h.call(.delete, Harness.configmaps, namespace: "default", name: "w")
            let events = try await h.events(Harness.configmaps, namespace: "default", after: start, count: 3)
            #expect(events.map(\.type) == ["ADDED", "MODIFIED", "DELETED"])
            #expect(events.last?.object.metaName == "w")
        }
    }
}
