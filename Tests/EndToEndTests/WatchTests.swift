import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Watch streaming over HTTP: framing, list-then-watch exactness, endings.
@Suite("HTTP watch", .serialized)
struct WatchTests {
    static let cms = "/api/v1/namespaces/default/configmaps"

    func cm(_ name: String, _ value: String = "1") -> [String: Any] {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name], "data": ["v": value]]
    }

    func name(_ event: [String: Any]) -> String? {
        ((event["object"] as? [String: Any])?["metadata"] as? [String: Any])?["name"] as? String
    }

    @Test("a watch from a list's resourceVersion sees exactly the later events, in order, one JSON line each")
    func listThenWatch() throws {
        try withServer { (s: AKEProcess) throws in
            #expect(try s.post(Self.cms, json: cm("before")).status == 201)
            let list = try s.get(Self.cms).json()
            let rv = try #require((list["metadata"] as? [String: Any])?["resourceVersion"] as? String)

            let w = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv)")
            #expect(w.status == 200)
            #expect(w.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(w.header("Transfer-Encoding")?.lowercased() == "chunked")

            #expect(try s.post(Self.cms, json: cm("after")).status == 201)
            let patched = try s.request(
                "PATCH", "\(Self.cms)/before", headers: [("Content-Type", "application/merge-patch+json")],
                body: Array(#"{"data":{"v":"2"}}"#.utf8))
            #expect(patched.status == 200)
            #expect(try s.request("DELETE", "\(Self.cms)/after").status == 200)

            var seen: [(String, String)] = []
            var lastRV: UInt64 = UInt64(rv) ?? 0
            while seen.count < 3, let e = try w.next() {
                let type = try #require(e["type"] as? String)
                if type == "BOOKMARK" { continue }
                seen.append((type, name(e) ?? "?"))
                let erv =
                    ((e["object"] as? [String: Any])?["metadata"] as? [String: Any])?["resourceVersion"] as? String
                let n = try #require(erv.flatMap { UInt64($0) })
                #expect(n > lastRV, "resourceVersions increase")
                lastRV = n
            }
            #expect(seen.map(\.0) == ["ADDED", "MODIFIED", "DELETED"])
            #expect(seen.map(\.1) == ["after", "before", "after"])
        }
    }

    func labelled(_ name: String, app: String) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name, "labels": ["app": app]],
            "data": ["v": "1"],
        ]
    }

    func listRV(_ s: AKEProcess) throws -> String {
        let list = try s.get(Self.cms).json()
        return try #require((list["metadata"] as? [String: Any])?["resourceVersion"] as? String)
    }

    func relabel(_ s: AKEProcess, _ name: String, app: String) throws -> HTTPResponse {
        try s.request(
            "PATCH", "\(Self.cms)/\(name)", headers: [("Content-Type", "application/merge-patch+json")],
            body: Array(#"{"metadata":{"labels":{"app":"\#(app)"}}}"#.utf8))
    }

    /// `{"type":"X","object":OBJECT}` → (X, OBJECT bytes).
    func split(_ line: [UInt8]) throws -> (type: String, object: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        let prefix = #"{"type":""#
        #expect(text.hasPrefix(prefix) && text.hasSuffix("}"))
        let afterType = text.dropFirst(prefix.count)
        let quote = try #require(afterType.firstIndex(of: "\""))
        let type = String(afterType[..<quote])
        let rest = afterType[quote...]
        #expect(rest.hasPrefix(#"","object":"#))
        return (type, Array(rest.dropFirst(#"","object":"#.count).dropLast().utf8))
    }

    @Test("every watcher gets the same bytes for the same change; a selector watcher sees it leave and return")
    func sameBytesAcrossWatchers() throws {
        try withServer { (s: AKEProcess) throws in
            let rv = try listRV(s)
            let all1 = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv)")
            let all2 = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv)")
            let web = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv)&labelSelector=app%3Dweb")
            #expect(try s.post(Self.cms, json: labelled("a", app: "web")).status == 201)
            let out = try relabel(s, "a", app: "db")
            #expect(out.status == 200)
            #expect(try relabel(s, "a", app: "web").status == 200)
            #expect(try s.request("DELETE", "\(Self.cms)/a").status == 200)

            var lines1: [[UInt8]] = []
            var lines2: [[UInt8]] = []
            var linesWeb: [[UInt8]] = []
            for _ in 0..<4 {
                lines1.append(try #require(try all1.nextLine()))
                lines2.append(try #require(try all2.nextLine()))
                linesWeb.append(try #require(try web.nextLine()))
            }
            #expect(lines1 == lines2, "identical bytes on every plain watcher")
            let plain = try lines1.map(split)
            let selected = try linesWeb.map(split)
            #expect(plain.map(\.type) == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"])
            #expect(selected.map(\.type) == ["ADDED", "DELETED", "ADDED", "DELETED"])
            #expect(plain.map(\.object) == selected.map(\.object), "the selector changes the type, never the object")
            // The object is the stored object exactly as the write answered it.
            #expect(plain[1].object == out.body)
        }
    }

    @Test("Table watchers of one change: rows shared, but each watcher's first Table carries the columns")
    func tableWatchersShareRows() throws {
        try withServer { (s: AKEProcess) throws in
            let accept = [("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")]
            let rv = try listRV(s)
            let early = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv)", headers: accept)
            #expect(try s.post(Self.cms, json: labelled("x", app: "web")).status == 201)
            let firstOfEarly = try #require(try early.next()?["object"] as? [String: Any])
            #expect(firstOfEarly["kind"] as? String == "Table")
            #expect((firstOfEarly["columnDefinitions"] as? [Any])?.isEmpty == false)

            let rv2 = try listRV(s)
            let late = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv2)", headers: accept)
            let json = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv2)")
            #expect(try relabel(s, "x", app: "db").status == 200)
            let e = try #require(try early.next())
            let l = try #require(try late.next())
            let j = try #require(try json.next())
            #expect([e["type"], l["type"], j["type"]].map { $0 as? String } == ["MODIFIED", "MODIFIED", "MODIFIED"])
            let eo = try #require(e["object"] as? [String: Any])
            let lo = try #require(l["object"] as? [String: Any])
            #expect(eo["kind"] as? String == "Table" && lo["kind"] as? String == "Table")
            #expect(eo["columnDefinitions"] is NSNull, "the early watcher had its columns already")
            #expect((lo["columnDefinitions"] as? [Any])?.isEmpty == false, "the late watcher's first Table has them")
            let names = [eo, lo].map { (($0["rows"] as? [[String: Any]])?.first?["cells"] as? [Any])?.first as? String }
            #expect(names == ["x", "x"])
            #expect((j["object"] as? [String: Any])?["kind"] as? String == "ConfigMap")
        }
    }

    @Test("a watcher that reads nothing never holds up writes, then gets every event in order from the log")
    func slowWatcherOverHTTP() throws {
        try withServer { (s: AKEProcess) throws in
            let rv = try listRV(s)
            // A tiny receive window: the server's socket buffer fills after a few events.
            let slow = try s.watch("\(Self.cms)?watch=true&resourceVersion=\(rv)", receiveBufferBytes: 4096)
            let big = String(repeating: "x", count: 32 * 1024)
            var written: [String] = []
            for i in 0..<300 {
                let r = try s.post(
                    Self.cms,
                    json: [
                        "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "big-\(i)"], "data": ["v": big],
                    ])
                #expect(r.status == 201)
                let meta = try r.json()["metadata"] as? [String: Any]
                written.append(try #require(meta?["resourceVersion"] as? String))
            }
            // ~10 MB of events went unread while every write was answered; now the watcher reads them all.
            var got: [String] = []
            while got.count < written.count, let e = try slow.next() {
                let meta = (e["object"] as? [String: Any])?["metadata"] as? [String: Any]
                got.append(meta?["resourceVersion"] as? String ?? "?")
            }
            #expect(got == written)
            let last = try s.post(Self.cms, json: cm("after-catch-up"))
            let lastRV = (try last.json()["metadata"] as? [String: Any])?["resourceVersion"] as? String
            let live = try #require(try slow.next())
            #expect(
                ((live["object"] as? [String: Any])?["metadata"] as? [String: Any])?["resourceVersion"] as? String
                    == lastRV)
        }
    }

    @Test("a watch without resourceVersion starts with ADDED for every current object")
    func initialState() throws {
        try withServer { (s: AKEProcess) throws in
            for n in ["x", "y"] { #expect(try s.post(Self.cms, json: cm(n)).status == 201) }
            let w = try s.watch("\(Self.cms)?watch=1")
            #expect(w.status == 200)
            var names: [String] = []
            while names.count < 2, let e = try w.next() {
                #expect(e["type"] as? String == "ADDED")
                names.append(name(e) ?? "?")
            }
            #expect(names.sorted() == ["x", "y"])
        }
    }

    @Test("the legacy /watch/ path of one object streams that object's changes only")
    func legacyWatchPath() throws {
        try withServer { (s: AKEProcess) throws in
            #expect(try s.post(Self.cms, json: cm("mine")).status == 201)
            let rv = try #require(
                ((try s.get(Self.cms).json()["metadata"] as? [String: Any])?["resourceVersion"] as? String))
            let w = try s.watch("/api/v1/watch/namespaces/default/configmaps/mine?resourceVersion=\(rv)")
            #expect(w.status == 200)
            #expect(try s.post(Self.cms, json: cm("other")).status == 201)
            #expect(try s.request("DELETE", "\(Self.cms)/mine").status == 200)
            var e = try w.next()
            while e?["type"] as? String == "BOOKMARK" { e = try w.next() }
            #expect(e?["type"] as? String == "DELETED")
            #expect(e.flatMap(name) == "mine")
        }
    }

    @Test("timeoutSeconds ends the stream with a clean chunked end")
    func timeout() throws {
        try withServer { (s: AKEProcess) throws in
            let w = try s.watch("\(Self.cms)?watch=true&timeoutSeconds=1")
            #expect(w.status == 200)
            var events = 0
            while try w.next() != nil, events < 1000 { events += 1 }
            #expect(w.ended)
        }
    }

    @Test("SIGTERM ends open watches and the server exits 0 in bounded time")
    func gracefulShutdown() throws {
        let s = try AKEProcess()
        defer { s.stop() }
        let watches = try (0..<3).map { _ in try s.watch("\(Self.cms)?watch=true") }
        for w in watches { #expect(w.status == 200) }
        let status = s.terminate(signal: SIGTERM, within: 20)
        #expect(status == 0, "exit status; log: \(s.log.suffix(2000))")
        for w in watches {
            var n = 0
            while try w.next() != nil, n < 1000 { n += 1 }
            #expect(w.ended)
        }
    }

    @Test("a client that goes away frees its watch slot")
    func disconnectFreesSlot() throws {
        try withServer(arguments: ["--max-watches", "1"]) { (s: AKEProcess) throws in
            do {
                let w = try s.watch("\(Self.cms)?watch=true")
                #expect(w.status == 200)
            }  // the connection closes here
            // Bounded wait for the server to notice the disconnect.
            var status = 0
            for _ in 0..<100 {
                let r = try s.get("\(Self.cms)?watch=true&timeoutSeconds=1")
                status = r.status
                if status == 200 { break }
                usleep(50_000)
            }
            #expect(status == 200)
        }
    }
}
