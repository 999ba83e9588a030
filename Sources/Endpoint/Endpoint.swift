import Admission
import KubeModel
import Logging
import Projections
import Sync

/// The transport-free Kubernetes API of a standalone (authoritative) AKE.
///
/// `handle` takes one request and answers it with kube-apiserver semantics: requests are
/// validated before anything reaches storage; reads come from the `ObjectStore`
/// projections; every write is one `ObjectStore.mutate` (one write transaction, durable
/// before the answer). HTTP (APIFront) and the in-process clientset (KubeClient) both call
/// it, so they share one set of semantics.
///
/// Where a standalone AKE deliberately differs from kube-apiserver:
/// - status: types with a status subresource start without the client's status, except
///   Pods (`phase: Pending`), Nodes (kept) and Namespaces (`phase: Active`);
/// - `generation` is kept on every type (1 on create, +1 when anything outside metadata
///   and status changes), where the apiserver leaves it out of some (ConfigMaps, Secrets);
/// - controllers run synchronously inside the write: garbage collection of dependents,
///   namespace content cleanup, CRD status (NamesAccepted/Established) and CRD cleanup —
///   see `RegistryWriter`;
/// - pods are deleted at once (no kubelet to wait for during a grace period);
/// - managedFields: server-side apply (`ServerSideApply`) and `Update` entries for other
///   writes (`ManagedFields.recordUpdate`); the endpoint's own writes record nothing;
/// - strict field validation (`fieldValidation=Strict`) is accepted but not enforced
///   (no schemas); an unknown `dryRun` value is 422 as in the apiserver's option validation.
public final class Endpoint: Sendable {
    let store: ObjectStore
    let catalog: ResourceCatalog
    let logger: Logger
    /// Edge mode: reads are covered by sync scopes, writes go upstream (see EdgeMode.swift).
    let edge: EdgeSync?
    /// Standalone only: allocates Service ClusterIPs and node ports. At an edge Services
    /// are the cloud's: writes are forwarded and nothing is allocated locally.
    let serviceAllocator: ServiceAllocator?
    /// Allocation's cache of what each stored Service version holds.
    let serviceUsageMemo = ServiceUsageMemo()
    /// The piece size of streamed list bodies (``APIRequest/acceptsStreamedList``).
    let listPieceBytes: Int

    /// An endpoint over `store`. `serviceAllocator` holds `--service-cluster-ip-range`
    /// and `--service-node-port-range` (kube-apiserver's defaults unless given); it is
    /// ignored in edge mode. `listPieceBytes` is the piece size of streamed list bodies.
    public init(
        store: ObjectStore, catalog: ResourceCatalog, logger: Logger, edge: EdgeSync? = nil,
        serviceAllocator: ServiceAllocator? = nil, listPieceBytes: Int = ObjectStore.listPieceBytes
    ) {
        self.listPieceBytes = listPieceBytes
        self.store = store
        self.catalog = catalog
        self.logger = logger
        self.edge = edge
        if edge != nil {
            self.serviceAllocator = nil
        } else {
            self.serviceAllocator = serviceAllocator ?? .kubeDefaults
        }
    }

    /// Answers one request. Never throws: every failure becomes a `Status` response with
    /// the apiserver's code and reason (internal errors: 500 without details).
    public func handle(_ request: APIRequest) async -> APIResult {
        do {
            return try await route(request)
        } catch {
            let status = statusError(error, request: request)
            return .response(APIResponse(code: status.code, body: status.statusObject().serialized()))
        }
    }

    /// Bootstraps a new database — the namespaces every cluster has (`default`,
    /// `kube-system`, `kube-public`, `kube-node-lease`) — and registers the resources of
    /// the CRDs already stored. Idempotent.
    public func bootstrap() async throws {
        let catalog = self.catalog
        if let nsInfo = catalog.resource(for: ResourceStrategy.namespaces) {
            try await store.mutate { ctx in
                let writer = RegistryWriter(ctx: ctx, catalog: catalog, origin: .system)
                for name in ResourceStrategy.bootstrapNamespaces {
                    if try ctx.current(ResourceStrategy.namespaces, namespace: "", name: name) != nil { continue }
                    let namespace: JSONValue = [
                        "kind": "Namespace", "apiVersion": "v1", "metadata": ["name": .string(name)],
                    ]
                    _ = try writer.create(nsInfo, namespace: "", object: namespace)
                }
            }
        }
        if catalog.resource(for: ResourceStrategy.crds) != nil {
            let crds = try await store.list(ResourceStrategy.crds, ListOptions())
            for item in crds.items {
                do {
                    _ = try catalog.register(crd: try JSONValue(parsing: item))
                } catch {
                    logger.error(
                        "stored CustomResourceDefinition could not be registered", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    // MARK: routing

    private func route(_ request: APIRequest) async throws -> APIResult {
        var verb = request.verb
        // An in-process caller may still say `watch` in the query; the same rule as the front's.
        if verb == .list && QueryParameter.bool(request.query["watch"]) { verb = .watch }
        let info = try resolve(request, verb: verb)
        let query = try RequestQuery.parse(request.query, verb: verb, info: info)
        if let edge {
            switch try await edgeIntercept(edge, request, verb: verb, info: info, query: query) {
            case .answered(let result):
                return result
            case .local:
                break
            case .pending(let mayHaveLanded):
                return try await acceptPending(
                    edge, verb: verb, info: info, request: request, query: query, mayHaveLanded: mayHaveLanded)
            case .decide(let unavailable):
                return try await decideOffline(
                    edge, unavailable, verb: verb, info: info, request: request, query: query)
            }
        }
        return try await routeLocal(verb, info, request, query)
    }

    /// The local handling of a resolved request (standalone, or an edge's covered read or offline write).
    func routeLocal(_ verb: APIVerb, _ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery)
        async throws -> APIResult
    {
        if verb == .create || verb == .update || verb == .patch {
            // Server-side field validation (Schemas/FieldValidation.swift); warnings ride on the response.
            var checked = request
            let warnings = try FieldValidation.apply(to: &checked, info: info)
            let result = try await routeVerb(verb, info, checked, query)
            guard !warnings.isEmpty, case .response(var r) = result else { return result }
            r.warnings += warnings
            return .response(r)
        }
        return try await routeVerb(verb, info, request, query)
    }

    private func routeVerb(_ verb: APIVerb, _ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery)
        async throws -> APIResult
    {
        if request.subresource == "scale" { return .response(try await routeScale(verb, info, request, query)) }
        switch verb {
        case .get: return .response(try get(info, request))
        case .list: return .response(try await list(info, request, query))
        case .watch: return .watch(try watch(info, request, query))
        case .create: return .response(try await create(info, request, query))
        case .update: return .response(try await update(info, request, query))
        case .patch: return .response(try await patch(info, request, query))
        case .delete: return .response(try await delete(info, request, query))
        case .deletecollection: return .response(try await deleteCollection(info, request, query))
        }
    }

    /// The checks the apiserver's router and request-info resolution make: a known
    /// resource, a verb it supports, the namespace its scope needs, valid path segments.
    private func resolve(_ request: APIRequest, verb: APIVerb) throws -> ResourceInfo {
        guard let info = catalog.resource(for: request.resource) else { throw StatusError.noRoute() }
        if let sub = request.subresource, !sub.isEmpty {
            guard sub == "status" || sub == "scale", info.subresources.contains(sub),
                verb == .get || verb == .update || verb == .patch
            else { throw StatusError.noRoute() }
        } else if !info.verbs.contains(verb.rawValue) {
            throw StatusError.methodNotAllowed(info.gvr, verb: verb.rawValue)
        }
        let namespace = request.namespace ?? ""
        let needsName = verb == .get || verb == .update || verb == .patch || verb == .delete
        if info.namespaced {
            if namespace.isEmpty && (needsName || verb == .create) { throw StatusError.noRoute() }
            if namespace.isEmpty && verb == .deletecollection {
                throw StatusError.methodNotAllowed(info.gvr, verb: verb.rawValue)
            }
            if !namespace.isEmpty, let problem = RequestPathValidation.checkNamespace(namespace) { throw problem }
        } else if !namespace.isEmpty {
            throw StatusError.noRoute()
        }
        if needsName {
            guard let name = request.name, !name.isEmpty else { throw StatusError.noRoute() }
            // Also bounds the length, so no oversized name reaches a storage key.
            if let problem = RequestPathValidation.checkName(name) { throw problem }
        } else if verb == .create, let name = request.name, !name.isEmpty {
            throw StatusError.methodNotAllowed(info.gvr, verb: verb.rawValue)
        }
        return info
    }

    // MARK: reads

    private func get(_ info: ResourceInfo, _ request: APIRequest) throws -> APIResponse {
        let name = request.name ?? ""
        guard let stored = try store.get(info.gvr, namespace: request.namespace ?? "", name: name) else {
            throw StatusError.notFound(info.gvr, name: name)
        }
        return APIResponse(code: 200, body: stored.bytes)
    }

    private func list(_ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) async throws -> APIResponse {
        let namespace = request.namespace.flatMap { $0.isEmpty ? nil : $0 }
        if request.acceptsStreamedList {
            // Pieces go to the socket while the snapshot is still being scanned; a list that
            // fits in one piece is answered whole, as below.
            let stream = try await store.streamListJSON(
                info.gvr, namespace: namespace, query.list, kind: info.listKind, apiVersion: info.gvr.groupVersion,
                pieceBytes: listPieceBytes)
            switch try await stream.start() {
            case .complete(let body): return APIResponse(code: 200, body: body)
            case .streaming: return APIResponse(streaming: stream)
            }
        }
        // The body is written straight from the read snapshot (no per-item copies).
        let body = try await store.listJSON(
            info.gvr, namespace: namespace, query.list, kind: info.listKind, apiVersion: info.gvr.groupVersion)
        return APIResponse(code: 200, body: body)
    }

    private func watch(_ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) throws -> WatchStream {
        let options = WatchOptions(
            namespace: request.namespace.flatMap { $0.isEmpty ? nil : $0 },
            name: request.name.flatMap { $0.isEmpty ? nil : $0 }, query.list)
        return try store.watch(info.gvr, options)
    }

    // MARK: writes

    private func create(_ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) async throws -> APIResponse
    {
        var object = try RequestBody.object(request.body, info: info)
        let namespace = request.namespace ?? ""
        if info.namespaced {
            if !object.objectNamespace.isEmpty && object.objectNamespace != namespace {
                throw StatusError.badRequest(
                    "the namespace of the provided object does not match the namespace sent on the request")
            }
        } else {
            object.setObjectMeta("namespace", nil)
        }
        let body = object
        // Defaulting, validation and managedFields need nothing from the store: they run
        // here, concurrently with other requests, instead of on the single writer thread.
        let prepared =
            query.dryRun
            ? nil
            : RegistryWriter.prepareCreate(
                info, namespace: namespace, object: body,
                fieldManager: ManagedFields.manager(fieldManager: query.fieldManager, userAgent: request.client),
                now: Generated.timestamp())
        return try await write(request, dryRun: query.dryRun, fieldManager: query.fieldManager) { writer in
            let written =
                try prepared.map { try writer.create(info, namespace: namespace, prepared: $0) }
                ?? writer.create(info, namespace: namespace, object: body)
            return APIResponse(code: 201, body: written.bytes)
        }
    }

    private func update(_ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) async throws -> APIResponse
    {
        let object = try RequestBody.object(request.body, info: info)
        let name = request.name ?? ""
        let namespace = request.namespace ?? ""
        if object.objectName != name {
            throw StatusError.badRequest(
                "the name of the object (\(object.objectName)) does not match the name on the URL (\(name))")
        }
        if info.namespaced && !object.objectNamespace.isEmpty && object.objectNamespace != namespace {
            throw StatusError.badRequest(
                "the namespace of the object (\(object.objectNamespace)) does not match the namespace on the request (\(namespace))"
            )
        }
        let subresource = request.subresource
        return try await write(request, dryRun: query.dryRun, fieldManager: query.fieldManager) { writer in
            let written = try writer.replace(
                info, namespace: namespace, name: name, body: object, subresource: subresource)
            return APIResponse(code: 200, body: written.bytes)
        }
    }

    private func patch(_ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) async throws -> APIResponse {
        let kind = try PatchKind.from(contentType: request.contentType, info: info)
        var causes: [FieldError] = []
        if kind == .apply && query.fieldManager == nil {
            causes.append(.required("fieldManager", "is required for apply requests"))
        }
        if kind != .apply && query.force {
            causes.append(.forbidden("force", "may not be specified for non-apply patch"))
        }
        if !causes.isEmpty { throw StatusError.invalidOptions("PatchOptions", causes: causes) }
        let patch = try PatchApplier.parse(request.body, kind: kind)
        let name = request.name ?? ""
        let namespace = request.namespace ?? ""
        if kind == .apply {
            guard patch.objectValue != nil else {
                throw StatusError.badRequest("error decoding YAML: the applied configuration is not an object")
            }
            try RequestBody.checkTypeMeta(patch, info: info, required: true)
            try RequestBody.checkMetadataShape(patch, info: info)
            if !patch.objectName.isEmpty && patch.objectName != name {
                throw StatusError.badRequest(
                    "the name of the object (\(patch.objectName)) does not match the name on the URL (\(name))")
            }
            if info.namespaced && !patch.objectNamespace.isEmpty && patch.objectNamespace != namespace {
                throw StatusError.badRequest(
                    "the namespace of the object (\(patch.objectNamespace)) does not match the namespace on the request (\(namespace))"
                )
            }
        }
        let subresource = request.subresource
        let fieldManager = query.fieldManager
        let force = query.force
        return try await write(request, dryRun: query.dryRun, fieldManager: fieldManager) { writer in
            let (written, created) = try writer.patch(
                info, namespace: namespace, name: name, kind: kind, patch: patch, subresource: subresource,
                fieldManager: fieldManager, force: force)
            return APIResponse(code: created ? 201 : 200, body: written.bytes)
        }
    }

    private func delete(_ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) async throws -> APIResponse
    {
        let options = try DeleteRequestOptions.parse(query: query, body: request.body)
        let name = request.name ?? ""
        let namespace = request.namespace ?? ""
        return try await write(request, dryRun: options.dryRun, deletion: true) { writer in
            switch try writer.delete(info, namespace: namespace, name: name, options: options) {
            case .marked(let written):
                return APIResponse(code: 200, body: written.bytes)
            case .removed(let written):
                if ResourceStrategy.returnsDeletedObject(info) { return APIResponse(code: 200, body: written.bytes) }
                return APIResponse(code: 200, body: Self.successStatus(info, written.object))
            }
        }
    }

    private func deleteCollection(_ info: ResourceInfo, _ request: APIRequest, _ query: RequestQuery) async throws
        -> APIResponse
    {
        let options = try DeleteRequestOptions.parse(query: query, body: request.body)
        let namespace = request.namespace.flatMap { $0.isEmpty ? nil : $0 }
        let labels = query.list.labelSelector
        let fields = query.list.fieldSelector
        return try await write(request, dryRun: options.dryRun, deletion: true) { writer in
            let deleted = try writer.deleteCollection(
                info, namespace: namespace, labels: labels, fields: fields, options: options)
            let body = ListBody.build(
                listKind: info.listKind, apiVersion: info.gvr.groupVersion,
                resourceVersion: String(writer.ctx.nextRV &- 1), items: deleted.map(\.bytes))
            return APIResponse(code: 200, body: body)
        }
    }

    /// `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{...}}`
    static func successStatus(_ info: ResourceInfo, _ object: JSONValue) -> [UInt8] {
        var details = JSONObject()
        details["name"] = .string(object.objectName)
        if !info.gvr.group.isEmpty { details["group"] = .string(info.gvr.group) }
        details["kind"] = .string(info.gvr.resource)
        details["uid"] = .string(object.objectUID)
        let status: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": .object(details),
        ]
        return status.serialized()
    }

    /// Thrown inside a dry-run mutation so that nothing it did can commit.
    private struct DryRunRollback: Error {
        var response: APIResponse
    }

    private struct WriteOutcome: Sendable {
        var response: APIResponse
        var catalogChanges: [CatalogChange]
        /// An edge's offline write: the pending-ledger entries it changed.
        var pendingChanges: [PendingChange] = []
    }

    /// Runs `body` in one write transaction; applies catalog changes once it committed.
    /// A create, update or patch passes its `fieldManager` query (nil: the User-Agent names
    /// the manager) so that the writer records `Update` managedFields entries.
    /// `deletion`: the write serves a DELETE, which is taken even at the disk quota.
    func write(
        _ request: APIRequest, dryRun: Bool, fieldManager: String?? = nil, deletion: Bool = false,
        _ body: @escaping @Sendable (RegistryWriter) throws -> APIResponse
    ) async throws -> APIResponse {
        let catalog = self.catalog
        let serviceAllocator = self.serviceAllocator
        let serviceUsageMemo = self.serviceUsageMemo
        let origin = WriteOrigin.local(client: request.client)
        let local = EdgeLocalWrite.current
        let outcome: WriteOutcome
        do {
            outcome = try await store.mutate { ctx in
                if deletion { ctx.admitOverQuota() }
                let writer = RegistryWriter(ctx: ctx, catalog: catalog, origin: origin, dryRun: dryRun)
                writer.serviceAllocator = serviceAllocator
                writer.serviceUsageMemo = serviceUsageMemo
                if let fieldManager {
                    writer.fieldManager = ManagedFields.manager(fieldManager: fieldManager, userAgent: request.client)
                }
                var pending: [PendingChange] = []
                if let local {
                    writer.lenientNamespaces = !local.strictNamespaces
                    writer.lenientDefinitions = true
                    if local.mode == .pending && !dryRun {
                        writer.state = .pending
                        writer.onAppend = { ctx, type, gvr, previous, stored in
                            pending.append(
                                try local.edge.recordPending(
                                    ctx, type: type, gvr, namespace: stored.namespace, name: stored.name,
                                    previous: previous, stored: stored, verb: request.verb,
                                    subresource: request.subresource, client: request.client,
                                    mayHaveLanded: local.mayHaveLanded))
                        }
                    }
                }
                let response = try body(writer)
                if dryRun { throw DryRunRollback(response: response) }
                return WriteOutcome(
                    response: response, catalogChanges: writer.catalogChanges, pendingChanges: pending)
            }
        } catch let rollback as DryRunRollback {
            return rollback.response
        }
        local?.edge.pendingCommitted(outcome.pendingChanges)
        for change in outcome.catalogChanges {
            switch change {
            case .register(let crd):
                do { _ = try catalog.register(crd: crd) } catch {
                    logger.error("CustomResourceDefinition could not be registered", metadata: ["error": "\(error)"])
                }
            case .unregister(let name):
                _ = catalog.unregister(crdName: name)
            }
        }
        return outcome.response
    }

    // MARK: errors

    private func statusError(_ error: any Error, request: APIRequest) -> StatusError {
        if let status = StatusError.storage(error) { return status }
        // Only the error's type: its description could quote object bytes (Secret data).
        logger.error(
            "internal error",
            metadata: [
                "verb": "\(request.verb.rawValue)", "resource": "\(request.resource)", "error": "\(type(of: error))",
            ])
        return StatusError.internalError()
    }
}
