import KubeModel

/// The algorithms of `k8s.io/apiextensions-apiserver/pkg/apiserver/schema` over a
/// custom resource: pruning, defaulting, null removal, metadata of embedded resources
/// and list-type uniqueness.
enum StructuralAlgorithms {
    private static let metaFields: Set<String> = ["apiVersion", "kind", "metadata"]

    // MARK: pruning (schema/pruning/algorithm.go)

    /// `PruneWithOptions(obj, s, isResourceRoot: true)`: drops every field the schema does
    /// not specify, except under `x-kubernetes-preserve-unknown-fields`; `apiVersion`,
    /// `kind` and `metadata` stay at the root and in embedded resources.
    static func pruneResource(_ value: inout JSONValue, _ s: SchemaNode?) {
        prune(&value, s, embedded: true)
    }

    /// `prune`, with the root (or an embedded resource) treated as an embedded resource.
    static func prune(_ value: inout JSONValue, _ s: SchemaNode?, embedded: Bool? = nil) {
        if let s, s.preserveUnknownFields {
            skipPrune(&value, s, embedded: embedded)
            return
        }
        switch value {
        case .object(var o):
            guard let s else {
                value = .object(JSONObject())
                return
            }
            let isEmbedded = embedded ?? s.embeddedResource
            value = .null
            for key in o.keys {
                if isEmbedded && metaFields.contains(key) { continue }
                if let prop = s.property(key) {
                    var child = o.take(key)
                    prune(&child, prop)
                    o[key] = child
                } else if let additional = s.additionalProperties {
                    var child = o.take(key)
                    prune(&child, additional.schema)
                    o[key] = child
                } else {
                    o.removeValue(forKey: key)
                }
            }
            value = .object(o)
        case .array(var a):
            value = .null
            for i in a.indices { prune(&a[i], s?.items) }
            value = .array(a)
        default:
            break
        }
    }

    /// `skipPrune`: under `x-kubernetes-preserve-unknown-fields` unknown fields stay, but
    /// specified ones are still pruned inside.
    private static func skipPrune(_ value: inout JSONValue, _ s: SchemaNode?, embedded: Bool? = nil) {
        guard let s else { return }
        switch value {
        case .object(var o):
            let isEmbedded = embedded ?? s.embeddedResource
            value = .null
            for key in o.keys {
                if isEmbedded && metaFields.contains(key) { continue }
                if let prop = s.property(key) {
                    var child = o.take(key)
                    prune(&child, prop)
                    o[key] = child
                } else if let additional = s.additionalProperties {
                    var child = o.take(key)
                    prune(&child, additional.schema)
                    o[key] = child
                }
            }
            value = .object(o)
        case .array(var a):
            value = .null
            for i in a.indices { skipPrune(&a[i], s.items) }
            value = .array(a)
        default:
            break
        }
    }

    // MARK: nulls (schema/defaulting/prunenulls.go)

    /// `PruneNonNullableNullsWithoutDefaults`: a `null` for a field that is neither
    /// nullable nor defaulted is dropped (as if the field were absent).
    static func pruneNonNullableNulls(_ value: inout JSONValue, _ s: SchemaNode?) {
        switch value {
        case .object(var o):
            value = .null
            for key in o.keys {
                let schema = s?.member(key)
                var child = o.take(key)
                if child.isNull, let schema, !schema.nullable, schema.defaultValue == nil {
                    o.removeValue(forKey: key)
                } else {
                    pruneNonNullableNulls(&child, schema)
                    o[key] = child
                }
            }
            value = .object(o)
        case .array(var a):
            value = .null
            for i in a.indices { pruneNonNullableNulls(&a[i], s?.items) }
            value = .array(a)
        default:
            break
        }
    }

    // MARK: defaulting (schema/defaulting/algorithm.go)

    /// `Default`: absent (or non-nullable `null`) properties get their schema default,
    /// then defaulting recurses into every member and item, defaults included.
    static func applyDefaults(_ value: inout JSONValue, _ s: SchemaNode?) {
        guard let s else { return }
        switch value {
        case .object(var o):
            value = .null
            for (k, prop) in s.properties {
                guard let d = prop.defaultValue else { continue }
                if let existing = o[k] {
                    if existing.isNull && !prop.nullable { o[k] = d }
                } else {
                    o[k] = d
                }
            }
            for key in o.keys {
                var child = o.take(key)
                if let prop = s.property(key) {
                    applyDefaults(&child, prop)
                } else if let additional = s.additionalProperties?.schema {
                    if child.isNull && !additional.nullable, let d = additional.defaultValue { child = d }
                    applyDefaults(&child, additional)
                }
                o[key] = child
            }
            value = .object(o)
        case .array(var a):
            value = .null
            if let items = s.items {
                for i in a.indices {
                    if a[i].isNull && !items.nullable, let d = items.defaultValue { a[i] = d }
                    applyDefaults(&a[i], items)
                }
            }
            value = .array(a)
        default:
            break
        }
    }

    // MARK: embedded resources (schema/objectmeta/validation.go)

    /// `objectmeta.Validate(nil, obj, s, false)`: `apiVersion`, `kind` and `metadata` of
    /// every `x-kubernetes-embedded-resource` value.
    static func validateEmbedded(_ value: JSONValue, _ s: SchemaNode?, path: String) -> [FieldError] {
        guard let s else { return [] }
        var errs: [FieldError] = []
        switch value {
        case .object(let o):
            if s.embeddedResource { errs += validateEmbeddedResource(o, path: path) }
            for (k, v) in o {
                if let prop = s.property(k) {
                    errs += validateEmbedded(v, prop, path: child(path, k))
                } else if let additional = s.additionalProperties?.schema {
                    errs += validateEmbedded(v, additional, path: "\(path)[\(k)]")
                }
            }
        case .array(let a):
            for (i, v) in a.enumerated() { errs += validateEmbedded(v, s.items, path: "\(path)[\(i)]") }
        default:
            break
        }
        return errs
    }

    private static func child(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }

    private static func validateEmbeddedResource(_ o: JSONObject, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let apiVersionPath = child(path, "apiVersion")
        let kindPath = child(path, "kind")
        if o["apiVersion"] == nil { errs.append(.required(apiVersionPath, "must not be empty")) }
        if o["kind"] == nil { errs.append(.required(kindPath, "must not be empty")) }
        for (k, v) in o {
            switch k {
            case "apiVersion":
                guard case .string(let apiVersion) = v else {
                    errs.append(
                        FieldError(
                            .invalid, field: apiVersionPath, value: GoRendering.badValue(v), detail: "must be a string")
                    )
                    continue
                }
                if apiVersion.isEmpty {
                    errs.append(.invalid(apiVersionPath, apiVersion, "must not be empty"))
                } else if apiVersion.split(separator: "/", omittingEmptySubsequences: false).count > 2 {
                    // schema.ParseGroupVersion
                    errs.append(.invalid(apiVersionPath, apiVersion, "unexpected GroupVersion string: \(apiVersion)"))
                }
            case "kind":
                guard case .string(let kind) = v else {
                    errs.append(
                        FieldError(
                            .invalid, field: kindPath, value: GoRendering.badValue(v), detail: "must be a string"))
                    continue
                }
                if kind.isEmpty {
                    errs.append(.invalid(kindPath, kind, "must not be empty"))
                } else if case let msgs = NameValidation.isDNS1035Label(kind.lowercased()), !msgs.isEmpty {
                    errs.append(
                        .invalid(
                            kindPath, kind,
                            "may have mixed case, but should otherwise match: " + msgs.joined(separator: ",")))
                }
            case "metadata":
                errs += validateEmbeddedMeta(v, path: child(path, "metadata"))
            default:
                break
            }
        }
        return errs
    }

    /// `ValidateObjectMeta(meta, len(namespace) > 0, ValidatePathSegmentName, path)` with an
    /// empty name replaced by a placeholder, as the apiserver does for embedded objects.
    private static func validateEmbeddedMeta(_ v: JSONValue, path: String) -> [FieldError] {
        guard case .object(let meta) = v else {
            return [
                FieldError(
                    .invalid, field: path, value: GoRendering.badValue(v),
                    detail: "json: cannot unmarshal \(goJSONKind(v)) into Go value of type v1.ObjectMeta")
            ]
        }
        var errs: [FieldError] = []
        if let generateName = meta["generateName"]?.stringValue, !generateName.isEmpty {
            errs += NameValidation.isValidPathSegmentName(generateName, prefix: true).map {
                .invalid(path + ".generateName", generateName, $0)
            }
        }
        let name = meta["name"]?.stringValue ?? ""
        if !name.isEmpty {
            errs += NameValidation.isValidPathSegmentName(name).map { .invalid(path + ".name", name, $0) }
        }
        if let ns = meta["namespace"]?.stringValue, !ns.isEmpty {
            errs += NameValidation.isDNS1123Label(ns).map { .invalid(path + ".namespace", ns, $0) }
        }
        func strings(_ v: JSONValue?) -> [String: String] {
            var m: [String: String] = [:]
            for (k, v) in v?.objectValue ?? JSONObject() { m[k] = v.stringValue ?? "" }
            return m
        }
        errs += NameValidation.validateLabels(strings(meta["labels"]), field: path + ".labels")
        errs += NameValidation.validateAnnotations(strings(meta["annotations"]), field: path + ".annotations")
        return errs
    }

    private static func goJSONKind(_ v: JSONValue) -> String {
        switch v {
        case .string: "string"
        case .number: "number"
        case .bool: "bool"
        case .array: "array"
        default: "null"
        }
    }

    // MARK: list types (schema/listtype/validation.go)

    /// `ValidateListSetsAndMaps`: items of `x-kubernetes-list-type: set` lists, and the
    /// keys of `map` lists, must be unique.
    static func validateListSetsAndMaps(_ o: JSONObject, _ s: SchemaNode?, path: String) -> [FieldError] {
        guard let s else { return [] }
        var errs: [FieldError] = []
        if let additional = s.additionalProperties?.schema {
            for (k, v) in o { errs += listSetsAndMaps(v, additional, path: "\(path)[\(k)]") }
        }
        for (k, v) in o {
            if let prop = s.property(k) { errs += listSetsAndMaps(v, prop, path: child(path, k)) }
        }
        return errs
    }

    private static func listSetsAndMaps(_ v: JSONValue, _ s: SchemaNode, path: String) -> [FieldError] {
        switch v {
        case .array(let a): return listArray(a, s, path: path)
        case .object(let o): return validateListSetsAndMaps(o, s, path: path)
        default: return []
        }
    }

    private static func listArray(_ a: [JSONValue], _ s: SchemaNode, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        switch s.listType {
        case "set":
            for i in nonUniqueIndices(a) {
                errs.append(FieldError(.duplicate, field: "\(path)[\(i)]", value: GoRendering.badValue(a[i])))
            }
        case "map":
            errs += listMap(a, s, path: path)
        default:
            break
        }
        if let items = s.items {
            for (i, x) in a.enumerated() { errs += listSetsAndMaps(x, items, path: "\(path)[\(i)]") }
        }
        return errs
    }

    /// `validateListSet`: the index of the second occurrence of each repeated value.
    private static func nonUniqueIndices(_ a: [JSONValue]) -> [Int] {
        guard a.count > 1 else { return [] }
        var seen: [JSONValue: Int] = [:]
        var out: [Int] = []
        for (i, x) in a.enumerated() {
            let key = normalizedKey(x)
            let times = seen[key, default: 0]
            seen[key] = times + 1
            if times == 1 { out.append(i) }
        }
        return out
    }

    /// Equal Go values compare equal: `1` and `1.0` stay different (int64 vs float64).
    private static func normalizedKey(_ v: JSONValue) -> JSONValue {
        switch GoValue(v) {
        case .int(let i): return .number(JSONNumber(i))
        case .float(let f): return .string("float:\(f)")
        case .array(let a): return .array(a.map(normalizedKey))
        case .object(let o): return .object(JSONObject(o.members.map { ($0.key, normalizedKey($0.value)) }))
        default: return v
        }
    }

    private static func listMap(_ a: [JSONValue], _ s: SchemaNode, path: String) -> [FieldError] {
        for (i, x) in a.enumerated() {
            switch x {
            case .object, .null: continue
            default:
                return [
                    FieldError(
                        .invalid, field: "\(path)[\(i)]", value: GoRendering.badValue(x),
                        detail: "must be an object for an array of list-type map")
                ]
            }
        }
        guard a.count > 1 else { return [] }
        // Each item's key: the map-key members it has (an absent key is "unspecified").
        let keys: [JSONValue] = a.map { x in
            var key = JSONObject()
            if case .object(let o) = x {
                for k in s.listMapKeys { if let v = o[k] { key[k] = v } }
            }
            return .object(key)
        }
        if s.listMapKeys.count == 1 {
            let keyField = s.listMapKeys[0]
            let unspecified: JSONValue = ["\u{0}unspecified": true]
            let single: [JSONValue] = keys.map { $0[keyField] ?? unspecified }
            return nonUniqueIndices(single).map { i in
                let shown: JSONValue = keys[i][keyField] == nil ? .object(JSONObject()) : keys[i]
                return FieldError(.duplicate, field: "\(path)[\(i)]", value: GoRendering.badValue(shown))
            }
        }
        return nonUniqueIndices(keys).map { i in
            FieldError(.duplicate, field: "\(path)[\(i)]", value: GoRendering.badValue(keys[i]))
        }
    }
}

extension JSONObject {
    /// Takes a member's value out (leaving `null` in its place) so that changing it and
    /// storing it back does not copy it.
    fileprivate mutating func take(_ key: String) -> JSONValue {
        guard let v = self[key] else { return .null }
        self[key] = .null
        return v
    }
}
