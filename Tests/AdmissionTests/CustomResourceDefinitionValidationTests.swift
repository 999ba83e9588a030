import KubeModel
import Testing

@testable import Admission

/// The CustomResourceDefinition itself, as apiextensions validates it
/// (`pkg/apis/apiextensions/validation/validation.go`, `pkg/apiserver/schema/validation.go`,
/// `pkg/apiserver/schema/defaulting/validation.go`) and defaults it (`v1/defaults.go`).
@Suite struct CustomResourceDefinitionValidationTests {
    /// A valid CRD whose only version has `schema` (YAML).
    static func crd(schema: String?, status: Bool = false) throws -> JSONValue {
        var version: JSONValue = ["name": "v1", "served": true, "storage": true]
        if let schema { version["schema"] = ["openAPIV3Schema": try JSONValue(yaml: schema)] }
        if status { version["subresources"] = ["status": [:]] }
        return [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "widgets.example.com"],
            "spec": [
                "group": "example.com", "scope": "Namespaced",
                "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"],
                "versions": [version],
            ],
        ]
    }

    static func errors(_ crd: JSONValue) throws -> [String] {
        try Admission.validate(crd, crdRequest()).map(\.description)
    }

    static func errors(schema: String, status: Bool = false) throws -> [String] {
        try errors(crd(schema: schema, status: status))
    }

    static let root = "spec.versions[0].schema.openAPIV3Schema"

    @Test func aStructuralSchemaIsAccepted() throws {
        #expect(
            try Self.errors(
                schema: """
                    type: object
                    properties:
                      metadata: {type: object}
                      spec:
                        type: object
                        properties:
                          port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                          labels: {type: object, additionalProperties: {type: string}}
                          free: {type: object, x-kubernetes-preserve-unknown-fields: true}
                          replicas: {type: integer, default: 1, minimum: 0}
                    """) == [])
    }

    @Test func v1RequiresASchemaPerVersion() throws {
        #expect(try Self.errors(Self.crd(schema: nil)) == ["\(Self.root): Required value: schemas are required"])
    }

    @Test func everyFieldNeedsAType() throws {
        #expect(
            try Self.errors(schema: "properties: {spec: {properties: {a: {type: string}}}}").sorted() == [
                "\(Self.root).properties[spec].type: Required value: must not be empty for specified object fields",
                "\(Self.root).type: Required value: must not be empty at the root",
            ])
        #expect(
            try Self.errors(schema: "{type: object, properties: {list: {type: array, items: {}}}}") == [
                "\(Self.root).properties[list].items.type: Required value: must not be empty for specified array items"
            ])
        #expect(
            try Self.errors(schema: "{type: object, properties: {list: {type: array}}}") == [
                "\(Self.root).properties[list].items: Required value: must be specified"
            ])
        #expect(
            try Self.errors(schema: "{type: string}") == [
                #"\#(Self.root).type: Invalid value: "string": must be object at the root"#
            ])
    }

    @Test func schemaKeywordsCRDsForbid() throws {
        #expect(
            try Self.errors(
                schema:
                    "{type: object, properties: {a: {type: object, properties: {b: {type: string}}, additionalProperties: {type: string}}}}"
            )
                == [
                    "\(Self.root).properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
                ])
        #expect(
            try Self.errors(
                schema: "{type: object, properties: {a: {type: array, uniqueItems: true, items: {type: string}}}}")
                == [
                    "\(Self.root).properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"
                ])
        #expect(
            try Self.errors(
                schema: "{type: object, properties: {a: {type: object, x-kubernetes-preserve-unknown-fields: false}}}")
                == [
                    "\(Self.root).properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined"
                ])
        #expect(
            try Self.errors(schema: "{type: object, properties: {a: {type: thing}}}") == [
                #"\#(Self.root).properties[a].type: Unsupported value: "thing": supported values: "array", "boolean", "integer", "number", "object", "string""#
            ])
        #expect(
            try Self.errors(schema: "{type: object, additionalProperties: {type: string}}") == [
                "\(Self.root).additionalProperties: Forbidden: must not be used at the root"
            ])
        #expect(
            try Self.errors(schema: ##"{type: object, properties: {a: {type: string, $ref: "#/x"}}}"##) == [
                "\(Self.root).properties[a].$ref: Forbidden: $ref is not supported"
            ])
    }

    @Test func valueValidationsMayNotDeclareStructure() throws {
        #expect(
            try Self.errors(
                schema: "{type: object, properties: {a: {type: string, anyOf: [{type: string}, {maxLength: 3}]}}}")
                == ["\(Self.root).properties[a].anyOf[0].type: Forbidden: must be empty to be structural"])
    }

    @Test func metadataAtTheRootMayOnlyRestrictNameAndGenerateName() throws {
        #expect(
            try Self.errors(
                schema:
                    "{type: object, properties: {metadata: {type: object, properties: {name: {type: string, maxLength: 5}}}}}"
            ) == [])
        #expect(
            try Self.errors(
                schema: "{type: object, properties: {metadata: {type: object, properties: {labels: {type: object}}}}}")
                == [
                    "\(Self.root).properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"
                ])
        #expect(
            try Self.errors(schema: "{type: object, properties: {metadata: {type: object, default: {name: x}}}}") == [
                "\(Self.root).properties[metadata].default: Forbidden: must not be set in top-level metadata"
            ])
    }

    @Test func listTypesNeedTheirShape() throws {
        #expect(
            try Self.errors(
                schema:
                    "{type: object, properties: {a: {type: array, x-kubernetes-list-type: map, items: {type: object, properties: {k: {type: string}}}}}}"
            )
                == [
                    "\(Self.root).properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"
                ])
        #expect(
            try Self.errors(
                schema:
                    "{type: object, properties: {a: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [k], items: {type: object, properties: {k: {type: string}}}}}}"
            )
                == [
                    "\(Self.root).properties[a].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"
                ])
        #expect(
            try Self.errors(schema: "{type: object, properties: {a: {type: string, x-kubernetes-list-type: set}}}") == [
                #"\#(Self.root).properties[a].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified"#
            ])
    }

    @Test func defaultsMustBeValidAndPruned() throws {
        #expect(
            try Self.errors(
                schema:
                    "{type: object, properties: {spec: {type: object, properties: {replicas: {type: integer, default: many}}}}}"
            )
                == [
                    // kube-openapi validates the default on its own: the name in the message is empty.
                    #"\#(Self.root).properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string""#
                ])
        #expect(
            try Self.errors(
                schema:
                    "{type: object, properties: {spec: {type: object, default: {x: 1}, properties: {a: {type: string}}}}}"
            )
                == [
                    #"\#(Self.root).properties[spec].default: Invalid value: map[string]interface {}{"x":1}: must not have unknown fields"#
                ])
    }

    @Test func theStatusSubresourceRestrictsTheRootSchema() throws {
        #expect(
            try Self.errors(schema: "{type: object, properties: {status: {type: object}}}", status: true) == [])
        #expect(
            try Self.errors(schema: "{type: object, nullable: true}") == [
                "\(Self.root).nullable: Forbidden: nullable cannot be true at the root"
            ])
    }

    @Test func namesAndVersionsAreCheckedToo() throws {
        var crd = try Self.crd(schema: "{type: object}")
        crd["metadata"] = ["name": "wrong.example.com"]
        #expect(
            try Self.errors(crd) == [
                #"metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group"#
            ])
    }

    @Test func conversionStrategies() throws {
        var crd = try Self.crd(schema: "{type: object}")
        crd["spec"]?["conversion"] = ["strategy": "Magic"]
        #expect(
            try Self.errors(crd) == [
                #"spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook""#
            ])
        crd["spec"]?["conversion"] = ["strategy": "Webhook"]
        #expect(
            try Self.errors(crd) == [
                "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook",
                "spec.conversion.conversionReviewVersions: Required value",
            ])
    }

    @Test func preserveUnknownFieldsCannotBeTurnedOn() throws {
        var crd = try Self.crd(schema: "{type: object}")
        crd["spec"]?["preserveUnknownFields"] = true
        #expect(
            try Self.errors(crd) == [
                "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"
            ])
    }

    @Test func theStatusOfACRDIsNotRevalidated() throws {
        let info = try crdRequest().info
        let request = AdmissionRequest(
            info: info, operation: .update, subresource: "status", old: try Self.crd(schema: nil))
        #expect(Admission.validate(try Self.crd(schema: nil), request) == [])
    }
}

@Suite struct CustomResourceDefinitionDefaultsTests {
    @Test func v1DefaultsNamesConversionAndStoredVersions() throws {
        var crd = try CustomResourceDefinitionValidationTests.crd(schema: "{type: object}")
        crd["spec"]?["names"] = ["plural": "widgets", "kind": "Widget"]
        Admission.applyDefaults(&crd, try crdRequest())
        #expect(
            crd["spec"]?["names"] == [
                "plural": "widgets", "kind": "Widget", "singular": "widget", "listKind": "WidgetList",
            ])
        #expect(crd["spec"]?["conversion"] == ["strategy": "None"])
        #expect(crd["status"]?["storedVersions"] == ["v1"])
    }

    @Test func aWebhookServiceDefaultsToPort443() throws {
        var crd = try CustomResourceDefinitionValidationTests.crd(schema: "{type: object}")
        crd["spec"]?["conversion"] = [
            "strategy": "Webhook",
            "webhook": [
                "clientConfig": ["service": ["name": "conv", "namespace": "default"]],
                "conversionReviewVersions": ["v1"],
            ],
        ]
        Admission.applyDefaults(&crd, try crdRequest())
        #expect(crd["spec"]?["conversion"]?["webhook"]?["clientConfig"]?["service"]?["port"] == 443)
        #expect(try CustomResourceDefinitionValidationTests.errors(crd) == [])
    }
}
