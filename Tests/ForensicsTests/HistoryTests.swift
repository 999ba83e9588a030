import EventLog
import Forensics
import Foundation
import KubeModel
import Testing

@Suite("Object history and state diffs")
struct HistoryTests {
    func configMap(_ rv: Int, uid: String = "u1", data: JSONValue) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": [
                "name": "cfg", "namespace": "default", "uid": .string(uid), "resourceVersion": .string(String(rv)),
            ],
            "data": data,
        ]
    }

    func record(_ rv: ResourceVersion, _ type: EventType, _ object: JSONValue, origin: EventOrigin) -> EventRecord {
        EventRecord(
            rv: rv, time: 1_795_903_290_000_000 + rv, type: type, storageKey: "/v1/configmaps", namespace: "default",
            name: "cfg", uid: object["metadata"]?["uid"]?.stringValue ?? "", origin: origin,
            object: object.serialized())
    }

    @Test("each version lists what changed since the previous one and who changed it")
    func pathHistory() throws {
        let versions = [
            record(10, .added, configMap(10, data: ["a": "1"]), origin: .local(client: "kubectl")),
            record(11, .modified, configMap(11, data: ["a": "2", "b": "x"]), origin: .upstream(scope: 3)),
            record(12, .deleted, configMap(12, data: ["a": "2", "b": "x"]), origin: .system),
            record(13, .added, configMap(13, uid: "u2", data: ["a": "9"]), origin: .local(client: "python")),
        ]
        let history = ObjectHistory(versions: versions, renderer: ForensicRenderer())
        let steps = history.steps()
        #expect(steps.count == 4)
        #expect(steps[0].previous == nil && steps[0].changes.isEmpty)
        #expect(
            steps[1].changes == [
                JSONChange(kind: .changed, path: [.key("data"), .key("a")], old: "1", new: "2"),
                JSONChange(kind: .added, path: [.key("data"), .key("b")], old: nil, new: "x"),
            ])
        #expect(steps[2].changes.isEmpty, "only metadata.resourceVersion differs, and it is ignored")
        #expect(steps[3].recreated && steps[3].previous == nil)

        let text = try history.render(style: .paths)
        #expect(text.contains("RV 11  2026-11-28T22:01:30.000011Z  MODIFIED  by upstream:3"))
        #expect(text.contains("  ~ data.a: \"1\" → \"2\"\n"), "strings that look like numbers are quoted")
        #expect(text.contains("  + data.b: x\n"))
        #expect(text.contains("RV 12  2026-11-28T22:01:30.000012Z  DELETED  by system"))
        #expect(text.contains("(created again under the same name)"))
        #expect(text.contains("by local:python"))

        let json = history.json()
        let items = json["versions"]?.arrayValue ?? []
        #expect(items.count == 4)
        #expect(items[1]["changes"]?.arrayValue?.first?["path"] == "data.a")
        #expect(items[1]["origin"] == "upstream:3")
    }

    @Test("the YAML style shows a unified diff of consecutive versions")
    func yamlHistory() throws {
        let versions = [
            record(10, .added, configMap(10, data: ["a": "1"]), origin: .local(client: "kubectl")),
            record(11, .modified, configMap(11, data: ["a": "2"]), origin: .local(client: "kubectl")),
        ]
        let text = try ObjectHistory(versions: versions, renderer: ForensicRenderer()).render(style: .yaml)
        let second = text.components(separatedBy: "RV 11 ").last ?? ""
        let lines = second.split(separator: "\n").map(String.init)
        let removed = lines.filter { $0.hasPrefix("  -  a: ") }
        let added = lines.filter { $0.hasPrefix("  +  a: ") }
        #expect(removed.count == 1 && removed.first?.contains("1") == true, "\(text)")
        #expect(added.count == 1 && added.first?.contains("2") == true, "\(text)")
        #expect(text.contains("  @@ -0,0 +1,8 @@\n"), "the first version is shown whole")
        #expect(!text.contains("resourceVersion"))
    }

    @Test("a Secret's history says which values changed but never prints them")
    func secretHistory() throws {
        func secret(_ rv: Int, _ password: String) -> JSONValue {
            [
                "apiVersion": "v1", "kind": "Secret",
                "metadata": [
                    "name": "db", "namespace": "default", "uid": "s1", "resourceVersion": .string(String(rv)),
                ],
                "data": ["password": .string(password)],
            ]
        }
        let versions = [
            EventRecord(
                rv: 1, time: 1, type: .added, storageKey: "/v1/secrets", namespace: "default", name: "db", uid: "s1",
                origin: .system, object: secret(1, "aHVudGVyMg==").serialized()),
            EventRecord(
                rv: 2, time: 2, type: .modified, storageKey: "/v1/secrets", namespace: "default", name: "db", uid: "s1",
                origin: .system, object: secret(2, "aHVudGVyMw==").serialized()),
        ]
        let history = ObjectHistory(versions: versions, renderer: ForensicRenderer())
        for style in DiffStyle.allCases {
            let text = try history.render(style: style)
            #expect(!text.contains("aHVudGVy"), "\(style)")
            #expect(text.contains("data.password"), "\(style): the change is still visible")
        }
        #expect(
            try history.render(style: .paths).contains("~ data.password: <redacted: 7 bytes> → <redacted: 7 bytes>"))
        #expect(!history.json().jsonString.contains("aHVudGVy"))
        let revealed = ObjectHistory(versions: versions, renderer: ForensicRenderer(revealSecrets: true))
        #expect(try revealed.render(style: .paths).contains("~ data.password: aHVudGVyMg== → aHVudGVyMw=="))
    }

    @Test("a state diff lists added, changed and removed objects in order")
    func stateDiff() throws {
        let cm = GroupVersionResource(group: "", version: "v1", resource: "configmaps")
        let deploy = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
        func snap(_ gvr: GroupVersionResource, _ name: String, _ rv: ResourceVersion, _ data: JSONValue)
            -> ObjectSnapshot
        {
            ObjectSnapshot(
                resource: gvr, namespace: "default", name: name, uid: "u-\(name)", rv: rv,
                bytes: configMap(Int(rv), data: data).serialized())
        }
        let old = [snap(cm, "keep", 1, ["a": "1"]), snap(cm, "gone", 2, [:]), snap(deploy, "web", 3, ["r": 1])]
        let new = [snap(cm, "keep", 1, ["a": "1"]), snap(cm, "new", 5, [:]), snap(deploy, "web", 6, ["r": 2])]
        let diff = StateDiff(old: old, new: new)
        #expect(diff.entries.map(\.kind) == [.removed, .added, .changed])
        #expect(diff.entries.map(\.key.name) == ["gone", "new", "web"])
        #expect(
            diff.entries[2].changes == [JSONChange(kind: .changed, path: [.key("data"), .key("r")], old: 1, new: 2)])
        let text = diff.render(ForensicRenderer())
        #expect(text.contains("- configmaps default/gone  (was RV 2)"))
        #expect(text.contains("+ configmaps default/new  (RV 5)"))
        #expect(text.contains("~ deployments.apps default/web  (RV 3 → 6)"))
        #expect(text.contains("    ~ data.r: 1 → 2"))
        #expect(text.hasSuffix("1 added, 1 changed, 1 removed\n"))
        #expect(StateDiff(old: old, new: old).render(ForensicRenderer()) == "no differences\n")
    }
}
