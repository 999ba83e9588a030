import KubeModel

/// Server-side field validation (`fieldValidation=Strict|Warn|Ignore`) for built-in
/// kinds with a schema in ``BuiltInSchemas``; other kinds are accepted as sent.
///
/// Like the apiserver's decoder, unknown fields are dropped from built-in objects
/// whatever the mode; `Strict` rejects the request (400, `strict decoding error:
/// unknown field "spec.x"`), `Warn` (the default) reports each as a warning.
enum FieldValidation {
    enum Mode { case strict, warn, ignore }

    static func mode(_ query: [String: [String]], optionsKind: String) throws(StatusError) -> Mode {
        switch query["fieldValidation"]?.first ?? "" {
        case "", "Warn": return .warn
        case "Strict": return .strict
        case "Ignore": return .ignore
        case let other:
            throw StatusError.badRequest(
                "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got \(goQuoted(other))")
        }
    }

    /// Checks (and prunes) the body of a create, update or patch; returns the warnings to send.
    static func apply(to request: inout APIRequest, info: ResourceInfo) throws(StatusError) -> [String] {
        guard !info.isCustom, request.subresource == nil || request.subresource == "status",
            let definition = BuiltInSchemas.definitionName(
                group: info.gvr.group, version: info.gvr.version, kind: info.kind),
            let body = request.body, var value = try? JSONValue(parsing: body)
        else { return [] }
        let optionsKind =
            request.verb == .create ? "CreateOptions" : request.verb == .update ? "UpdateOptions" : "PatchOptions"
        let mode = try mode(request.query, optionsKind: optionsKind)
        let isPatch = request.verb == .patch
        let isJSONPatch = request.contentType?.contains("json-patch") ?? false
        if isJSONPatch { return [] }  // operations, not an object
        var unknown: [String] = []
        prune(&value, node: .object(definition), path: "", unknown: &unknown, isPatch: isPatch)
        guard !unknown.isEmpty else { return [] }
        let isApply = request.contentType?.contains("apply-patch") ?? false
        switch mode {
        case .strict:
            if isApply {
                // Server-side apply reports through its typed-value converter.
                let detail = unknown.map { ".\($0): field not declared in schema" }.joined(separator: ", ")
                throw StatusError.badRequest("failed to create typed patch object: \(detail)")
            }
            throw StatusError.badRequest(
                "strict decoding error: "
                    + unknown.map { "unknown field \(goQuoted($0))" }.joined(separator: ", "))
        case .warn:
            request.body = value.serialized()
            return unknown.map { "unknown field \(goQuoted($0))" }
        case .ignore:
            request.body = value.serialized()
            return []
        }
    }

    /// Removes fields not declared in `node`, recording their paths (`spec.containers[0].imagee`).
    static func prune(_ value: inout JSONValue, node: SchemaNode, path: String, unknown: inout [String], isPatch: Bool)
    {
        switch node {
        case .object(let name):
            guard case .object(var object) = value, let definition = BuiltInSchemas.definitions[name] else { return }
            for key in object.keys {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if isPatch && key.hasPrefix("$") { continue }  // strategic merge directives
                guard let child = definition.property(key) else {
                    unknown.append(childPath)
                    object.removeValue(forKey: key)
                    continue
                }
                if var v = object[key] {
                    prune(&v, node: child, path: childPath, unknown: &unknown, isPatch: isPatch)
                    object[key] = v
                }
            }
            value = .object(object)
        case .array(let element):
            guard case .array(var items) = value else { return }
            for i in items.indices {
                prune(&items[i], node: element, path: "\(path)[\(i)]", unknown: &unknown, isPatch: isPatch)
            }
            value = .array(items)
        case .map(let element):
            guard case .object(var object) = value else { return }
            for key in object.keys {
                if var v = object[key] {
                    prune(&v, node: element, path: "\(path).\(key)", unknown: &unknown, isPatch: isPatch)
                    object[key] = v
                }
            }
            value = .object(object)
        case .string, .integer, .number, .boolean, .intOrString, .any:
            return
        }
    }
}
