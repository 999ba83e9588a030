import Foundation
import KubeClient
import KubeModel
import Testing

/// One conformance suite, run over both transports: the clientset must behave the
/// same whether it calls AKE in-process or over HTTP.
@Suite("KubeClient conformance", .serialized)
struct ConformanceTests {
    static let transports = ClientFixture.Kind.allCases

    func withFixture(_ kind: ClientFixture.Kind, _ body: (Clientset) async throws -> Void) async throws {
        let f = try await ClientFixture.make(kind)
        do {
            try await body(f.clientset)
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }

    @Test("create, get, update, updateStatus, delete round-trip a typed object", arguments: transports)
    func crud(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let cms = cs.coreV1.configMaps("default")
            var cm = ConfigMap(name: "one", data: ["a": "1"])
            cm.object["x-unknown-top"] = ["kept": true]
            let created = try await cms.create(cm)
            #expect(created.data == ["a": "1"])
            #expect(created.uid?.isEmpty == false)
            #expect(created.object["x-unknown-top"] == nil || created.object["x-unknown-top"] == ["kept": true])

            var got = try await cms.get("one")
            #expect(got.resourceVersion == created.resourceVersion)
            got.data["b"] = "2"
            got.labels = ["app": "demo"]
            let updated = try await cms.update(got)
            #expect(updated.data == ["a": "1", "b": "2"])
            #expect(updated.labels == ["app": "demo"])
            #expect(updated.resourceVersion != created.resourceVersion)

            // A stale resourceVersion is a Conflict.
            await #expect(throws: StatusError.self) { try await cms.update(got) }
            do {
                _ = try await cms.update(got)
            } catch let e as StatusError {
                #expect(e.code == 409)
                #expect(e.isConflict)
            }

            let deleted = try await cms.delete("one")
            #expect(deleted?.name == "one" || deleted == nil)
            do {
                _ = try await cms.get("one")
                Issue.record("get after delete succeeded")
            } catch let e as StatusError {
                #expect(e.isNotFound)
                #expect(e.message.contains("configmaps \"one\" not found"))
            }
        }
    }

    @Test("status subresource: updateStatus changes only status", arguments: transports)
    func status(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let pods = cs.coreV1.pods("default")
            let pod = Pod(object: [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p1"],
                "spec": ["nodeName": "edge-1", "containers": [["name": "app", "image": "nginx"]]],
            ])
            var created = try await pods.create(pod)
            created.phase = "Running"
            created.object["spec"]?["nodeName"] = "elsewhere"
            let afterStatus = try await pods.updateStatus(created)
            #expect(afterStatus.phase == "Running")
            #expect(afterStatus.nodeName == "edge-1")
        }
    }

    @Test("list with selectors and limit/continue pages from one snapshot", arguments: transports)
    func listing(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let cms = cs.coreV1.configMaps("default")
            for i in 0..<7 {
                var cm = ConfigMap(name: "cm-\(i)", data: ["i": "\(i)"])
                cm.labels = ["parity": i % 2 == 0 ? "even" : "odd"]
                _ = try await cms.create(cm)
            }
            let even = try await cms.list(ListOptions(labelSelector: try LabelSelector(parsing: "parity=even")))
            #expect(even.items.compactMap(\.name) == ["cm-0", "cm-2", "cm-4", "cm-6"])
            let byName = try await cms.list(
                ListOptions(fieldSelector: try FieldSelector(parsing: "metadata.name=cm-3")))
            #expect(byName.items.compactMap(\.name) == ["cm-3"])

            var names: [String] = []
            var opts = ListOptions(labelSelector: try LabelSelector(parsing: "parity"), limit: 3)
            var first: UInt64?
            var pages = 0
            repeat {
                let page = try await cms.list(opts)
                if first == nil { first = page.resourceVersion }
                #expect(page.resourceVersion == first)
                names += page.items.compactMap(\.name)
                opts.continueToken = page.continueToken
                pages += 1
                if pages == 1 { _ = try await cms.create(ConfigMap(name: "cm-late", data: [:])) }
            } while opts.continueToken != nil && pages < 10
            #expect(names == (0..<7).map { "cm-\($0)" })
            #expect(pages == 3)
        }
    }

    @Test("patch in all four formats", arguments: transports)
    func patching(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let cms = cs.coreV1.configMaps("default")
            _ = try await cms.create(ConfigMap(name: "p", data: ["a": "1"]))
            let merged = try await cms.patch("p", type: .merge, ["data": ["b": "2", "a": nil]])
            #expect(merged.data == ["b": "2"])
            let json = try await cms.patch("p", type: .json, [["op": "add", "path": "/data/c", "value": "3"]])
            #expect(json.data == ["b": "2", "c": "3"])
            let strategic = try await cms.patch("p", type: .strategic, ["metadata": ["labels": ["s": "y"]]])
            #expect(strategic.labels == ["s": "y"])
            let applied = try await cms.patch(
                "applied", type: .apply,
                body: Array(
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"applied\"},\"data\":{\"k\":\"v\"}}"
                        .utf8),
                fieldManager: "kubeclient-test")
            #expect(applied.data == ["k": "v"])
        }
    }

    @Test("list then watch from the list RV sees exactly the later events", arguments: transports)
    func watching(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let cms = cs.coreV1.configMaps("default")
            _ = try await cms.create(ConfigMap(name: "before", data: [:]))
            let list = try await cms.list()
            let stream = try await cms.watch(ListOptions(resourceVersion: list.resourceVersion, timeoutSeconds: 30))
            _ = try await cms.create(ConfigMap(name: "w1", data: ["v": "1"]))
            _ = try await cms.patch("w1", type: .merge, ["data": ["v": "2"]])
            try await cms.delete("w1")
            var seen: [String] = []
            for try await event in stream {
                switch event {
                case .added(let o): seen.append("ADDED \(o.name ?? "")")
                case .modified(let o): seen.append("MODIFIED \(o.name ?? "") \(o.data["v"] ?? "")")
                case .deleted(let o): seen.append("DELETED \(o.name ?? "")")
                case .bookmark: continue
                case .error(let e): Issue.record("watch error \(e)")
                }
                if seen.count == 3 { break }
            }
            #expect(seen == ["ADDED w1", "MODIFIED w1 2", "DELETED w1"])
        }
    }

    @Test("deleteCollection with a label selector deletes only the matches", arguments: transports)
    func deleteCollection(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let cms = cs.coreV1.configMaps("default")
            for (n, tier) in [("a", "x"), ("b", "x"), ("c", "y")] {
                var cm = ConfigMap(name: n)
                cm.labels = ["tier": tier]
                _ = try await cms.create(cm)
            }
            try await cms.deleteCollection(ListOptions(labelSelector: try LabelSelector(parsing: "tier=x")))
            let left = try await cms.list(ListOptions(labelSelector: try LabelSelector(parsing: "tier")))
            #expect(left.items.compactMap(\.name) == ["c"])
        }
    }

    @Test("delete with a stale precondition is refused; dry run changes nothing", arguments: transports)
    func deleteOptions(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let ns = cs.coreV1.namespaces
            _ = try await ns.create(Namespace(name: "scratch"))
            let sa = try await cs.coreV1.serviceAccounts("scratch").create(
                ServiceAccount(object: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "bot"]]))
            await #expect(throws: StatusError.self) {
                try await cs.coreV1.serviceAccounts("scratch").delete(
                    "bot", options: DeleteOptions(preconditionUID: "not-the-uid"))
            }
            try await cs.coreV1.serviceAccounts("scratch").delete("bot", options: DeleteOptions(dryRun: true))
            let still = try await cs.coreV1.serviceAccounts("scratch").get("bot")
            #expect(still.uid == sa.uid)
        }
    }

    @Test("the dynamic client serves custom resources of a CRD", arguments: transports)
    func dynamicCRD(kind: ClientFixture.Kind) async throws {
        try await withFixture(kind) { cs in
            let crds = cs.dynamic(
                GroupVersionResource(
                    group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions"))
            _ = try await crds.create(
                UnstructuredObject(object: [
                    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                    "metadata": ["name": "devices.edge.example.com"],
                    "spec": [
                        "group": "edge.example.com", "scope": "Namespaced",
                        "names": [
                            "plural": "devices", "singular": "device", "kind": "Device", "listKind": "DeviceList",
                        ],
                        "versions": [
                            [
                                "name": "v1", "served": true, "storage": true,
                                "schema": [
                                    "openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
                                ],
                            ]
                        ],
                    ],
                ]))
            let devices = cs.dynamic(
                GroupVersionResource(group: "edge.example.com", version: "v1", resource: "devices"),
                namespace: "default")
            let d = try await devices.create(
                UnstructuredObject(object: [
                    "apiVersion": "edge.example.com/v1", "kind": "Device", "metadata": ["name": "thermo"],
                    "spec": ["model": "t-1000"],
                ]))
            #expect(d.object["spec"]?["model"] == "t-1000")
            let listed = try await devices.list()
            #expect(listed.items.compactMap(\.name) == ["thermo"])
        }
    }
}
