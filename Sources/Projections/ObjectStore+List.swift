import EventLog
import KubeModel

extension ObjectStore {
    /// How long a list or watch waits for a requested RV beyond the head.
    static let futureRVWait: Duration = .seconds(3)

    /// Where a list reads.
    enum ListSnapshot {
        /// The head the read transaction sees (after `minimum` was reached).
        case latest(minimum: ResourceVersion?)
        /// Exactly this RV.
        case exact(ResourceVersion)
        /// A continue token: its snapshot, after its last key.
        case continuing(ContinueToken)
    }

    /// Validates list options the way the apiserver does.
    static func listSnapshot(_ options: ListOptions) throws -> ListSnapshot {
        let rv = options.resourceVersion
        if let token = options.continueToken, !token.isEmpty {
            if let rv, rv != 0 {
                throw StatusError.badRequest("specifying resource version is not allowed when using continue")
            }
            guard let decoded = ContinueToken(decoding: token) else {
                throw StatusError.badRequest("continue key is not valid: invalid continue token")
            }
            return .continuing(decoded)
        }
        guard let rv else {
            if options.resourceVersionMatch != nil {
                throw invalidOption(
                    "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")
            }
            return .latest(minimum: nil)
        }
        let n = rv
        switch options.resourceVersionMatch {
        case .exact:
            if n == 0 {
                throw invalidOption(
                    "resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")
            }
            return .exact(n)
        case .notOlderThan, nil:
            return .latest(minimum: n == 0 ? nil : n)
        }
    }

    static func invalidOption(_ field: String, _ message: String) -> StatusError {
        StatusError.invalid(
            kind: "ListOptions", name: "",
            causes: [StatusCause(reason: "FieldValueForbidden", message: message, field: field)])
    }

    /// Waits (at most `futureRVWait`) for the head to reach `rv`; throws 504 Timeout
    /// (ResourceVersionTooLarge) if it does not.
    func awaitHead(atLeast rv: ResourceVersion) async throws {
        if log.head >= rv { return }
        let log = self.log
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await log.waitForHead(beyond: rv - 1) }
            group.addTask { try? await Task.sleep(for: Self.futureRVWait) }
            await group.next()
            group.cancelAll()
        }
        let head = log.head
        if head < rv {
            throw StatusError.tooLargeResourceVersion(current: head, requested: rv, retryAfter: 1)
        }
    }

    /// Lists objects of a resource. Throws StatusError: Expired (410) for continue
    /// tokens / Exact RVs below the horizon, Timeout (504, ResourceVersionTooLarge)
    /// for an RV beyond the head after a short wait, BadRequest/Invalid for bad options.
    /// `namespace` `nil` lists across all namespaces (and cluster-scoped resources).
    public func list(_ gvr: GroupVersionResource, namespace: String? = nil, _ options: ListOptions) async throws
        -> ListResult
    {
        let snapshot = try await listSnapshotReached(options)
        return try log.read { txn in
            var items: [[UInt8]] = []
            if let limit = options.pageLimit { items.reserveCapacity(min(limit, 4096)) }
            let page = try readList(txn, gvr, namespace: namespace, options, snapshot) { object in
                items.append(Array(object))
            }
            return ListResult(
                resourceVersion: page.resourceVersion, items: items, continueToken: page.continueToken,
                remainingItemCount: page.remainingItemCount)
        }
    }

    /// The same list as ``list(_:namespace:_:)``, answered as the complete JSON List body
    /// (`{"kind":..,"apiVersion":..,"metadata":{..},"items":[..]}`, byte for byte what
    /// ``ListJSON/body(kind:apiVersion:page:items:)`` makes of that list's items). Each
    /// object's bytes are copied once, straight from the read snapshot into the body, with
    /// no per-item buffer.
    public func listJSON(
        _ gvr: GroupVersionResource, namespace: String? = nil, _ options: ListOptions, kind: String,
        apiVersion: String
    ) async throws -> [UInt8] {
        let snapshot = try await listSnapshotReached(options)
        let sizeKey = gvr.storageKey + "\u{0}" + (namespace ?? "")
        let hint = listSizeHints.withLock { $0[sizeKey] } ?? 0
        let body = try log.read { txn -> [UInt8] in
            if options.pageLimit == nil {
                // No limit, no continue token: the envelope is known before the first item.
                var out: [UInt8] = []
                out.reserveCapacity(hint + hint / 8 + 256)
                let at = try listSnapshotRV(txn, snapshot)
                ListJSON.appendHeader(
                    to: &out, kind: kind, apiVersion: apiVersion,
                    page: ListPage(resourceVersion: at, continueToken: nil, remainingItemCount: nil))
                var first = true
                _ = try readList(txn, gvr, namespace: namespace, options, snapshot) { object in
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    out.append(contentsOf: object)
                }
                out.append(contentsOf: ListJSON.footer)
                return out
            }
            // A page: the continue token is known only after the scan.
            var items: [UInt8] = []
            items.reserveCapacity(min(hint, 1 << 20))
            var first = true
            let page = try readList(txn, gvr, namespace: namespace, options, snapshot) { object in
                if !first { items.append(UInt8(ascii: ",")) }
                first = false
                items.append(contentsOf: object)
            }
            var out: [UInt8] = []
            out.reserveCapacity(items.count + 512)
            ListJSON.appendHeader(to: &out, kind: kind, apiVersion: apiVersion, page: page)
            out.append(contentsOf: items)
            out.append(contentsOf: ListJSON.footer)
            return out
        }
        if options.pageLimit == nil {
            listSizeHints.withLock { hints in
                if hints.count >= 4096 { hints.removeAll() }
                hints[sizeKey] = body.count
            }
        }
        return body
    }

    /// The size of the pieces a streamed list body is handed over in: below glibc's mmap
    /// threshold once it has adapted, so pieces reuse heap memory instead of faulting in
    /// fresh pages, and large enough that each is one big socket write.
    public static let listPieceBytes = 256 * 1024

    /// The same body as ``listJSON(_:namespace:_:kind:apiVersion:)``, handed over in pieces of
    /// about `pieceBytes` while the read snapshot is scanned, so that the transport sends one
    /// piece while the next is built and the whole body is never one buffer. The scan runs
    /// in its own task, in one read transaction that never waits for the consumer (a slow
    /// client then makes pieces queue up: at most the body once). Errors the list's checks
    /// raise (expired, too large, bad options) come from ``APIBodyStream/start()`` before
    /// anything was handed over. A page (`limit`) is small and its envelope is known only
    /// after its scan: it comes as one complete piece.
    public func streamListJSON(
        _ gvr: GroupVersionResource, namespace: String? = nil, _ options: ListOptions, kind: String,
        apiVersion: String, pieceBytes: Int = ObjectStore.listPieceBytes
    ) async throws -> APIBodyStream {
        let queue = APIBodyQueue()
        let stream = APIBodyStream(queue)
        guard options.pageLimit == nil else {
            queue.finish(try await listJSON(gvr, namespace: namespace, options, kind: kind, apiVersion: apiVersion))
            return stream
        }
        let snapshot = try await listSnapshotReached(options)
        let pieceBytes = max(pieceBytes, 1)
        Task.detached { [self] in
            do {
                try log.read { txn in
                    var piece: [UInt8] = []
                    piece.reserveCapacity(pieceBytes)
                    ListJSON.appendHeader(
                        to: &piece, kind: kind, apiVersion: apiVersion,
                        page: ListPage(resourceVersion: try listSnapshotRV(txn, snapshot)))
                    var first = true
                    _ = try readList(txn, gvr, namespace: namespace, options, snapshot) { object in
                        if piece.count + object.count + 1 > pieceBytes, !piece.isEmpty {
                            try queue.push(piece)
                            piece = []
                            piece.reserveCapacity(max(pieceBytes, object.count + 1))
                        }
                        if !first { piece.append(UInt8(ascii: ",")) }
                        first = false
                        piece.append(contentsOf: object)
                    }
                    piece.append(contentsOf: ListJSON.footer)
                    queue.finish(piece)
                }
            } catch {
                queue.fail(error)
            }
        }
        return stream
    }

    /// Validates `options` and waits for the head they require.
    private func listSnapshotReached(_ options: ListOptions) async throws -> ListSnapshot {
        let snapshot = try Self.listSnapshot(options)
        switch snapshot {
        case .latest(let minimum?): try await awaitHead(atLeast: minimum)
        case .exact(let n): try await awaitHead(atLeast: n)
        case .latest(nil), .continuing: break
        }
        return snapshot
    }

    /// The RV a list at `snapshot` reads at in this transaction (what ``readList`` answers
    /// as the page's resourceVersion; its checks throw there, not here).
    func listSnapshotRV(_ txn: some TransactionReader, _ snapshot: ListSnapshot) throws -> ResourceVersion {
        switch snapshot {
        case .latest: txn.head
        case .exact(let n): min(n, txn.head)
        case .continuing(let token): token.snapshot
        }
    }

    /// The list itself, in one read transaction: `emit` gets each matching object's JSON
    /// (valid only during the call), in namespace/name order.
    func readList(
        _ txn: some TransactionReader, _ gvr: GroupVersionResource, namespace: String?, _ options: ListOptions,
        _ snapshot: ListSnapshot, emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> ListPage {
        let head = txn.head
        var at = head
        var afterKey: [UInt8]?
        switch snapshot {
        case .latest: break
        case .exact(let n):
            if n + 1 < txn.horizon { throw StatusError.tooOldResourceVersion(requested: n, oldest: txn.horizon) }
            at = min(n, head)
        case .continuing(let token):
            if token.snapshot + 1 < txn.horizon || token.snapshot > head {
                throw StatusError.continueExpired()
            }
            at = token.snapshot
            afterKey = token.lastKey
        }
        let filter = ObjectFilter(
            namespace: namespace, name: nil, labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector)
        guard let id = try resourceID(txn, gvr) else {
            return ListPage(resourceVersion: at, continueToken: nil, remainingItemCount: nil)
        }
        if let afterKey, !StorageKeys.hasPrefixArray(afterKey, StorageKeys.resourcePrefix(id)) {
            throw StatusError.badRequest("continue key is not valid: it belongs to another resource")
        }
        let prefix =
            namespace.map { StorageKeys.namespacePrefix(id, namespace: $0) }
            ?? StorageKeys.resourcePrefix(id)
        let limit = options.pageLimit
        let countRemaining = limit != nil && !filter.needsAttributes
        var count = 0
        var lastKey: [UInt8] = []
        var more = false
        var remaining = 0
        let visit: (UnsafeRawBufferPointer, ResourceVersion) throws -> Bool = { key, rv in
            if let limit, count >= limit {
                more = true
                if countRemaining {
                    remaining += 1
                    return true
                }
                return false
            }
            guard let ev = try txn.event(at: rv) else {
                throw ProjectionError.corruptRow("\(gvr) row points at missing event \(rv)")
            }
            try emit(ev.object)
            count += 1
            if limit != nil { lastKey = Array(key) }
            return true
        }
        var done = false
        if at == head, let (_, value) = indexedLookup(gvr, filter) {
            done = try scanIndex(txn, id: id, value: value, after: afterKey, filter: filter, visit)
        }
        if !done {
            try scanObjects(
                txn, id: id, info: catalog.resource(for: gvr), prefix: prefix, after: afterKey,
                snapshot: at == head ? nil : at, filter: filter, visit)
        }
        return ListPage(
            resourceVersion: at,
            continueToken: more ? ContinueToken(snapshot: at, lastKey: lastKey).encoded() : nil,
            remainingItemCount: more && countRemaining ? remaining : nil)
    }

    /// The same latest-state list without the field index (benchmarks and tests compare both paths).
    package func listByScan(_ gvr: GroupVersionResource, namespace: String? = nil, _ options: ListOptions) throws
        -> ListResult
    {
        try log.read { txn in
            let filter = ObjectFilter(
                namespace: namespace, name: nil, labelSelector: options.labelSelector,
                fieldSelector: options.fieldSelector)
            guard let id = try resourceID(txn, gvr) else { return ListResult(resourceVersion: txn.head, items: []) }
            let prefix =
                namespace.map { StorageKeys.namespacePrefix(id, namespace: $0) }
                ?? StorageKeys.resourcePrefix(id)
            var items: [[UInt8]] = []
            try scanObjects(
                txn, id: id, info: catalog.resource(for: gvr), prefix: prefix, after: nil, snapshot: nil, filter: filter
            ) { _, rv in
                if let ev = try txn.event(at: rv) { items.append(Array(ev.object)) }
                return true
            }
            return ListResult(resourceVersion: txn.head, items: items)
        }
    }
}

extension StorageKeys {
    static func hasPrefixArray(_ key: [UInt8], _ prefix: [UInt8]) -> Bool {
        key.count >= prefix.count && key[0..<prefix.count].elementsEqual(prefix)
    }
}
