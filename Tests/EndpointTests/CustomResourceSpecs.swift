import Endpoint
import Foundation
import KubeModel
import Projections
import Testing

@Suite("Endpoint: CustomResourceDefinitions")
struct CustomResourceSpecs {
    static let crd: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                    "subresources": ["status": [:]],
                ]
            ],
        ],
    ]

    static func widget(_ name: String, size: Int = 1) -> JSONValue {
        [
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": .string(name)],
            "spec": ["size": .number(JSONNumber(size))],
        ]
    }

    @Test("creating a CRD registers its resource and marks it Established with accepted names")
    func register() async throws {
        try await Harness.run { h in
            #expect(await h.call(.list, Harness.widgets).code == 404)
            let crd = try await h.create(Harness.crds, Self.crd)
            let conditions = crd["status"]?["conditions"]?.arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "Established" && $0["status"] == "True" })
            #expect(conditions.contains { $0["type"] == "NamesAccepted" && $0["status"] == "True" })
            #expect(crd["status"]?["acceptedNames"]?["kind"] == "Widget")
            #expect(crd["status"]?["acceptedNames"]?["listKind"] == "WidgetList")
            #expect(h.catalog.resource(for: Harness.widgets)?.kind == "Widget")
            let list = await h.call(.list, Harness.widgets, namespace: "default")
            #expect(list.code == 200)
            #expect(list.object["kind"] == "WidgetList")
        }
    }

    @Test("a CRD whose name is not plural.group is 422")
    func badName() async throws {
        try await Harness.run { h in
            var crd = Self.crd
            crd["metadata"]?["name"] = "gadgets.example.com"
            let r = await h.call(.create, Harness.crds, body: crd)
            #expect(r.code == 422)
            #expect(h.catalog.resource(for: Harness.widgets) == nil)
        }
    }

    @Test("custom resources: create, get, list, update (resourceVersion required), patch, status, delete")
    func customResourceCRUD() async throws {
        try await Harness.run { h in
            try await h.create(Harness.crds, Self.crd)
            var w = try await h.create(Harness.widgets, namespace: "default", Self.widget("w1"))
            #expect(w["metadata"]?["generation"] == 1)
            #expect(await h.get(Harness.widgets, namespace: "default", "w1").code == 200)

            var noRV = w
            noRV["metadata"]?["resourceVersion"] = nil
            let unconditional = await h.call(.update, Harness.widgets, namespace: "default", name: "w1", body: noRV)
            #expect(unconditional.code == 422)
            #expect(
                unconditional.message
                    == #"Widget.example.com "w1" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"#
            )

            w["spec"]?["size"] = 2
            w = try await h.call(.update, Harness.widgets, namespace: "default", name: "w1", body: w).json()
            #expect(w["metadata"]?["generation"] == 2)

            let smp = await h.call(
                .patch, Harness.widgets, namespace: "default", name: "w1", body: ["spec": ["size": 3]],
                contentType: "application/strategic-merge-patch+json")
            #expect(smp.code == 415)
            #expect(!smp.message.contains("strategic"))
            let merge = await h.call(
                .patch, Harness.widgets, namespace: "default", name: "w1", body: ["spec": ["size": 3]],
                contentType: "application/merge-patch+json")
            #expect(merge.object["spec"]?["size"] == 3)

            var status = try merge.json()
            status["status"] = ["ready": true]
            let s = await h.call(
                .update, Harness.widgets, namespace: "default", name: "w1", subresource: "status", body: status)
            #expect(s.code == 200)
            #expect(s.object["status"]?["ready"] == true)

            let list = try await h.call(.list, Harness.widgets).json()
            #expect(list.items.map(\.metaName) == ["w1"])
            let deleted = await h.call(.delete, Harness.widgets, namespace: "default", name: "w1")
            #expect(deleted.code == 200)
            #expect(deleted.object["kind"] == "Widget")
        }
    }

    @Test("deleting a CRD deletes its objects and unregisters the resource")
    func deleteCRD() async throws {
        try await Harness.run { h in
            try await h.create(Harness.crds, Self.crd)
            try await h.create(Harness.widgets, namespace: "default", Self.widget("a"))
            try await h.create(Harness.widgets, namespace: "kube-system", Self.widget("b"))
            let start = try await h.head()
            let r = await h.call(.delete, Harness.crds, name: "widgets.example.com")
            #expect(r.code == 200)
            #expect(h.catalog.resource(for: Harness.widgets) == nil)
            #expect(await h.call(.list, Harness.widgets).code == 404)
            #expect(await h.get(Harness.crds, "widgets.example.com").code == 404)
            // The resource is gone from the API; the log still has what happened.
            var types: [String] = []
            let stream = try h.store.watch(
                Harness.widgets, WatchOptions(resourceVersion: start, timeout: .seconds(10)))
            for await event in stream where event.type != .bookmark {
                types.append(event.type.rawValue)
                if types.count == 2 { break }
            }
            #expect(types == ["DELETED", "DELETED"])
        }
    }

    @Test("bootstrap re-registers the CRDs found in the store")
    func reRegisterOnStartup() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ake-endpoint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let first = try Harness.open(directory)
            defer { first.store.close() }
            try await first.endpoint.bootstrap()
            try await first.create(Harness.crds, Self.crd)
            try await first.create(Harness.widgets, namespace: "default", Self.widget("persisted"))
        }
        let reopened = try Harness.open(directory)
        defer { reopened.store.close() }
        #expect(reopened.catalog.resource(for: Harness.widgets) == nil)
        try await reopened.endpoint.bootstrap()
        #expect(reopened.catalog.resource(for: Harness.widgets) != nil)
        #expect(await reopened.get(Harness.widgets, namespace: "default", "persisted").code == 200)
    }
}
