import Foundation
import KubeModel
import NIOHTTP1
import Projections

extension EdgeSync {
    /// Sends a write upstream (online only), with any resourceVersion precondition
    /// translated from the edge's RV to the cloud's; appends the object the cloud returns
    /// before answering, so the client reads its own write at once. The cloud's watch
    /// will deliver the same upstream version again; the store recognises it (same
    /// upstream RV for the key) and does not append it twice. Throws `StatusError`.
    public func forward(_ write: APIRequest) async throws -> APIResponse {
        switch try await tryForward(write) {
        case .answered(let response): return response
        case .unreachable(let error, _): throw error
        }
    }

    /// What became of a write the edge tried to forward.
    public enum ForwardResult: Sendable {
        /// The cloud answered (success or a Status error), as the client gets it.
        case answered(APIResponse)
        /// The link is down, or the cloud did not answer within `writeTimeout`: the 503 to
        /// answer unless the edge keeps the write. `mayHaveLanded`: the request was sent and
        /// got no answer, so the cloud may have applied it (its fate is unknown).
        case unreachable(StatusError, mayHaveLanded: Bool)
    }

    /// `forward`, telling an unreachable cloud apart from its answers: the caller may then
    /// accept the write locally (a `pending`-policy write). The upstream request is bounded
    /// by `options.writeTimeout`, so no client waits on a silently dead link for its own
    /// timeout. Throws `StatusError` for what the edge itself refuses.
    public func tryForward(_ write: APIRequest) async throws -> ForwardResult {
        guard write.verb.isWrite else {
            throw StatusError.methodNotAllowed("only writes are forwarded upstream, not \(write.verb.rawValue)")
        }
        await awaitLinkKnown()
        guard isOnline else {
            return .unreachable(
                unreachable("writes cannot be forwarded while the link is down"), mayHaveLanded: false)
        }
        var write = write
        try translatePreconditions(&write)
        let response: UpstreamResponse
        let labels = TrafficLabels(resource: SyncMetrics.label(write.resource), purpose: "write")
        do {
            response = try await connection.send(write, timeout: Self.timeAmount(options.writeTimeout), labels: labels)
        } catch {
            // Sent, no answer in time: the link may be silently dead. It counts as one
            // failed contact (two in a row, with the probe's, take the link offline).
            let text = "\(error)"
            linkFailed(text)
            if text.contains("deadlineExceeded") {
                return .unreachable(
                    unreachable("the cloud did not answer the write within \(options.writeTimeout)"),
                    mayHaveLanded: true)
            }
            // Refused or reset: possibly after the request went out, so its fate is unknown too.
            return .unreachable(unreachable("the write could not be forwarded (\(error))"), mayHaveLanded: true)
        }
        linkSucceeded()
        guard (200..<300).contains(response.code) else {
            return .answered(APIResponse(code: response.code, body: response.body, warnings: response.warnings))
        }
        if write.isDryRun || write.verb == .deletecollection {
            // Nothing is stored: the watch brings the real changes; hide the cloud's RVs.
            return .answered(
                APIResponse(code: response.code, body: hideUpstreamRVs(response.body), warnings: response.warnings))
        }
        let gvr = write.resource
        if write.verb == .delete {
            // Deleted at once, or still there (finalizers, graceful deletion): ask.
            let key = ObjectKey(namespace: write.namespace ?? "", name: write.name ?? "")
            let check = try? await connection.sendObject(
                .GET, path: Kubeconfig.path(gvr, namespace: write.namespace, name: write.name, subresource: nil),
                resource: gvr, labels: labels)
            if let check, check.code == 200, let object = try? UpstreamObject(json: JSONValue(parsing: check.body)) {
                let stored = try await storeWritten(gvr, object)
                let body = isStatus(response.body) ? hideUpstreamRVs(response.body) : stored
                return .answered(APIResponse(code: response.code, body: body, warnings: response.warnings))
            }
            let ownership = self.ownership
            let last = try? UpstreamObject(json: JSONValue(parsing: response.body))
            let lastObject = (last.map { $0.name == key.name } ?? false) ? last : nil
            let applied = try await store.mutate { ctx in
                ownership.removeAll(gvr, key)
                var applied = EdgeStoreWriter.Applied()
                try EdgeStoreWriter.delete(
                    ctx, gvr, key, last: lastObject, origin: .upstream(scope: 0), applied: &applied)
                return applied
            }
            metrics.applied(nil, gvr, applied)
            return .answered(
                APIResponse(code: response.code, body: hideUpstreamRVs(response.body), warnings: response.warnings))
        }
        if write.subresource == "scale" {
            return .answered(try await storeScaledParent(write, response, labels: labels))
        }
        let object: UpstreamObject
        do { object = try UpstreamObject(json: JSONValue(parsing: response.body)) } catch {
            return .answered(APIResponse(code: response.code, body: response.body, warnings: response.warnings))
        }
        let stored = try await storeWritten(gvr, object)
        return .answered(APIResponse(code: response.code, body: stored, warnings: response.warnings))
    }

    /// A `/scale` write answers a Scale, not the parent: fetch the parent the write changed
    /// and store it (read-your-writes), then answer the Scale with the edge's RV of the parent.
    func storeScaledParent(_ write: APIRequest, _ response: UpstreamResponse, labels: TrafficLabels)
        async throws -> APIResponse
    {
        let gvr = write.resource
        let check = try? await connection.sendObject(
            .GET, path: Kubeconfig.path(gvr, namespace: write.namespace, name: write.name, subresource: nil),
            resource: gvr, labels: labels)
        guard let check, check.code == 200, let parent = try? UpstreamObject(json: JSONValue(parsing: check.body))
        else {
            // The watch brings the change; answer without the cloud's RV.
            return APIResponse(
                code: response.code, body: hideUpstreamRVs(response.body), warnings: response.warnings)
        }
        let stored = try await storeWritten(gvr, parent)
        guard var scale = try? JSONValue(parsing: response.body), scale.metadata != nil else {
            return APIResponse(code: response.code, body: response.body, warnings: response.warnings)
        }
        scale.resourceVersion = (try? JSONValue(parsing: stored))?.resourceVersion
        return APIResponse(code: response.code, body: scale.serialized(), warnings: response.warnings)
    }

    /// Appends an object the cloud returned; owned by every scope whose selector matches it.
    func storeWritten(_ gvr: GroupVersionResource, _ object: UpstreamObject) async throws -> [UInt8] {
        let info = store.catalog.resource(for: gvr)
        let json = try JSONValue(parsing: object.bytes)
        let owners = state.withLock { $0.registry.owners(of: json, gvr, info: info) }
        let ownership = self.ownership
        let (bytes, applied) = try await store.mutate { ctx in
            for id in owners { ownership.add(id, gvr, object.key) }
            var applied = EdgeStoreWriter.Applied()
            try EdgeStoreWriter.upsert(
                ctx, gvr, object, origin: .upstream(scope: owners.first ?? 0), authoritative: false, applied: &applied)
            return (try ctx.current(gvr, namespace: object.namespace, name: object.name)?.bytes ?? [], applied)
        }
        metrics.applied(nil, gvr, applied)
        return bytes
    }

    func isStatus(_ bytes: [UInt8]) -> Bool {
        (try? JSONValue(parsing: bytes))?["kind"]?.stringValue == "Status"
    }

    /// Removes the cloud's resourceVersion from an object the edge does not store.
    func hideUpstreamRVs(_ bytes: [UInt8]) -> [UInt8] {
        guard var json = try? JSONValue(parsing: bytes), json["kind"]?.stringValue != "Status" else { return bytes }
        if json.metadata != nil { json.resourceVersion = nil }
        return json.serialized()
    }

    /// Edge RV → upstream RV in update bodies, patch bodies and delete preconditions.
    func translatePreconditions(_ write: inout APIRequest) throws {
        guard let body = write.body, !body.isEmpty, var json = try? JSONValue(parsing: body) else { return }
        let gvr = write.resource
        let namespace = write.namespace ?? ""
        func upstream(_ edgeRV: String, name: String) throws -> String? {
            let stored = try store.get(gvr, namespace: namespace, name: name)
            guard let stored else { return nil }
            guard String(stored.rv) == edgeRV, !stored.upstreamRV.isEmpty else {
                throw StatusError.conflict((gvr.group, gvr.resource), name: name)
            }
            return stored.upstreamRV
        }
        let name = write.name ?? json.name ?? ""
        switch write.verb {
        case .update, .patch:
            if case .array(var ops) = json {
                // JSON patch: a `test` of /metadata/resourceVersion.
                for i in ops.indices where ops[i]["path"]?.stringValue == "/metadata/resourceVersion" {
                    if let rv = ops[i]["value"]?.stringValue, let up = try upstream(rv, name: name) {
                        ops[i]["value"] = .string(up)
                    }
                }
                json = .array(ops)
            } else if let rv = json.resourceVersion, !rv.isEmpty {
                json.resourceVersion = try upstream(rv, name: name)
            } else {
                return
            }
        case .delete:
            guard let rv = json["preconditions"]?["resourceVersion"]?.stringValue, !rv.isEmpty else { return }
            if let up = try upstream(rv, name: name) {
                json["preconditions"]?["resourceVersion"] = .string(up)
            } else {
                json["preconditions"]?["resourceVersion"] = nil
            }
        case .create, .deletecollection:
            guard json.resourceVersion != nil else { return }
            json.resourceVersion = nil
        case .get, .list, .watch:
            return
        }
        write.body = json.serialized()
    }
}
