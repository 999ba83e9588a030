import KubeModel
import Testing

@testable import Endpoint

/// A create's `Update` managedFields entry is built in one walk of the object
/// (`ManagedFields.recordCreate`); it must say exactly what the general path-set algorithm
/// (`recordUpdateByPaths` with no old object) says, for every shape the walk distinguishes.
@Suite("Endpoint: a create's managedFields entry")
struct CreateManagedFieldsSpecs {
    static let catalog = ResourceCatalog.builtIn()
    static let now = "2026-12-03T18:00:00Z"

    static func info(_ group: String, _ version: String, _ resource: String) throws -> ResourceInfo {
        try #require(catalog.resource(group: group, version: version, resource: resource))
    }

    static func parse(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    /// (resource, object): keyed lists (containers by name, ports by containerPort), a list
    /// whose items lack their key (atomic), duplicate keys, set-like lists with nulls
    /// (finalizers), nulls, empty objects, status of a kind with and without a status
    /// subresource, a template's `creationTimestamp: null`, identity metadata only.
    static let cases: [(group: String, version: String, resource: String, object: String)] = [
        (
            "", "v1", "pods",
            """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","uid":"u",
             "labels":{"app":"x","tier":"web"},"annotations":{"a.b/c":"d"},"finalizers":["f/one",null,"f/two"],
             "creationTimestamp":null,"resourceVersion":"7"},
             "spec":{"nodeName":"n1","restartPolicy":"Always","securityContext":{},
              "containers":[{"name":"main","image":"i:1","ports":[{"containerPort":8080,"protocol":"TCP"},
                {"containerPort":9090,"protocol":"UDP","name":null}],
                "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
                "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{}},"args":["a","b"]},
               {"name":"side","image":"i:2"}],
              "volumes":[{"name":"v","emptyDir":{}}],"tolerations":[{"key":"k","operator":"Exists"}],
              "imagePullSecrets":[],"hostAliases":[{"ip":"1.2.3.4","hostnames":["a","b"]}]},
             "status":{"phase":"Running","podIP":"10.0.0.1"}}
            """
        ),
        (
            "", "v1", "configmaps",
            """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"},
             "data":{"k":"v","e":""},"binaryData":{}}
            """
        ),
        (
            "", "v1", "configmaps",
            """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"}}
            """
        ),
        (
            "", "v1", "services",
            """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},
             "spec":{"selector":{"app":"x"},"ports":[{"port":80,"targetPort":8080},{"port":443}],
              "clusterIPs":["10.0.0.9"],"type":"ClusterIP"},"status":{"loadBalancer":{}}}
            """
        ),
        (
            "apps", "v1", "deployments",
            """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","generation":3},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"x"}},
              "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"x"},"name":"t"},
               "spec":{"containers":[{"name":"c","image":"i","ports":[{"name":"http"}]},{"name":"c","image":"j"}]}}}}
            """
        ),
        (
            "", "v1", "namespaces",
            """
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns","labels":null},"spec":{"finalizers":["kubernetes"]},
             "status":{"phase":"Active"}}
            """
        ),
        (
            "", "v1", "secrets",
            """
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default","ownerReferences":[
              {"apiVersion":"v1","kind":"Pod","name":"p","uid":"u1"},{"apiVersion":"v1","kind":"Pod","name":"q","uid":"u2"}]},
             "type":"Opaque","data":{"a":"YQ=="},"stringData":null}
            """
        ),
    ]

    @Test("the one-walk entry equals the path-set algorithm's for every case")
    func sameAsPathSets() throws {
        for c in Self.cases {
            let info = try Self.info(c.group, c.version, c.resource)
            let object = try Self.parse(c.object)
            let fast = ManagedFields.recordCreate(object, manager: "m", info: info, now: Self.now)
            let general = ManagedFields.recordUpdateByPaths(
                old: nil, new: object, manager: "m", subresource: nil, info: info, now: Self.now)
            #expect(fast == general, "\(c.resource): \(c.object.prefix(60))")
            #expect(
                ManagedFields.recordUpdate(
                    old: nil, new: object, manager: "m", subresource: nil, info: info, now: Self.now) == general)
        }
    }

    @Test("an object that sets nothing but its identity gets no entry")
    func identityOnly() throws {
        let info = try Self.info("", "v1", "configmaps")
        let object = try Self.parse(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#)
        #expect(ManagedFields.recordCreate(object, manager: "m", info: info, now: Self.now) == nil)
    }

    @Test("a pod's entry owns its containers by name and not its status (a status subresource)")
    func podShape() throws {
        let info = try Self.info("", "v1", "pods")
        let object = try Self.parse(
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"i"}]},"status":{"phase":"Pending"}}"#
        )
        let entries = try #require(
            ManagedFields.recordCreate(object, manager: "m", info: info, now: Self.now)?.arrayValue)
        #expect(entries.count == 1)
        #expect(
            entries.first?["fieldsV1"]
                == ["f:spec": ["f:containers": ["k:{\"name\":\"a\"}": [".": [:], "f:image": [:], "f:name": [:]]]]])
    }
}
