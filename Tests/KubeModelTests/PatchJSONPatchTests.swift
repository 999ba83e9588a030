import PropertyBased
import Testing

@testable import KubeModel

private func apply(_ patch: String, to doc: String) throws -> JSONValue {
    try JSONPatch.apply(try patchJSON(patch), to: try patchJSON(doc))
}

private func failure(_ patch: String, on doc: String) throws -> PatchError? {
    let p = try patchJSON(patch)
    let d = try patchJSON(doc)
    return patchError { () throws(PatchError) in try JSONPatch.apply(p, to: d) }
}

@Suite("JSON Patch (RFC 6902)")
struct JSONPatchTests {
    // MARK: RFC 6902 Appendix A

    @Test(
        "RFC 6902 appendix A examples that succeed",
        arguments: [
            // A.1 Adding an Object Member
            (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"baz":"qux","foo":"bar"}"#),
            // A.2 Adding an Array Element
            (
                #"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#,
                #"{"foo":["bar","qux","baz"]}"#
            ),
            // A.3 Removing an Object Member
            (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#),
            // A.4 Removing an Array Element
            (#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#),
            // A.5 Replacing a Value
            (
                #"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#,
                #"{"baz":"boo","foo":"bar"}"#
            ),
            // A.6 Moving a Value
            (
                #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
                #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
                #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#
            ),
            // A.7 Moving an Array Element
            (
                #"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
                #"{"foo":["all","cows","eat","grass"]}"#
            ),
            // A.8 Testing a Value: Success
            (
                #"{"baz":"qux","foo":["a",2,"c"]}"#,
                #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
                #"{"baz":"qux","foo":["a",2,"c"]}"#
            ),
            // A.10 Adding a Nested Member Object
            (
                #"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
                #"{"foo":"bar","child":{"grandchild":{}}}"#
            ),
            // A.11 Ignoring Unrecognized Elements
            (
                #"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#,
                #"{"foo":"bar","baz":"qux"}"#
            ),
            // A.14 ~ Escape Ordering
            (#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#),
            // A.16 Adding an Array Value
            (
                #"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#,
                #"{"foo":["bar",["abc","def"]]}"#
            ),
        ])
    func appendixSuccesses(doc: String, patch: String, expected: String) throws {
        #expect(try apply(patch, to: doc) == patchJSON(expected))
    }

    @Test("A.9 a failing test op is testFailed, which the apiserver answers with 422 Invalid")
    func appendixTestFailure() throws {
        let error = try failure(#"[{"op":"test","path":"/baz","value":"bar"}]"#, on: #"{"baz":"qux"}"#)
        guard case .testFailed(let message)? = error else {
            Issue.record("expected testFailed, got \(String(describing: error))")
            return
        }
        #expect(message == "testing value /baz failed: test failed")
        #expect(error?.statusCode == 422)
        #expect(error?.reason == "Invalid")
        #expect(error?.statusMessage == "the server rejected our request due to an error in our request")
    }

    @Test("each PatchError becomes the Status the apiserver sends")
    func statusObjects() throws {
        let failedTest = PatchError.testFailed("testing value /a failed: test failed").statusError.statusObject()
        #expect(
            failedTest
                == (try patchJSON(
                    #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server rejected our request due to an error in our request","reason":"Invalid","details":{},"code":422}"#
                )))
        let serverError = PatchError.mergeFailed("map: map[image:x] does not contain declared merge key: name")
            .statusError
        #expect(
            serverError.statusObject()
                == (try patchJSON(
                    #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"map: map[image:x] does not contain declared merge key: name","code":500}"#
                )))
        #expect(PatchError.invalid("x").statusError == .badRequest("x"))
        #expect(PatchError.tooLarge("y").statusError.message == "Request entity too large: y")
        #expect(PatchError.unsupported("z").statusError.code == 415)
        for e: PatchError in [
            .invalid("a"), .testFailed("b"), .unprocessable("c"), .tooLarge("d"), .unsupported("e"), .mergeFailed("f"),
        ] {
            #expect(e.statusError.code == e.statusCode)
            #expect(e.statusError.reason == e.reason)
            #expect(e.statusError.message == e.statusMessage)
        }
    }

    @Test("A.12 adding to a nonexistent target fails with 422")
    func appendixNonexistentTarget() throws {
        let error = try failure(#"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, on: #"{"foo":"bar"}"#)
        #expect(error == .unprocessable(#"add operation does not apply: doc is missing path: "/baz/bat""#))
        #expect(error?.statusCode == 422)
    }

    @Test("A.13 a duplicated op member: the parser keeps the last (remove), which fails on a missing key")
    func appendixDuplicateOp() throws {
        let error = try failure(#"[{"op":"add","path":"/baz","value":"qux","op":"remove"}]"#, on: #"{"foo":"bar"}"#)
        #expect(error?.statusCode == 422)
    }

    @Test("A.15 strings and numbers are never equal")
    func appendixStringVersusNumber() throws {
        let error = try failure(#"[{"op":"test","path":"/~01","value":"10"}]"#, on: #"{"/":9,"~1":10}"#)
        #expect(error == .testFailed("testing value /~01 failed: test failed"))
    }

    // MARK: RFC 6901 pointers

    @Test(
        "RFC 6901 section 5 pointers resolve as the RFC says",
        arguments: [
            ("", nil), ("/foo", #"["bar","baz"]"#), ("/foo/0", #""bar""#), ("/", "0"), ("/a~1b", "1"),
            ("/c%d", "2"), ("/e^f", "3"), ("/g|h", "4"), (#"/i\j"#, "5"), (#"/k"l"#, "6"), ("/ ", "7"),
            ("/m~0n", "8"),
        ] as [(String, String?)])
    func rfc6901Pointers(pointer: String, expected: String?) throws {
        let doc = try patchJSON(
            #"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#)
        let resolved = try JSONPointer(pointer).resolve(in: doc)
        #expect(resolved == (try expected.map(patchJSON) ?? doc))
    }

    @Test("pointers escape and unescape ~ and / in the RFC's order")
    func pointerEscapes() throws {
        #expect(try JSONPointer("/~01").tokens == ["~1"])
        #expect(try JSONPointer("/a~1b/~0").tokens == ["a/b", "~"])
        #expect(JSONPointer(tokens: ["a/b", "~", "~1"]).text == "/a~1b/~0/~01")
        #expect(try JSONPointer("").tokens == [])
        #expect(try JSONPointer("/").tokens == [""])
    }

    @Test(
        "a pointer not starting with / or with a bad ~ escape is rejected",
        arguments: ["foo", "foo/bar", "/a~2", "/a~"])
    func badPointers(pointer: String) {
        #expect(throws: PatchError.self) { try JSONPointer(pointer) }
        let patch = JSONValue.array([["op": "add", "path": .string(pointer), "value": 1]])
        let error = patchError { () throws(PatchError) in try JSONPatch.apply(patch, to: ["a": 1]) }
        #expect(error?.statusCode == 422)
    }

    @Test("property: escaping tokens and parsing the pointer gives the tokens back")
    func pointerRoundTrip() async {
        let pieces = ["a", "~", "/", "~1", "~0", "0", "é"]
        let tokenLists = Generator<[String], Shrink.None<[String]>> { rng in
            (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "a" }.joined()
            }
        }
        await propertyCheck(count: 300, input: tokenLists) { tokens in
            let pointer = JSONPointer(tokens: tokens)
            #expect((try? JSONPointer(pointer.text))?.tokens == tokens)
        }
    }

    // MARK: Array index rules

    @Test(
        "array indexes: no leading zeros, no signs, in range; - only where adding",
        arguments: [
            #"[{"op":"add","path":"/a/01","value":0}]"#,
            #"[{"op":"add","path":"/a/-1","value":0}]"#,
            #"[{"op":"add","path":"/a/+1","value":0}]"#,
            #"[{"op":"add","path":"/a/4","value":0}]"#,
            #"[{"op":"add","path":"/a/1e0","value":0}]"#,
            #"[{"op":"add","path":"/a/99999999999999999999999","value":0}]"#,
            #"[{"op":"remove","path":"/a/3"}]"#,
            #"[{"op":"remove","path":"/a/-"}]"#,
            #"[{"op":"replace","path":"/a/-","value":0}]"#,
            #"[{"op":"replace","path":"/a/3","value":0}]"#,
            #"[{"op":"test","path":"/a/-","value":0}]"#,
            #"[{"op":"add","path":"/a/00/x","value":0}]"#,
        ])
    func badIndexes(patch: String) throws {
        let error = try failure(patch, on: #"{"a":[1,2,3]}"#)
        #expect(error != nil)
        #expect(error?.statusCode == 422)
    }

    @Test("adding at index == count appends, and - appends")
    func appendAtEnd() throws {
        #expect(
            try apply(#"[{"op":"add","path":"/a/3","value":4}]"#, to: #"{"a":[1,2,3]}"#)
                == patchJSON(#"{"a":[1,2,3,4]}"#))
        #expect(
            try apply(#"[{"op":"add","path":"/a/-","value":4}]"#, to: #"{"a":[1,2,3]}"#)
                == patchJSON(#"{"a":[1,2,3,4]}"#))
        #expect(try apply(#"[{"op":"add","path":"/a/0","value":0}]"#, to: #"{"a":[1]}"#) == patchJSON(#"{"a":[0,1]}"#))
    }

    // MARK: Operations beyond the appendix

    @Test("the empty path replaces the whole document; removing it is an error")
    func rootOperations() throws {
        #expect(try apply(#"[{"op":"replace","path":"","value":[1]}]"#, to: #"{"a":1}"#) == [1])
        #expect(try apply(#"[{"op":"add","path":"","value":{"b":2}}]"#, to: #"{"a":1}"#) == ["b": 2])
        #expect(try failure(#"[{"op":"remove","path":""}]"#, on: #"{"a":1}"#)?.statusCode == 422)
    }

    @Test("copy duplicates a subtree; move into its own child is refused")
    func copyAndMove() throws {
        #expect(
            try apply(#"[{"op":"copy","from":"/a","path":"/b"}]"#, to: #"{"a":{"x":[1]}}"#)
                == patchJSON(#"{"a":{"x":[1]},"b":{"x":[1]}}"#))
        #expect(try failure(#"[{"op":"move","from":"/a","path":"/a/x"}]"#, on: #"{"a":{"x":1}}"#)?.statusCode == 422)
        #expect(try apply(#"[{"op":"move","from":"/a","path":"/a"}]"#, to: #"{"a":1}"#) == ["a": 1])
        #expect(try failure(#"[{"op":"move","from":"/nope","path":"/a"}]"#, on: #"{"a":1}"#)?.statusCode == 422)
        #expect(try failure(#"[{"op":"copy","from":"/nope","path":"/a"}]"#, on: #"{"a":1}"#)?.statusCode == 422)
    }

    @Test("test compares numbers by value, objects regardless of member order, and null as a value")
    func testSemantics() throws {
        let doc = #"{"n":1.0,"o":{"a":1,"b":[true,null]},"z":null}"#
        #expect(throws: Never.self) {
            try apply(
                #"[{"op":"test","path":"/n","value":1},{"op":"test","path":"/o","value":{"b":[true,null],"a":1e0}},{"op":"test","path":"/z","value":null}]"#,
                to: doc)
        }
        #expect(try failure(#"[{"op":"test","path":"/missing","value":null}]"#, on: doc)?.statusCode == 422)
        #expect(try failure(#"[{"op":"test","path":"/o/b","value":[null,true]}]"#, on: doc) != nil)
    }

    @Test("replace needs an existing target; remove of a missing key names it")
    func replaceAndRemoveMissing() throws {
        #expect(
            try failure(#"[{"op":"replace","path":"/b","value":1}]"#, on: #"{"a":1}"#)
                == .unprocessable("replace operation does not apply: doc is missing key: /b"))
        #expect(
            try failure(#"[{"op":"remove","path":"/b"}]"#, on: #"{"a":1}"#)
                == .unprocessable("error in remove for path: '/b': Unable to remove nonexistent key: b: missing value"))
    }

    @Test("a patch is all or nothing: a late failure leaves no partial result")
    func atomicity() throws {
        let doc = try patchJSON(#"{"a":1}"#)
        let patch = try patchJSON(#"[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/c"}]"#)
        #expect(patchError { () throws(PatchError) in try JSONPatch.apply(patch, to: doc) } != nil)
        #expect(doc == ["a": 1])
    }

    @Test("patching a real pod: image, a label with / in its key, an appended toleration")
    func kubectlStylePatch() throws {
        let pod = try patchJSON(
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"x"}},"spec":{"containers":[{"name":"app","image":"nginx:1"}],"tolerations":[]}}"#
        )
        let patch = try patchJSON(
            #"[{"op":"test","path":"/spec/containers/0/name","value":"app"},{"op":"replace","path":"/spec/containers/0/image","value":"nginx:2"},{"op":"add","path":"/metadata/labels/example.com~1tier","value":"web"},{"op":"add","path":"/spec/tolerations/-","value":{"key":"k","operator":"Exists"}}]"#
        )
        let result = try JSONPatch.apply(patch, to: pod)
        #expect(result[path: ["spec", "containers"]]?.arrayValue?.first?["image"] == "nginx:2")
        #expect(result[path: ["metadata", "labels", "example.com/tier"]] == "web")
        #expect(result[path: ["spec", "tolerations"]] == [["key": "k", "operator": "Exists"]])
    }

    // MARK: Malformed patches

    @Test(
        "a body that is not an array of objects is 400 BadRequest",
        arguments: [
            #"{"op":"add","path":"/a","value":1}"#, "null", "\"add\"", "[1]",
            #"[{"op":"add","path":"/a","value":1},"x"]"#,
        ])
    func notAnArrayOfObjects(patch: String) throws {
        let error = try failure(patch, on: "{}")
        guard case .invalid(let message)? = error else {
            Issue.record("expected invalid, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("json: cannot unmarshal"))
        #expect(error?.statusCode == 400)
        #expect(error?.reason == "BadRequest")
    }

    @Test(
        "ops with a missing or wrong member are 422 Invalid",
        arguments: [
            (#"[{"path":"/a","value":1}]"#, "Unexpected kind: unknown"),
            (#"[{"op":"frob","path":"/a"}]"#, "Unexpected kind: frob"),
            (#"[{"op":7,"path":"/a"}]"#, "Unexpected kind: unknown"),
            (#"[{"op":"add","value":1}]"#, "add operation missing path field: missing value"),
            (#"[{"op":"add","path":"/a"}]"#, "add operation, missing value field: missing value"),
            (#"[{"op":"replace","path":"/a"}]"#, "replace operation, missing value field: missing value"),
            (#"[{"op":"test","path":"/a"}]"#, "test operation, missing value field: missing value"),
            (#"[{"op":"move","path":"/a"}]"#, "move operation, missing from field: missing value"),
            (#"[{"op":"copy","path":"/b"}]"#, "copy operation, missing from field: missing value"),
            (#"[{"op":"add","path":1,"value":1}]"#, #"add operation: "path" must be a string, got number"#),
        ])
    func badOperations(patch: String, message: String) throws {
        let error = try failure(patch, on: #"{"a":1}"#)
        #expect(error == .unprocessable(message))
        #expect(error?.statusCode == 422)
    }

    @Test("more than 10,000 operations is 413 RequestEntityTooLarge, like the apiserver")
    func tooManyOperations() {
        let op: JSONValue = ["op": "test", "path": "", "value": [:]]
        let patch = JSONValue.array(Array(repeating: op, count: JSONPatch.maxOperations + 1))
        let error = patchError { () throws(PatchError) in try JSONPatch.apply(patch, to: [:]) }
        #expect(error == .tooLarge("The allowed maximum operations in a JSON patch is 10000, got 10001"))
        #expect(error?.statusCode == 413)
        #expect(error?.statusMessage.hasPrefix("Request entity too large: ") == true)
        let atLimit = JSONValue.array(Array(repeating: op, count: JSONPatch.maxOperations))
        #expect(patchError { () throws(PatchError) in try JSONPatch.apply(atLimit, to: [:]) } == nil)
    }

    @Test("copies may grow a document by at most 3 MiB in total, as the apiserver's JSONPatchMaxCopyBytes")
    func copyAmplification() throws {
        // Each copy of the root doubles the document; 40 of them would need terabytes.
        let ops = (0..<40).map { i -> JSONValue in ["op": "copy", "from": "", "path": .string("/c\(i)")] }
        let doc: JSONValue = ["seed": .string(String(repeating: "x", count: 1000))]
        let error = patchError { () throws(PatchError) in try JSONPatch.apply(.array(ops), to: doc) }
        guard case .unprocessable(let message)? = error else {
            Issue.record("expected unprocessable, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("Unable to complete the copy, the accumulated size increase of copy is "))
        #expect(message.hasSuffix("exceeding the limit 3145728"))

        let small: JSONValue = [["op": "copy", "from": "/seed", "path": "/again"]]
        #expect(patchError { () throws(PatchError) in try JSONPatch.apply(small, to: doc, maxCopyBytes: 100) } != nil)
        #expect(patchError { () throws(PatchError) in try JSONPatch.apply(small, to: doc, maxCopyBytes: 2000) } == nil)
    }

    @Test("a patch cannot nest the document deeper than the parser's 512 levels")
    func nestingLimit() {
        func nested(_ depth: Int) -> JSONValue {
            var v: JSONValue = [:]
            for _ in 1..<depth { v = ["a": v] }
            return v
        }
        let ok: JSONValue = [["op": "add", "path": "/x", "value": nested(511)]]
        #expect(patchError { () throws(PatchError) in try JSONPatch.apply(ok, to: [:]) } == nil)
        let tooDeep: JSONValue = [["op": "add", "path": "/x", "value": nested(512)]]
        #expect(patchError { () throws(PatchError) in try JSONPatch.apply(tooDeep, to: [:]) }?.statusCode == 422)
        // Growing one level per operation hits the same wall.
        var ops: [JSONValue] = []
        var path = ""
        for _ in 0..<600 {
            path += "/a"
            ops.append(["op": "add", "path": .string(path), "value": [:]])
        }
        let error = patchError { () throws(PatchError) in try JSONPatch.apply(.array(ops), to: [:]) }
        #expect(error?.message.contains("deeper than 512 levels") == true)
    }

    // MARK: Properties

    @Test("property: every existing path tests equal to its own value")
    func testEveryPath() async {
        await propertyCheck(count: 200, input: patchObjects) { doc in
            for pointer in patchAllPointers(in: doc) {
                guard let value = pointer.resolve(in: doc) else {
                    Issue.record("\(pointer) does not resolve")
                    continue
                }
                let patch: JSONValue = [["op": "test", "path": .string(pointer.text), "value": value]]
                #expect(patchError { () throws(PatchError) in try JSONPatch.apply(patch, to: doc) } == nil)
            }
        }
    }

    @Test("property: remove then add of the same value at any path restores the document")
    func removeThenAdd() async {
        await propertyCheck(count: 200, input: patchObjects) { doc in
            for pointer in patchAllPointers(in: doc) where !pointer.tokens.isEmpty {
                guard let value = pointer.resolve(in: doc) else { continue }
                let patch: JSONValue = [
                    ["op": "remove", "path": .string(pointer.text)],
                    ["op": "add", "path": .string(pointer.text), "value": value],
                ]
                let result = try? JSONPatch.apply(patch, to: doc)
                #expect(result.map { patchOrderedEqual($0, doc) || $0 == doc } == true, "at \(pointer)")
            }
        }
    }

    @Test("property: replacing any path with its own value changes nothing")
    func replaceIdentity() async {
        await propertyCheck(count: 200, input: patchObjects) { doc in
            for pointer in patchAllPointers(in: doc) {
                guard let value = pointer.resolve(in: doc) else { continue }
                let patch: JSONValue = [["op": "replace", "path": .string(pointer.text), "value": value]]
                #expect((try? JSONPatch.apply(patch, to: doc)) == doc, "at \(pointer)")
            }
        }
    }

    @Test("property: random bodies never crash, and every failure is a PatchError with an apiserver code")
    func randomBodiesNeverCrash() async {
        let ops = ["add", "remove", "replace", "move", "copy", "test", "frob"]
        let bodies = Generator<JSONValue, Shrink.None<JSONValue>> { rng in
            if Int.random(in: 0..<10, using: &rng) == 0 { return patchRandomValue(depth: 3, nulls: true, &rng) }
            var list: [JSONValue] = []
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                var op = JSONObject()
                op["op"] = .string(ops.randomElement(using: &rng) ?? "add")
                let pointers = ["", "/", "/a", "/a/0", "/a/-", "/b/c", "/a/01", "x", "/~2", "/name"]
                op["path"] = .string(pointers.randomElement(using: &rng) ?? "")
                if Bool.random(using: &rng) { op["from"] = .string(pointers.randomElement(using: &rng) ?? "") }
                if Bool.random(using: &rng) { op["value"] = patchRandomValue(depth: 2, nulls: true, &rng) }
                list.append(.object(op))
            }
            return .array(list)
        }
        await propertyCheck(count: 500, input: bodies, patchObjects) { body, doc in
            let error = patchError { () throws(PatchError) in try JSONPatch.apply(body, to: doc) }
            if let error {
                #expect([400, 413, 422].contains(error.statusCode))
                #expect(!error.message.isEmpty)
            }
        }
    }
}
