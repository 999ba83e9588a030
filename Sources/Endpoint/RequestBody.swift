import KubeModel

/// Decoding of an object body the way the apiserver's codec rejects it: malformed JSON,
/// another kind or apiVersion, and metadata fields of the wrong JSON type are 400s.
enum RequestBody {
    static func object(_ body: [UInt8]?, info: ResourceInfo) throws -> JSONValue {
        let bytes = body ?? []
        var value: JSONValue
        do { value = try JSONValue(parsing: bytes) } catch {
            // The parse error names an offset and a character, never a slice of the body.
            throw StatusError.badRequest(
                "the object provided is unrecognized (must be of type \(info.kind)): couldn't get version/kind; json parse error: \(error.description)"
            )
        }
        guard value.objectValue != nil else {
            throw StatusError.badRequest(
                "the object provided is unrecognized (must be of type \(info.kind)): couldn't get version/kind; json parse error: expected a JSON object"
            )
        }
        try checkTypeMeta(value, info: info, required: false)
        try checkMetadataShape(value, info: info)
        try normalizeByteFields(&value, info: info)
        return value
    }

    /// The `[]byte` maps of the core kinds — a Secret's `data`, a ConfigMap's `binaryData` —
    /// must be base64 that Go's decoder reads (``GoBase64``), or the body cannot be decoded:
    /// 400 `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte N`.
    /// A value Go reads but would write differently (newlines, unused trailing bits) is
    /// stored as the apiserver would return it: decoded and encoded again.
    static func normalizeByteFields(_ value: inout JSONValue, info: ResourceInfo) throws {
        guard info.gvr.group.isEmpty else { return }
        let field: String
        switch info.gvr.resource {
        case "secrets": field = "data"
        case "configmaps": field = "binaryData"
        default: return
        }
        guard var map = value[field]?.objectValue else { return }
        var changed = false
        for (key, entry) in map {
            guard let text = entry.stringValue else { continue }
            if let offset = GoBase64.corruptInputOffset(text) {
                throw StatusError.badRequest(
                    "\(info.kind) in version \(goQuoted(info.gvr.version)) cannot be handled as a \(info.kind): illegal base64 data at input byte \(offset)"
                )
            }
            if let canonical = GoBase64.canonical(text) {
                map[key] = .string(canonical)
                changed = true
            }
        }
        if changed { value[field] = .object(map) }
    }

    /// kind/apiVersion must name the resource's type (missing is fine: the URL says it).
    static func checkTypeMeta(_ value: JSONValue, info: ResourceInfo, required: Bool) throws {
        let kind = value["kind"]?.stringValue ?? ""
        let apiVersion = value["apiVersion"]?.stringValue ?? ""
        if required && kind.isEmpty { throw StatusError.badRequest("Object 'Kind' is missing in the request body") }
        if required && apiVersion.isEmpty {
            throw StatusError.badRequest("Object 'apiVersion' is missing in the request body")
        }
        if !kind.isEmpty && kind != info.kind {
            let version = apiVersion.split(separator: "/").last.map(String.init) ?? ""
            throw StatusError.badRequest(
                "\(kind) in version \(goQuoted(version)) cannot be handled as a \(info.kind): the body's kind does not match the resource"
            )
        }
        if !apiVersion.isEmpty && apiVersion != info.gvr.groupVersion {
            throw StatusError.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version (\(info.gvr.groupVersion))"
            )
        }
    }

    /// The metadata fields the endpoint reads must have their Go types.
    static func checkMetadataShape(_ value: JSONValue, info: ResourceInfo) throws {
        func fail(_ field: String, _ type: String) -> StatusError {
            StatusError.badRequest(
                "\(info.kind) in version \(goQuoted(info.gvr.version)) cannot be handled as a \(info.kind): json: cannot unmarshal into Go struct field ObjectMeta.metadata.\(field) of type \(type)"
            )
        }
        guard let m = value["metadata"], !m.isNull else { return }
        guard let meta = m.objectValue else {
            throw StatusError.badRequest(
                "\(info.kind) in version \(goQuoted(info.gvr.version)) cannot be handled as a \(info.kind): json: cannot unmarshal into Go struct field \(info.kind).metadata of type v1.ObjectMeta"
            )
        }
        for key in [
            "name", "generateName", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
        ] {
            if let v = meta[key], !v.isNull, v.stringValue == nil { throw fail(key, "string") }
        }
        if let v = meta["generation"], !v.isNull, v.int64Value == nil { throw fail("generation", "int64") }
        for key in ["labels", "annotations"] {
            if let v = meta[key], !v.isNull {
                guard let o = v.objectValue, o.allSatisfy({ $0.value.stringValue != nil }) else {
                    throw fail(key, "map[string]string")
                }
            }
        }
        if let v = meta["finalizers"], !v.isNull {
            guard let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) else {
                throw fail("finalizers", "[]string")
            }
        }
        if let v = meta["ownerReferences"], !v.isNull {
            guard let a = v.arrayValue, a.allSatisfy({ $0.objectValue != nil }) else {
                throw fail("ownerReferences", "[]v1.OwnerReference")
            }
        }
    }
}
