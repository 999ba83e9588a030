import KubeModel
import Projections
import Sync

/// How the local (standalone) write path runs at an edge; set around it as a task-local
/// by `route`, read by `Endpoint.write`.
struct EdgeLocalWrite: Sendable {
    enum Mode: Sendable {
        /// An offline write accepted locally: appended as pending, recorded in the ledger.
        case pending
        /// A dry run that finds what the edge can answer itself while offline.
        case decide
    }

    var edge: EdgeSync
    var mode: Mode
    /// The edge syncs namespaces: an unknown namespace is refused (404) as the cloud would.
    var strictNamespaces: Bool
    /// The write was forwarded first and got no answer: the cloud may have applied it.
    var mayHaveLanded = false

    @TaskLocal static var current: EdgeLocalWrite?
}

/// What edge mode decided for a request.
enum EdgeDecision: Sendable {
    /// Answered (forwarded upstream, or refused).
    case answered(APIResult)
    /// A read a synced scope covers: the ordinary local code answers it.
    case local
    /// A write to accept locally as pending (`mayHaveLanded`: it was forwarded first and
    /// got no answer, so the cloud may have applied it).
    case pending(mayHaveLanded: Bool)
    /// A write the link cannot take: answer locally what the edge can decide, else this 503.
    case decide(StatusError)
}

/// Edge mode (`ake serve --upstream`): the only place `Endpoint` consults `EdgeSync`.
///
/// Reads (get, list, watch) first make sure a synced scope covers them — then the
/// ordinary local code answers them from the log, applying the client's own
/// selectors. Writes follow the write policy (`--write-policy`): while the link works
/// they are forwarded upstream (bounded by `--write-timeout`) and answered with the
/// object as stored at the edge (read-your-writes). When the link is down or the cloud
/// does not answer in time, a `pending`-policy write is accepted by the local write path
/// (defaulted, validated, optimistic concurrency against the edge's copy) and kept as a
/// pending event for the reconciler; a `forward`-policy write is answered locally when
/// the edge can decide it (AlreadyExists, Conflict, Invalid, an unknown namespace the
/// edge syncs), else 503 with Retry-After. Offline, reads covered by a scope are served
/// from disk; uncovered reads get 503.
extension Endpoint {
    func edgeIntercept(
        _ edge: EdgeSync, _ request: APIRequest, verb: APIVerb, info: ResourceInfo, query: RequestQuery
    ) async throws -> EdgeDecision {
        let namespace = (request.namespace?.isEmpty ?? true) ? nil : request.namespace
        switch verb {
        case .get, .list, .watch:
            var fields = query.list.fieldSelector?.description ?? ""
            if verb == .get, let name = request.name {
                // One object: a scope of the whole namespace, or of just this name, covers it.
                fields = "metadata.name=\(name)"
            }
            let selector = ScopeSelector(
                resource: info.gvr, namespace: info.namespaced ? namespace : nil,
                labelSelector: verb == .get ? "" : (query.list.labelSelector?.description ?? ""), fieldSelector: fields)
            try await edge.ensureCovered(selector)
            return .local
        case .create, .update, .patch, .delete, .deletecollection:
            let mode = edge.options.writePolicy.mode(
                info.gvr, subresource: request.subresource, namespace: namespace, verb: verb, isCustom: info.isCustom)
            let keepable = mode == .pending && !query.dryRun
            // Writes to an object with writes still pending stay local until those are
            // reconciled, so the cloud receives them in order.
            let objectNamespace = info.namespaced ? (namespace ?? "") : ""
            if edge.pendingCount > 0, let name = Self.objectName(request, verb: verb),
                edge.hasPending(info.gvr, namespace: objectNamespace, name: name)
            {
                if keepable { return .pending(mayHaveLanded: false) }
                // A forwarded write waits (bounded) for the object's pending writes to reach the cloud.
                await edge.awaitReconciled(info.gvr, namespace: objectNamespace, name: name)
            }
            // The upstream records the write's `Update` managedFields entry: name the client's
            // manager, not the edge's own User-Agent — and, behind a secured front, the local
            // user the edge authorized (the upstream only knows the edge's own credentials).
            // The edge itself records none.
            var forwarded = request
            forwarded.verb = verb
            forwarded.resource = info.gvr
            forwarded.namespace = namespace
            if verb != .delete && verb != .deletecollection && query.fieldManager == nil {
                let manager = ManagedFields.manager(
                    fieldManager: nil, userAgent: request.client, localUser: request.user?.name)
                if !manager.isEmpty { forwarded.query["fieldManager"] = [manager] }
            }
            switch try await edge.tryForward(forwarded) {
            case .answered(let response):
                return .answered(.response(response))
            case .unreachable(let error, let mayHaveLanded):
                return keepable ? .pending(mayHaveLanded: mayHaveLanded) : .decide(error)
            }
        }
    }

    /// The name a write concerns (from the path, or a create's body); nil when unknown (generateName).
    static func objectName(_ request: APIRequest, verb: APIVerb) -> String? {
        if let name = request.name, !name.isEmpty { return name }
        guard verb == .create, let body = request.body, let json = try? JSONValue(parsing: body) else { return nil }
        return json.name.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs a `pending`-policy write through the local write path. An object the edge does
    /// not hold is "not found" only when a synced scope covers it; otherwise the cloud may
    /// well have it, and the answer is 503.
    func acceptPending(
        _ edge: EdgeSync, verb: APIVerb, info: ResourceInfo, request: APIRequest, query: RequestQuery,
        mayHaveLanded: Bool
    ) async throws -> APIResult {
        let local = EdgeLocalWrite(
            edge: edge, mode: .pending, strictNamespaces: edgeSyncsNamespaces(edge), mayHaveLanded: mayHaveLanded)
        do {
            return try await EdgeLocalWrite.$current.withValue(local) {
                try await routeLocal(verb, info, request, query)
            }
        } catch let error as StatusError where error.code == 404 && error.details?.kind != "namespaces" {
            let namespace = info.namespaced ? request.namespace.flatMap { $0.isEmpty ? nil : $0 } : nil
            let name = Self.objectName(request, verb: verb) ?? ""
            let selector = ScopeSelector(
                resource: info.gvr, namespace: namespace, fieldSelector: name.isEmpty ? "" : "metadata.name=\(name)")
            if edge.isCovered(selector) { throw error }
            throw edge.unavailable("no synced copy of the object is kept at this edge to write to")
        }
    }

    /// Whether the edge syncs namespaces (then an unknown one is refused as the cloud would).
    func edgeSyncsNamespaces(_ edge: EdgeSync) -> Bool {
        edge.isCovered(ScopeSelector(resource: ResourceStrategy.namespaces, namespace: nil))
    }

    /// The offline answer of a `forward`-policy write: a dry run of the local write path;
    /// what it refuses and the edge can know (AlreadyExists or Conflict on an object it
    /// holds, Invalid, BadRequest, an unknown or terminating namespace the edge syncs) is
    /// the answer, anything else is `unavailable` (503 with Retry-After).
    func decideOffline(
        _ edge: EdgeSync, _ unavailable: StatusError, verb: APIVerb, info: ResourceInfo, request: APIRequest,
        query: RequestQuery
    ) async throws -> APIResult {
        guard verb != .deletecollection else { throw unavailable }
        var dry = query
        dry.dryRun = true
        let strict = edgeSyncsNamespaces(edge)
        do {
            _ = try await EdgeLocalWrite.$current.withValue(
                EdgeLocalWrite(edge: edge, mode: .decide, strictNamespaces: strict)
            ) {
                try await routeLocal(verb, info, request, dry)
            }
        } catch let error as StatusError where Self.edgeCanDecide(error, strictNamespaces: strict) {
            throw error
        } catch {}
        throw unavailable
    }

    /// The refusals an offline edge answers itself.
    static func edgeCanDecide(_ error: StatusError, strictNamespaces: Bool) -> Bool {
        switch error.code {
        case 400, 409, 422: return true
        case 403: return error.details?.causes.contains { $0.reason == "NamespaceTerminating" } ?? false
        case 404: return strictNamespaces && error.details?.kind == "namespaces"
        default: return false
        }
    }
}
