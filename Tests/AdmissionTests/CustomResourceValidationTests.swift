import KubeModel
import Testing

@testable import Admission

/// Custom resources against their schema, one keyword at a time, with the messages
/// kube-apiserver 1.32 sends. The wording is kube-openapi's
/// (`pkg/validation/errors/schema.go`: "%s in %s must be of type %s: %q", "should be at
/// least %d chars long", ...) as apiextensions converts it to field errors
/// (`pkg/apiserver/validation/validation.go` `kubeOpenAPIResultToFieldErrors`: Required,
/// NotSupported for enums, TooLong for maxLength, TooMany for maxItems/maxProperties,
/// TypeInvalid for types and formats, Invalid for everything else).
@Suite struct CustomResourceValidationTests {
    static let schema = """
        type: object
        properties:
          spec:
            type: object
            required: [name]
            properties:
              name: {type: string, maxLength: 8, minLength: 2, pattern: '^[a-z]+$'}
              nick: {type: string, nullable: true}
              color: {type: string, enum: [red, blue]}
              level: {type: integer, enum: [1, 2]}
              replicas: {type: integer, minimum: 1, maximum: 10, multipleOf: 1}
              even: {type: integer, multipleOf: 2}
              below: {type: integer, maximum: 10, exclusiveMaximum: true}
              ratio: {type: number, maximum: 1.5, minimum: 0.5}
              big: {type: number, maximum: 1000000}
              day: {type: string, format: date}
              stamp: {type: string, format: date-time}
              id: {type: string, format: uuid}
              address: {type: string, format: ipv4}
              count32: {type: string, format: int32}
              enabled: {type: boolean}
              tags: {type: array, maxItems: 2, minItems: 1, items: {type: string}}
              labels:
                type: object
                maxProperties: 1
                minProperties: 1
                additionalProperties: {type: string}
              port: {x-kubernetes-int-or-string: true}
              anything: {x-kubernetes-preserve-unknown-fields: true}
              mode:
                type: string
                anyOf:
                - enum: [a]
                - enum: [b]
        """

    let widgets: WidgetDefinition
    init() throws { widgets = try WidgetDefinition(schema: Self.schema) }

    func errors(_ spec: JSONValue) -> [String] { widgets.create(WidgetDefinition.widget(spec)) }

    @Test func aValidObjectHasNoErrors() {
        #expect(
            errors([
                "name": "abc", "nick": nil, "color": "red", "level": 2, "replicas": 3, "even": 4, "below": 9,
                "ratio": 1.0, "big": 10, "day": "2024-02-29", "stamp": "2024-02-29T10:00:00Z",
                "id": "0f8fad5b-d9cb-469f-a165-70867728950e", "address": "10.0.0.1", "count32": "anything",
                "enabled": true, "tags": ["x"], "labels": ["a": "b"], "port": 80, "anything": ["x": ["y": 1]],
                "mode": "b",
            ]) == [])
    }

    @Test func typeMismatchesNameTheGoTypeOfTheValue() {
        #expect(
            errors(["name": "abc", "replicas": "three"]) == [
                #"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
            ])
        #expect(
            errors(["name": "abc", "enabled": 1]) == [
                #"spec.enabled: Invalid value: "integer": spec.enabled in body must be of type boolean: "integer""#
            ])
        #expect(
            errors(["name": "abc", "ratio": "x"]) == [
                #"spec.ratio: Invalid value: "string": spec.ratio in body must be of type number: "string""#
            ])
        #expect(
            errors(["name": "abc", "tags": "x"]) == [
                #"spec.tags: Invalid value: "string": spec.tags in body must be of type array: "string""#
            ])
        #expect(
            errors(["name": "abc", "labels": ["x"]]) == [
                #"spec.labels: Invalid value: "array": spec.labels in body must be of type object: "array""#
            ])
    }

    @Test func anIntegralFloatIsAnInteger() {
        #expect(errors(["name": "abc", "replicas": .number(JSONNumber(unchecked: "3.0"))]) == [])
        #expect(
            errors(["name": "abc", "replicas": 2.5]) == [
                #"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#,
                "spec.replicas: Invalid value: 2.5: spec.replicas in body should be a multiple of 1",
            ])
    }

    @Test func nullIsATypeErrorUnlessNullable() {
        #expect(
            errors(["name": "abc", "color": nil]) == [
                #"spec.color: Invalid value: "null": spec.color in body must be of type string: "null""#,
                #"spec.color: Unsupported value: "null": supported values: "red", "blue""#,
            ])
        #expect(errors(["name": "abc", "nick": nil]) == [])
    }

    @Test func requiredFieldsAreRequired() {
        #expect(errors(["color": "red"]) == ["spec.name: Required value"])
        // A present null is not missing: it fails the type instead.
        #expect(
            errors(["name": nil]) == [
                #"spec.name: Invalid value: "null": spec.name in body must be of type string: "null""#
            ])
    }

    @Test func enumsListTheirValuesQuoted() {
        #expect(
            errors(["name": "abc", "color": "pink"]) == [
                #"spec.color: Unsupported value: "pink": supported values: "red", "blue""#
            ])
        #expect(
            errors(["name": "abc", "level": 3]) == [#"spec.level: Unsupported value: 3: supported values: "1", "2""#])
    }

    @Test func stringLengthsAndPatterns() {
        #expect(errors(["name": "abcdefghi"]) == ["spec.name: Too long: may not be more than 8 bytes"])
        #expect(
            errors(["name": "a"]) == [
                #"spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long"#
            ])
        #expect(
            errors(["name": "AB"]) == [#"spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'"#])
        // Lengths count characters (runes), not bytes.
        #expect(errors(["name": "ab", "nick": "ééééééééé"]) == [])
    }

    @Test func numericBounds() {
        #expect(
            errors(["name": "abc", "replicas": 11]) == [
                "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"
            ])
        #expect(
            errors(["name": "abc", "replicas": 0]) == [
                "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"
            ])
        #expect(
            errors(["name": "abc", "below": 10]) == [
                "spec.below: Invalid value: 10: spec.below in body should be less than 10"
            ])
        #expect(
            errors(["name": "abc", "even": 7]) == [
                "spec.even: Invalid value: 7: spec.even in body should be a multiple of 2"
            ])
        #expect(
            errors(["name": "abc", "ratio": 2.5]) == [
                "spec.ratio: Invalid value: 2.5: spec.ratio in body should be less than or equal to 1.5"
            ])
        #expect(
            errors(["name": "abc", "ratio": 0.25]) == [
                "spec.ratio: Invalid value: 0.25: spec.ratio in body should be greater than or equal to 0.5"
            ])
        // Go prints float64 bounds and values with %v: 1e+06.
        #expect(
            errors(["name": "abc", "big": 2_000_000.5]) == [
                "spec.big: Invalid value: 2.0000005e+06: spec.big in body should be less than or equal to 1e+06"
            ])
    }

    @Test func itemAndPropertyCounts() {
        #expect(
            errors(["name": "abc", "tags": ["a", "b", "c"]]) == ["spec.tags: Too many: 3: must have at most 2 items"])
        #expect(
            errors(["name": "abc", "tags": []]) == [
                "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"
            ])
        #expect(
            errors(["name": "abc", "labels": ["a": "1", "b": "2"]]) == [
                "spec.labels: Too many: 2: must have at most 1 items"
            ])
        #expect(
            errors(["name": "abc", "labels": [:]]) == [
                "spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties"
            ])
        #expect(
            errors(["name": "abc", "tags": ["a", 1]]) == [
                #"spec.tags[1]: Invalid value: "integer": spec.tags[1] in body must be of type string: "integer""#
            ])
    }

    @Test func additionalPropertiesValidateEveryValue() {
        #expect(
            errors(["name": "abc", "labels": ["a": 1]]) == [
                #"spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer""#
            ])
    }

    @Test func formatsTheApiserverChecks() {
        #expect(
            errors(["name": "abc", "day": "2024-13-01"]) == [
                #"spec.day: Invalid value: "2024-13-01": spec.day in body must be of type date: "2024-13-01""#
            ])
        #expect(
            errors(["name": "abc", "stamp": "yesterday"]) == [
                #"spec.stamp: Invalid value: "yesterday": spec.stamp in body must be of type date-time: "yesterday""#
            ])
        #expect(
            errors(["name": "abc", "id": "not-a-uuid"]) == [
                #"spec.id: Invalid value: "not-a-uuid": spec.id in body must be of type uuid: "not-a-uuid""#
            ])
        #expect(
            errors(["name": "abc", "address": "10.0.0.300"]) == [
                #"spec.address: Invalid value: "10.0.0.300": spec.address in body must be of type ipv4: "10.0.0.300""#
            ])
        // Formats the apiserver does not know (int32 on a string) are stripped, not checked.
        #expect(errors(["name": "abc", "count32": "x"]) == [])
    }

    @Test func intOrStringTakesEitherAndNothingElse() {
        #expect(errors(["name": "abc", "port": "http"]) == [])
        #expect(errors(["name": "abc", "port": 8080]) == [])
        #expect(
            errors(["name": "abc", "port": true]) == [
                #"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#
            ])
    }

    @Test func preserveUnknownFieldsAcceptsAnything() {
        #expect(errors(["name": "abc", "anything": ["deep": [1, "two", ["three": nil]]]]) == [])
    }

    @Test func anyOfFailuresAreReportedAtTheRoot() {
        // Composite errors are not kube-openapi Validation errors: apiextensions reports
        // them at the (nil) root path with an empty value.
        #expect(
            errors(["name": "abc", "mode": "c"]) == [
                #"<nil>: Invalid value: "": "spec.mode" must validate at least one schema (anyOf)"#,
                #"spec.mode: Unsupported value: "c": supported values: "a""#,
            ])
    }

    @Test func everyErrorOfTheObjectIsReported() {
        let errs = errors(["color": "pink", "replicas": 11])
        #expect(errs.count == 3)
        #expect(errs.contains("spec.name: Required value"))
        #expect(errs.contains(#"spec.color: Unsupported value: "pink": supported values: "red", "blue""#))
    }
}

@Suite struct CustomResourceStructureTests {
    @Test func embeddedResourcesNeedApiVersionKindAndValidMetadata() throws {
        let widgets = try WidgetDefinition(
            schema: """
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      template:
                        type: object
                        x-kubernetes-embedded-resource: true
                        x-kubernetes-preserve-unknown-fields: true
                """)
        #expect(
            widgets.create(WidgetDefinition.widget(["template": ["metadata": ["name": "x"]]])) == [
                "spec.template.apiVersion: Required value: must not be empty",
                "spec.template.kind: Required value: must not be empty",
            ])
        #expect(
            widgets.create(
                WidgetDefinition.widget([
                    "template": ["apiVersion": "a/b/c", "kind": "Pod", "metadata": ["name": "a/b"]]
                ]))
                == [
                    #"spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c"#,
                    #"spec.template.metadata.name: Invalid value: "a/b": may not contain '/'"#,
                ])
        #expect(
            widgets.create(
                WidgetDefinition.widget(["template": ["apiVersion": "v1", "kind": "Pod", "spec": ["x": 1]]]))
                == [])
    }

    @Test func listTypeSetsAndMapsRejectDuplicates() throws {
        let widgets = try WidgetDefinition(
            schema: """
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      tags:
                        type: array
                        x-kubernetes-list-type: set
                        items: {type: string}
                      ports:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [name]
                        items:
                          type: object
                          required: [name]
                          properties:
                            name: {type: string}
                            port: {type: integer}
                """)
        #expect(
            widgets.create(WidgetDefinition.widget(["tags": ["a", "b", "a", "a"]])) == [
                #"spec.tags[2]: Duplicate value: "a""#
            ])
        #expect(
            widgets.create(WidgetDefinition.widget(["ports": [["name": "a", "port": 1], ["name": "a", "port": 2]]]))
                == [
                    #"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"a"}"#
                ])
        #expect(
            widgets.create(WidgetDefinition.widget(["ports": [["name": "a"], ["name": "b"]], "tags": ["a", "b"]])) == []
        )
        // Duplicates already stored are tolerated on update, as the apiserver does.
        let old = WidgetDefinition.widget(["tags": ["a", "a"]])
        #expect(widgets.update(WidgetDefinition.widget(["tags": ["a", "a", "b"]]), old: old) == [])
    }

    @Test func theStatusSubresourceValidatesOnlyTheStatusAgainstItsSchema() throws {
        let widgets = try WidgetDefinition(
            schema: """
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      name: {type: string, maxLength: 3}
                  status:
                    type: object
                    properties:
                      replicas: {type: integer}
                """, status: true)
        let old = WidgetDefinition.widget(["name": "toolong"], status: ["replicas": 1])
        // The status validator's messages name the field relative to the status.
        #expect(
            widgets.update(
                WidgetDefinition.widget(["name": "toolong"], status: ["replicas": "x"]), old: old, subresource: "status"
            )
                == [#"status.replicas: Invalid value: "string": replicas in body must be of type integer: "string""#])
        #expect(
            widgets.update(
                WidgetDefinition.widget(["name": "toolong"], status: ["replicas": 2]), old: old, subresource: "status")
                == [])
    }

    @Test func scaleReplicasMustBeNonNegativeInt32() throws {
        let widgets = try WidgetDefinition(
            schema: """
                type: object
                properties:
                  spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
                  status: {type: object, x-kubernetes-preserve-unknown-fields: true}
                """, status: true,
            scale: ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"])
        #expect(
            widgets.create(WidgetDefinition.widget(["replicas": -1])) == [
                ".spec.replicas: Invalid value: -1: should be a non-negative integer"
            ])
        #expect(
            widgets.create(WidgetDefinition.widget(["replicas": 3_000_000_000])) == [
                ".spec.replicas: Invalid value: 3000000000: should be less than or equal to 2147483647"
            ])
        #expect(
            widgets.create(WidgetDefinition.widget(["replicas": "x"])) == [
                ".spec.replicas: Invalid value: 0: .spec.replicas accessor error: x is of the type string, expected int64"
            ])
    }
}

/// `CRDValidationRatcheting` (beta, on by default since 1.30): on update, errors of values
/// that did not change are dropped (`pkg/apiserver/validation/ratcheting.go`).
@Suite struct CustomResourceRatchetingTests {
    let widgets: WidgetDefinition
    init() throws {
        widgets = try WidgetDefinition(
            schema: """
                type: object
                properties:
                  spec:
                    type: object
                    required: [name]
                    properties:
                      name: {type: string, maxLength: 3}
                      size: {type: integer}
                      items:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [key]
                        items:
                          type: object
                          properties:
                            key: {type: string}
                            value: {type: string, maxLength: 2}
                      atomic:
                        type: array
                        items: {type: string, maxLength: 2}
                """)
    }

    @Test func anUnchangedInvalidFieldIsTolerated() {
        let old = WidgetDefinition.widget(["name": "toolong", "size": 1])
        #expect(widgets.update(WidgetDefinition.widget(["name": "toolong", "size": 2]), old: old) == [])
        // Changing the invalid field to another invalid value is rejected.
        #expect(
            widgets.update(WidgetDefinition.widget(["name": "stilltoolong", "size": 1]), old: old) == [
                "spec.name: Too long: may not be more than 3 bytes"
            ])
        // A create is never ratcheted.
        #expect(widgets.create(old) == ["spec.name: Too long: may not be more than 3 bytes"])
    }

    @Test func aMissingRequiredFieldRatchetsOnlyWhileItsObjectIsUnchanged() {
        let old = WidgetDefinition.widget(["size": 1])
        #expect(widgets.update(WidgetDefinition.widget(["size": 1]), old: old) == [])
        #expect(widgets.update(WidgetDefinition.widget(["size": 2]), old: old) == ["spec.name: Required value"])
    }

    @Test func mapListItemsCorrelateByKeyAtomicListsDoNot() {
        let old = WidgetDefinition.widget(["name": "a", "items": [["key": "x", "value": "long"]], "atomic": ["long"]])
        // The map-list item with key x is unchanged although it moved.
        #expect(
            widgets.update(
                WidgetDefinition.widget([
                    "name": "a", "items": [["key": "y", "value": "ok"], ["key": "x", "value": "long"]],
                    "atomic": ["long"],
                ]), old: old) == [])
        // An atomic list is only tolerated as a whole.
        #expect(
            widgets.update(
                WidgetDefinition.widget([
                    "name": "a", "items": [["key": "x", "value": "long"]], "atomic": ["long", "ok"],
                ]), old: old) == ["spec.atomic[0]: Too long: may not be more than 2 bytes"])
    }
}
