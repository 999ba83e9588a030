import KubeModel

/// A watch event, typed.
public enum WatchEvent<T: KubeObject>: Sendable {
    case added(T)
    case modified(T)
    case deleted(T)
    /// The server's progress marker: everything up to this resourceVersion has been sent
    /// (`nil` if the server sent none, or one that is not a number).
    case bookmark(resourceVersion: UInt64?, annotations: [String: String])
    /// A `Status` the server sent inside the stream (410 Expired: relist).
    case error(StatusError)
}

/// A typed, pull-based watch: each `next()` reads one event from the server.
public struct WatchSequence<T: KubeObject>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<T>
    let raw: RawWatchStream

    public struct AsyncIterator: AsyncIteratorProtocol {
        var raw: RawWatchStream.AsyncIterator
        public mutating func next() async throws -> WatchEvent<T>? {
            guard let e = try await raw.next() else { return nil }
            switch e.type {
            case "ADDED": return .added(T(object: e.object))
            case "MODIFIED": return .modified(T(object: e.object))
            case "DELETED": return .deleted(T(object: e.object))
            case "BOOKMARK":
                let meta = e.object["metadata"]
                var ann: [String: String] = [:]
                for (k, v) in meta?["annotations"]?.objectValue ?? JSONObject() { ann[k] = v.stringValue ?? "" }
                return .bookmark(
                    resourceVersion: ListOptions.resourceVersion(parsing: meta?["resourceVersion"]?.stringValue),
                    annotations: ann)
            case "ERROR":
                return .error(
                    StatusError(statusObject: e.object)
                        ?? StatusError.internalError("a watch ERROR event without a Status"))
            default:
                throw KubeClientError.decoding("unknown watch event type \(e.type)")
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(raw: raw.makeAsyncIterator()) }
}

/// The verbs on one resource (in one namespace, or across all / cluster-scoped when `namespace` is nil).
public struct ResourceClient<T: KubeObject>: Sendable {
    public let transport: any KubeTransport
    public let resource: GroupVersionResource
    public let namespace: String?

    public init(transport: any KubeTransport, resource: GroupVersionResource, namespace: String?) {
        self.transport = transport
        self.resource = resource
        self.namespace = namespace
    }

    func request(
        _ verb: APIVerb, name: String? = nil, namespace ns: String? = nil, subresource: String? = nil,
        query: [String: [String]] = [:], body: [UInt8]? = nil, contentType: String? = nil
    ) -> APIRequest {
        APIRequest(
            verb: verb, resource: resource, namespace: ns ?? namespace, name: name, subresource: subresource,
            query: query, body: body, contentType: contentType)
    }

    func call(_ r: APIRequest) async throws -> JSONValue { try await transport.send(r).decoded() }

    static func writeQuery(dryRun: Bool, fieldManager: String?) -> [String: [String]] {
        var q: [String: [String]] = [:]
        if dryRun { q["dryRun"] = ["All"] }
        if let fieldManager { q["fieldManager"] = [fieldManager] }
        return q
    }

    /// GET one object.
    public func get(_ name: String) async throws -> T {
        T(object: try await call(request(.get, name: name)))
    }

    /// LIST with every option (selectors, limit/continue, resourceVersion and match).
    public func list(_ options: ListOptions = ListOptions()) async throws -> ObjectList<T> {
        let v = try await call(request(.list, query: options.queryItems))
        let meta = v["metadata"]
        return ObjectList(
            items: (v["items"]?.arrayValue ?? []).map { T(object: $0) },
            resourceVersion: ListOptions.resourceVersion(parsing: meta?["resourceVersion"]?.stringValue),
            continueToken: meta?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            remainingItemCount: meta?["remainingItemCount"]?.int64Value)
    }

    /// WATCH: a pull-based sequence of typed events (nothing is buffered ahead of the consumer).
    public func watch(_ options: ListOptions = ListOptions()) async throws -> WatchSequence<T> {
        WatchSequence(raw: try await transport.watch(request(.watch, query: options.queryItems)))
    }

    /// POST. The namespace comes from the client or else from the object.
    public func create(_ object: T, dryRun: Bool = false, fieldManager: String? = nil) async throws -> T {
        T(
            object: try await call(
                request(
                    .create, namespace: namespace ?? object.namespace,
                    query: Self.writeQuery(dryRun: dryRun, fieldManager: fieldManager), body: object.object.serialized()
                )))
    }

    /// PUT the whole object (its `resourceVersion` is the precondition: stale → 409 Conflict).
    public func update(_ object: T, dryRun: Bool = false, fieldManager: String? = nil) async throws -> T {
        guard let name = object.name else { throw KubeClientError.configuration("update needs metadata.name") }
        return T(
            object: try await call(
                request(
                    .update, name: name, namespace: namespace ?? object.namespace,
                    query: Self.writeQuery(dryRun: dryRun, fieldManager: fieldManager), body: object.object.serialized()
                )))
    }

    /// PUT on the `status` subresource: only `status` changes.
    public func updateStatus(_ object: T, dryRun: Bool = false) async throws -> T {
        guard let name = object.name else { throw KubeClientError.configuration("updateStatus needs metadata.name") }
        return T(
            object: try await call(
                request(
                    .update, name: name, namespace: namespace ?? object.namespace, subresource: "status",
                    query: Self.writeQuery(dryRun: dryRun, fieldManager: nil), body: object.object.serialized())))
    }

    /// PATCH in one of the API's formats. For `.apply`, `fieldManager` is required and `force` takes over conflicts.
    public func patch(
        _ name: String, type: PatchType, body: [UInt8], subresource: String? = nil, dryRun: Bool = false,
        fieldManager: String? = nil, force: Bool = false
    ) async throws -> T {
        var q = Self.writeQuery(dryRun: dryRun, fieldManager: fieldManager)
        if force { q["force"] = ["true"] }
        return T(
            object: try await call(
                request(.patch, name: name, subresource: subresource, query: q, body: body, contentType: type.rawValue))
        )
    }

    /// PATCH with a JSON value body.
    public func patch(
        _ name: String, type: PatchType, _ patch: JSONValue, subresource: String? = nil, dryRun: Bool = false,
        fieldManager: String? = nil, force: Bool = false
    ) async throws -> T {
        try await self.patch(
            name, type: type, body: patch.serialized(), subresource: subresource, dryRun: dryRun,
            fieldManager: fieldManager, force: force)
    }

    /// DELETE. Returns the object as the server returned it (with `deletionTimestamp` when finalizers
    /// keep it), or nil when the server answered with a success `Status`.
    @discardableResult
    public func delete(_ name: String, options: DeleteOptions = DeleteOptions()) async throws -> T? {
        let v = try await call(
            request(
                .delete, name: name, query: options.query, body: options.body,
                contentType: options.body == nil ? nil : "application/json"))
        return v["kind"]?.stringValue == "Status" ? nil : T(object: v)
    }

    /// DELETE on the collection, with selectors.
    public func deleteCollection(_ list: ListOptions = ListOptions(), options: DeleteOptions = DeleteOptions())
        async throws
    {
        var q = list.queryItems
        for (k, v) in options.query { q[k] = v }
        _ = try await call(
            request(
                .deletecollection, query: q, body: options.body,
                contentType: options.body == nil ? nil : "application/json"))
    }
}
