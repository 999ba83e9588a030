import Endpoint
import Foundation
import KubeModel
import Testing

/// Writes of custom resources go through their CRD's schema: pruned, defaulted, and
/// rejected with a 422 listing the schema errors.
@Suite("Endpoint: custom resources against their schema")
struct CustomResourceSchemaSpecs {
    static let crd: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget"],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true,
                    "schema": [
                        "openAPIV3Schema": [
                            "type": "object",
                            "properties": [
                                "spec": [
                                    "type": "object", "required": ["size"],
                                    "properties": [
                                        "size": ["type": "integer", "maximum": 10],
                                        "color": ["type": "string", "default": "blue"],
                                    ],
                                ]
                            ],
                        ]
                    ],
                ]
            ],
        ],
    ]

    static func widget(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w1"], "spec": spec]
    }

    @Test("a custom resource is pruned and defaulted, and one that violates the schema is 422")
    func schemaApplies() async throws {
        try await Harness.run { h in
            let crd = try await h.create(Harness.crds, Self.crd)
            #expect(crd["spec"]?["conversion"] == ["strategy": "None"])
            let w = try await h.create(
                Harness.widgets, namespace: "default", Self.widget(["size": 3, "shape": "round"]))
            #expect(w["spec"] == ["size": 3, "color": "blue"])

            var bad = Self.widget(["size": "big"])
            bad["metadata"] = ["name": "w2"]
            let r = await h.call(.create, Harness.widgets, namespace: "default", body: bad)
            #expect(r.code == 422)
            #expect(
                r.text.contains(
                    #"spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\""#),
                "\(r.text)")
        }
    }

    @Test("a CRD without a schema is 422")
    func schemaRequired() async throws {
        try await Harness.run { h in
            var crd = Self.crd
            crd["spec"]?["versions"] = [["name": "v1", "served": true, "storage": true]]
            let r = await h.call(.create, Harness.crds, body: crd)
            #expect(r.code == 422)
            #expect(
                r.text.contains("spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"),
                "\(r.text)")
        }
    }
}
