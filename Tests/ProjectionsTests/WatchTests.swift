import EventLog
import KubeModel
import Synchronization
import Testing

@testable import Projections

@Suite("Watch streams")
struct WatchTests {
    @Test("a watch from N gets exactly the events after N, in order")
    func watchFromRV() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "a")
            let start = store.log.head
            let b = try await store.upsert(configMapsGVR, "ns", "b")
            let a2 = try await store.upsert(configMapsGVR, "ns", "a", labels: ["x": "y"])
            let d = try #require(try await store.remove(configMapsGVR, "ns", "b"))
            try await store.upsert(podsGVR, "ns", "other-resource")
            let stream = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: start))
            let events = await collect(stream) { _, all in all.count == 3 }
            #expect(events.map(\.type) == [.added, .modified, .deleted])
            #expect(events.map(\.rv) == [b.rv, a2.rv, d.rv])
            #expect(events[0].object == b.bytes)
            #expect(try resourceVersion(of: events[2].object) == String(d.rv))
        }
    }

    @Test("a watch from 0 starts with ADDED for the current state, then goes live")
    func watchFromZero() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "b")
            try await store.upsert(configMapsGVR, "ns", "a")
            let stream = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: 0))
            var it = stream.makeAsyncIterator()
            var initial: [String] = []
            for _ in 0..<2 {
                let e = try #require(await it.next())
                #expect(e.type == .added)
                initial += try itemNames([e.object])
            }
            #expect(Set(initial) == ["ns/a", "ns/b"])
            let c = try await store.upsert(configMapsGVR, "ns", "c")
            let live = try #require(await it.next())
            #expect(live.type == .added)
            #expect(live.rv == c.rv)
        }
    }

    @Test("watch-list sends sorted initial events, then the initial-events-end bookmark, then live events")
    func watchList() async throws {
        try await withStore { store in
            for name in ["c", "a", "b"] { try await store.upsert(configMapsGVR, "ns", name) }
            let head = store.log.head
            let stream = try store.boundedWatch(
                configMapsGVR, WatchOptions(sendInitialEvents: true, allowBookmarks: true))
            var it = stream.makeAsyncIterator()
            var names: [String] = []
            for _ in 0..<3 {
                let e = try #require(await it.next())
                #expect(e.type == .added)
                names += try itemNames([e.object])
            }
            #expect(names == ["ns/a", "ns/b", "ns/c"])
            let end = try #require(await it.next())
            #expect(end.type == .bookmark)
            #expect(end.rv == head)
            let json = try JSONValue(parsing: end.object)
            #expect(json["kind"]?.stringValue == "ConfigMap")
            #expect(json["metadata"]?["resourceVersion"]?.stringValue == String(head))
            let annotations = json["metadata"]?["annotations"]
            #expect(annotations?["k8s.io/initial-events-end"]?.stringValue == "true")
            let blueprint = try #require(annotations?["kubernetes.io/initial-events-list-blueprint"]?.stringValue)
            let list = try JSONValue(parsing: try #require(GoBase64.decode(blueprint)))
            #expect(list["kind"]?.stringValue == "ConfigMapList")
            #expect(list["items"]?.arrayValue == [])
            let d = try await store.upsert(configMapsGVR, "ns", "d")
            let live = try #require(await it.next())
            #expect(live.type == .added)
            #expect(live.rv == d.rv)
        }
    }

    @Test("objects entering and leaving a selector become ADDED and DELETED, like the watch cache")
    func selectorTransitions() async throws {
        try await withStore { store in
            try await store.upsert(podsGVR, "ns", "p", labels: ["app": "web"], nodeName: "n1")
            let start = store.log.head
            let leave = try await store.upsert(podsGVR, "ns", "p", labels: ["app": "db"], nodeName: "n1")
            try await store.upsert(podsGVR, "ns", "p", labels: ["app": "db", "x": "1"], nodeName: "n1")
            let enter = try await store.upsert(podsGVR, "ns", "p", labels: ["app": "web"], nodeName: "n1")
            let modify = try await store.upsert(podsGVR, "ns", "p", labels: ["app": "web", "x": "2"], nodeName: "n1")
            let move = try await store.upsert(podsGVR, "ns", "p", labels: ["app": "web", "x": "2"], nodeName: "n2")
            let delete = try #require(try await store.remove(podsGVR, "ns", "p"))
            // Read from the log (catch-up path).
            let byLabel = try store.boundedWatch(
                podsGVR,
                WatchOptions(labelSelector: try LabelSelector(parsing: "app=web"), resourceVersion: start))
            let labelEvents = await collect(byLabel) { _, all in all.count == 4 }
            #expect(labelEvents.map(\.type) == [.deleted, .added, .modified, .modified])
            #expect(labelEvents.map(\.rv) == [leave.rv, enter.rv, modify.rv, move.rv])
            #expect(labelEvents[0].object == leave.bytes)
            let byNode = try store.boundedWatch(
                podsGVR,
                WatchOptions(
                    fieldSelector: try FieldSelector(parsing: "spec.nodeName=n1"), resourceVersion: start))
            let nodeEvents = await collect(byNode) { _, all in all.count == 5 }
            #expect(nodeEvents.map(\.type) == [.modified, .modified, .modified, .modified, .deleted])
            #expect(nodeEvents.last?.rv == move.rv)
            let byName = try store.boundedWatch(podsGVR, WatchOptions(name: "p", resourceVersion: move.rv))
            let nameEvents = await collect(byName) { _, all in all.count == 1 }
            #expect(nameEvents.map(\.type) == [.deleted])
            #expect(nameEvents.first?.rv == delete.rv)
        }
    }

    @Test("live selector transitions arrive the same way through the hub")
    func liveSelectorTransitions() async throws {
        try await withStore { store in
            try await store.upsert(podsGVR, "ns", "p", labels: ["app": "web"])
            let stream = try store.boundedWatch(
                podsGVR, WatchOptions(labelSelector: try LabelSelector(parsing: "app=web"), sendInitialEvents: true))
            var it = stream.makeAsyncIterator()
            #expect(await it.next()?.type == .added)
            #expect(await it.next()?.type == .bookmark)
            try await store.upsert(podsGVR, "ns", "p", labels: ["app": "db"])
            try await store.upsert(podsGVR, "ns", "q", labels: ["app": "db"])
            try await store.upsert(podsGVR, "ns", "p", labels: ["app": "web"])
            try await store.remove(podsGVR, "ns", "p")
            var types: [WatchEventType] = []
            for _ in 0..<3 { types.append(try #require(await it.next()).type) }
            #expect(types == [.deleted, .added, .deleted])
        }
    }

    @Test("a watch from a compacted RV gets one 410 Expired ERROR and ends")
    func watchBelowHorizon() async throws {
        try await withStore { store in
            let first = try await store.upsert(configMapsGVR, "ns", "a")
            for i in 0..<5 { try await store.upsert(configMapsGVR, "ns", "a", labels: ["i": "\(i)"]) }
            _ = try await store.log.compact(to: store.log.head)
            let events = await collect(
                try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: first.rv)))
            #expect(events.count == 1)
            let status = try #require(events.first.flatMap(statusOf))
            #expect(status.code == 410)
            #expect(status.reason == "Expired")
            #expect(status.message.hasPrefix("too old resource version: \(first.rv) ("))
        }
    }

    @Test("bookmarks carry the current RV when asked for, and the timeout ends the stream after one")
    func bookmarksAndTimeout() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "a")
            let head = store.log.head
            let stream = try store.boundedWatch(
                configMapsGVR,
                WatchOptions(
                    resourceVersion: head, allowBookmarks: true, timeout: .milliseconds(400),
                    bookmarkInterval: .milliseconds(50)))
            try await store.upsert(podsGVR, "ns", "unrelated")
            let after = store.log.head
            let events = await collect(stream)
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0.type == .bookmark })
            let last = try JSONValue(parsing: try #require(events.last).object)
            #expect(last["kind"]?.stringValue == "ConfigMap")
            #expect(last["apiVersion"]?.stringValue == "v1")
            #expect(last["metadata"]?["resourceVersion"]?.stringValue == String(after))
            #expect(store.watcherCount == 0)
        }
    }

    @Test("a watch without bookmarks ends silently at its timeout")
    func timeoutWithoutBookmarks() async throws {
        try await withStore { store in
            let stream = try store.watch(configMapsGVR, WatchOptions(resourceVersion: 0, timeout: .milliseconds(100)))
            let events = await collect(stream)
            #expect(events.isEmpty)
            #expect(store.watcherCount == 0)
        }
    }

    @Test("cancelling the consuming task ends the watch and unregisters it")
    func cancellation() async throws {
        try await withStore { store in
            let stream = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: 0))
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let task = Task {
                var it = stream.makeAsyncIterator()
                startedContinuation.yield()
                var count = 0
                while await it.next() != nil { count += 1 }
                return count
            }
            for await _ in started { break }
            try await store.upsert(configMapsGVR, "ns", "a")
            task.cancel()
            let count = await task.value
            #expect(count <= 1)
            #expect(store.watcherCount == 0)
        }
    }

    @Test("a watcher that stops reading never blocks writes, and later gets every event in order")
    func slowWatcher() async throws {
        try await withStore { store in
            // 384 durable writes can take longer than boundedWatch's 60 s on a loaded machine
            // (the watch would end at its timeout before reading them).
            let stream = try store.watch(
                configMapsGVR, WatchOptions(sendInitialEvents: false, timeout: .seconds(900)))
            var it = stream.makeAsyncIterator()
            let first = try await store.upsert(configMapsGVR, "ns", "x0")
            #expect(await it.next()?.rv == first.rv)  // now synced with the hub
            var expected: [ResourceVersion] = []
            for i in 0..<(WatcherSlot.capacity * 3) {
                expected.append(try await store.upsert(configMapsGVR, "ns", "x\(i % 50)", labels: ["i": "\(i)"]).rv)
            }
            var got: [ResourceVersion] = []
            while got.count < expected.count, let e = await it.next() { got.append(e.rv) }
            #expect(got == expected)
            let more = try await store.upsert(configMapsGVR, "ns", "last")
            #expect(await it.next()?.rv == more.rv)
        }
    }

    @Test("one live change reaches all its watchers as one shared event; a selector's DELETED is another")
    func sharedLiveEvents() async throws {
        try await withStore { store in
            let from = store.log.head
            let web = try LabelSelector(parsing: "app=web")
            var plain1 = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: from)).makeAsyncIterator()
            var plain2 = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: from)).makeAsyncIterator()
            var selected = try store.boundedWatch(
                configMapsGVR, WatchOptions(labelSelector: web, resourceVersion: from)
            ).makeAsyncIterator()
            let first = try await store.upsert(configMapsGVR, "ns", "a", labels: ["app": "web"])
            // The first event comes from the log; after it every watcher is synced with the hub.
            #expect(await plain1.next()?.rv == first.rv)
            #expect(await plain2.next()?.rv == first.rv)
            #expect(await selected.next()?.rv == first.rv)

            let moved = try await store.upsert(configMapsGVR, "ns", "a", labels: ["app": "db"])
            let e1 = try #require(await plain1.next())
            let e2 = try #require(await plain2.next())
            let e3 = try #require(await selected.next())
            #expect([e1.type, e2.type, e3.type] == [.modified, .modified, .deleted])
            #expect([e1.rv, e2.rv, e3.rv] == [moved.rv, moved.rv, moved.rv])
            #expect(e1.object == moved.bytes && e2.object == moved.bytes && e3.object == moved.bytes)
            let f1 = try #require(e1.frames)
            let f2 = try #require(e2.frames)
            let f3 = try #require(e3.frames)
            #expect(f1 === f2, "both plain watchers got the very same event")
            #expect(f1 !== f3, "the DELETED the selector makes is encoded on its own")
            var made = 0
            for frames in [f1, f2, f3] {
                _ = frames.frame("json") {
                    made += 1
                    return made
                }
            }
            #expect(made == 2, "one encoding per distinct event and key")
            #expect(f1.frame("json") { -1 } == 1)

            let back = try await store.upsert(configMapsGVR, "ns", "a", labels: ["app": "web"])
            #expect(await selected.next()?.type == .added)
            #expect(await plain1.next()?.rv == back.rv)
            #expect(await plain2.next()?.rv == back.rv)
        }
    }

    @Test(
        "a push consumer polls without suspending: woken once per wait, the same events as an iterating watcher, finished by stop()"
    )
    func pushConsumer() async throws {
        try await withStore { store in
            let from = store.log.head
            let pushed = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: from))
            var push = pushed.makeAsyncIterator()
            var pull = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: from)).makeAsyncIterator()
            await push.start()
            let wakes = Mutex(0)
            let wake: @Sendable () -> Void = { wakes.withLock { $0 += 1 } }
            func poll() -> WatchPoll { push.poll(wake: wake) }
            func waitForWake(_ n: Int) async throws {
                for _ in 0..<500 where wakes.withLock({ $0 }) < n { try await Task.sleep(for: .milliseconds(10)) }
            }

            guard case .pending = poll() else {
                Issue.record("a new watch has nothing to send")
                return
            }
            #expect(wakes.withLock { $0 } == 0)
            let a = try await store.upsert(configMapsGVR, "ns", "a")
            try await waitForWake(1)
            #expect(wakes.withLock { $0 } == 1, "the commit woke the registered consumer")
            guard case .event(let first) = poll() else {
                Issue.record("the woken consumer has the event")
                return
            }
            #expect(first.rv == a.rv)

            let b = try await store.upsert(configMapsGVR, "ns", "b")
            let a2 = try await store.upsert(configMapsGVR, "ns", "a", labels: ["x": "y"])
            var pushedEvents: [WatchEvent] = [first]
            for _ in 0..<500 where pushedEvents.count < 3 {
                switch poll() {
                case .event(let e): pushedEvents.append(e)
                case .pending: try await Task.sleep(for: .milliseconds(10))
                case .finished: Issue.record("the watch ended early")
                }
            }
            var pulledEvents: [WatchEvent] = []
            while pulledEvents.count < 3, let e = await pull.next() { pulledEvents.append(e) }
            #expect(pushedEvents.map(\.rv) == [a.rv, b.rv, a2.rv])
            #expect(pushedEvents.map(\.rv) == pulledEvents.map(\.rv))
            #expect(pushedEvents.map(\.type) == pulledEvents.map(\.type))
            #expect(pushedEvents.map(\.object) == pulledEvents.map(\.object))

            guard case .pending = poll() else {
                Issue.record("nothing more to send")
                return
            }
            let before = wakes.withLock { $0 }
            pushed.stopper.stop()
            #expect(wakes.withLock { $0 } == before + 1, "stop() wakes the registered consumer")
            guard case .finished = poll() else {
                Issue.record("a stopped watch is finished")
                return
            }
            #expect(store.watcherCount == 1, "only the iterating watcher is left")
        }
    }

    @Test("stop() ends a watch waiting in another task without cancelling it, and unregisters it")
    func stopFromOutside() async throws {
        try await withStore { store in
            let stream = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: store.log.head))
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let task = Task {
                var it = stream.makeAsyncIterator()
                startedContinuation.yield()
                var count = 0
                while await it.next() != nil { count += 1 }
                return count
            }
            for await _ in started { break }
            let a = try await store.upsert(configMapsGVR, "ns", "a")
            // Wait (bounded) until the watch is live and has taken its event, so stop() wakes a waiting consumer.
            for _ in 0..<500 where store.watcherCount == 0 || store.log.head < a.rv {
                try await Task.sleep(for: .milliseconds(10))
            }
            stream.stop()
            let count = await task.value
            #expect(count <= 1)
            #expect(store.watcherCount == 0)

            let stoppedEarly = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: store.log.head))
            stoppedEarly.stop()
            var it = stoppedEarly.makeAsyncIterator()
            #expect(await it.next() == nil)
            #expect(store.watcherCount == 0)
        }
    }

    @Test("closing the store ends open watches without an error event")
    func closeEndsWatches() async throws {
        try await withStore { store in
            try await store.upsert(configMapsGVR, "ns", "a")
            let stream = try store.boundedWatch(configMapsGVR, WatchOptions(resourceVersion: store.log.head))
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let task = Task {
                var it = stream.makeAsyncIterator()
                startedContinuation.yield()
                var events: [WatchEvent] = []
                while let e = await it.next() { events.append(e) }
                return events
            }
            for await _ in started { break }
            store.close()
            let events = await task.value
            #expect(events.allSatisfy { $0.type != .error })
            #expect(store.watcherCount == 0)
        }
    }
}
