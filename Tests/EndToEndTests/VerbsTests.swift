import Foundation
import Testing

/// Every Kubernetes verb over real HTTP against the real `ake serve`.
@Suite("HTTP verbs", .serialized)
struct VerbsTests {
    static let cms = "/api/v1/namespaces/default/configmaps"

    func configMap(_ name: String, labels: [String: String] = [:], data: [String: String] = ["a": "1"]) -> [String:
        Any]
    {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name, "labels": labels], "data": data]
    }

    @Test("create answers 201 with the stored object; get returns it; a second create is 409 AlreadyExists")
    func createGet() throws {
        try withServer { (s: AKEProcess) throws in
            let created = try s.post(Self.cms, json: configMap("one"))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.header("Content-Type")?.hasPrefix("application/json") == true)
            let obj = try created.json()
            let meta = try #require(obj["metadata"] as? [String: Any])
            #expect(meta["name"] as? String == "one")
            #expect((meta["resourceVersion"] as? String).flatMap { UInt64($0) } != nil)
            #expect(meta["uid"] as? String != nil)

            let got = try s.get("\(Self.cms)/one")
            #expect(got.status == 200)
            #expect((try got.json()["data"] as? [String: String]) == ["a": "1"])

            let again = try s.post(Self.cms, json: configMap("one"))
            #expect(again.status == 409)
            #expect(try again.json()["reason"] as? String == "AlreadyExists")
        }
    }

    @Test("list returns a ConfigMapList with a resourceVersion; namespaced and all-namespaces paths both work")
    func list() throws {
        try withServer { (s: AKEProcess) throws in
            for n in ["a", "b", "c"] { #expect(try s.post(Self.cms, json: configMap(n)).status == 201) }
            let list = try s.get(Self.cms)
            #expect(list.status == 200)
            let o = try list.json()
            #expect(o["kind"] as? String == "ConfigMapList")
            #expect(o["apiVersion"] as? String == "v1")
            #expect(((o["metadata"] as? [String: Any])?["resourceVersion"] as? String) != nil)
            let names = (o["items"] as? [[String: Any]] ?? []).compactMap {
                ($0["metadata"] as? [String: Any])?["name"] as? String
            }
            #expect(names == ["a", "b", "c"])
            let all = try s.get("/api/v1/configmaps")
            #expect(all.status == 200)
            #expect((try all.json()["items"] as? [Any])?.count == 3)
        }
    }

    @Test(
        "a list larger than one piece is sent chunked, byte for byte the one-buffer list; gzipped as it goes when asked"
    )
    func largeListStreamed() throws {
        try withServer { (s: AKEProcess) throws in
            // ~2 KB per ConfigMap: 200 of them are well above the 256 KiB piece size.
            let filler = String(repeating: "x", count: 2000)
            for i in 0..<200 {
                #expect(
                    try s.post(Self.cms, json: configMap(String(format: "cm-%03d", i), data: ["v": filler])).status
                        == 201)
            }
            // A page holding every item has the same envelope (no continue token) and is built whole.
            let whole = try s.get(Self.cms + "?limit=1000")
            #expect(whole.status == 200)
            #expect(whole.body.count > 400_000)
            let streamed = try s.get(Self.cms)
            #expect(streamed.status == 200)
            #expect(streamed.header("Transfer-Encoding")?.lowercased() == "chunked")
            #expect(streamed.header("Content-Type") == "application/json")
            #expect(streamed.header("Content-Encoding") == nil)
            #expect(streamed.body == whole.body)

            let zipped = try s.request("GET", Self.cms, headers: [("Accept-Encoding", "gzip")])
            #expect(zipped.status == 200)
            #expect(zipped.header("Content-Encoding") == "gzip")
            #expect(zipped.header("Vary") == "Accept-Encoding")
            #expect(zipped.body.count * 10 < whole.body.count)
            #expect(try gunzip(zipped.body) == whole.body)

            // A small list is one buffer with a Content-Length, under the gzip threshold as it is.
            let small = try s.request(
                "GET", Self.cms + "?labelSelector=none", headers: [("Accept-Encoding", "gzip")])
            #expect(small.status == 200)
            #expect(small.header("Content-Length") != nil)
            #expect(small.header("Content-Encoding") == nil)
        }
    }

    /// `bytes` inflated by the system's gzip.
    func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ake-gz-\(UUID().uuidString).gz")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -dc \"$0\"", file.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Array(data)
    }

    @Test("PUT replaces the object; a stale resourceVersion is 409 Conflict")
    func update() throws {
        try withServer { (s: AKEProcess) throws in
            let created = try s.post(Self.cms, json: configMap("u")).json()
            let rv = try #require((created["metadata"] as? [String: Any])?["resourceVersion"] as? String)
            var replacement = configMap("u", data: ["b": "2"])
            replacement["metadata"] = ["name": "u", "resourceVersion": rv]
            let put = try s.request(
                "PUT", "\(Self.cms)/u", headers: [("Content-Type", "application/json")], body: jsonBytes(replacement))
            #expect(put.status == 200, "\(put.text)")
            #expect((try put.json()["data"] as? [String: String]) == ["b": "2"])

            let stale = try s.request(
                "PUT", "\(Self.cms)/u", headers: [("Content-Type", "application/json")], body: jsonBytes(replacement))
            #expect(stale.status == 409)
            #expect(try stale.json()["reason"] as? String == "Conflict")
        }
    }

    @Test("JSON patch, merge patch and strategic merge patch each change the object as their RFC says")
    func patches() throws {
        try withServer { (s: AKEProcess) throws in
            #expect(try s.post(Self.cms, json: configMap("p", data: ["a": "1", "b": "2"])).status == 201)

            let jsonPatch = try s.request(
                "PATCH", "\(Self.cms)/p", headers: [("Content-Type", "application/json-patch+json")],
                body: Array(#"[{"op":"replace","path":"/data/a","value":"x"},{"op":"remove","path":"/data/b"}]"#.utf8))
            #expect(jsonPatch.status == 200, "\(jsonPatch.text)")
            #expect((try jsonPatch.json()["data"] as? [String: String]) == ["a": "x"])

            let merge = try s.request(
                "PATCH", "\(Self.cms)/p", headers: [("Content-Type", "application/merge-patch+json")],
                body: Array(#"{"data":{"c":"3","a":null}}"#.utf8))
            #expect(merge.status == 200, "\(merge.text)")
            #expect((try merge.json()["data"] as? [String: String]) == ["c": "3"])

            let strategic = try s.request(
                "PATCH", "\(Self.cms)/p", headers: [("Content-Type", "application/strategic-merge-patch+json")],
                body: Array(#"{"metadata":{"labels":{"tier":"web"}},"data":{"d":"4"}}"#.utf8))
            #expect(strategic.status == 200, "\(strategic.text)")
            let o = try strategic.json()
            #expect((o["data"] as? [String: String]) == ["c": "3", "d": "4"])
            #expect(((o["metadata"] as? [String: Any])?["labels"] as? [String: String]) == ["tier": "web"])
        }
    }

    @Test("DELETE removes one object (then 404); DELETE on the collection removes the selected ones")
    func deletes() throws {
        try withServer { (s: AKEProcess) throws in
            for (n, tier) in [("d1", "a"), ("d2", "a"), ("d3", "b")] {
                #expect(try s.post(Self.cms, json: configMap(n, labels: ["tier": tier])).status == 201)
            }
            let del = try s.request("DELETE", "\(Self.cms)/d3")
            #expect(del.status == 200, "\(del.text)")
            #expect(try s.get("\(Self.cms)/d3").status == 404)
            let notFound = try s.get("\(Self.cms)/d3").json()
            #expect(notFound["reason"] as? String == "NotFound")
            #expect(notFound["kind"] as? String == "Status")

            let coll = try s.request("DELETE", "\(Self.cms)?labelSelector=tier%3Da")
            #expect(coll.status == 200, "\(coll.text)")
            let left = try s.get(Self.cms).json()["items"] as? [Any]
            #expect(left?.count == 0)
        }
    }

    @Test("a YAML body is accepted for create")
    func yamlCreate() throws {
        try withServer { (s: AKEProcess) throws in
            let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n"
            let r = try s.request(
                "POST", Self.cms, headers: [("Content-Type", "application/yaml")], body: Array(yaml.utf8))
            #expect(r.status == 201, "\(r.text)")
            #expect((try s.get("\(Self.cms)/from-yaml").json()["data"] as? [String: String]) == ["k": "v"])
        }
    }

    @Test("cluster-scoped resources: /api/v1/namespaces/{name} is the namespace itself")
    func namespaces() throws {
        try withServer { (s: AKEProcess) throws in
            let r = try s.post(
                "/api/v1/namespaces", json: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]])
            #expect(r.status == 201, "\(r.text)")
            let got = try s.get("/api/v1/namespaces/team")
            #expect(got.status == 200)
            #expect(try got.json()["kind"] as? String == "Namespace")
            #expect(try s.post("/api/v1/namespaces/team/configmaps", json: configMap("in-team")).status == 201)
            #expect(try s.get("/api/v1/namespaces/team/configmaps/in-team").status == 200)
        }
    }

    func names(_ s: AKEProcess, _ query: String) throws -> [String] {
        let r = try s.get("\(Self.cms)?\(query)")
        #expect(r.status == 200, "\(query): \(r.text)")
        return (try r.json()["items"] as? [[String: Any]] ?? []).compactMap {
            ($0["metadata"] as? [String: Any])?["name"] as? String
        }
    }

    @Test("label and field selectors filter lists over HTTP")
    func selectors() throws {
        try withServer { (s: AKEProcess) throws in
            for (n, tier) in [("s1", "web"), ("s2", "db"), ("s3", "web")] {
                #expect(try s.post(Self.cms, json: configMap(n, labels: ["tier": tier])).status == 201)
            }
            #expect(try names(s, "labelSelector=tier%3Dweb") == ["s1", "s3"])
            #expect(try names(s, "labelSelector=tier%20in%20(db)") == ["s2"])
            #expect(try names(s, "labelSelector=tier!%3Dweb") == ["s2"])
            #expect(try names(s, "fieldSelector=metadata.name%3Ds3") == ["s3"])
            #expect(try names(s, "fieldSelector=metadata.name!%3Ds3&labelSelector=tier%3Dweb") == ["s1"])
        }
    }
}
