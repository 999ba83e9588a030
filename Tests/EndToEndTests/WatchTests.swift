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
