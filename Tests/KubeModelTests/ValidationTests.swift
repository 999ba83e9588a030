import AKETestSupport
import KubeModel
import Testing

private let subdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
private let labelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
private let dns1035Message =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

@Suite("Name validation")
struct NameValidationTests {
    let catalog = ResourceCatalog.builtIn()

    func resource(_ group: String, _ name: String) throws -> ResourceInfo {
        try #require(catalog.resource(group: group, version: "v1", resource: name))
    }

    @Test("most resources take RFC 1123 subdomains, with the apiserver's message")
    func subdomain() throws {
        let cm = try resource("", "configmaps")
        #expect(NameValidation.validate(name: "my.config-1", for: cm).isEmpty)
        #expect(NameValidation.validate(name: "X", for: cm) == [subdomainMessage])
        #expect(NameValidation.validate(name: "a..b", for: cm) == [subdomainMessage])
        #expect(NameValidation.validate(name: "-a", for: cm) == [subdomainMessage])
        #expect(
            NameValidation.validate(name: String(repeating: "a", count: 254), for: cm) == [
                "must be no more than 253 characters"
            ])
    }

    @Test("namespaces take RFC 1123 labels; a valid subdomain is told it has dots")
    func namespaces() throws {
        let ns = try resource("", "namespaces")
        #expect(NameValidation.validate(name: "kube-system", for: ns).isEmpty)
        #expect(NameValidation.validate(name: "my.ns", for: ns) == ["must not contain dots"])
        #expect(NameValidation.validate(name: "My_ns", for: ns) == [labelMessage])
        #expect(
            NameValidation.validate(name: String(repeating: "a", count: 64), for: ns) == [
                "must be no more than 63 characters"
            ])
    }

    @Test("services take RFC 1035 labels (must start with a letter)")
    func services() throws {
        let svc = try resource("", "services")
        #expect(NameValidation.validate(name: "web", for: svc).isEmpty)
        #expect(NameValidation.validate(name: "1web", for: svc) == [dns1035Message])
    }

    @Test("RBAC objects only need a safe path segment")
    func rbac() throws {
        let cr = try resource("rbac.authorization.k8s.io", "clusterroles")
        #expect(NameValidation.validate(name: "system:controller:node-controller", for: cr).isEmpty)
        #expect(NameValidation.validate(name: "a/b%c", for: cr) == ["may not contain '/'", "may not contain '%'"])
        #expect(NameValidation.validate(name: "..", for: cr) == ["may not be '..'"])
    }

    @Test("label keys and values follow the qualified-name rules")
    func labels() {
        #expect(NameValidation.isQualifiedName("example.com/My_Key-1").isEmpty)
        #expect(NameValidation.isQualifiedName("/x") == ["prefix part must be non-empty"])
        #expect(
            NameValidation.isQualifiedName("a/b/c") == [
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ])
        #expect(NameValidation.isQualifiedName("Example.com/x") == ["prefix part " + subdomainMessage])
        #expect(NameValidation.isValidLabelValue("").isEmpty)
        #expect(NameValidation.isValidLabelValue("a_b.c-D").isEmpty)
        #expect(
            NameValidation.isValidLabelValue(String(repeating: "a", count: 64)) == [
                "must be no more than 63 characters"
            ])
    }

    @Test("annotations may total at most 256 KiB of keys and values")
    func annotationSize() {
        let big = String(repeating: "x", count: 256 * 1024 - 1)
        #expect(NameValidation.validateAnnotations(["a": big]).isEmpty)
        let errors = NameValidation.validateAnnotations(["a": big, "b": "1"])
        #expect(errors.map(\.description) == ["metadata.annotations: Too long: may not be more than 262144 bytes"])
        #expect(errors.first?.cause.reason == "FieldValueTooLong")
    }

    @Test("metadata validation reports name, generateName, namespace and labels like ValidateObjectMeta")
    func metadata() throws {
        let cm = try resource("", "configmaps")
        let good: JSONValue = ["metadata": ["generateName": "web-", "namespace": "default", "labels": ["app": "web"]]]
        #expect(
            NameValidation.validateMetadata(of: good, for: cm) == [
                .required("metadata.name", "name or generateName is required")
            ])
        let bad: JSONValue = [
            "metadata": ["name": "X", "generateName": "Web-", "labels": ["app": "-bad"]]
        ]
        let errors = NameValidation.validateMetadata(of: bad, for: cm).map(\.description)
        #expect(
            errors == [
                "metadata.generateName: Invalid value: \"Web-\": " + subdomainMessage,
                "metadata.name: Invalid value: \"X\": " + subdomainMessage,
                "metadata.namespace: Required value",
                "metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            ])
    }

    @Test("request path names are checked before storage with the registry's BadRequest")
    func requestPath() {
        #expect(RequestPathValidation.checkName("web") == nil)
        #expect(
            RequestPathValidation.checkName("a/b")
                == .badRequest("Name parameter invalid: \"a/b\": may not contain '/'"))
        #expect(RequestPathValidation.checkName("") == .badRequest("Name parameter required."))
        #expect(RequestPathValidation.checkName(String(repeating: "a", count: 254))?.code == 400)
        #expect(RequestPathValidation.checkNamespace(String(repeating: "n", count: 64))?.code == 400)
        #expect(RequestPathValidation.checkNamespace("default") == nil)
    }

    @Test("Go %q quoting is reproduced for values in messages")
    func quoting() {
        #expect(goQuoted("plain") == "\"plain\"")
        #expect(goQuoted("a\"b\\c") == #""a\"b\\c""#)
        #expect(goQuoted("tab\there\n") == #""tab\there\n""#)
        #expect(goQuoted("\u{1}") == #""\x01""#)
        #expect(goQuoted("héllo") == "\"héllo\"")
    }
}

@Suite("generateName")
struct GenerateNameTests {
    @Test("appends five characters from the apiserver's alphabet")
    func suffix() {
        var rng = SeededGenerator(seed: 42)
        let alphabet = Set("bcdfghjklmnpqrstvwxz2456789")
        var seen = Set<String>()
        for _ in 0..<200 {
            let name = GenerateName.generate(base: "web-", using: &rng)
            #expect(name.hasPrefix("web-"))
            #expect(name.count == 9)
            #expect(name.dropFirst(4).allSatisfy { alphabet.contains($0) })
            seen.insert(name)
        }
        #expect(seen.count > 190, "suffixes should rarely collide")
    }

    @Test("cuts the prefix to 58 characters so the result stays within 63")
    func longPrefix() {
        let name = GenerateName.generate(base: String(repeating: "a", count: 100))
        #expect(name.count == 63)
        #expect(name.hasPrefix(String(repeating: "a", count: 58)))
        #expect(NameValidation.isDNS1123Label(name).isEmpty)
    }
}
