import KubeModel
import Projections
import Sync

/// Edge mode (`ake serve --upstream`): the only place `Endpoint` consults `EdgeSync`.
///
/// Reads (get, list, watch) first make sure a synced scope covers them — then the
/// ordinary local code answers them from the log, applying the client's own
/// selectors. Writes are forwarded upstream and answered with the object as stored
/// at the edge (read-your-writes). Offline: reads covered by a scope are served from
/// disk; uncovered reads and all writes get 503 with Retry-After.
extension Endpoint {
    /// `nil` = continue with the local (standalone) handling.
    func edgeIntercept(
        _ edge: EdgeSync, _ request: APIRequest, verb: APIVerb, info: ResourceInfo, query: RequestQuery
    ) async throws -> APIResult? {
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
            return nil
        case .create, .update, .patch, .delete, .deletecollection:
            // The upstream records the write's `Update` managedFields entry: name the client's
            // manager, not the edge's own User-Agent. The edge itself records none.
            var forwarded = request
            forwarded.verb = verb
            forwarded.resource = info.gvr
            forwarded.namespace = namespace
            if verb != .delete && verb != .deletecollection && query.fieldManager == nil {
                let manager = ManagedFields.manager(fieldManager: nil, userAgent: request.client)
                if !manager.isEmpty { forwarded.query["fieldManager"] = [manager] }
            }
            return .response(try await edge.forward(forwarded))
        }
    }
}
