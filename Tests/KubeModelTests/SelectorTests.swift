import KubeModel
import Testing

@Suite("Label selectors")
struct LabelSelectorTests {
    @Test(
        "parsing yields the canonical form: requirements sorted by key, value sets sorted",
        arguments: [
            ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
            ("b=2, a==1,!c, d!=4, e>5, f<3", "a==1,b=2,!c,d!=4,e>5,f<3"),
            ("k=", "k="),
            ("k in (b,a,b)", "k in (a,b)"),
            ("example.com/app = web", "example.com/app=web"),
            ("in in (notin)", "in in (notin)"),
            (
                "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless",
                "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name"
            ),
        ])
    func canonicalForm(input: String, canonical: String) throws {
        let s = try LabelSelector(parsing: input)
        #expect(s.description == canonical)
        #expect(try LabelSelector(parsing: canonical) == s)
    }

    @Test("the empty or blank selector selects everything")
    func empty() throws {
        for text in ["", "   ", "\t"] {
            let s = try LabelSelector(parsing: text)
            #expect(s.isEmpty)
            #expect(s.description == "")
            #expect(s.matches([:]))
            #expect(s.matches(["a": "b"]))
        }
    }

    @Test(
        "matching follows apimachinery: != and notin also match objects without the key",
        arguments: [
            ("env=prod", ["env": "prod"], true),
            ("env=prod", ["env": "dev"], false),
            ("env=prod", [:], false),
            ("env==prod", ["env": "prod"], true),
            ("env!=prod", [:], true),
            ("env!=prod", ["env": "dev"], true),
            ("env!=prod", ["env": "prod"], false),
            ("env in (a,b)", ["env": "b"], true),
            ("env in (a,b)", [:], false),
            ("env notin (a,b)", [:], true),
            ("env notin (a,b)", ["env": "a"], false),
            ("env", ["env": ""], true),
            ("env", [:], false),
            ("!env", [:], true),
            ("!env", ["env": "x"], false),
            ("n>5", ["n": "6"], true),
            ("n>5", ["n": "5"], false),
            ("n>5", ["n": "x"], false),
            ("n>5", [:], false),
            ("n<5", ["n": "4"], true),
            ("n<5", ["n": "-7"], true),
            ("a=1,b=2", ["a": "1", "b": "2"], true),
            ("a=1,b=2", ["a": "1"], false),
            ("k=", ["k": ""], true),
            ("k in ()", ["k": ""], true),
        ] as [(String, [String: String], Bool)])
    func matching(selector: String, labels: [String: String], expected: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == expected)
    }

    @Test("kube-proxy's service selector excludes headless and foreign-proxy services")
    func kubeProxySelector() throws {
        let s = try LabelSelector(
            parsing: "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless")
        #expect(s.matches(["app": "web"]))
        #expect(!s.matches(["service.kubernetes.io/headless": ""]))
        #expect(!s.matches(["service.kubernetes.io/service-proxy-name": "other"]))
    }

    @Test(
        "malformed selectors fail with the apiserver's messages",
        arguments: [
            ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
            ("x=a,", "found '', expected: identifier after ','"),
            (",x", "found ',', expected: !, identifier, or 'end of string'"),
            ("x in a", "unable to parse requirement: found 'a' expected: '('"),
            ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
            ("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
            ("x in =", "unable to parse requirement: found '=' expected: '('"),
            ("x=a b", "found 'b', expected: ',' or 'end of string'"),
            ("!x=a", "found '=', expected: ',' or 'end of string'"),
            ("x=(", "unable to parse requirement: found '(', expected: identifier"),
            ("=a", "found '=', expected: !, identifier, or 'end of string'"),
            ("!", "unable to parse requirement: found '', expected: identifier"),
            (
                "x>a",
                "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"
            ),
            (
                "-x=1",
                "unable to parse requirement: <nil>: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ),
            (
                "x=-1",
                "unable to parse requirement: values[0][x]: Invalid value: \"-1\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            ),
        ])
    func malformed(input: String, message: String) {
        #expect(throws: SelectorError(message)) { try LabelSelector(parsing: input) }
    }

    @Test("requiredValue finds equality requirements for index lookups")
    func requiredValue() throws {
        let s = try LabelSelector(parsing: "app=web,tier in (fe),env!=prod,zone in (a,b)")
        #expect(s.requiredValue(for: "app") == "web")
        #expect(s.requiredValue(for: "tier") == "fe")
        #expect(s.requiredValue(for: "env") == nil)
        #expect(s.requiredValue(for: "zone") == nil)
    }
}

@Suite("metav1.LabelSelector JSON")
struct LabelSelectorJSONTests {
    @Test("matchLabels and matchExpressions become one selector")
    func converts() throws {
        let json: JSONValue = [
            "matchLabels": ["app": "web"],
            "matchExpressions": [
                ["key": "tier", "operator": "In", "values": ["b", "a"]],
                ["key": "canary", "operator": "DoesNotExist"],
                ["key": "zone", "operator": "NotIn", "values": ["x"]],
                ["key": "team", "operator": "Exists"],
            ],
        ]
        let s = try #require(try LabelSelector.fromLabelSelectorJSON(json))
        #expect(s.description == "app=web,!canary,team,tier in (a,b),zone notin (x)")
        #expect(s.matches(["app": "web", "tier": "a", "team": "t"]))
        #expect(!s.matches(["app": "web", "tier": "a", "team": "t", "canary": "1"]))
    }

    @Test("a null selector selects nothing, an empty one everything")
    func nullAndEmpty() throws {
        #expect(try LabelSelector.fromLabelSelectorJSON(nil) == nil)
        #expect(try LabelSelector.fromLabelSelectorJSON(.null) == nil)
        #expect(try LabelSelector.fromLabelSelectorJSON([:])?.isEmpty == true)
    }

    @Test("bad operators and empty value sets are rejected like LabelSelectorAsSelector")
    func rejects() {
        #expect(throws: SelectorError("\"Gt\" is not a valid label selector operator")) {
            try LabelSelector.fromLabelSelectorJSON([
                "matchExpressions": [["key": "a", "operator": "Gt", "values": ["1"]]]
            ])
        }
        #expect(
            throws: SelectorError(
                "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty")
        ) {
            try LabelSelector.fromLabelSelectorJSON([
                "matchExpressions": [["key": "a", "operator": "In", "values": []]]
            ])
        }
        #expect(throws: SelectorError.self) {
            try LabelSelector.fromLabelSelectorJSON(["matchLabels": ["bad key": "v"]])
        }
    }
}

@Suite("Field selectors")
struct FieldSelectorTests {
    @Test("terms are sorted and == is printed as =")
    func canonical() throws {
        let s = try FieldSelector(parsing: "spec.nodeName==n1,metadata.name!=x")
        #expect(s.description == "metadata.name!=x,spec.nodeName=n1")
        #expect(try FieldSelector(parsing: s.description) == s)
        #expect(try FieldSelector(parsing: "").isEmpty)
    }

    @Test("matching treats missing fields as empty strings")
    func matching() throws {
        let s = try FieldSelector(parsing: "spec.nodeName=n1,status.phase!=Failed")
        #expect(s.matches(["spec.nodeName": "n1", "status.phase": "Running"]))
        #expect(s.matches(["spec.nodeName": "n1"]))
        #expect(!s.matches(["spec.nodeName": "n2"]))
        #expect(!s.matches(["spec.nodeName": "n1", "status.phase": "Failed"]))
        #expect(try FieldSelector(parsing: "spec.nodeName=").matches([:]))
    }

    @Test("requiredValue returns the value of an equality term only")
    func requiredValue() throws {
        let s = try FieldSelector(parsing: "spec.nodeName=n1,metadata.name!=x")
        #expect(s.requiredValue(for: "spec.nodeName") == "n1")
        #expect(s.requiredValue(for: "metadata.name") == nil)
        #expect(s.requiredValue(for: "status.phase") == nil)
    }

    @Test("escaped commas and equals signs are data")
    func escaping() throws {
        let s = try FieldSelector(parsing: #"metadata.name=a\,b\=c\\d"#)
        #expect(s.requiredValue(for: "metadata.name") == #"a,b=c\d"#)
        #expect(s.description == #"metadata.name=a\,b\=c\\d"#)
    }

    @Test(
        "malformed field selectors fail like fields.ParseSelector",
        arguments: [
            ("foo", "invalid selector: 'foo'; can't understand 'foo'"),
            ("a=b,foo", "invalid selector: 'a=b,foo'; can't understand 'foo'"),
            ("a=b=c", "invalid field selector: unescaped character in value: 61"),
            (#"a=b\x"#, #"invalid field selector: invalid escape sequence: \x"#),
            (#"a=b\"#, #"invalid field selector: invalid escape sequence: \"#),
        ])
    func malformed(input: String, message: String) {
        #expect(throws: SelectorError(message)) { try FieldSelector(parsing: input) }
    }

    @Test(
        "only metadata.name, metadata.namespace and the resource's selectable fields are allowed, worded per resource")
    func validation() throws {
        let catalog = ResourceCatalog.builtIn()
        let pods = try #require(catalog.resource(group: "", version: "v1", resource: "pods"))
        let configmaps = try #require(catalog.resource(group: "", version: "v1", resource: "configmaps"))
        try FieldSelector(parsing: "spec.nodeName=n1,metadata.namespace=d,metadata.name=x").validate(for: pods)
        #expect(
            throws: SelectorError(
                #""spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace""#)
        ) {
            try FieldSelector(parsing: "spec.nodeName=n1").validate(for: configmaps)
        }
        let nodes = try #require(catalog.resource(group: "", version: "v1", resource: "nodes"))
        try FieldSelector(parsing: "metadata.name=n1,spec.unschedulable=false").validate(for: nodes)
        #expect(throws: SelectorError("field label not supported: metadata.namespace")) {
            try FieldSelector(parsing: "metadata.namespace=x").validate(for: nodes)
        }
        let clusterRoles = try #require(
            catalog.resource(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles"))
        try FieldSelector(parsing: "metadata.namespace=").validate(for: clusterRoles)
        #expect(throws: SelectorError("field label not supported: spec.foo")) {
            try FieldSelector(parsing: "spec.foo=1").validate(for: pods)
        }
    }
}
