import AKETestSupport
import EventLog
import Foundation
import KubeModel
import Synchronization
import Testing

@testable import Projections

/// The informer invariant, checked against an independent model of the store:
/// for every watch, the state at its start with its events applied equals the
/// state at its end; and every list, at any retained RV, equals the model.
@Suite("Informer invariant (randomized)")
struct InformerInvariantTests {
    struct ModelObject: Equatable {
        var namespace: String
        var name: String
        var labels: [String: String]
        var nodeName: String?
        var bytes: [UInt8]
    }

    struct WatchSpec: CustomStringConvertible {
        var gvr: GroupVersionResource
        var namespace: String?
        var labelSelector: String
        var fieldSelector: String
        /// nil = "0" / watch-list (initial state first).
        var startRV: ResourceVersion?
        var watchList: Bool
        var live: Bool
        var openedBeforeCompaction: Bool
        var description: String {
            "\(gvr.resource) ns=\(namespace ?? "*") l='\(labelSelector)' f='\(fieldSelector)' "
                + "start=\(startRV.map(String.init) ?? (watchList ? "watch-list" : "0")) live=\(live)"
        }
    }

    static let resources = [podsGVR, configMapsGVR, namespacesGVR]
    static let labelSelectors = ["", "app=a", "app!=b", "tier in (x)", "!tier", "app in (a,c),tier"]

    static func seed() -> UInt64 {
        if let s = ProcessInfo.processInfo.environment["AKE_TEST_SEED"], let v = UInt64(s) { return v }
        return UInt64.random(in: 0...UInt64.max)
    }

    @Test("list at a watch's start plus its events equals the list at its end", arguments: [false, true])
    func informerInvariant(compaction: Bool) async throws {
        let seed = Self.seed()
        try await Self.run(seed: seed, steps: 240, compaction: compaction)
    }

    static func matches(_ spec: WatchSpec, _ o: ModelObject) throws -> Bool {
        if let ns = spec.namespace, ns != o.namespace { return false }
        if !(try LabelSelector(parsing: spec.labelSelector).matches(o.labels)) { return false }
        var fields = ["metadata.name": o.name, "metadata.namespace": o.namespace]
        if spec.gvr == podsGVR { fields["spec.nodeName"] = o.nodeName ?? "" }
        return try FieldSelector(parsing: spec.fieldSelector).matches(fields)
    }

    static func filtered(_ state: [String: ModelObject], _ spec: WatchSpec) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for (_, o) in state where try matches(spec, o) { out[o.namespace + "/" + o.name] = o.bytes }
        return out
    }

    static func run(seed: UInt64, steps: Int, compaction: Bool) async throws {
        let note = Comment(rawValue: "seed \(seed) (rerun with AKE_TEST_SEED=\(seed)), compaction \(compaction)")
        var rng = SeededGenerator(seed: seed)
        try await withStore { store in
            // Model: per resource, "ns/name" → object; and the full state after every RV.
            var state: [GroupVersionResource: [String: ModelObject]] = [:]
            var history: [ResourceVersion: [GroupVersionResource: [String: ModelObject]]] = [:]
            let firstRV = store.log.head
            history[firstRV] = state
            var rvs: [ResourceVersion] = [firstRV]
            var horizon: ResourceVersion = 0
            let finalHead = FinalHead()
            var watches: [(WatchSpec, WatchStream)] = []
            var liveTasks: [Int: Task<[WatchEvent], Never>] = [:]

            for step in 0..<steps {
                let gvr = resources.randomElement(using: &rng) ?? podsGVR
                let namespace = gvr == namespacesGVR ? "" : "ns\(Int.random(in: 0..<3, using: &rng))"
                let name = "o\(Int.random(in: 0..<6, using: &rng))"
                let key = namespace + "/" + name
                if state[gvr]?[key] != nil, Int.random(in: 0..<10, using: &rng) < 4 {
                    let deleted = try #require(try await store.remove(gvr, namespace, name), note)
                    state[gvr]?[key] = nil
                    rvs.append(deleted.rv)
                    history[deleted.rv] = state
                } else {
                    var labels: [String: String] = ["app": ["a", "b", "c"].randomElement(using: &rng) ?? "a"]
                    if Bool.random(using: &rng) { labels["tier"] = ["x", "y"].randomElement(using: &rng) }
                    let nodeName = gvr == podsGVR ? ["", "n1", "n2"].randomElement(using: &rng) : nil
                    let stored = try await store.upsert(gvr, namespace, name, labels: labels, nodeName: nodeName)
                    state[gvr, default: [:]][key] = ModelObject(
                        namespace: namespace, name: name, labels: labels, nodeName: nodeName, bytes: stored.bytes)
                    rvs.append(stored.rv)
                    history[stored.rv] = state
                }
                if compaction, step == steps / 2 {
                    let target = rvs[Int.random(in: rvs.count / 4..<rvs.count * 3 / 4, using: &rng)]
                    horizon = try await store.log.compact(to: target).horizon
                }
                if Int.random(in: 0..<100, using: &rng) < 18 {
                    let wgvr = resources.randomElement(using: &rng) ?? podsGVR
                    let fieldChoices =
                        wgvr == podsGVR
                        ? ["", "spec.nodeName=n1", "spec.nodeName!=n1", "metadata.name=o1"]
                        : wgvr == namespacesGVR
                            ? ["", "metadata.name=o2"] : ["", "metadata.name=o1", "metadata.namespace=ns1"]
                    let mode = Int.random(in: 0..<4, using: &rng)
                    let spec = WatchSpec(
                        gvr: wgvr,
                        namespace: wgvr == namespacesGVR || Bool.random(using: &rng)
                            ? nil : "ns\(Int.random(in: 0..<3, using: &rng))",
                        labelSelector: labelSelectors.randomElement(using: &rng) ?? "",
                        fieldSelector: fieldChoices.randomElement(using: &rng) ?? "",
                        startRV: mode < 2 ? rvs.randomElement(using: &rng) : nil, watchList: mode == 3,
                        live: Bool.random(using: &rng), openedBeforeCompaction: horizon == 0)
                    let options = WatchOptions(
                        namespace: spec.namespace,
                        labelSelector: try LabelSelector(parsing: spec.labelSelector),
                        fieldSelector: try FieldSelector(parsing: spec.fieldSelector),
                        resourceVersion: spec.startRV ?? (mode == 2 ? 0 : nil),
                        sendInitialEvents: spec.watchList ? true : nil, allowBookmarks: true,
                        // The timeout only bounds a hang: consume() stops at the first bookmark at the
                        // final head. A short one ended slow watches early on a loaded CI machine.
                        timeout: .seconds(600), bookmarkInterval: .milliseconds(20))
                    let stream = try store.watch(wgvr, options)
                    if spec.live {
                        liveTasks[watches.count] = Task { await consume(stream, until: finalHead) }
                    }
                    watches.append((spec, stream))
                }
            }
            let endRV = store.log.head
            finalHead.value.store(endRV, ordering: .sequentiallyConsistent)

            var expiredCount = 0
            var eventCount = 0
            for (i, (spec, stream)) in watches.enumerated() {
                let events: [WatchEvent]
                if let task = liveTasks[i] {
                    events = await task.value
                } else {
                    events = await consume(stream, until: finalHead)
                }
                let context = Comment(rawValue: "\(note.rawValue); watch \(i): \(spec)")
                let startBelowHorizon = horizon > 0 && spec.startRV.map { $0 + 1 < horizon } == true
                // A live watch opened before the compaction may have read past the horizon already.
                let mayExpire = startBelowHorizon || (horizon > 0 && spec.openedBeforeCompaction && spec.live)
                let mustExpire = startBelowHorizon && (!spec.live || !spec.openedBeforeCompaction)
                if let last = events.last, last.type == .error {
                    let status = statusOf(last)
                    #expect(status?.code == 410, context)
                    expiredCount += 1
                    #expect(mayExpire || mustExpire, Comment(rawValue: "unexpected 410; " + context.rawValue))
                    continue
                }
                #expect(
                    !mustExpire, Comment(rawValue: "a watch from below the horizon must get 410; " + context.rawValue))
                // Replay the watch onto its start state.
                var current = try spec.startRV.map { try filtered(history[$0]?[spec.gvr] ?? [:], spec) } ?? [:]
                var previousRV: ResourceVersion = 0
                var sawEnd = false
                // Initial events come in key order; live ones in RV order.
                var initialPhase = spec.startRV == nil
                eventCount += events.count
                for e in events {
                    if e.type == .bookmark {
                        if e.rv >= endRV { sawEnd = true }
                        initialPhase = false
                        continue
                    }
                    #expect(
                        initialPhase || e.rv >= previousRV, Comment(rawValue: "events in RV order; " + context.rawValue)
                    )
                    if !initialPhase { previousRV = e.rv }
                    if let start = spec.startRV { #expect(e.rv > start, context) }
                    let json = try JSONValue(parsing: e.object)
                    let k =
                        (json["metadata"]?["namespace"]?.stringValue ?? "") + "/"
                        + (json["metadata"]?["name"]?.stringValue ?? "")
                    #expect(json["metadata"]?["resourceVersion"]?.stringValue == String(e.rv), context)
                    switch e.type {
                    case .added:
                        #expect(
                            current[k] == nil,
                            Comment(rawValue: "ADDED for a known object \(k) at \(e.rv); " + context.rawValue))
                        current[k] = e.object
                    case .modified:
                        #expect(
                            current[k] != nil,
                            Comment(rawValue: "MODIFIED for an unknown object \(k) at \(e.rv); " + context.rawValue))
                        current[k] = e.object
                    case .deleted:
                        #expect(
                            current[k] != nil,
                            Comment(rawValue: "DELETED for an unknown object \(k) at \(e.rv); " + context.rawValue))
                        current[k] = nil
                    case .bookmark, .error:
                        break
                    }
                }
                #expect(sawEnd, Comment(rawValue: "the watch reached the final RV; " + context.rawValue))
                let expected = try filtered(state[spec.gvr] ?? [:], spec)
                #expect(current == expected, context)
            }

            print(
                "informer invariant: seed \(seed) compaction \(compaction) horizon \(horizon): \(watches.count) watches, "
                    + "\(expiredCount) got 410, \(eventCount) events checked")
            // Every retained RV lists exactly as the model says, page by page.
            for _ in 0..<25 {
                let candidates = rvs.filter { $0 + 1 >= horizon }
                let at = try #require(candidates.randomElement(using: &rng), note)
                let gvr = resources.randomElement(using: &rng) ?? podsGVR
                let limit = Int.random(in: 1..<8, using: &rng)
                var items: [[UInt8]] = []
                var token: String?
                var pages = 0
                repeat {
                    let page = try await store.list(
                        gvr,
                        ListOptions(
                            limit: limit, continueToken: token, resourceVersion: token == nil ? at : nil,
                            resourceVersionMatch: token == nil ? .exact : nil))
                    #expect(page.resourceVersion == at, note)
                    items += page.items
                    token = page.continueToken
                    pages += 1
                } while token != nil && pages < 100
                let model = (history[at]?[gvr] ?? [:]).values.sorted {
                    ($0.namespace, $0.name) < ($1.namespace, $1.name)
                }
                #expect(
                    items == model.map(\.bytes), Comment(rawValue: "list of \(gvr.resource) at \(at); " + note.rawValue)
                )
            }
            if horizon > 1, let old = rvs.first(where: { $0 + 1 < horizon }) {
                let e = await thrownStatus {
                    _ = try await store.list(
                        podsGVR, ListOptions(resourceVersion: old, resourceVersionMatch: .exact))
                }
                #expect(e?.code == 410, note)
            }
            #expect(try store.verify() == [], note)
            #expect(store.watcherCount == 0, note)
        }
    }

    /// Reads a watch until a bookmark at or past the final head (once known), an ERROR, or its end.
    static func consume(_ stream: WatchStream, until finalHead: FinalHead) async -> [WatchEvent] {
        var out: [WatchEvent] = []
        for await e in stream {
            out.append(e)
            if e.type == .error { break }
            if e.type == .bookmark, e.rv >= finalHead.value.load(ordering: .sequentiallyConsistent) { break }
        }
        return out
    }
}

/// The final head, published to the consuming tasks once all writes are done.
final class FinalHead: Sendable {
    let value = Atomic<UInt64>(UInt64.max)
}
