import EventLog
import Forensics
import Foundation
import KubeModel
import Testing

@Suite("Secret redaction")
struct RedactionTests {
    // "hunter2" is 7 bytes; base64 "aHVudGVyMg==".
    let secret: JSONValue = [
        "apiVersion": "v1", "kind": "Secret",
        "metadata": [
            "name": "db", "namespace": "default", "labels": ["app": "db"],
            "annotations": [
                "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"aHVudGVyMg==\"}}",
                "note": "visible",
            ],
        ],
        "type": "Opaque",
        "data": ["password": "aHVudGVyMg==", "user": "YWRtaW4="],
        "stringData": ["token": "s3cr3t-token"],
    ]

    @Test("a Secret keeps its keys but every value becomes <redacted: N bytes>")
    func wholeSecret() throws {
        let r = SecretRedactor.redact(secret)
        #expect(r["data"]?["password"] == "<redacted: 7 bytes>")
        #expect(r["data"]?["user"] == "<redacted: 5 bytes>")
        #expect(r["stringData"]?["token"] == "<redacted: 12 bytes>")
        let lastApplied = r["metadata"]?["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"]
        #expect(lastApplied == "<redacted: 36 bytes>")
        #expect(r["metadata"]?["annotations"]?["note"] == "visible")
        #expect(r["metadata"]?["labels"]?["app"] == "db")
        #expect(r["type"] == "Opaque")
        #expect(!r.jsonString.contains("aHVudGVy"))
        #expect(!r.jsonString.contains("s3cr3t"))
    }

    @Test("the renderer redacts Secrets by resource or by kind, and only Secrets")
    func renderer() throws {
        let bytes = secret.serialized()
        let hidden = ForensicRenderer().object(bytes, isSecret: true)
        #expect(hidden["data"]?["password"] == "<redacted: 7 bytes>")
        // Recognised by apiVersion/kind even when the caller does not know the resource.
        #expect(ForensicRenderer().object(bytes, isSecret: false)["data"]?["password"] == "<redacted: 7 bytes>")
        #expect(ForensicRenderer(revealSecrets: true).object(bytes, isSecret: true) == secret)
        var configMap = secret
        configMap["kind"] = "ConfigMap"
        #expect(ForensicRenderer().object(configMap.serialized(), isSecret: false) == configMap)
        #expect(SecretRedactor.isSecretResource(.init(group: "", version: "v1", resource: "secrets")))
        #expect(!SecretRedactor.isSecretResource(.init(group: "example.com", version: "v1", resource: "secrets")))
    }

    @Test("a subtree is redacted as it would be in place")
    func atPath() {
        #expect(SecretRedactor.redact("aHVudGVyMg==", at: [.key("data"), .key("password")]) == "<redacted: 7 bytes>")
        #expect(
            SecretRedactor.redact(["a": "YQ=="], at: [.key("data")]) == ["a": "<redacted: 1 bytes>"])
        #expect(SecretRedactor.redact("x", at: [.key("type")]) == "x")
        #expect(SecretRedactor.redact(["k": "v"], at: [.key("metadata"), .key("labels")]) == ["k": "v"])
    }

    @Test("base64 sizes count decoded bytes; non-base64 counts its own bytes")
    func sizes() {
        #expect(SecretRedactor.decodedLength(ofBase64: "") == 0)
        #expect(SecretRedactor.decodedLength(ofBase64: "YQ==") == 1)
        #expect(SecretRedactor.decodedLength(ofBase64: "YWI=") == 2)
        #expect(SecretRedactor.decodedLength(ofBase64: "YWJj") == 3)
        #expect(SecretRedactor.decodedLength(ofBase64: "not base64!") == 11)
    }
}

@Suite("JSON diffs")
struct JSONDiffTests {
    @Test("scalar changes, added and removed keys are reported by path")
    func objects() throws {
        let a: JSONValue = ["spec": ["replicas": 1, "paused": false], "metadata": ["labels": ["app": "web"]]]
        let b: JSONValue = ["spec": ["replicas": 3], "metadata": ["labels": ["app": "web", "tier": "front"]]]
        let changes = JSONDiff.diff(a, b)
        #expect(
            changes == [
                JSONChange(kind: .changed, path: [.key("spec"), .key("replicas")], old: 1, new: 3),
                JSONChange(kind: .removed, path: [.key("spec"), .key("paused")], old: false, new: nil),
                JSONChange(
                    kind: .added, path: [.key("metadata"), .key("labels"), .key("tier")], old: nil, new: "front"),
            ])
        #expect(JSONDiff.diff(a, a).isEmpty)
    }

    @Test("lists of named objects are matched by name, so an insertion is one change")
    func namedLists() {
        let a: JSONValue = [
            "containers": [["name": "web", "image": "nginx:1"], ["name": "log", "image": "fluent:1"]]
        ]
        let b: JSONValue = [
            "containers": [
                ["name": "init", "image": "busybox"], ["name": "web", "image": "nginx:2"],
                ["name": "log", "image": "fluent:1"],
            ]
        ]
        let changes = JSONDiff.diff(a, b)
        #expect(changes.count == 2)
        #expect(changes.map { renderPath($0.path) } == ["containers[name=init]", "containers[name=web].image"])
        #expect(changes[0].kind == .added)
        #expect(changes[1].old == "nginx:1" && changes[1].new == "nginx:2")
    }

    @Test("other lists are compared by index")
    func indexLists() {
        let changes = JSONDiff.diff(["args": ["a", "b"]], ["args": ["a", "c", "d"]])
        #expect(changes.map { renderPath($0.path) } == ["args[1]", "args[2]"])
        #expect(changes.map(\.kind) == [.changed, .added])
    }

    @Test("ignored paths are skipped")
    func ignoring() {
        let a: JSONValue = ["metadata": ["resourceVersion": "1", "name": "x"]]
        let b: JSONValue = ["metadata": ["resourceVersion": "2", "name": "x"]]
        #expect(JSONDiff.diff(a, b, ignoring: [[.key("metadata"), .key("resourceVersion")]]).isEmpty)
    }

    @Test("paths read like kubectl field paths")
    func paths() {
        #expect(renderPath([.key("spec"), .key("template"), .key("spec")]) == "spec.template.spec")
        #expect(
            renderPath([.key("metadata"), .key("annotations"), .key("app.kubernetes.io/name")])
                == "metadata.annotations[\"app.kubernetes.io/name\"]")
        #expect(renderPath([.key("ports"), .index(0), .key("port")]) == "ports[0].port")
        #expect(renderPath([]) == ".")
    }
}

@Suite("Unified line diffs")
struct LineDiffTests {
    @Test("a changed line gets a hunk with three lines of context")
    func unified() {
        let old = (1...10).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n")
        #expect(
            LineDiff.unified(old, new) == """
                @@ -2,7 +2,7 @@
                 line 2
                 line 3
                 line 4
                -line 5
                +line five
                 line 6
                 line 7
                 line 8

                """)
        #expect(LineDiff.unified(old, old) == "")
    }

    @Test("far-apart changes make separate hunks; additions at the end count from the line before")
    func hunks() {
        let old = (1...20).map { "l\($0)" }.joined(separator: "\n")
        let new = old.replacingOccurrences(of: "l2\n", with: "") + "\nl21"
        let diff = LineDiff.unified(old, new)
        #expect(diff.components(separatedBy: "@@ -").count - 1 == 2)
        #expect(diff.contains("-l2\n"))
        #expect(diff.contains("+l21\n"))
        #expect(LineDiff.unified("", "a\nb\n") == "@@ -0,0 +1,2 @@\n+a\n+b\n")
    }
}

@Suite("Tables")
struct TableTests {
    @Test("columns align to the widest cell, separated by three spaces")
    func alignment() {
        var t = TextTable(headers: ["RV", "NAME"])
        t.append(["1", "web"])
        t.append(["12345", "db"])
        #expect(t.render() == "RV      NAME\n1       web\n12345   db\n")
    }

    @Test("an event renders as a table row and as one JSON line with its redacted object")
    func eventRendering() throws {
        let object: JSONValue = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["k": "YQ=="],
        ]
        let e = EventRecord(
            rv: 42, time: 1_795_903_290_000_000, type: .modified, storageKey: "/v1/secrets", namespace: "ns",
            name: "s", uid: "u1", origin: .local(client: "kubectl"), object: object.serialized())
        let row = ForensicRenderer().row(e)
        #expect(row == ["42", "2026-11-28 22:01:30Z", "MODIFIED", "secrets", "ns/s", "local:kubectl", String(e.size)])
        let json = try JSONValue(parsing: ForensicRenderer.jsonLine(ForensicRenderer().json(e)))
        #expect(json["rv"]?.int64Value == 42)
        #expect(json["type"] == "MODIFIED")
        #expect(json["origin"] == "local:kubectl")
        #expect(json["object"]?["data"]?["k"] == "<redacted: 1 bytes>")
        let revealed = ForensicRenderer(revealSecrets: true).json(e)
        #expect(revealed["object"]?["data"]?["k"] == "YQ==")
    }
}
