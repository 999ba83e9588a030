import EventLog
import Foundation
import KubeModel
import Logging
import NIOCore
import NIOHTTP1
import Projections

// Offline writes: the pending ledger (one `PendingWrite` per object in the log's meta
// table, written in the same transaction as the pending event) and the reconciler that
// hands it to the cloud once the link is back (the rules: `Reconcile.decide`).

/// What became of one object's ledger entry in a write transaction, for the in-memory
/// view once it committed.
public struct PendingChange: Sendable {
    /// The ledger key.
    public var key: String
    /// Seconds since the epoch of the entry's first write; nil when the entry is gone.
    public var since: Double?
}

/// A reconcile pass stops (entries stay pending): the link failed or the cloud cannot serve.
struct ReconcileStop: Error {
    var reason: String
}

extension EdgeSync {
    // MARK: the ledger

    /// Records a local write accepted while offline: called by the Endpoint inside the
    /// write transaction right after the pending event was appended. `previous` is the
    /// stored version before it (nil for a create), `stored` the one appended;
    /// `mayHaveLanded`: the write was forwarded first and got no answer. Throws a 503
    /// StatusError when the object's key cannot be a ledger key (a name too long).
    public func recordPending(
        _ ctx: MutationContext, type: ChangeType, _ gvr: GroupVersionResource, namespace: String, name: String,
        previous: StoredObject?, stored: StoredObject, verb: APIVerb, subresource: String?, client: String,
        mayHaveLanded: Bool = false
    ) throws -> PendingChange {
        let rv = stored.rv
        guard let key = PendingWrite.key(gvr, namespace: namespace, name: name) else {
            throw unreachable("the object's name is too long to keep its write pending")
        }
        let existing = try ctx.meta(key).flatMap(PendingWrite.decode)
        let change = LocalChange(
            change: type == .added ? .added : (type == .deleted ? .deleted : .modified), verb: verb,
            subresource: subresource, gvr: gvr, namespace: namespace, name: name,
            previous: previous.map { ($0.uid, $0.upstreamRV, $0.bytes) }, rv: rv, client: client, time: Self.now(),
            landedMaybe: mayHaveLanded ? stored.bytes : nil)
        guard let entry = PendingWrite.coalesce(existing, change) else {
            try ctx.removeMeta(key)
            return PendingChange(key: key, since: nil)
        }
        try ctx.setMeta(key, entry.encoded())
        return PendingChange(key: key, since: entry.since)
    }

    /// The pending writes committed: updates the in-memory view and wakes the reconciler.
    public func pendingCommitted(_ committed: [PendingChange]) {
        guard !committed.isEmpty else { return }
        state.withLock { s in
            for change in committed { s.pending[change.key] = change.since }
        }
        publishPendingMetrics()
        changes.signal()
    }

    /// Whether the object has writes waiting for the cloud (its later writes then stay
    /// local too, so the cloud receives them in order).
    public func hasPending(_ gvr: GroupVersionResource, namespace: String, name: String) -> Bool {
        guard let key = PendingWrite.key(gvr, namespace: namespace, name: name) else { return false }
        return state.withLock { $0.pending[key] != nil }
    }

    /// Waits (bounded) until the object's pending writes are reconciled, while the link
    /// is up: a forwarded write to it must not overtake them (and its resourceVersion
    /// precondition can only be translated once the edge holds the cloud's version).
    public func awaitReconciled(_ gvr: GroupVersionResource, namespace: String, name: String) async {
        guard let key = PendingWrite.key(gvr, namespace: namespace, name: name) else { return }
        _ = await changes.wait(until: .now + options.writeTimeout) {
            state.withLock { $0.pending[key] == nil || !$0.link.isOnline || $0.stopped }
        }
    }

    /// Number of objects with pending writes.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Reads the ledger into memory (at start).
    func loadPending() throws {
        let entries = try Self.ledger(store)
        state.withLock { s in
            s.pending = [:]
            s.conflicted = 0
            for entry in entries {
                switch entry.state {
                case .pending: if let key = entry.key { s.pending[key] = entry.since }
                case .conflicted: s.conflicted += 1
                }
            }
        }
        metrics.reconcileSeriesCreated()
        publishPendingMetrics()
    }

    /// Every ledger entry (pending ones in the order of their first write, then the conflicted ones).
    public static func ledger(_ store: ObjectStore) throws -> [PendingWrite] {
        var pending: [PendingWrite] = []
        var conflicted: [PendingWrite] = []
        for prefix in [PendingWrite.pendingPrefix, PendingWrite.conflictedPrefix] {
            for bytes in try store.metaValues(withPrefix: prefix) {
                guard let entry = PendingWrite.decode(bytes) else { continue }
                if entry.state == .pending { pending.append(entry) } else { conflicted.append(entry) }
            }
        }
        return pending.sorted { $0.firstRV < $1.firstRV } + conflicted.sorted { $0.outcomeRV < $1.outcomeRV }
    }

    func publishPendingMetrics() {
        let now = Self.now()
        let (count, oldest, conflicted) = state.withLock { s in
            (s.pending.count, s.pending.values.min(), s.conflicted)
        }
        metrics.pending(count: count, oldestAge: oldest.map { max(0, now - $0) } ?? 0, conflicted: conflicted)
    }

    /// Forgets in-memory entries the ledger no longer has (discarded by `ake pending
    /// discard` from another process). An entry enters memory only after it committed,
    /// so what memory has and the ledger lacks is stale.
    func pruneStalePending() {
        guard let stored = try? Self.ledger(store) else { return }
        let keys = Set(stored.filter { $0.state == .pending }.compactMap(\.key))
        let conflicted = stored.filter { $0.state == .conflicted }.count
        state.withLock { s in
            s.pending = s.pending.filter { keys.contains($0.key) }
            s.conflicted = conflicted
        }
        publishPendingMetrics()
    }

    // MARK: the reconciler

    /// Works through the ledger whenever the link is online and something is pending.
    func reconcileLoop() async {
        while !Task.isCancelled {
            _ = await changes.wait(until: .now + .seconds(3600)) {
                state.withLock { $0.stopped || ($0.link.isOnline && !$0.pending.isEmpty) }
            }
            if Task.isCancelled || state.withLock({ $0.stopped }) { return }
            let complete = await reconcilePass()
            if !complete { try? await Task.sleep(for: .seconds(1)) }
        }
    }

    /// One pass over the pending entries in log order. Returns false when it stopped
    /// early (the link failed, the cloud answered 5xx); the entries left stay pending.
    func reconcilePass() async -> Bool {
        var entries: [PendingWrite]
        do { entries = try Self.ledger(store).filter { $0.state == .pending } } catch {
            logger.error("pending ledger unreadable", metadata: ["error": "\(error)"])
            return false
        }
        guard !entries.isEmpty else {
            pruneStalePending()
            return true
        }
        state.withLock { $0.reconciling = true }
        defer { state.withLock { $0.reconciling = false } }
        let started = ContinuousClock.now
        let firstSends: Set<String>
        do { firstSends = try await markCreatesAttempted(&entries) } catch {
            logger.error("pending ledger not writable", metadata: ["error": "\(error)"])
            return false
        }
        // Objects are independent (one ledger entry each, reconciled from the cloud's
        // current object), so a few go at once, started in log order.
        var results: [String: Int] = [:]
        var stopped: (PendingWrite, any Error)?
        await withTaskGroup(of: (PendingWrite, Result<String, any Error>).self) { group in
            var next = entries.makeIterator()
            func startNext() -> Bool {
                guard stopped == nil, isOnline, !state.withLock({ $0.stopped }), let entry = next.next() else {
                    return false
                }
                group.addTask { [self] in
                    do {
                        let postFirst = entry.key.map(firstSends.contains) ?? false
                        return (entry, .success(try await reconcile(entry, postFirst: postFirst)))
                    } catch { return (entry, .failure(error)) }
                }
                return true
            }
            for _ in 0..<Self.reconcileConcurrency where !startNext() { break }
            while let (entry, result) = await group.next() {
                switch result {
                case .success(let outcome): results[outcome, default: 0] += 1
                case .failure(let error): if stopped == nil { stopped = (entry, error) }
                }
                _ = startNext()
            }
        }
        if let (entry, error) = stopped {
            if let stop = error as? ReconcileStop {
                logger.warning(
                    "reconcile of pending writes paused",
                    metadata: ["object": "\(entry.objectDescription)", "reason": "\(stop.reason)"])
            } else {
                logger.error(
                    "reconcile of a pending write failed",
                    metadata: ["object": "\(entry.objectDescription)", "error": "\(error)"])
            }
            return false
        }
        if results.values.reduce(0, +) < entries.count { return false }  // offline or stopping meanwhile
        pruneStalePending()
        logger.notice(
            "pending writes reconciled with upstream",
            metadata: [
                "objects": "\(entries.count)", "reconciled": "\(results["reconciled"] ?? 0)",
                "conflicted": "\(results["conflicted"] ?? 0)", "took": "\(ContinuousClock.now - started)",
            ])
        return true
    }

    /// How many objects are reconciled at once.
    static let reconcileConcurrency = 8

    /// Notes durably, in one transaction, that the creates of this pass are about to be
    /// sent (their fate may become unknown): a later local delete then still deletes
    /// whatever the cloud may have created.
    /// Returns the keys marked now (never sent before: their reconcile starts with the POST).
    func markCreatesAttempted(_ entries: inout [PendingWrite]) async throws -> Set<String> {
        let keys = entries.filter { $0.kind == .create && !$0.attempted }.compactMap(\.key)
        guard !keys.isEmpty else { return [] }
        try await store.mutate { ctx in
            for key in keys {
                guard var now = try ctx.meta(key).flatMap(PendingWrite.decode), now.state == .pending else { continue }
                now.attempted = true
                try ctx.setMeta(key, now.encoded())
            }
        }
        let marked = Set(keys)
        for i in entries.indices where entries[i].key.map(marked.contains) ?? false {
            entries[i].attempted = true
        }
        return marked
    }

    /// Whether the edge owns the object entirely (its version wins a name clash at create).
    static func edgeOwned(_ gvr: GroupVersionResource) -> Bool {
        gvr.resource == "events" || (gvr.resource == "leases" && gvr.group == "coordination.k8s.io")
    }

    /// Reconciles one object; returns `reconciled`, `conflicted` or `discarded`.
    /// `postFirst`: a create never sent before starts with the POST (the cloud lacks the
    /// object as far as the edge knows; a 409 AlreadyExists makes it look): one request
    /// per Event.
    func reconcile(_ start: PendingWrite, postFirst: Bool = false) async throws -> String {
        guard let key = start.key else { return "conflicted" }
        var entry = start
        let gvr = entry.gvr
        let info = store.catalog.resource(for: gvr)
        let resource = Reconcile.Resource(
            hasStatus: info?.subresources.contains("status") ?? false, edgeOwned: Self.edgeOwned(gvr))
        let namespace = entry.namespace.isEmpty ? nil : entry.namespace
        let objectPath = Kubeconfig.path(gvr, namespace: namespace, name: entry.name, subresource: nil)
        let labels = TrafficLabels(resource: SyncMetrics.label(gvr), purpose: "reconcile")
        var cloud: JSONValue?
        var haveCloud = postFirst && entry.kind == .create
        var patchTried = false
        for _ in 0..<8 {
            if !haveCloud && !patchTried {
                // An update goes first as the merge patch of the edge's change (no GET):
                // what the client's own write would have sent had the link been up. The
                // cloud applied exactly the edge's change, so its answer is the outcome
                // (no comparison with the edge's copy, which may differ in how the cloud
                // writes the same values).
                patchTried = true
                if let (patched, sent) = try await patchFirst(key, resource: resource, labels: labels) {
                    cloud = patched
                    switch try await finish(sent, key: key, cloud: patched, conflict: nil, info: info) {
                    case .finished:
                        metrics.reconciled("reconciled")
                        return "reconciled"
                    case .rebased:
                        patchTried = false  // newer local writes: patch again from the cloud's answer
                        continue
                    }
                }
            }
            if !haveCloud {
                cloud = try await fetch(objectPath, gvr, labels: labels)
                haveCloud = true
            }
            guard let current = try store.meta(key).flatMap(PendingWrite.decode), current.state == .pending else {
                // Discarded meanwhile (`ake pending discard`).
                state.withLock { _ = $0.pending.removeValue(forKey: key) }
                publishPendingMetrics()
                return "discarded"
            }
            entry = current
            let edge = try store.get(gvr, namespace: entry.namespace, name: entry.name).flatMap { try? $0.json() }
            let action = Reconcile.decide(entry, edge: edge, cloud: cloud, resource: resource)
            let response: UpstreamResponse
            switch action {
            case .reconciled, .conflicted:
                var reason: String?
                if case .conflicted(let r) = action { reason = r }
                switch try await finish(entry, key: key, cloud: cloud, conflict: reason, info: info) {
                case .finished:
                    metrics.reconciled(reason == nil ? "reconciled" : "conflicted")
                    if let reason {
                        logger.warning(
                            "pending write conflicted with upstream",
                            metadata: ["object": "\(entry.objectDescription)", "reason": "\(reason)"])
                    }
                    return reason == nil ? "reconciled" : "conflicted"
                case .rebased:
                    continue
                }
            case .create(let body):
                if !entry.attempted { try await markAttempted(key, entry) }
                let collection = Kubeconfig.path(gvr, namespace: namespace, name: nil, subresource: nil)
                response = try await upload(.POST, collection, gvr, object: body, labels: labels)
            case .update(let body):
                response = try await upload(.PUT, objectPath, gvr, object: body, labels: labels)
            case .updateStatus(let body):
                let path = Kubeconfig.path(gvr, namespace: namespace, name: entry.name, subresource: "status")
                response = try await upload(.PUT, path, gvr, subresource: "status", object: body, labels: labels)
            case .delete(let uid):
                let options: JSONValue = [
                    "kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": .string(uid)],
                ]
                response = try await upload(.DELETE, objectPath, gvr, body: options.serialized(), labels: labels)
                if response.code == 404 || (200..<300).contains(response.code) {
                    haveCloud = false  // gone, or terminating: look again
                    continue
                }
            }
            switch response.code {
            case 200..<300:
                if let object = try? JSONValue(parsing: response.body), object["kind"]?.stringValue != "Status" {
                    cloud = object
                } else {
                    haveCloud = false
                }
            case 404, 409:
                haveCloud = false  // changed, gone or already there: decide again from the cloud's object
            case 429, 500...:
                throw ReconcileStop(reason: "upstream answered \(response.code)")
            default:
                let message = (try? JSONValue(parsing: response.body))?["message"]?.stringValue ?? ""
                let reason = "the cloud refused the upload (\(response.code)): \(message)"
                _ = try await finish(entry, key: key, cloud: cloud, conflict: reason, info: info, force: true)
                metrics.reconciled("conflicted")
                logger.warning(
                    "pending write conflicted with upstream",
                    metadata: ["object": "\(entry.objectDescription)", "reason": "\(reason)"])
                return "conflicted"
            }
        }
        let reason = "the cloud's object kept changing while the edge reconciled it"
        _ = try await finish(entry, key: key, cloud: cloud, conflict: reason, info: info, force: true)
        metrics.reconciled("conflicted")
        return "conflicted"
    }

    /// Sends `Reconcile.patch` of the object's pending entry, if it has one; returns the
    /// cloud's object when the cloud applied it, with the entry the patch was made from.
    /// Nil when there is no such patch or the
    /// cloud refused it (a concurrent change of the object: 409; a recreated object:
    /// 422; gone: 404): the caller then starts from the cloud's object (GET, `decide`),
    /// which applies the conflict policy in full. A 429 or 5xx stops the pass.
    func patchFirst(_ key: String, resource: Reconcile.Resource, labels: TrafficLabels) async throws
        -> (JSONValue, PendingWrite)?
    {
        guard let entry = try store.meta(key).flatMap(PendingWrite.decode), entry.state == .pending else {
            return nil
        }
        let edge = try store.get(entry.gvr, namespace: entry.namespace, name: entry.name).flatMap { try? $0.json() }
        guard let patch = Reconcile.patch(entry, edge: edge, resource: resource) else { return nil }
        let path = Kubeconfig.path(
            entry.gvr, namespace: entry.namespace.isEmpty ? nil : entry.namespace, name: entry.name,
            subresource: patch.subresource)
        let response = try await upload(
            .PATCH, path, entry.gvr, subresource: patch.subresource, body: patch.body.serialized(),
            contentType: "application/merge-patch+json", labels: labels)
        switch response.code {
        case 200..<300:
            guard let object = try? JSONValue(parsing: response.body), object["kind"]?.stringValue != "Status" else {
                return nil
            }
            return (object, entry)
        case 429, 500...:
            throw ReconcileStop(reason: "upstream answered \(response.code)")
        default:
            logger.debug(
                "the cloud refused the pending write's patch; reconciling from its object",
                metadata: ["object": "\(entry.objectDescription)", "code": "\(response.code)"])
            return nil
        }
    }

    /// GET of the cloud's object (nil on 404).
    func fetch(_ path: String, _ gvr: GroupVersionResource, labels: TrafficLabels) async throws -> JSONValue? {
        let response = try await upload(.GET, path, gvr, body: nil, labels: labels)
        switch response.code {
        case 200: break
        case 404: return nil
        default: throw ReconcileStop(reason: "GET \(path) answered \(response.code)")
        }
        do { return try JSONValue(parsing: response.body) } catch {
            throw ReconcileStop(reason: "GET \(path): undecodable object")
        }
    }

    /// One upstream request of the reconciler; a transport failure stops the pass.
    /// A POST or PUT of `object`, in protobuf when the link speaks it and the encoding
    /// says the same (`UpstreamConnection.sendObject(_:path:resource:subresource:object:)`).
    func upload(
        _ method: HTTPMethod, _ path: String, _ gvr: GroupVersionResource, subresource: String? = nil,
        object: JSONValue, labels: TrafficLabels
    ) async throws -> UpstreamResponse {
        do {
            let response = try await connection.sendObject(
                method, path: path, resource: gvr, subresource: subresource, object: object,
                timeout: Self.timeAmount(options.writeTimeout), labels: labels)
            linkSucceeded()
            return response
        } catch {
            linkFailed("\(error)")
            throw ReconcileStop(reason: "\(error)")
        }
    }

    /// Asks for protobuf answers when the link speaks it (`UpstreamConnection.sendObject`).
    func upload(
        _ method: HTTPMethod, _ path: String, _ gvr: GroupVersionResource, subresource: String? = nil,
        body: [UInt8]?, contentType: String = "application/json", labels: TrafficLabels
    ) async throws -> UpstreamResponse {
        do {
            let response = try await connection.sendObject(
                method, path: path, resource: gvr, subresource: subresource, body: body,
                contentType: body == nil ? nil : contentType,
                timeout: Self.timeAmount(options.writeTimeout),
                labels: labels)
            linkSucceeded()
            return response
        } catch {
            linkFailed("\(error)")
            throw ReconcileStop(reason: "\(error)")
        }
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    /// Notes durably that a create is about to be sent (its fate may become unknown).
    func markAttempted(_ key: String, _ entry: PendingWrite) async throws {
        try await store.mutate { ctx in
            guard var now = try ctx.meta(key).flatMap(PendingWrite.decode) else { return }
            now.attempted = true
            try ctx.setMeta(key, now.encoded())
        }
    }

    enum Finish { case finished, rebased }

    /// Records the outcome in one transaction: the cloud's object becomes the edge's
    /// (an ordinary ADDED/MODIFIED/DELETED event with origin `reconciler`, state
    /// committed — or committed+conflicted when the edge's change lost), the ledger entry
    /// goes, and a conflicted one is kept under its outcome RV with the reason. When new
    /// local writes arrived since `entry` was read and the cloud accepted the earlier
    /// ones, the entry is rebased onto the cloud's object instead (`rebased`).
    func finish(
        _ entry: PendingWrite, key: String, cloud: JSONValue?, conflict: String?, info: ResourceInfo?,
        force: Bool = false
    ) async throws -> Finish {
        let gvr = entry.gvr
        let upstream = try cloud.map { try UpstreamObject(json: $0) }
        let owners = cloud.map { c in state.withLock { $0.registry.owners(of: c, gvr, info: info) } } ?? []
        let ownership = self.ownership
        let (result, change) = try await store.mutate { ctx -> (Finish, PendingChange?) in
            guard let now = try ctx.meta(key).flatMap(PendingWrite.decode), now.state == .pending else {
                return (.finished, nil)
            }
            if now.lastRV != entry.lastRV && !force {
                if conflict == nil, let cloud {
                    var rebased = now
                    rebased.rebase(onto: cloud)
                    try ctx.setMeta(key, rebased.encoded())
                    return (.rebased, nil)
                }
            }
            try ctx.removeMeta(key)
            let eventState: EventState = conflict == nil ? .committed : [.committed, .conflicted]
            let current = try ctx.current(gvr, namespace: entry.namespace, name: entry.name)
            var outcomeRV: ResourceVersion = 0
            if let upstream {
                for id in owners { ownership.add(id, gvr, upstream.key) }
                let bytes = try EdgeStoreWriter.rewritten(upstream.bytes, rv: ctx.nextRV)
                outcomeRV = try ctx.append(
                    current == nil ? .added : .modified, gvr, object: bytes, namespace: upstream.namespace,
                    name: upstream.name, uid: upstream.uid, origin: .reconciler, upstreamRV: upstream.upstreamRV,
                    state: eventState
                ).rv
            } else if let current {
                ownership.removeAll(gvr, ObjectKey(namespace: entry.namespace, name: entry.name))
                let bytes = try EdgeStoreWriter.rewritten(current.bytes, rv: ctx.nextRV)
                outcomeRV = try ctx.append(
                    .deleted, gvr, object: bytes, namespace: entry.namespace, name: entry.name, uid: current.uid,
                    origin: .reconciler, upstreamRV: current.upstreamRV, state: eventState
                ).rv
            }
            if let conflict {
                var lost = now
                lost.state = .conflicted
                lost.reason = conflict
                // Keyed by the outcome event; when none was needed, by the last lost write.
                lost.outcomeRV = outcomeRV == 0 ? now.lastRV : outcomeRV
                lost.cloudRV = upstream?.upstreamRV ?? ""
                try ctx.setMeta(PendingWrite.conflictedKey(lost.outcomeRV), lost.encoded())
            }
            return (.finished, PendingChange(key: key, since: nil))
        }
        if let change {
            state.withLock { s in
                s.pending[change.key] = nil
                if conflict != nil { s.conflicted += 1 }
            }
            publishPendingMetrics()
            changes.signal()
        }
        return result
    }

    // MARK: operator actions

    /// Drops a ledger entry (`ake pending discard`, through the server): a pending write
    /// is then never uploaded (the edge keeps its local version until the cloud's next
    /// change of the object), a conflicted record is forgotten. Returns false when absent.
    public func discardPending(_ key: String) async throws -> Bool {
        let removed = try await store.mutate { ctx -> Bool in
            guard try ctx.meta(key) != nil else { return false }
            try ctx.removeMeta(key)
            return true
        }
        if removed {
            state.withLock { s in
                if s.pending.removeValue(forKey: key) == nil, key.hasPrefix(PendingWrite.conflictedPrefix) {
                    s.conflicted = max(0, s.conflicted - 1)
                }
            }
            publishPendingMetrics()
        }
        return removed
    }
}
