import Endpoint
import KubeModel
import Testing

@Suite("Endpoint: deletion, finalizers, namespaces, garbage collection, dry run")
struct LifecycleSpecs {
    /// A valid Deployment or ReplicaSet spec (one replica, a selector its template matches).
    static func workloadSpec(_ app: String) -> JSONValue {
        [
            "replicas": 1, "selector": ["matchLabels": ["app": .string(app)]],
            "template": [
                "metadata": ["labels": ["app": .string(app)]],
                "spec": ["containers": [["name": "c", "image": "nginx"]]],
            ],
        ]
    }

    @Test("finalizers: delete marks (MODIFIED, deletionTimestamp), removing the last finalizer deletes (DELETED)")
    func finalizerFlow() async throws {
        try await Harness.run { h in
            let start = try await h.head()
            try await h.create(
                Harness.configmaps, namespace: "default",
                ["metadata": ["name": "f", "finalizers": ["example.com/a", "example.com/b"]], "data": [:]])
            let delete = await h.call(.delete, Harness.configmaps, namespace: "default", name: "f")
            #expect(delete.code == 200)
            let marked = try delete.json()
            #expect(marked["metadata"]?["deletionTimestamp"]?.stringValue != nil)
            #expect(marked["metadata"]?["deletionGracePeriodSeconds"] == 0)
            #expect(await h.get(Harness.configmaps, namespace: "default", "f").code == 200)

            // Deleting again changes nothing.
            let again = await h.call(.delete, Harness.configmaps, namespace: "default", name: "f")
            #expect(again.object.rv == marked.rv)

            // No new finalizers once deleting.
            let add = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "f",
                body: ["metadata": ["finalizers": ["example.com/a", "example.com/b", "example.com/c"]]],
                contentType: "application/merge-patch+json")
            #expect(add.code == 422)

            let one = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "f",
                body: ["metadata": ["finalizers": ["example.com/b"]]], contentType: "application/merge-patch+json")
            #expect(one.code == 200)
            #expect(one.object["metadata"]?["deletionTimestamp"] == marked["metadata"]?["deletionTimestamp"])

            let last = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "f",
                raw: Array(#"[{"op":"remove","path":"/metadata/finalizers"}]"#.utf8),
                contentType: "application/json-patch+json")
            #expect(last.code == 200)
            #expect(await h.get(Harness.configmaps, namespace: "default", "f").code == 404)

            let events = try await h.events(Harness.configmaps, namespace: "default", after: start, count: 4)
            #expect(events.map(\.type) == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"])
            #expect(events[1].object["metadata"]?["deletionTimestamp"]?.stringValue != nil)
        }
    }

    @Test("pods are deleted at once whatever the grace period, and the pod is returned")
    func podDeletion() async throws {
        try await Harness.run { h in
            try await h.create(
                Harness.pods, namespace: "default",
                ["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "i"]]]])
            let r = await h.call(
                .delete, Harness.pods, namespace: "default", name: "p", query: ["gracePeriodSeconds": ["30"]])
            #expect(r.code == 200)
            #expect(r.object["kind"] == "Pod")
            #expect(await h.get(Harness.pods, namespace: "default", "p").code == 404)
        }
    }

    @Test("deletecollection honours label and field selectors, one DELETED per object, answers the List")
    func deleteCollection() async throws {
        try await Harness.run { h in
            for (name, tier) in [("a", "web"), ("b", "web"), ("c", "db")] {
                try await h.create(Harness.configmaps, namespace: "default", configMap(name, labels: ["tier": tier]))
            }
            try await h.create(Harness.configmaps, namespace: "kube-system", configMap("d", labels: ["tier": "web"]))
            let start = try await h.head()
            let r = await h.call(
                .deletecollection, Harness.configmaps, namespace: "default",
                query: ["labelSelector": ["tier=web"], "fieldSelector": ["metadata.name!=b"]])
            #expect(r.code == 200)
            let list = try r.json()
            #expect(list["kind"] == "ConfigMapList")
            #expect(list.items.map(\.metaName) == ["a"])
            let all = await h.call(.deletecollection, Harness.configmaps, namespace: "default")
            #expect(all.object.items.map(\.metaName) == ["b", "c"])
            #expect(await h.call(.list, Harness.configmaps).object.items.map(\.metaName) == ["d"])
            let events = try await h.events(Harness.configmaps, after: start, count: 3)
            #expect(events.map(\.type) == ["DELETED", "DELETED", "DELETED"])
            #expect(events.map(\.object.metaName) == ["a", "b", "c"])
        }
    }

    @Test("deleting a namespace marks it Terminating, deletes its content and then the namespace")
    func namespaceDeletion() async throws {
        try await Harness.run { h in
            try await h.create(Harness.namespaces, ["metadata": ["name": "team"]])
            try await h.create(Harness.configmaps, namespace: "team", configMap("a"))
            try await h.create(
                Harness.secrets, namespace: "team", ["metadata": ["name": "s"], "stringData": ["p": "x"]])
            try await h.create(Harness.configmaps, namespace: "default", configMap("keep"))
            let r = await h.call(.delete, Harness.namespaces, name: "team")
            #expect(r.code == 200)
            let ns = try r.json()
            #expect(ns["status"]?["phase"] == "Terminating")
            #expect(ns["metadata"]?["deletionTimestamp"]?.stringValue != nil)
            #expect(await h.get(Harness.namespaces, "team").code == 404)
            #expect(await h.call(.list, Harness.configmaps, namespace: "team").object.items.isEmpty)
            #expect(await h.call(.list, Harness.secrets, namespace: "team").object.items.isEmpty)
            #expect(await h.get(Harness.configmaps, namespace: "default", "keep").code == 200)
        }
    }

    @Test("a namespace whose content has finalizers stays Terminating until that content is gone")
    func namespaceWaitsForFinalizers() async throws {
        try await Harness.run { h in
            try await h.create(Harness.namespaces, ["metadata": ["name": "slow"]])
            try await h.create(
                Harness.configmaps, namespace: "slow",
                ["metadata": ["name": "held", "finalizers": ["example.com/hold"]], "data": [:]])
            #expect(await h.call(.delete, Harness.namespaces, name: "slow").code == 200)
            let ns = try await h.get(Harness.namespaces, "slow").json()
            #expect(ns["status"]?["phase"] == "Terminating")
            let held = try await h.get(Harness.configmaps, namespace: "slow", "held").json()
            #expect(held["metadata"]?["deletionTimestamp"]?.stringValue != nil)

            let release = await h.call(
                .patch, Harness.configmaps, namespace: "slow", name: "held",
                body: ["metadata": ["finalizers": nil]], contentType: "application/merge-patch+json")
            #expect(release.code == 200)
            #expect(await h.get(Harness.configmaps, namespace: "slow", "held").code == 404)
            #expect(await h.get(Harness.namespaces, "slow").code == 404)
        }
    }

    @Test("garbage collection: sole dependents go with their owner, shared ones lose the reference, Orphan keeps them")
    func garbageCollection() async throws {
        try await Harness.run { h in
            let owner = try await h.create(Harness.configmaps, namespace: "default", configMap("owner"))
            let other = try await h.create(Harness.configmaps, namespace: "default", configMap("other"))
            func ref(_ o: JSONValue) -> JSONValue {
                [
                    "apiVersion": "v1", "kind": "ConfigMap", "name": .string(o.metaName),
                    "uid": o["metadata"]?["uid"] ?? .null,
                ]
            }
            func dependent(_ name: String, _ refs: [JSONValue]) -> JSONValue {
                ["metadata": ["name": .string(name), "ownerReferences": .array(refs)], "data": [:]]
            }
            try await h.create(Harness.configmaps, namespace: "default", dependent("sole", [ref(owner)]))
            try await h.create(Harness.configmaps, namespace: "default", dependent("shared", [ref(owner), ref(other)]))
            #expect(await h.call(.delete, Harness.configmaps, namespace: "default", name: "owner").code == 200)
            #expect(await h.get(Harness.configmaps, namespace: "default", "sole").code == 404)
            let shared = try await h.get(Harness.configmaps, namespace: "default", "shared").json()
            #expect(shared["metadata"]?["ownerReferences"]?.arrayValue?.count == 1)

            try await h.create(Harness.configmaps, namespace: "default", dependent("kept", [ref(other)]))
            let orphan = await h.call(
                .delete, Harness.configmaps, namespace: "default", name: "other",
                query: ["propagationPolicy": ["Orphan"]])
            #expect(orphan.code == 200)
            let kept = try await h.get(Harness.configmaps, namespace: "default", "kept").json()
            #expect(kept["metadata"]?["ownerReferences"] == nil)
            let sharedAfter = try await h.get(Harness.configmaps, namespace: "default", "shared").json()
            #expect(sharedAfter["metadata"]?["ownerReferences"] == nil)
        }
    }

    @Test("Foreground deletion: the owner gets the foregroundDeletion finalizer, dependents go first, then the owner")
    func foreground() async throws {
        try await Harness.run { h in
            let owner = try await h.create(
                Harness.deployments, namespace: "default",
                ["metadata": ["name": "d"], "spec": Self.workloadSpec("d")])
            try await h.create(
                Harness.replicasets, namespace: "default",
                [
                    "metadata": [
                        "name": "d-1",
                        "ownerReferences": [
                            [
                                "apiVersion": "apps/v1", "kind": "Deployment", "name": "d",
                                "uid": owner["metadata"]?["uid"] ?? .null,
                            ]
                        ],
                    ],
                    "spec": Self.workloadSpec("d"),
                ])
            let start = try await h.head()
            let r = await h.call(
                .delete, Harness.deployments, namespace: "default", name: "d",
                body: ["propagationPolicy": "Foreground"])
            #expect(r.code == 200)
            let answered = try r.json()
            #expect(answered["metadata"]?["finalizers"] == ["foregroundDeletion"])
            #expect(answered["metadata"]?["deletionTimestamp"]?.stringValue != nil)
            #expect(await h.get(Harness.replicasets, namespace: "default", "d-1").code == 404)
            #expect(await h.get(Harness.deployments, namespace: "default", "d").code == 404)
            let events = try await h.events(Harness.deployments, namespace: "default", after: start, count: 2)
            #expect(events.map(\.type) == ["MODIFIED", "DELETED"])
        }
    }

    @Test("dryRun=All runs every rule and changes nothing")
    func dryRun() async throws {
        try await Harness.run { h in
            let cm = try await h.create(Harness.configmaps, namespace: "default", configMap("real"))
            let head = try await h.head()
            let dry = ["dryRun": ["All"]]

            let created = await h.call(
                .create, Harness.configmaps, namespace: "default", query: dry, body: configMap("ghost"))
            #expect(created.code == 201)
            #expect(created.object["metadata"]?["uid"]?.stringValue != nil)
            #expect(created.object.rv == "")
            let invalid = await h.call(
                .create, Harness.configmaps, namespace: "default", query: dry, body: configMap("Bad!"))
            #expect(invalid.code == 422)

            var changed = cm
            changed["data"] = ["k": "dry"]
            let updated = await h.call(
                .update, Harness.configmaps, namespace: "default", name: "real", query: dry, body: changed)
            #expect(updated.code == 200)
            #expect(updated.object["data"]?["k"] == "dry")
            let patched = await h.call(
                .patch, Harness.configmaps, namespace: "default", name: "real", query: dry, body: ["data": ["p": "1"]],
                contentType: "application/merge-patch+json")
            #expect(patched.code == 200)
            let deleted = await h.call(.delete, Harness.configmaps, namespace: "default", name: "real", query: dry)
            #expect(deleted.code == 200)
            let collection = await h.call(.deletecollection, Harness.configmaps, namespace: "default", query: dry)
            #expect(collection.object.items.map(\.metaName) == ["real"])
            #expect(await h.call(.delete, Harness.namespaces, name: "kube-node-lease", query: dry).code == 200)

            let headAfter = try await h.head()
            #expect(headAfter == head)
            #expect(await h.get(Harness.configmaps, namespace: "default", "ghost").code == 404)
            #expect(await h.get(Harness.configmaps, namespace: "default", "real").object == cm)
            #expect(await h.get(Harness.namespaces, "kube-node-lease").code == 200)
        }
    }
}
