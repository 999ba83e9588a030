import PropertyBased
import Testing

@testable import KubeModel

@Suite("JSON Merge Patch (RFC 7386/7396)")
struct MergePatchTests {
    @Test(
        "RFC 7396 appendix A test cases",
        arguments: [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, "null", "null"),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ])
    func appendix(original: String, patch: String, expected: String) throws {
        let result = MergePatch.apply(try patchJSON(patch), to: try patchJSON(original))
        #expect(result == (try patchJSON(expected)))
    }

    @Test("RFC 7396 section 3 example: title, author, tags, phone number")
    func section3Example() throws {
        let target = try patchJSON(
            #"{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}"#
        )
        let patch = try patchJSON(
            #"{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}"#)
        let expected = try patchJSON(
            #"{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}"#
        )
        let result = MergePatch.apply(patch, to: target)
        #expect(patchOrderedEqual(result, expected), "existing members keep their place, new ones append")
    }

    @Test("kubectl patch --type merge on a ConfigMap: data keys merge, null removes, labels merge")
    func configMap() throws {
        let cm = try patchJSON(
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1"}},"data":{"x":"1","y":"2"}}"#
        )
        let patch = try patchJSON(#"{"metadata":{"labels":{"b":"2"}},"data":{"x":null,"z":"3"}}"#)
        let result = try MergePatch.applyToObject(patch, to: cm)
        #expect(result["data"] == ["y": "2", "z": "3"])
        #expect(result[path: ["metadata", "labels"]] == ["a": "1", "b": "2"])
    }

    @Test("applyToObject refuses bodies the apiserver refuses: null and scalars 400, arrays 422")
    func applyToObjectRefusals() {
        let doc: JSONValue = ["a": 1]
        for body: JSONValue in [nil, "x", 3, true] {
            let error = patchError { () throws(PatchError) in try MergePatch.applyToObject(body, to: doc) }
            #expect(error == .invalid("Invalid JSON Patch"))
            #expect(error?.statusCode == 400)
        }
        let error = patchError { () throws(PatchError) in try MergePatch.applyToObject([1], to: doc) }
        #expect(error?.statusCode == 422)
    }

    @Test("create gives {} for equal documents, null for removed keys, nested diffs for objects")
    func createExamples() throws {
        let a = try patchJSON(#"{"a":1,"b":{"c":1,"d":[1]},"e":"x"}"#)
        let b = try patchJSON(#"{"a":1,"b":{"c":2,"d":[1]},"f":true}"#)
        #expect(MergePatch.create(from: a, to: a) == [:])
        #expect(MergePatch.create(from: a, to: b) == (try patchJSON(#"{"e":null,"b":{"c":2},"f":true}"#)))
        #expect(MergePatch.create(from: a, to: [1, 2]) == [1, 2])
    }

    // MARK: Properties

    @Test("property: apply(create(a, b), a) == b when b has no nulls")
    func createThenApply() async {
        await propertyCheck(count: 500, input: patchObjects, patchNullFreeObjects) { a, b in
            let patch = MergePatch.create(from: a, to: b)
            #expect(MergePatch.apply(patch, to: a) == b, "patch \(patch.jsonString)")
        }
    }

    @Test("property: applying {} changes nothing")
    func emptyPatchIsIdentity() async {
        await propertyCheck(count: 300, input: patchObjects) { a in
            #expect(patchOrderedEqual(MergePatch.apply([:], to: a), a))
        }
    }

    @Test("property: create(a, a) is {} and applying a patch twice equals applying it once")
    func idempotence() async {
        await propertyCheck(count: 300, input: patchObjects, patchObjects) { a, patch in
            #expect(MergePatch.create(from: a, to: a) == [:])
            let once = MergePatch.apply(patch, to: a)
            #expect(MergePatch.apply(patch, to: once) == once)
        }
    }

    @Test("property: the result of an object patch never holds a null the patch put inside an object")
    func nullsNeverStored() async {
        await propertyCheck(count: 300, input: patchNullFreeObjects, patchObjects) { a, patch in
            #expect(!containsObjectNull(MergePatch.apply(patch, to: a)))
        }
    }
}

/// True when some object member anywhere (outside arrays, which merge patch replaces verbatim) is null.
private func containsObjectNull(_ v: JSONValue) -> Bool {
    guard case .object(let o) = v else { return false }
    return o.contains { $0.value.isNull || containsObjectNull($0.value) }
}
