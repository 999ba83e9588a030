import EventLog
import Foundation
import KubeModel
import Projections
import Testing

@testable import Endpoint

/// The list body written straight from the read snapshot, and creates admitted before
/// their write transaction, answer exactly what the item-by-item list and the all-in-the-
/// transaction create answer.
@Suite("Endpoint: list bodies and prepared creates")
struct ListAndCreatePathSpecs {
    /// A pod with labels and a node, sized like a small real one.
    static func pod(_ name: String, app: String, node: String, phase: String = "Running") -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "labels": ["app": .string(app), "tier": .string("t-\(name.count % 3)")],
            ],
            "spec": [
                "nodeName": .string(node),
                "containers": [["name": "c", "image": "nginx:1.25", "env": [["name": "A", "value": "\u{e9}\"\\"]]]],
            ],
            "status": ["phase": .string(phase)],
        ]
    }

    /// The List body as the endpoint built it before: items listed one by one, then enveloped.
    static func itemByItem(
        _ h: Harness, _ gvr: GroupVersionResource, namespace: String?, query: [String: [String]]
    ) async -> (code: Int, body: [UInt8]) {
        do {
            let info = try #require(h.catalog.resource(for: gvr))
            let options = try RequestQuery.parse(query, verb: .list, info: info).list
            let result = try await h.store.list(gvr, namespace: namespace, options)
            return (
                200,
                ListBody.build(
                    listKind: info.listKind, apiVersion: gvr.groupVersion,
                    resourceVersion: String(result.resourceVersion), continueToken: result.continueToken,
                    remainingItemCount: result.remainingItemCount, items: result.items)
            )
        } catch let status as StatusError {
            return (status.code, status.statusObject().serialized())
        } catch {
            Issue.record("unexpected error \(error)")
            return (-1, [])
        }
    }

    /// A list as the HTTP front asks for it (``APIRequest/acceptsStreamedList``) from an
    /// endpoint that hands bodies over in pieces of `pieceBytes`: the code, the pieces
    /// joined, and how many pieces there were (1 for a body answered whole).
    static func streamed(
        _ endpoint: Endpoint, _ gvr: GroupVersionResource, namespace: String?, query: [String: [String]]
    ) async throws -> (code: Int, body: [UInt8], pieces: Int) {
        var request = APIRequest(verb: .list, resource: gvr, namespace: namespace, query: query)
        request.acceptsStreamedList = true
        guard case .response(let r) = await endpoint.handle(request) else {
            Issue.record("a list answered with a watch")
            return (-1, [], 0)
        }
        guard let stream = r.stream else { return (r.code, r.body, 1) }
        #expect(r.code == 200 && r.body.isEmpty)
        var body: [UInt8] = []
        var pieces = 0
        while let piece = try await stream.next() {
            #expect(!piece.isEmpty)
            body += piece
            pieces += 1
        }
        return (r.code, body, pieces)
    }

    @Test(
        "list bodies are byte for byte the item-by-item ones: namespaces, selectors, limit/continue, resourceVersion semantics"
    )
    func listBytesUnchanged() async throws {
        try await Harness.run { h in
            // The same store behind an endpoint that streams in small pieces (a pod is ~400 B).
            let pieced = Endpoint(store: h.store, catalog: h.catalog, logger: h.endpoint.logger, listPieceBytes: 700)
            var streamedPieces = 0
            for ns in ["a", "b", "c"] {
                try await h.create(Harness.namespaces, ["metadata": ["name": .string(ns)]])
            }
            var snapshots: [UInt64] = []
            for i in 0..<24 {
                let ns = ["a", "b", "c"][i % 3]
                let pod = Self.pod("p\(i)", app: i % 2 == 0 ? "web" : "db", node: "n\(i % 4)")
                try await h.create(Harness.pods, namespace: ns, pod)
                if i % 5 == 0 { snapshots.append(try await h.head()) }
            }
            for i in 0..<6 { try await h.create(Harness.configmaps, namespace: "a", configMap("cm\(i)")) }
            // Deletions and updates, so older snapshots differ from the latest state.
            for name in ["p3", "p9"] {
                #expect(await h.call(.delete, Harness.pods, namespace: "a", name: name).code == 200)
            }
            var changed = try await h.get(Harness.pods, namespace: "b", "p4").json()
            changed["metadata"]?["labels"]?["app"] = "db"
            #expect(await h.call(.update, Harness.pods, namespace: "b", name: "p4", body: changed).code == 200)
            snapshots.append(try await h.head())

            var queries: [[String: [String]]] = [
                [:], ["resourceVersion": ["0"]], ["labelSelector": ["app=web"]], ["labelSelector": ["app!=web,tier"]],
                ["fieldSelector": ["spec.nodeName=n1"]], ["fieldSelector": ["metadata.name=p2"]],
                ["fieldSelector": ["status.phase=Running,spec.nodeName!=n2"]], ["limit": ["1"]], ["limit": ["5"]],
                ["limit": ["4"], "labelSelector": ["app=db"]], ["limit": ["3"], "fieldSelector": ["spec.nodeName=n0"]],
                ["limit": ["500"]],
            ]
            for rv in snapshots {
                queries.append(["resourceVersion": [String(rv)], "resourceVersionMatch": ["Exact"]])
                queries.append(["resourceVersion": [String(rv)], "resourceVersionMatch": ["Exact"], "limit": ["2"]])
                queries.append(["resourceVersion": [String(rv)], "resourceVersionMatch": ["NotOlderThan"]])
            }
            queries.append(["resourceVersion": ["1"], "resourceVersionMatch": ["Exact"]])  // below the horizon: 410
            queries.append(["continue": ["not-a-token"]])  // 400
            var compared = 0
            for gvr in [Harness.pods, Harness.configmaps, Harness.secrets] {
                for namespace in [nil, "a", "b", "zz"] as [String?] {
                    for query in queries {
                        // Follow continue tokens to the end, comparing every page.
                        var q = query
                        var pages = 0
                        while pages < 40 {
                            pages += 1
                            let expected = await Self.itemByItem(h, gvr, namespace: namespace, query: q)
                            let got = await h.call(.list, gvr, namespace: namespace, query: q)
                            #expect(got.code == expected.code, "\(gvr) \(namespace ?? "*") \(q)")
                            #expect(got.body == expected.body, "\(gvr) \(namespace ?? "*") \(q)")
                            let streamed = try await Self.streamed(pieced, gvr, namespace: namespace, query: q)
                            #expect(streamed.code == expected.code, "streamed \(gvr) \(namespace ?? "*") \(q)")
                            #expect(streamed.body == expected.body, "streamed \(gvr) \(namespace ?? "*") \(q)")
                            streamedPieces = max(streamedPieces, streamed.pieces)
                            compared += 1
                            guard got.code == 200,
                                let token = try got.json()["metadata"]?["continue"]?.stringValue
                            else { break }
                            q = ["continue": [token], "limit": query["limit"] ?? []]
                            q["labelSelector"] = query["labelSelector"]
                            q["fieldSelector"] = query["fieldSelector"]
                        }
                    }
                }
            }
            #expect(compared > 300)
            #expect(streamedPieces > 5, "the largest lists came in several pieces")
        }
    }

    @Test("a streamed list is the snapshot it started at, whatever is written while its pieces are read")
    func streamedListKeepsItsSnapshot() async throws {
        try await Harness.run { h in
            for i in 0..<40 {
                try await h.create(Harness.pods, namespace: "default", Self.pod("p\(i)", app: "web", node: "n1"))
            }
            let at = try await h.head()
            let pieced = Endpoint(store: h.store, catalog: h.catalog, logger: h.endpoint.logger, listPieceBytes: 500)
            var request = APIRequest(verb: .list, resource: Harness.pods, namespace: "default")
            request.acceptsStreamedList = true
            guard case .response(let r) = await pieced.handle(request), let stream = r.stream else {
                Issue.record("a 40-pod list in 500-byte pieces was not streamed")
                return
            }
            var body = try #require(try await stream.next())
            // Writes land between the pieces (they never wait for the list).
            #expect(await h.call(.delete, Harness.pods, namespace: "default", name: "p7").code == 200)
            try await h.create(Harness.pods, namespace: "default", Self.pod("late", app: "web", node: "n1"))
            while let piece = try await stream.next() { body += piece }
            let exact = await h.call(
                .list, Harness.pods, namespace: "default",
                query: ["resourceVersion": [String(at)], "resourceVersionMatch": ["Exact"]])
            #expect(exact.code == 200)
            #expect(body == exact.body)
            let names = try JSONValue(parsing: body)["items"]?.arrayValue?.compactMap {
                $0["metadata"]?["name"]?.stringValue
            }
            #expect(names?.count == 40)
            #expect(names?.contains("p7") == true)
        }
    }

    @Test("a streamed list dropped by its reader stops, and the store keeps answering reads and writes")
    func droppedStreamStops() async throws {
        try await Harness.run { h in
            for i in 0..<40 {
                try await h.create(Harness.pods, namespace: "default", Self.pod("p\(i)", app: "web", node: "n1"))
            }
            let pieced = Endpoint(store: h.store, catalog: h.catalog, logger: h.endpoint.logger, listPieceBytes: 500)
            for _ in 0..<20 {
                var request = APIRequest(verb: .list, resource: Harness.pods, namespace: "default")
                request.acceptsStreamedList = true
                guard case .response(let r) = await pieced.handle(request), let stream = r.stream else {
                    Issue.record("not streamed")
                    return
                }
                _ = try await stream.next()
                stream.cancel()
                #expect(try await stream.next() == nil)
            }
            try await h.create(Harness.pods, namespace: "default", Self.pod("after", app: "web", node: "n1"))
            let r = await h.call(.list, Harness.pods, namespace: "default")
            #expect(try r.json()["items"]?.arrayValue?.count == 41)
        }
    }

    @Test("a streamed list's errors are answered as a Status before anything is streamed")
    func streamedListErrors() async throws {
        try await Harness.run { h in
            let pieced = Endpoint(store: h.store, catalog: h.catalog, logger: h.endpoint.logger, listPieceBytes: 10)
            for (query, code) in [
                (["resourceVersion": ["1"], "resourceVersionMatch": ["Exact"]], 410),
                (["continue": ["not-a-token"]], 400), (["labelSelector": ["a in (b"]], 400),
                (["resourceVersion": ["0"], "resourceVersionMatch": ["Exact"]], 422),
            ] as [([String: [String]], Int)] {
                let expected = await h.call(.list, Harness.pods, namespace: "default", query: query)
                let got = try await Self.streamed(pieced, Harness.pods, namespace: "default", query: query)
                #expect(expected.code == code, "\(query)")
                #expect(got.code == code && got.pieces == 1, "\(query)")
                #expect(got.body == expected.body, "\(query)")
            }
        }
    }

    @Test("a prepared create stores what the in-transaction create (its dry run) answers, plus uid, time and RV")
    func preparedCreateMatchesInTransaction() async throws {
        try await Harness.run { h in
            let body = Self.pod("same", app: "web", node: "n1")
            let dry = await h.call(.create, Harness.pods, namespace: "default", query: ["dryRun": ["All"]], body: body)
            #expect(dry.code == 201)
            let real = await h.call(.create, Harness.pods, namespace: "default", body: body)
            #expect(real.code == 201)
            func normalized(_ r: APIResponse) throws -> JSONValue {
                var o = try r.json()
                for key in ["uid", "creationTimestamp", "resourceVersion"] { o.setObjectMeta(key, nil) }
                if var fields = o["metadata"]?["managedFields"]?.arrayValue {
                    for i in fields.indices { fields[i]["time"] = nil }
                    o.setObjectMeta("managedFields", .array(fields))
                }
                return o
            }
            #expect(try normalized(real) == normalized(dry))
            let stored = try #require(try h.store.get(Harness.pods, namespace: "default", name: "same"))
            #expect(stored.bytes == real.body)
            let rv = try real.json().rv
            #expect(UInt64(rv) == stored.rv)
            // The RV sits where the apiserver writes it: after uid, before generation.
            let keys = try real.json()["metadata"]?.objectValue.map { $0.map(\.key) } ?? []
            #expect(keys.firstIndex(of: "resourceVersion") == keys.firstIndex(of: "uid").map { $0 + 1 })
        }
    }

    @Test("a prepared create reports errors in the apiserver's order: resourceVersion, namespace, validation, conflict")
    func preparedCreateErrorOrder() async throws {
        try await Harness.run { h in
            var invalid = Self.pod("bad", app: "web", node: "n1")
            invalid["spec"]?["containers"] = []
            var withRV = Self.pod("rv", app: "web", node: "n1")
            withRV["metadata"]?["resourceVersion"] = "7"
            // A set resourceVersion comes first, even in a namespace that does not exist.
            let rv = await h.call(.create, Harness.pods, namespace: "missing", body: withRV)
            #expect(rv.code == 500)
            #expect(rv.message == "resourceVersion should not be set on objects to be created")
            // The namespace before validation.
            let missing = await h.call(.create, Harness.pods, namespace: "missing", body: invalid)
            #expect(missing.code == 404)
            #expect(missing.message == #"namespaces "missing" not found"#)
            let bad = await h.call(.create, Harness.pods, namespace: "default", body: invalid)
            #expect(bad.code == 422)
            // Validation before AlreadyExists.
            try await h.create(Harness.pods, namespace: "default", Self.pod("bad", app: "web", node: "n1"))
            #expect(await h.call(.create, Harness.pods, namespace: "default", body: invalid).code == 422)
            let again = await h.call(
                .create, Harness.pods, namespace: "default", body: Self.pod("bad", app: "web", node: "n1"))
            #expect(again.code == 409)
            #expect(again.reason == "AlreadyExists")
        }
    }

    @Test("concurrent creates share commits, each gets its own RV in commit order, and all survive a reopen")
    func concurrentCreatesDurableAndOrdered() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ake-endpoint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var acknowledged: [String: (rv: UInt64, body: [UInt8])] = [:]
        do {
            let h = try Harness.open(directory)
            defer { h.store.close() }
            try await h.endpoint.bootstrap()
            let commitsBefore = try h.store.log.statistics().commits
            let results = await withTaskGroup(of: (String, APIResponse).self) { group in
                for i in 0..<96 {
                    group.addTask {
                        let name = "c\(i)"
                        let r = await h.call(
                            .create, Harness.pods, namespace: "default",
                            body: Self.pod(name, app: i % 2 == 0 ? "web" : "db", node: "n\(i % 3)"))
                        return (name, r)
                    }
                }
                var out: [(String, APIResponse)] = []
                for await r in group { out.append(r) }
                return out
            }
            for (name, r) in results {
                #expect(r.code == 201, "\(r.text)")
                acknowledged[name] = (try #require(UInt64(try r.json().rv)), r.body)
            }
            let rvs = acknowledged.values.map(\.rv)
            #expect(Set(rvs).count == 96)
            let head = try await h.head()
            #expect(rvs.max() == head)
            #expect(rvs.min() == head - 95)
            let commits = try h.store.log.statistics().commits - commitsBefore
            #expect(commits < 96)
            // The log holds each create once, in RV order, with the acknowledged bytes.
            try h.store.log.read { txn in
                var seen = 0
                try txn.events(after: head - 96) { event in
                    let name = event.name
                    #expect(acknowledged[name]?.rv == event.rv)
                    #expect(acknowledged[name]?.body == Array(event.object))
                    seen += 1
                    return true
                }
                #expect(seen == 96)
            }
        }
        let reopened = try Harness.open(directory)
        defer { reopened.store.close() }
        for (name, expected) in acknowledged {
            let stored = try #require(try reopened.store.get(Harness.pods, namespace: "default", name: name))
            #expect(stored.rv == expected.rv)
            #expect(stored.bytes == expected.body)
        }
    }
}
