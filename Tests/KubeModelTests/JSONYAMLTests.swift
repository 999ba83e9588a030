import PropertyBased
import Testing

@testable import KubeModel

@Suite("JSON from and to YAML")
struct JSONYAMLTests {
    @Test("a Kubernetes manifest becomes the JSON kubectl would send")
    func manifest() throws {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cfg
              labels:
                app: web
                tier: "1"
            data:
              port: "8080"
              enabled: "true"
            spec:
              replicas: 3
              ratio: 0.5
              paused: false
              note: null
              mode: 0644
              items: [a, 1, true]
            """
        let v = try JSONValue(yaml: yaml)
        #expect(v.objectValue?.keys == ["apiVersion", "kind", "metadata", "data", "spec"])
        #expect(
            v.jsonString == """
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","labels":{"app":"web","tier":"1"}},\
                "data":{"port":"8080","enabled":"true"},"spec":{"replicas":3,"ratio":0.5,"paused":false,"note":null,\
                "mode":420,"items":["a",1,true]}}
                """)
    }

    @Test(
        "plain scalars resolve the way yaml.v2 resolves them",
        arguments: [
            ("true", "true"), ("True", "true"), ("yes", "true"), ("on", "true"), ("y", "true"), ("No", "false"),
            ("off", "false"), ("n", "false"), ("~", "null"), ("null", "null"), ("", "null"), ("42", "42"),
            ("-7", "-7"), ("+7", "7"), ("0x1F", "31"), ("0o17", "15"), ("017", "15"), ("0b101", "5"),
            ("1_000", "1000"), ("08", "8"), ("1.5", "1.5"), ("1.50", "1.5"), (".5", "0.5"), ("-0.25", "-0.25"),
            ("1e+3", "1000"), ("2.5E-3", "0.0025"), ("1e3", #""1e3""#), ("9223372036854775807", "9223372036854775807"),
            ("18446744073709551615", "18446744073709551615"),
            ("123456789012345678901234567890", "123456789012345678901234567890"), ("abc", #""abc""#),
            ("2024-01-02T03:04:05Z", #""2024-01-02T03:04:05Z""#), ("1.2.3", #""1.2.3""#), ("0x", #""0x""#),
            ("-x", #""-x""#), ("12ab", #""12ab""#), ("yess", #""yess""#),
        ])
    func plainScalars(yaml: String, json: String) throws {
        let v = try JSONValue(yaml: "k: \(yaml)")
        #expect(v["k"]?.jsonString ?? "<missing>" == json)
    }

    @Test(
        "quoted and block scalars stay strings",
        arguments: ["'true'", "\"42\"", "'null'", "\"0644\"", "''", "\"1.5\"", "'~'"])
    func quotedStaysString(yaml: String) throws {
        let v = try JSONValue(yaml: "k: \(yaml)")
        guard case .string = v["k"] else {
            Issue.record("\(yaml) became \(v["k"]?.jsonString ?? "nothing")")
            return
        }
        let block = try JSONValue(yaml: "k: |\n  123\n")
        #expect(block["k"] == "123\n")
    }

    @Test("explicit tags override resolution")
    func explicitTags() throws {
        let v = try JSONValue(yaml: "a: !!str 123\nb: !!int \"12\"\nc: !!float 3\nd: !!bool yes\ne: !custom x")
        #expect(v == ["a": "123", "b": 12, "c": 3, "d": true, "e": "x"])
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "a: !!int abc") }
    }

    @Test("non-finite floats cannot become JSON")
    func nonFinite() {
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "a: .inf") }
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "a: .nan") }
    }

    @Test("a multi-document stream gives one value per document, skipping empty ones")
    func multiDocument() throws {
        let yaml = """
            ---
            kind: Namespace
            metadata: {name: a}
            ---
            # only a comment
            ---
            kind: Pod
            metadata:
              name: p
              namespace: a
            ---
            """
        let docs = try JSONValue.yamlDocuments(yaml)
        #expect(docs.count == 2)
        #expect(docs.map(\.kind) == ["Namespace", "Pod"])
        #expect(docs.last?.namespace == "a")
        // The single-document initializer refuses a stream of several.
        #expect(throws: (any Error).self) { try JSONValue(yaml: yaml) }
        #expect(try JSONValue(yaml: "") == .null)
        #expect(try JSONValue.yamlDocuments("").isEmpty)
    }

    @Test("anchors, aliases and merge keys expand; explicit keys win over merged ones")
    func aliasesAndMerge() throws {
        let yaml = """
            base: &b {p: 1, q: 2}
            copy: *b
            derived:
              <<: *b
              q: 3
              r: 4
            """
        let v = try JSONValue(yaml: yaml)
        #expect(v["copy"] == ["p": 1, "q": 2])
        #expect(v["derived"] == ["p": 1, "q": 3, "r": 4])
    }

    @Test("an alias bomb fails instead of exhausting memory")
    func aliasBomb() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            yaml += "a\(i): &a\(i) [\(refs)]\n"
        }
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: yaml) }
    }

    @Test("non-string keys become their JSON text; collection keys are refused")
    func keys() throws {
        let v = try JSONValue(yaml: "1: a\ntrue: b\n~: c\n0x10: d\n'y': e\n")
        #expect(v.objectValue?.keys == ["1", "true", "null", "16", "y"])
        // yaml.v2 reads a plain `y` or `no` key as a boolean, so kubectl sends "true"/"false".
        #expect(try JSONValue(yaml: "y: 1\nno: 2").objectValue?.keys == ["true", "false"])
        #expect(throws: YAMLConversionError.self) { try JSONValue(yaml: "? [a]\n: b\n") }
    }

    @Test("invalid YAML is an error, not a crash")
    func invalidYAML() {
        #expect(throws: (any Error).self) { try JSONValue(yaml: "a: [1, 2\nb: c") }
        #expect(throws: (any Error).self) { try JSONValue(yaml: "a:\n\t- b") }
        // libyaml bounds nesting itself.
        #expect(throws: (any Error).self) { try JSONValue(yaml: String(repeating: "[", count: 100_000)) }
    }

    @Test("yamlString output reads back as the same value, types intact")
    func yamlRoundTrip() throws {
        let value: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "p", "labels": ["a": "true", "b": "0644", "c": "", "d": "null", "e": "1e3"]],
            "spec": [
                "n": 3, "f": 1.5, "e": .number(JSONNumber(unchecked: "1e3")), "t": true, "z": nil,
                "s": ["multi\nline", "with: colon", "- dash", "#hash", " lead", "é中😀", "yes", "y", "0x10"],
            ],
        ]
        let yaml = try value.yamlString()
        let back = try JSONValue(yaml: yaml)
        #expect(back["metadata"] == value["metadata"], "\(yaml)")
        #expect(back["spec"]?["s"] == value["spec"]?["s"], "\(yaml)")
        #expect(back["spec"]?["n"] == 3)
        #expect(back["spec"]?["f"] == 1.5)
        #expect(back["spec"]?["e"] == 1000)
        #expect(back["spec"]?["z"] == .null)
        #expect(back.objectValue?.keys == value.objectValue?.keys)
    }

    @Test("yamlString round-trips generated string maps exactly")
    func yamlStringProperty() async {
        // Characters YAML gives meaning to, plus letters that spell y/n booleans.
        let alphabet = Array("ab yn01.-:#'\"\\\n\té~{}[],&*!|>%@`")
        let strings = Generator<String, Shrink.None<String>> { rng in
            String(
                (0..<Int.random(in: 0...8, using: &rng)).map { _ in
                    alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                })
        }
        await propertyCheck(count: 200, input: strings, strings) { key, value in
            let v: JSONValue = .object(JSONObject([(key: key, value: .string(value))]))
            let back = try JSONValue(yaml: v.yamlString())
            #expect(back == v)
        }
    }
}
