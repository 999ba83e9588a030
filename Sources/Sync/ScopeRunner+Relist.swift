import KubeModel
import Logging

/// The relist that fetches only what changed: after a 410, a scope the edge has synced
/// before lists its objects as metadata only (namespace, name, uid, resourceVersion),
/// GETs the few that differ from what the edge holds, and resumes its watch from the
/// list's RV. Local clients see the same ADDED/MODIFIED/DELETED as after a full relist.
extension ScopeRunner {
    /// A scope owning fewer objects relists in full: a handful of objects cost about what
    /// their metadata and a GET cost.
    static let metadataRelistMinimumObjects = 8

    /// Performs `.listMetadataPage`.
    /// `lastList`: what the scope's last full list cost on the wire and how many objects it
    /// had (zeros = not listed since the edge started).
    func listMetadataPage(
        _ selector: ScopeSelector, continueToken token: String?, lastList: (wireBytes: Int, objects: Int),
        machine: inout ReflectorStateMachine
    ) async -> ReflectorStateMachine.Action {
        let gvr = selector.resource
        if token == nil {
            let owned = edge.ownership.objects(of: id, gvr)
            if owned.count < Self.metadataRelistMinimumObjects {
                return machine.metadataFallback()
            }
            let (objectBytes, metadataBytes) = estimatedListBytes(gvr, owned)
            // The last list's real cost (gzip, encoding) when the scope has about as many
            // objects now: the gzip threshold makes a much smaller or larger list a poor guide.
            let comparable = lastList.objects > 0 && abs(owned.count - lastList.objects) * 4 <= lastList.objects
            let listWireBytes = comparable ? lastList.wireBytes * owned.count / lastList.objects : 0
            if !MetadataRelistPlan.metadataListPays(
                objectBytes: objectBytes, metadataBytes: metadataBytes, listWireBytes: listWireBytes)
            {
                logger.info(
                    "sync scope relists in full: its metadata would cost more than half of its list",
                    metadata: [
                        "scope": "\(id)", "objects": "\(objectBytes)", "metadata": "\(metadataBytes)",
                        "list on the wire": "\(listWireBytes)",
                    ])
                return machine.metadataFallback()
            }
        }
        do {
            let answer = try await edge.connection.listMetadataPage(
                selector, continueToken: token, limit: options.pageSize,
                labels: TrafficLabels(scope: id, resource: gvr, purpose: "list"))
            edge.linkSucceeded()
            switch answer {
            case .metadata(let page):
                return machine.metadataPageReceived(
                    page.items, continueToken: page.continueToken, upstreamRV: page.upstreamRV)
            case .full(let page):
                logger.info(
                    "upstream answered a metadata-only list in full: this scope relists in full",
                    metadata: ["scope": "\(id)", "resource": "\(gvr)"])
                return machine.metadataIgnored(
                    page.objects, continueToken: page.continueToken, upstreamRV: page.upstreamRV)
            }
        } catch {
            let code = failure(error)
            return machine.metadataFailed(code: code, message: "\(error)", jitter: .random(in: 0..<1))
        }
    }

    /// Performs `.applyMetadata`: plans from what the edge holds, GETs the changed objects,
    /// and applies them with the scope's new resume point in one transaction.
    func applyMetadata(
        _ selector: ScopeSelector, items: [UpstreamObjectMeta], upstreamRV rv: String,
        machine: inout ReflectorStateMachine
    ) async -> ReflectorStateMachine.Action {
        let gvr = selector.resource
        let ownership = edge.ownership
        let store = edge.store
        var owned: [ObjectKey: (uid: String, upstreamRV: String)] = [:]
        var storedBytes = 0
        for key in ownership.objects(of: id, gvr) {
            guard let stored = try? store.get(gvr, namespace: key.namespace, name: key.name) else { continue }
            owned[key] = (stored.uid, stored.upstreamRV)
            storedBytes += stored.bytes.count
        }
        var pendingKeys = Set<ObjectKey>()
        for item in items {
            if let key = PendingWrite.key(gvr, namespace: item.namespace, name: item.name),
                (try? store.meta(key)) != nil
            {
                pendingKeys.insert(item.key)
            }
        }
        let plan = MetadataRelistPlan.plan(
            owned: owned, pendingKeys: pendingKeys, listed: items, listRV: rv,
            averageObjectBytes: owned.isEmpty ? 0 : storedBytes / owned.count)
        if let reason = plan.fullListReason {
            logger.info("sync scope relists in full", metadata: ["scope": "\(id)", "reason": "\(reason)"])
            return machine.metadataFallback()
        }

        let fetched: [UpstreamObject]
        do {
            fetched = try await fetch(plan.fetch, gvr)
        } catch {
            let code = failure(error)
            guard code != nil else {
                return machine.metadataFailed(code: nil, message: "\(error)", jitter: .random(in: 0..<1))
            }
            // The upstream lists but refuses a GET (RBAC may allow list and watch only).
            logger.info(
                "upstream refused a GET of a changed object: this scope relists in full",
                metadata: ["scope": "\(id)", "error": "\(error)"])
            return machine.metadataFallback(disable: true)
        }
        // A fetched object that no longer matches the scope's selectors left it after the
        // list: the resumed watch delivers that as a DELETED (and the events before it), so
        // it is not stored now. Objects gone since the list (404) are likewise left to it.
        let info = store.catalog.resource(for: gvr)
        let inScope = fetched.filter { object in
            guard let json = try? JSONValue(parsing: object.bytes) else { return false }
            return selector.matches(object: json, info: info)
        }

        let listed = Self.listed(at: rv)
        let keys = items.map(\.key)
        let (id, edge) = (self.id, self.edge)
        do {
            let progress = edge.encodedProgress(id, listed)
            let applied = try await store.mutate { ctx in
                let applied = try EdgeStoreWriter.applyRelistChanges(
                    ctx, scope: id, gvr, listed: keys, fetched: inScope, ownership: ownership)
                if let progress { try ctx.setMeta(SyncScope.metaKey(id), progress) }
                return applied
            }
            metrics.applied(id, gvr, applied)
            metrics.metadataRelisted(id, gvr)
            if gvr == EdgeSync.crds && applied.total > 0 {
                edge.customResourceDefinitionsChanged(inScope.map(\.name) + plan.removed.map(\.name))
            }
            logger.info(
                "sync scope relisted from metadata",
                metadata: [
                    "scope": "\(id)", "objects": "\(items.count)", "unchanged": "\(plan.unchanged)",
                    "fetched": "\(plan.fetch.count)", "pending": "\(plan.pending)", "added": "\(applied.added)",
                    "modified": "\(applied.modified)", "deleted": "\(applied.deleted)",
                ])
            edge.updateInMemory(id, listed)
            return machine.listApplied(upstreamRV: rv)
        } catch {
            _ = failure(error)
            return machine.metadataFailed(code: nil, message: "\(error)", jitter: .random(in: 0..<1))
        }
    }

    /// Whether the scope's next list asks for JSON rather than protobuf
    /// (``ListEncodingChoice``), from the sizes of the objects it holds (a sample of at most
    /// `sample`; sizes only, nothing is parsed).
    func listsInJSON(_ gvr: GroupVersionResource, sample: Int = 100) -> Bool {
        guard edge.connection.accept(for: gvr) != "application/json" else { return false }
        let owned = edge.ownership.objects(of: id, gvr)
        var bytes = 0
        var counted = 0
        for key in owned.prefix(sample) {
            guard let stored = try? edge.store.get(gvr, namespace: key.namespace, name: key.name) else { continue }
            bytes += stored.bytes.count
            counted += 1
        }
        guard counted > 0 else { return false }
        let json = ListEncodingChoice.asksForJSON(
            objects: owned.count, meanObjectBytes: bytes / counted, pageSize: options.pageSize)
        if json {
            logger.debug(
                "sync scope lists in JSON: its pages are over the gzip threshold in JSON",
                metadata: ["scope": "\(id)", "objects": "\(owned.count)", "mean bytes": "\(bytes / counted)"])
        }
        return json
    }

    /// The estimated JSON bytes of the scope's full list and of its metadata-only list, from
    /// a sample of the objects the edge holds (at most `sample`), scaled to all of them.
    private func estimatedListBytes(_ gvr: GroupVersionResource, _ owned: [ObjectKey], sample: Int = 100) -> (
        Int, Int
    ) {
        var objectBytes = 0
        var metadataBytes = 0
        var counted = 0
        for key in owned.prefix(sample) {
            guard let stored = try? edge.store.get(gvr, namespace: key.namespace, name: key.name),
                let json = try? JSONValue(parsing: stored.bytes)
            else { continue }
            counted += 1
            objectBytes += stored.bytes.count
            // A PartialObjectMetadata item: the metadata plus its kind and apiVersion.
            metadataBytes += (json["metadata"]?.serialized().count ?? 0) + 70
        }
        guard counted > 0 else { return (0, 0) }
        return (objectBytes * owned.count / counted, metadataBytes * owned.count / counted)
    }

    /// GETs `items` (each at least as new as listed), `concurrentFetches` at a time; an
    /// object gone upstream (404) is left out.
    private func fetch(_ items: [UpstreamObjectMeta], _ gvr: GroupVersionResource) async throws -> [UpstreamObject] {
        guard !items.isEmpty else { return [] }
        let connection = edge.connection
        let labels = TrafficLabels(scope: id, resource: gvr, purpose: "get")
        return try await withThrowingTaskGroup(of: UpstreamObject?.self) { group in
            var out: [UpstreamObject] = []
            out.reserveCapacity(items.count)
            var next = 0
            func start() {
                let item = items[next]
                next += 1
                group.addTask {
                    try await connection.getObject(
                        gvr, namespace: item.namespace, name: item.name, notOlderThan: item.upstreamRV, labels: labels)
                }
            }
            while next < min(items.count, MetadataRelistPlan.concurrentFetches) { start() }
            while let result = try await group.next() {
                if let result { out.append(result) }
                if next < items.count { start() }
            }
            return out
        }
    }
}
