import AKETestSupport
import EventLog
import KubeModel
import Testing

@testable import Projections

@Suite("Object store: get and list")
struct ListTests {
    @Test("get returns the latest version and nothing after a delete")
    func getLatest() async throws {
        try await withStore { store in
            let v1 = try await store.upsert(configMapsGVR, "default", "cm", labels: ["v": "1"])
            let v2 = try await store.upsert(configMapsGVR, "default", "cm", labels: ["v": "2"])
            let got = try #require(try store.get(configMapsGVR, namespace: "default", name: "cm"))
            #expect(got.rv == v2.rv)
            #expect(got.uid == v1.uid)
            #expect(got.bytes == v2.bytes)
            #expect(try resourceVersion(of: got.bytes) == String(v2.rv))
            try await store.remove(configMapsGVR, "default", "cm")
            #expect(try store.get(configMapsGVR, namespace: "default", name: "cm") == nil)
            #expect(try store.get(configMapsGVR, namespace: "other", name: "cm") == nil)
            #expect(try store.get(podsGVR, namespace: "default", name: "cm") == nil)
        }
    }

    @Test("previousRV chains run through tombstones so a re-created object links to its deletion")
    func previousRVChain() async throws {
        try await withStore { store in
            let a = try await store.upsert(configMapsGVR, "ns", "x")
            let d = try #require(try await store.remove(configMapsGVR, "ns", "x"))
            let b = try await store.upsert(configMapsGVR, "ns", "x")
            let (pd, pb) = try store.log.read { txn in
                (try txn.event(at: d.rv)?.previousRV, try txn.event(at: b.rv)?.previousRV)
            }
            #expect(pd == a.rv)
            #expect(pb == d.rv)
        }
    }

    @Test("lists are sorted by namespace/name and filter by namespace, labels and fields")
    func listFilters() async throws {
        try await withStore { store in
            for (ns, name, app, node) in [
                ("b", "p2", "web", "n1"), ("a", "p1", "db", "n2"), ("b", "p1", "web", "n2"), ("a", "p3", "web", "n1"),
                ("ab", "p0", "db", "n1"),
            ] {
                try await store.upsert(podsGVR, ns, name, labels: ["app": app], nodeName: node)
            }
            try await store.upsert(configMapsGVR, "a", "not-a-pod")
            let all = try await store.list(podsGVR, ListOptions())
            #expect(try itemNames(all.items) == ["a/p1", "a/p3", "ab/p0", "b/p1", "b/p2"])
            #expect(all.resourceVersion == store.log.head)
            let inA = try await store.list(podsGVR, namespace: "a", ListOptions())
            #expect(try itemNames(inA.items) == ["a/p1", "a/p3"])
            let web = try await store.list(podsGVR, ListOptions(labelSelector: try LabelSelector(parsing: "app=web")))
            #expect(try itemNames(web.items) == ["a/p3", "b/p1", "b/p2"])
            let onN1 = try await store.list(
                podsGVR, ListOptions(fieldSelector: try FieldSelector(parsing: "spec.nodeName=n1")))
            #expect(try itemNames(onN1.items) == ["a/p3", "ab/p0", "b/p2"])
            let onN1InB = try await store.list(
                podsGVR, namespace: "b", ListOptions(fieldSelector: try FieldSelector(parsing: "spec.nodeName=n1")))
            #expect(try itemNames(onN1InB.items) == ["b/p2"])
            let notN1 = try await store.list(
                podsGVR, ListOptions(fieldSelector: try FieldSelector(parsing: "spec.nodeName!=n1,metadata.name=p1")))
            #expect(try itemNames(notN1.items) == ["a/p1", "b/p1"])
        }
    }

    @Test("the spec.nodeName index answers exactly what a full scan answers, after moves and deletes")
    func indexMatchesScan() async throws {
        try await withStore { store in
            var rng = SeededGenerator(seed: 42)
            for i in 0..<200 {
                let name = "p\(Int.random(in: 0..<40, using: &rng))"
                let ns = "ns\(Int.random(in: 0..<3, using: &rng))"
                if i % 7 == 3 {
                    try await store.remove(podsGVR, ns, name)
                } else {
                    let node = ["", "n0", "n1", "n2"].randomElement(using: &rng) ?? ""
                    try await store.upsert(podsGVR, ns, name, nodeName: node)
                }
            }
            for node in ["", "n0", "n1", "n2", "n3"] {
                for ns: String? in [nil, "ns1"] {
                    let options = ListOptions(fieldSelector: try FieldSelector(parsing: "spec.nodeName=\(node)"))
                    let viaIndex = try await store.list(podsGVR, namespace: ns, options)
                    let viaScan = try store.listByScan(podsGVR, namespace: ns, options)
                    #expect(viaIndex.items == viaScan.items, "node \(node) namespace \(ns ?? "all")")
                }
            }
            #expect(try store.verify() == [])
        }
    }

    @Test("limit/continue pages come from the first page's snapshot, with remainingItemCount")
    func paginationIsConsistent() async throws {
        try await withStore { store in
            for i in 0..<10 { try await store.upsert(configMapsGVR, "ns\(i % 2)", "cm\(i)") }
            let first = try await store.list(configMapsGVR, ListOptions(limit: 4))
            #expect(first.items.count == 4)
            #expect(first.remainingItemCount == 6)
            let token = try #require(first.continueToken)
            // Changes after the first page must not show up in later pages.
            try await store.remove(configMapsGVR, "ns1", "cm9")
            try await store.upsert(configMapsGVR, "ns1", "cm1", labels: ["changed": "yes"])
            try await store.upsert(configMapsGVR, "ns1", "new")
            var names = try itemNames(first.items)
            var next: String? = token
            var pages = 0
            while let t = next, pages < 10 {
                let page = try await store.list(configMapsGVR, ListOptions(limit: 4, continueToken: t))
                #expect(page.resourceVersion == first.resourceVersion)
                for item in page.items {
                    #expect(try resourceVersion(of: item).flatMap { UInt64($0) } ?? .max <= first.resourceVersion)
                }
                names += try itemNames(page.items)
                next = page.continueToken
                pages += 1
            }
            #expect(names == (0..<10).map { "ns\($0 % 2)/cm\($0)" }.sorted())
            let latest = try await store.list(configMapsGVR, ListOptions())
            #expect(try itemNames(latest.items).contains("ns1/new"))
            #expect(try !itemNames(latest.items).contains("ns1/cm9"))
        }
    }

    @Test("resourceVersionMatch=Exact lists the state at that RV")
    func exactList() async throws {
        try await withStore { store in
            let a = try await store.upsert(configMapsGVR, "ns", "a", labels: ["v": "1"])
            let b = try await store.upsert(configMapsGVR, "ns", "b")
            try await store.upsert(configMapsGVR, "ns", "a", labels: ["v": "2"])
            try await store.remove(configMapsGVR, "ns", "b")
            try await store.upsert(configMapsGVR, "ns", "b", labels: ["again": "yes"])
            try await store.upsert(configMapsGVR, "ns", "c")
            let atB = try await store.list(
                configMapsGVR, ListOptions(resourceVersion: b.rv, resourceVersionMatch: .exact))
            #expect(atB.resourceVersion == b.rv)
            #expect(atB.items == [a.bytes, b.bytes])
            let v1 = try await store.list(
                configMapsGVR,
                ListOptions(
                    labelSelector: try LabelSelector(parsing: "v=1"), resourceVersion: b.rv,
                    resourceVersionMatch: .exact))
            #expect(v1.items == [a.bytes])
            let all = try store.state(at: b.rv, nil)
            #expect(all.map(\.name) == ["a", "b"])
        }
    }

    @Test("invalid resourceVersion options are rejected like the apiserver does")
    func invalidOptions() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "a")
            let noRV = await thrownStatus {
                _ = try await store.list(configMapsGVR, ListOptions(resourceVersionMatch: .notOlderThan))
            }
            #expect(noRV?.code == 422)
            let exactZero = await thrownStatus {
                _ = try await store.list(configMapsGVR, ListOptions(resourceVersion: 0, resourceVersionMatch: .exact))
            }
            #expect(exactZero?.code == 422)
            let badToken = await thrownStatus {
                _ = try await store.list(configMapsGVR, ListOptions(continueToken: "!!notbase64"))
            }
            #expect(badToken?.code == 400)
            let anyRV = try await store.list(configMapsGVR, ListOptions(resourceVersion: 0))
            #expect(anyRV.items.count == 1)
            let notOlder = try await store.list(configMapsGVR, ListOptions(resourceVersion: store.log.head))
            #expect(notOlder.items.count == 1)
        }
    }

    @Test("an RV beyond the head waits briefly, then fails with 504 ResourceVersionTooLarge")
    func futureRV() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "a")
            let future = store.log.head + 1000
            let e = await thrownStatus {
                _ = try await store.list(configMapsGVR, ListOptions(resourceVersion: future))
            }
            #expect(e?.code == 504)
            #expect(e?.details?.causes.first?.reason == "ResourceVersionTooLarge")
        }
    }

    @Test("an RV reached while waiting is served")
    func nearFutureRV() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "a")
            let wanted = store.log.head + 1
            async let listed = store.list(configMapsGVR, ListOptions(resourceVersion: wanted))
            try await store.upsert(configMapsGVR, "ns", "b")
            let result = try await listed
            #expect(result.resourceVersion >= wanted)
            #expect(result.items.count == 2)
        }
    }

    @Test("names too long for a storage key are rejected with a StatusError before storage")
    func tooLongNames() async throws {
        try await withStore { store in
            let long = String(repeating: "n", count: 600)
            let e = await thrownStatus { _ = try await store.upsert(configMapsGVR, "ns", long) }
            #expect(e?.code == 422)
            let stored = try store.get(configMapsGVR, namespace: "ns", name: long)
            #expect(stored == nil)
            #expect(try store.verify() == [])
        }
    }
}
