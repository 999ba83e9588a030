import KubeClient
import KubeModel
import Testing

@Suite("HTTP connection pool")
struct ConnectionPoolTests {
    /// Each open watch holds an HTTP/1.1 connection; an edge syncing many scopes (or an agent
    /// with many informers) keeps more than AsyncHTTPClient's default 8 open to one server.
    @Test("one clientset keeps more than eight watches open at once and still answers requests")
    func manyWatches() async throws {
        let f = try await ClientFixture.make(.http)
        do {
            let cms = f.clientset.coreV1.configMaps("default")
            var iterators: [WatchSequence<ConfigMap>.AsyncIterator] = []
            for _ in 0..<12 {
                var options = ListOptions()
                options.timeoutSeconds = 60
                iterators.append(try await cms.watch(options).makeAsyncIterator())
            }
            _ = try await cms.create(ConfigMap(name: "seen-by-all", data: ["v": "1"]))
            #expect(try await cms.list().items.compactMap(\.name) == ["seen-by-all"])
            for i in iterators.indices {
                guard case .added(let o)? = try await iterators[i].next() else {
                    Issue.record("watch \(i) did not deliver the ADDED event first")
                    continue
                }
                #expect(o.name == "seen-by-all")
            }
        } catch {
            await f.tearDown()
            throw error
        }
        await f.tearDown()
    }
}
