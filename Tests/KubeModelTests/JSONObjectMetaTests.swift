import Testing

@testable import KubeModel

@Suite("Object metadata accessors on JSONValue")
struct JSONObjectMetaTests {
    static let podText = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"prod","uid":"u-1",\
        "resourceVersion":"42","generation":3,"generateName":"web-","creationTimestamp":"2024-01-02T03:04:05Z",\
        "labels":{"app":"web","n":1},"annotations":{"note":"x"},"finalizers":["a/b",7],\
        "ownerReferences":[{"kind":"ReplicaSet","name":"rs"}]},"spec":{}}
        """

    @Test("getters read kind, apiVersion and metadata fields")
    func getters() throws {
        let pod = try JSONValue(parsing: Self.podText)
        #expect(pod.kind == "Pod")
        #expect(pod.apiVersion == "v1")
        #expect(pod.name == "web-1")
        #expect(pod.namespace == "prod")
        #expect(pod.uid == "u-1")
        #expect(pod.resourceVersion == "42")
        #expect(pod.generation == 3)
        #expect(pod.generateName == "web-")
        #expect(pod.creationTimestamp == "2024-01-02T03:04:05Z")
        #expect(pod.deletionTimestamp == nil)
        // Values of the wrong type are left out rather than guessed at.
        #expect(pod.labels == ["app": "web"])
        #expect(pod.annotations == ["note": "x"])
        #expect(pod.finalizers == ["a/b"])
        #expect(pod.ownerReferences?.arrayValue?.first?["name"] == "rs")
        #expect(pod.metadata?.count == 11)
    }

    @Test("getters on values without metadata give nil or empty")
    func missing() {
        let values: [JSONValue] = [nil, 5, "s", [], [:], ["metadata": "not an object"], ["metadata": [:]]]
        for v in values {
            #expect(v.name == nil)
            #expect(v.generation == nil)
            #expect(v.labels.isEmpty)
            #expect(v.finalizers.isEmpty)
            #expect(v.ownerReferences == nil)
        }
    }

    @Test("setters update in place and keep member order")
    func settersKeepOrder() throws {
        var pod = try JSONValue(parsing: Self.podText)
        pod.resourceVersion = "43"
        pod.name = "web-2"
        pod.generation = 4
        #expect(pod.resourceVersion == "43")
        #expect(pod.name == "web-2")
        #expect(pod.generation == 4)
        #expect(pod.objectValue?.keys == ["apiVersion", "kind", "metadata", "spec"])
        #expect(pod.metadata?.keys.prefix(5) == ["name", "namespace", "uid", "resourceVersion", "generation"])
        #expect(pod.jsonString.contains(#""generation":4"#))
    }

    @Test("setting nil or an empty collection removes the field")
    func settingNilRemoves() throws {
        var pod = try JSONValue(parsing: Self.podText)
        pod.namespace = nil
        pod.generation = nil
        pod.labels = [:]
        pod.finalizers = []
        pod.ownerReferences = nil
        pod.kind = nil
        let meta = try #require(pod.metadata)
        #expect(meta["namespace"] == nil)
        #expect(meta["generation"] == nil)
        #expect(meta["labels"] == nil)
        #expect(meta["finalizers"] == nil)
        #expect(meta["ownerReferences"] == nil)
        #expect(pod["kind"] == nil)
        pod.metadata = nil
        #expect(pod["metadata"] == nil)
        #expect(pod.objectValue?.keys == ["apiVersion", "spec"])
    }

    @Test("setters create metadata (and the object) when missing")
    func settersCreate() {
        var v: JSONValue = nil
        v.name = "x"
        v.labels = ["b": "2", "a": "1", "c": "3"]
        v.annotations = ["k": "v"]
        v.finalizers = ["f1", "f2"]
        v.deletionTimestamp = "2024-05-06T07:08:09Z"
        v.kind = "Secret"
        #expect(
            v.jsonString == """
                {"metadata":{"name":"x","labels":{"a":"1","b":"2","c":"3"},"annotations":{"k":"v"},\
                "finalizers":["f1","f2"],"deletionTimestamp":"2024-05-06T07:08:09Z"},"kind":"Secret"}
                """)
    }

    @Test("labels and annotations write their keys sorted, as Kubernetes does")
    func sortedMaps() {
        var v: JSONValue = [:]
        let labels = Dictionary(uniqueKeysWithValues: (0..<50).map { ("k\($0)", "v\($0)") })
        v.labels = labels
        #expect(v.labels == labels)
        #expect(v.metadata?["labels"]?.objectValue?.keys == labels.keys.sorted())
    }

    @Test("a copy is not affected by setting a field on the original")
    func valueSemantics() throws {
        var pod = try JSONValue(parsing: Self.podText)
        let copy = pod
        pod.resourceVersion = "100"
        pod.labels["extra"] = "1"
        #expect(copy.resourceVersion == "42")
        #expect(copy.labels == ["app": "web"])
        #expect(pod.labels == ["app": "web", "extra": "1"])
    }
}

@Suite("Editing JSONObject members in place")
struct JSONObjectUpdateValuesTests {
    @Test("updateValues edits values in order, keeps keys and positions, and removes refused members")
    func updateValues() {
        var object = JSONObject([("a", 1), ("b", .null), ("c", "x"), ("d", [1, 2])])
        var seen: [String] = []
        object.updateValues { key, value in
            seen.append(key)
            switch key {
            case "a":
                value = 2
                return true
            case "c": return false
            default: return true
            }
        }
        #expect(seen == ["a", "b", "c", "d"])
        #expect(object.keys == ["a", "b", "d"])
        // A member kept as null stays (only refused members go).
        #expect(object["b"] == .null)
        #expect(object["a"] == 2)
        #expect(object["d"] == [1, 2])
    }

    @Test("a value handed to updateValues is not shared with a copy of the object")
    func copiesStayIntact() {
        let original = JSONObject([("spec", ["replicas": 1])])
        var edited = original
        edited.updateValues { _, value in
            value["replicas"] = 3
            return true
        }
        #expect(original["spec"] == ["replicas": 1])
        #expect(edited["spec"] == ["replicas": 3])
    }
}
