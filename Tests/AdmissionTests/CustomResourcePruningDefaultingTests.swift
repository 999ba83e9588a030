import KubeModel
import Testing

@testable import Admission

/// What the apiserver's decoder does to a custom resource before validation: pruning
/// (`schema/pruning/algorithm.go`), dropping non-nullable nulls without defaults
/// (`schema/defaulting/prunenulls.go`) and defaulting (`schema/defaulting/algorithm.go`).
@Suite struct CustomResourcePruningDefaultingTests {
    static let schema = """
        type: object
        properties:
          spec:
            type: object
            default: {}
            properties:
              replicas: {type: integer, default: 1}
              mode: {type: string, default: fast}
              nick: {type: string, nullable: true, default: none}
              plain: {type: string}
              settings:
                type: object
                default: {level: 2}
                properties:
                  level: {type: integer}
                  color: {type: string, default: blue}
              containers:
                type: array
                items:
                  type: object
                  properties:
                    name: {type: string}
                    pull: {type: string, default: IfNotPresent}
              env:
                type: object
                additionalProperties:
                  type: object
                  properties:
                    value: {type: string, default: unset}
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
                properties:
                  known:
                    type: object
                    properties:
                      a: {type: string}
              template:
                type: object
                x-kubernetes-embedded-resource: true
                properties:
                  spec:
                    type: object
                    properties:
                      x: {type: string}
          status:
            type: object
            properties:
              ready: {type: boolean}
        """

    let widgets: WidgetDefinition
    init() throws { widgets = try WidgetDefinition(schema: Self.schema) }

    @Test func unknownFieldsArePrunedButTypeMetaAndMetadataStay() {
        let object: JSONValue = [
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": ["name": "w", "namespace": "default", "labels": ["a": "b"]],
            "spec": [
                "replicas": 3, "mode": "slow", "settings": ["level": 1, "color": "red", "shade": "dark"], "bogus": 1,
            ],
            "status": ["ready": true, "phase": "x"],
            "unknown": ["x": 1],
        ]
        #expect(
            widgets.defaulted(object) == [
                "apiVersion": "example.com/v1", "kind": "Widget",
                "metadata": ["name": "w", "namespace": "default", "labels": ["a": "b"]],
                "spec": ["replicas": 3, "mode": "slow", "nick": "none", "settings": ["level": 1, "color": "red"]],
                "status": ["ready": true],
            ])
    }

    @Test func absentFieldsGetDefaultsAtEveryDepth() {
        // spec is absent: it becomes {} and its own properties are defaulted inside.
        #expect(
            widgets.defaulted(WidgetDefinition.widget(nil))["spec"] == [
                "replicas": 1, "mode": "fast", "nick": "none", "settings": ["level": 2, "color": "blue"],
            ])
    }

    @Test func itemsAndAdditionalPropertiesAreDefaulted() {
        let spec = widgets.defaulted(
            WidgetDefinition.widget([
                "containers": [["name": "a"], ["name": "b", "pull": "Always"]], "env": ["A": [:]],
            ])
        )["spec"]
        #expect(spec?["containers"] == [["name": "a", "pull": "IfNotPresent"], ["name": "b", "pull": "Always"]])
        #expect(spec?["env"] == ["A": ["value": "unset"]])
    }

    @Test func nullsOfNonNullableFieldsAreDefaultedOrDropped() {
        let spec = widgets.defaulted(WidgetDefinition.widget(["replicas": nil, "plain": nil, "nick": nil]))["spec"]
        #expect(spec?["replicas"] == 1)  // non-nullable with a default: defaulted
        #expect(spec?["plain"] == nil)  // non-nullable without a default: dropped
        #expect(spec?["nick"] == .null)  // nullable: kept
    }

    @Test func preserveUnknownFieldsStopsPruningButSpecifiedFieldsInsideArePruned() {
        let spec = widgets.defaulted(
            WidgetDefinition.widget(["extra": ["free": ["form": 1], "known": ["a": "x", "b": "pruned"]]]))["spec"]
        #expect(spec?["extra"] == ["free": ["form": 1], "known": ["a": "x"]])
    }

    @Test func embeddedResourcesKeepTheirTypeMetaAndMetadata() {
        let spec = widgets.defaulted(
            WidgetDefinition.widget([
                "template": ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["x": "y", "z": 1]]
            ]))["spec"]
        #expect(
            spec?["template"] == ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["x": "y"]])
    }

    @Test func defaultingIsIdempotent() {
        let once = widgets.defaulted(WidgetDefinition.widget(["containers": [["name": "a"]]]))
        #expect(widgets.defaulted(once) == once)
    }

    @Test func aSchemaThatPreservesEverythingLeavesObjectsAlone() throws {
        let open = try WidgetDefinition(schema: "{type: object, x-kubernetes-preserve-unknown-fields: true}")
        let object = WidgetDefinition.widget(["anything": ["goes": 1]])
        #expect(open.defaulted(object) == object)
        #expect(open.create(object) == [])
        // Without it, a root schema that declares nothing prunes everything but type meta and metadata.
        let closed = try WidgetDefinition(schema: "{type: object}")
        #expect(closed.defaulted(object)["spec"] == nil)
        #expect(closed.defaulted(object)["metadata"] == object["metadata"])
    }
}

@Suite struct CustomResourceSchemaCacheTests {
    @Test func aSchemaIsCompiledOncePerCRDRevision() {
        let cache = SchemaCache(capacity: 4)
        let crd: JSONValue = [
            "metadata": ["uid": "u1", "resourceVersion": "1"],
            "spec": ["versions": [["name": "v1", "schema": ["openAPIV3Schema": ["type": "object"]]]]],
        ]
        let first = cache.compiled(crd: crd, version: "v1")
        #expect(cache.compiled(crd: crd, version: "v1") === first)
        var changed = crd
        changed["metadata"] = ["uid": "u1", "resourceVersion": "2"]
        #expect(cache.compiled(crd: changed, version: "v1") !== first)
        #expect(cache.count == 2)
    }

    @Test func theCacheStaysBounded() {
        let cache = SchemaCache(capacity: 4)
        for i in 0..<10 {
            let crd: JSONValue = ["metadata": ["uid": .string("u\(i)"), "resourceVersion": "1"], "spec": [:]]
            _ = cache.compiled(crd: crd, version: "v1")
        }
        #expect(cache.count <= 4)
    }
}
