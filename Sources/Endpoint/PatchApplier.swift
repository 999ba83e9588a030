import KubeModel

/// The four patch media types the apiserver accepts and how each applies.
enum PatchKind: String, Sendable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategic = "application/strategic-merge-patch+json"
    case apply = "application/apply-patch+yaml"

    /// Picks the patch type from a Content-Type (parameters ignored); 415 for anything
    /// else, and for strategic merge on custom resources (which have no patch schema).
    static func from(contentType: String?, info: ResourceInfo) throws -> PatchKind {
        let accepted: [PatchKind] = info.isCustom ? [.json, .merge, .apply] : [.json, .merge, .strategic, .apply]
        let media = (contentType ?? "").split(separator: ";", maxSplits: 1).first.map {
            String($0.filter { $0 != " " && $0 != "\t" }).lowercased()
        }
        // `application/apply-patch+yaml` is also sent as `application/apply-patch+json` by some clients.
        let normalized = media == "application/apply-patch+json" ? PatchKind.apply.rawValue : media
        guard let normalized, let kind = PatchKind(rawValue: normalized), accepted.contains(kind) else {
            throw StatusError.unsupportedMediaType(accepted.map(\.rawValue))
        }
        return kind
    }
}

/// Applies a parsed patch document to the current object.
enum PatchApplier {
    /// Parses the patch body: JSON for the three JSON patch types, YAML (a JSON superset) for apply.
    static func parse(_ body: [UInt8]?, kind: PatchKind) throws -> JSONValue {
        let bytes = body ?? []
        if kind == .apply {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw StatusError.badRequest("error decoding YAML: the body is not valid UTF-8")
            }
            do { return try JSONValue(yaml: text) } catch {
                throw StatusError.badRequest("error decoding YAML: \(error)")
            }
        }
        do { return try JSONValue(parsing: bytes) } catch {
            throw StatusError.badRequest("error decoding patch: \(error.description)")
        }
    }

    static func apply(_ patch: JSONValue, kind: PatchKind, to doc: JSONValue, info: ResourceInfo) throws -> JSONValue {
        do {
            switch kind {
            case .json:
                return try JSONPatch.apply(patch, to: doc)
            case .merge, .apply:
                return try MergePatch.applyToObject(patch, to: doc)
            case .strategic:
                // Built-in kinds without a registered schema have only atomic lists.
                let schema =
                    StrategicMergeSchema.forKind(group: info.gvr.group, kind: info.kind) ?? StrategicMergeSchema()
                return try StrategicMergePatch.apply(patch, to: doc, schema: schema)
            }
        } catch {
            throw statusError(error)
        }
    }

    /// The `Status` kube-apiserver answers for each patch failure (see `PatchError`).
    /// Its generic 422 keeps the patch library's detail as an `UnexpectedServerResponse` cause.
    static func statusError(_ error: PatchError) -> StatusError {
        if error.statusCode == 422 {
            return StatusError(
                code: 422, reason: error.reason, message: error.statusMessage,
                details: StatusDetails(causes: [StatusCause(reason: "UnexpectedServerResponse", message: error.message)]
                ))
        }
        return StatusError(code: error.statusCode, reason: error.reason, message: error.statusMessage)
    }
}
