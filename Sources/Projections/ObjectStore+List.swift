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
        let snapshot = try Self.listSnapshot(options)
        switch snapshot {
        case .latest(let minimum?): try await awaitHead(atLeast: minimum)
        case .exact(let n): try await awaitHead(atLeast: n)
        case .latest(nil), .continuing: break
        }
        return try log.read { txn in try readList(txn, gvr, namespace: namespace, options, snapshot) }
    }

    /// The list itself, in one read transaction.
    func readList(
        _ txn: some TransactionReader, _ gvr: GroupVersionResource, namespace: String?, _ options: ListOptions,
        _ snapshot: ListSnapshot
    ) throws -> ListResult {
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
        guard let id = try resourceID(txn, gvr) else { return ListResult(resourceVersion: at, items: []) }
        if let afterKey, !StorageKeys.hasPrefixArray(afterKey, StorageKeys.resourcePrefix(id)) {
            throw StatusError.badRequest("continue key is not valid: it belongs to another resource")
        }
        let prefix =
            namespace.map { StorageKeys.namespacePrefix(id, namespace: $0) }
            ?? StorageKeys.resourcePrefix(id)
        let limit = options.pageLimit
        let countRemaining = limit != nil && !filter.needsAttributes
        var items: [[UInt8]] = []
        if let limit { items.reserveCapacity(min(limit, 4096)) }
        var lastKey: [UInt8] = []
        var more = false
        var remaining = 0
        let visit: (UnsafeRawBufferPointer, ResourceVersion) throws -> Bool = { key, rv in
            if let limit, items.count >= limit {
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
            items.append(Array(ev.object))
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
        return ListResult(
            resourceVersion: at, items: items,
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
