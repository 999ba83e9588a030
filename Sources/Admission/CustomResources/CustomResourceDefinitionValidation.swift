import Foundation
import KubeModel

/// apiextensions-apiserver's validation of a CustomResourceDefinition itself
/// (`pkg/apis/apiextensions/validation/validation.go`, structural schemas from
/// `pkg/apiserver/schema/validation.go`, defaults from `schema/defaulting/validation.go`).
///
/// The names, scope, versions, printer column and selectable field rules live with the
/// catalog that parses CRDs (`ResourceCatalog.customResourceDefinitionErrors`); this adds
/// the schema rules, subresources, conversion and `preserveUnknownFields`. Not ported:
/// the structural completeness check of value validations (`complete.go`), CEL rule
/// compilation and cost estimation, and conversion webhook URL/service checks.
enum CustomResourceDefinitionValidation {
    /// All errors of a CRD create or update.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        guard request.info.gvr.resource == "customresourcedefinitions", request.subresource == nil else { return [] }
        // Metadata name and generateName are validated with all objects' metadata; only
        // the CRD-specific name rule comes from here.
        var errs = ResourceCatalog.customResourceDefinitionErrors(object).filter {
            $0.field != "metadata.name" || $0.detail == #"must be spec.names.plural+"."+spec.group"#
        }
        let spec = object["spec"] ?? .object(JSONObject())
        let preserveUnknownFields = spec["preserveUnknownFields"]?.boolValue ?? false
        if preserveUnknownFields {
            let oldPreserved = request.old?["spec"]?["preserveUnknownFields"]?.boolValue ?? false
            if !oldPreserved {
                errs.append(
                    FieldError(
                        .invalid, field: "spec.preserveUnknownFields", value: .bool(true),
                        detail:
                            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"
                    ))
            }
        }
        let versions = spec["versions"]?.arrayValue ?? []
        let topLevelSchema = spec["validation"]?["openAPIV3Schema"]
        for (i, v) in versions.enumerated() {
            let vPath = "spec.versions[\(i)]"
            let schema = v["schema"]?["openAPIV3Schema"]
            if topLevelSchema == nil && (schema == nil || schema?.isNull == true) {
                errs.append(.required("\(vPath).schema.openAPIV3Schema", "schemas are required"))
            }
            let subresources = v["subresources"] ?? spec["subresources"]
            let statusEnabled = subresources?["status"].map { !$0.isNull } ?? false
            if let schema, case .object(let root) = schema {
                errs += validateSchema(root, statusEnabled: statusEnabled, path: "\(vPath).schema")
            }
            if let sub = v["subresources"]?.objectValue {
                errs += validateSubresources(sub, path: "\(vPath).subresources")
            }
        }
        errs += validateConversion(spec["conversion"], path: "spec.conversion")
        return errs
    }

    // MARK: schema

    static let openAPIV3Types = ["array", "boolean", "integer", "number", "object", "string"]
    static let allowedAtRootWithStatus: Set<String> = [
        "description", "type", "format", "title", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "required", "items",
        "properties", "externalDocs", "example", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations",
    ]
    private static let allowedAtRootWithStatusGo =
        "[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]"

    /// `validateCustomResourceDefinitionValidation` for one version's schema at `path`
    /// (`spec.versions[i].schema`).
    static func validateSchema(_ root: JSONObject, statusEnabled: Bool, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let schemaPath = path + ".openAPIV3Schema"
        if statusEnabled {
            for (k, v) in root where !isZero(v) {
                if k == "type" {
                    if v.stringValue != "object" {
                        errs.append(
                            FieldError(
                                .invalid, field: schemaPath + ".type", value: GoRendering.badValue(v),
                                detail:
                                    #"only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#
                            ))
                        break
                    }
                    continue
                }
                if !allowedAtRootWithStatus.contains(k) {
                    errs.append(
                        FieldError(
                            .invalid, field: schemaPath, value: .raw(JSONValue.object(root).jsonString),
                            detail:
                                "only \(allowedAtRootWithStatusGo) fields are allowed at the root of the schema if the status subresource is enabled"
                        ))
                    break
                }
            }
        }
        if root["nullable"]?.boolValue == true {
            errs.append(.forbidden(schemaPath + ".nullable", "nullable cannot be true at the root"))
        }
        let structural = structuralInvariants(root, level: .root, path: schemaPath)
            .sorted { $0.description < $1.description }
        if !structural.isEmpty {
            errs += structural
        } else {
            errs += validateDefaults(.object(root), path: schemaPath, embedded: true, rootOfResource: true)
        }
        errs += openAPISchema(root, path: schemaPath, context: SchemaContext(isRoot: true))
        return errs
    }

    private static func isZero(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return true
        case .bool(let b): return !b
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        case .number(let n): return n.doubleValue == 0
        }
    }

    // MARK: structural schema (schema/validation.go)

    enum Level { case root, item, field }

    private static let intOrStringAnyOf: JSONValue = [["type": "integer"], ["type": "string"]]

    /// `validateStructuralInvariants`.
    static func structuralInvariants(_ s: JSONObject, level: Level, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let type = s["type"]?.stringValue ?? ""
        let items = s["items"]?.objectValue
        let properties = s["properties"]?.objectValue ?? JSONObject()
        let embedded = s["x-kubernetes-embedded-resource"]?.boolValue ?? false
        let preserve = s["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        let intOrString = s["x-kubernetes-int-or-string"]?.boolValue ?? false
        if type == "array" && items == nil {
            errs.append(.required(path + ".items", "must be specified"))
        }
        if let items { errs += structuralInvariants(items, level: .item, path: path + ".items") }
        for (k, v) in properties {
            errs += structuralInvariants(v.objectValue ?? JSONObject(), level: .field, path: "\(path).properties[\(k)]")
        }
        if let additional = s["additionalProperties"], additional != .bool(false) {
            if level == .root {
                errs.append(.forbidden(path + ".additionalProperties", "must not be used at the root"))
            }
            if case .object(let a) = additional {
                errs += structuralInvariants(a, level: .field, path: path + ".additionalProperties")
            }
        }
        if intOrString && preserve {
            errs.append(
                FieldError(
                    .invalid, field: path + ".x-kubernetes-preserve-unknown-fields", value: .bool(true),
                    detail: "must be false if x-kubernetes-int-or-string is true"))
        }
        if intOrString && embedded {
            errs.append(
                FieldError(
                    .invalid, field: path + ".x-kubernetes-embedded-resource", value: .bool(true),
                    detail: "must be false if x-kubernetes-int-or-string is true"))
        }
        let skipAnyOf = s["anyOf"] == intOrStringAnyOf
        let skipFirstAllOfAnyOf = s["allOf"]?.arrayValue?.first?["anyOf"] == intOrStringAnyOf
        errs += valueValidation(s, skipAnyOf: skipAnyOf, skipFirstAllOfAnyOf: skipFirstAllOfAnyOf, path: path)
        let checkMetadata = level == .root || embedded
        if embedded && type != "object" {
            if type.isEmpty {
                errs.append(.required(path + ".type", "must be object if x-kubernetes-embedded-resource is true"))
            } else {
                errs.append(.invalid(path + ".type", type, "must be object if x-kubernetes-embedded-resource is true"))
            }
        } else if type.isEmpty && !intOrString && !preserve {
            switch level {
            case .root: errs.append(.required(path + ".type", "must not be empty at the root"))
            case .item: errs.append(.required(path + ".type", "must not be empty for specified array items"))
            case .field: errs.append(.required(path + ".type", "must not be empty for specified object fields"))
            }
        }
        if embedded && s["additionalProperties"] != nil {
            errs.append(
                .forbidden(path + ".additionalProperties", "must not be used if x-kubernetes-embedded-resource is set"))
        }
        if level == .root && !type.isEmpty && type != "object" {
            errs.append(.invalid(path + ".type", type, "must be object at the root"))
        }
        for meta in ["kind", "apiVersion"] {
            if let p = properties[meta], checkMetadata {
                let t = p["type"]?.stringValue ?? ""
                if t != "string" { errs.append(.invalid("\(path).properties[\(meta)].type", t, "must be string")) }
            }
        }
        if let metadata = properties["metadata"]?.objectValue {
            let metaPath = "\(path).properties[metadata]"
            let t = metadata["type"]?.stringValue ?? ""
            if checkMetadata && t != "object" {
                errs.append(.invalid(metaPath + ".type", t, "must be object"))
            }
            if level == .root {
                var rest = metadata
                rest["type"] = nil
                rest["default"] = nil
                if let props = rest["properties"]?.objectValue {
                    let names = Set(props.keys)
                    if names == ["name", "generateName"] || names == ["name"] || names == ["generateName"] {
                        rest["properties"] = nil
                    }
                }
                if !rest.isEmpty {
                    errs.append(
                        .forbidden(
                            metaPath,
                            "must not specify anything other than name and generateName, but metadata is implicitly specified"
                        ))
                }
            }
        }
        if embedded && !preserve && properties.isEmpty {
            errs.append(
                .required(
                    path + ".properties",
                    "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"
                ))
        }
        return errs
    }

    /// `validateValueValidation`: anyOf/allOf/oneOf/not may only restrict values, and a
    /// `pattern` must compile.
    private static func valueValidation(
        _ s: JSONObject, skipAnyOf: Bool, skipFirstAllOfAnyOf: Bool, path: String
    ) -> [FieldError] {
        var errs: [FieldError] = []
        if !skipAnyOf {
            for (i, n) in (s["anyOf"]?.arrayValue ?? []).enumerated() {
                errs += nestedValueValidation(
                    n.objectValue ?? JSONObject(), skipAnyOf: false, path: "\(path).anyOf[\(i)]")
            }
        }
        for (i, n) in (s["allOf"]?.arrayValue ?? []).enumerated() {
            errs += nestedValueValidation(
                n.objectValue ?? JSONObject(), skipAnyOf: skipFirstAllOfAnyOf && i == 0, path: "\(path).allOf[\(i)]")
        }
        for (i, n) in (s["oneOf"]?.arrayValue ?? []).enumerated() {
            errs += nestedValueValidation(n.objectValue ?? JSONObject(), skipAnyOf: false, path: "\(path).oneOf[\(i)]")
        }
        if let not = s["not"]?.objectValue {
            errs += nestedValueValidation(not, skipAnyOf: false, path: path + ".not")
        }
        if let pattern = s["pattern"]?.stringValue, !pattern.isEmpty,
            (try? NSRegularExpression(pattern: pattern)) == nil
        {
            errs.append(
                .invalid(
                    path + ".pattern", pattern,
                    "must be a valid regular expression, but isn't: error parsing regexp: invalid pattern: `\(pattern)`"
                ))
        }
        return errs
    }

    /// `validateNestedValueValidation`.
    private static func nestedValueValidation(_ v: JSONObject, skipAnyOf: Bool, path: String) -> [FieldError] {
        var errs = valueValidation(v, skipAnyOf: skipAnyOf, skipFirstAllOfAnyOf: false, path: path)
        if let items = v["items"]?.objectValue {
            errs += nestedValueValidation(items, skipAnyOf: false, path: path + ".items")
        }
        for (k, p) in v["properties"]?.objectValue ?? JSONObject() {
            errs += nestedValueValidation(
                p.objectValue ?? JSONObject(), skipAnyOf: false, path: "\(path).properties[\(k)]")
        }
        if !(v["type"]?.stringValue ?? "").isEmpty {
            errs.append(.forbidden(path + ".type", "must be empty to be structural"))
        }
        if v["additionalProperties"] != nil {
            errs.append(.forbidden(path + ".additionalProperties", "must be undefined to be structural"))
        }
        if v["default"] != nil { errs.append(.forbidden(path + ".default", "must be undefined to be structural")) }
        if !(v["title"]?.stringValue ?? "").isEmpty {
            errs.append(.forbidden(path + ".title", "must be empty to be structural"))
        }
        if !(v["description"]?.stringValue ?? "").isEmpty {
            errs.append(.forbidden(path + ".description", "must be empty to be structural"))
        }
        if v["nullable"]?.boolValue == true {
            errs.append(.forbidden(path + ".nullable", "must be false to be structural"))
        }
        for ext in [
            "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
        ]
        where v[ext]?.boolValue == true {
            errs.append(.forbidden(path + "." + ext, "must be false to be structural"))
        }
        if !(v["x-kubernetes-list-map-keys"]?.arrayValue ?? []).isEmpty {
            errs.append(.forbidden(path + ".x-kubernetes-list-map-keys", "must be empty to be structural"))
        }
        for ext in ["x-kubernetes-list-type", "x-kubernetes-map-type"] where v[ext] != nil && v[ext]?.isNull == false {
            errs.append(.forbidden(path + "." + ext, "must be undefined to be structural"))
        }
        if !(v["x-kubernetes-validations"]?.arrayValue ?? []).isEmpty {
            errs.append(.forbidden(path + ".x-kubernetes-validations", "must be empty to be structural"))
        }
        if v["properties"]?["metadata"] != nil {
            errs.append(.forbidden(path + ".properties[metadata]", "must not be specified in a nested context"))
        }
        return errs
    }

    // MARK: defaults (schema/defaulting/validation.go)

    /// `ValidateDefaults`: every default (outside resource metadata, where defaults are
    /// forbidden) must be pruned and valid against its own schema.
    static func validateDefaults(_ json: JSONValue, path: String, embedded: Bool, rootOfResource: Bool) -> [FieldError]
    {
        guard case .object(let s) = json else { return [] }
        var errs: [FieldError] = []
        let node = SchemaNode(json)
        let isEmbedded = embedded || node.embeddedResource
        if let d = node.defaultValue {
            var pruned = d
            StructuralAlgorithms.prune(&pruned, node, embedded: isEmbedded)
            if !SchemaValidator.deepEqual(pruned, d) {
                errs.append(
                    FieldError(
                        .invalid, field: path + ".default", value: GoRendering.badValue(d),
                        detail: "must not have unknown fields"))
            }
            let metaErrs = StructuralAlgorithms.validateEmbedded(
                d, isEmbedded ? embeddedCopy(node, json) : node, path: path + ".default")
            if !metaErrs.isEmpty {
                errs += metaErrs
            } else {
                errs += SchemaValidator.validate(d, node, path: "", old: nil).map {
                    $0.fieldError(prefix: path + ".default")
                }
            }
        }
        if let items = s["items"] {
            errs += validateDefaults(items, path: path + ".items", embedded: false, rootOfResource: false)
        }
        for (k, p) in s["properties"]?.objectValue ?? JSONObject() {
            // Defaults in the metadata of a resource are forbidden elsewhere.
            if isEmbedded && ["metadata", "apiVersion", "kind"].contains(k) { continue }
            errs += validateDefaults(p, path: "\(path).properties[\(k)]", embedded: false, rootOfResource: false)
        }
        return errs
    }

    private static func embeddedCopy(_ node: SchemaNode, _ json: JSONValue) -> SchemaNode {
        var j = json
        j["x-kubernetes-embedded-resource"] = true
        return SchemaNode(j)
    }

    // MARK: OpenAPI schema rules (ValidateCustomResourceDefinitionOpenAPISchema)

    struct SchemaContext {
        var isRoot = false
        var insideResourceMeta = false
        var forbiddenDefaultsReason: String?
    }

    /// `ValidateCustomResourceDefinitionOpenAPISchema` with `specStandardValidatorV3`.
    static func openAPISchema(_ s: JSONObject, path: String, context: SchemaContext) -> [FieldError] {
        var errs = standardRules(s, path: path, context: context)
        let type = s["type"]?.stringValue ?? ""
        let properties = s["properties"]?.objectValue ?? JSONObject()
        if s["uniqueItems"]?.boolValue == true {
            errs.append(
                .forbidden(
                    path + ".uniqueItems",
                    "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"))
        }
        if let additional = s["additionalProperties"] {
            if !properties.isEmpty, additional == .bool(false) || additional.objectValue != nil {
                errs.append(
                    .forbidden(
                        path + ".additionalProperties", "additionalProperties and properties are mutual exclusive"))
            }
            var sub = context
            sub.isRoot = false
            if context.insideResourceMeta {
                sub.forbiddenDefaultsReason = "inside additionalProperties applying to object metadata"
            }
            if let a = additional.objectValue {
                errs += openAPISchema(a, path: path + ".additionalProperties", context: sub)
            }
        }
        let embedded = s["x-kubernetes-embedded-resource"]?.boolValue ?? false
        for (k, p) in properties {
            var sub = context
            sub.isRoot = false
            if (context.isRoot || embedded) && ["metadata", "kind", "apiVersion"].contains(k) {
                sub.insideResourceMeta = true
                if context.isRoot { sub.forbiddenDefaultsReason = "in top-level \(k)" }
            }
            errs += openAPISchema(p.objectValue ?? JSONObject(), path: "\(path).properties[\(k)]", context: sub)
        }
        var plain = context
        plain.isRoot = false
        if let not = s["not"]?.objectValue { errs += openAPISchema(not, path: path + ".not", context: plain) }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (i, n) in (s[key]?.arrayValue ?? []).enumerated() {
                errs += openAPISchema(n.objectValue ?? JSONObject(), path: "\(path).\(key)[\(i)]", context: plain)
            }
        }
        for (k, d) in s["definitions"]?.objectValue ?? JSONObject() {
            errs += openAPISchema(d.objectValue ?? JSONObject(), path: "\(path).definitions[\(k)]", context: plain)
        }
        switch s["items"] {
        case .object(let i)?: errs += openAPISchema(i, path: path + ".items", context: plain)
        case .array(let a)?:
            for (i, n) in a.enumerated() {
                errs += openAPISchema(n.objectValue ?? JSONObject(), path: "\(path).items[\(i)]", context: plain)
            }
        default: break
        }
        if s["x-kubernetes-preserve-unknown-fields"] == .bool(false) {
            errs.append(
                FieldError(
                    .invalid, field: path + ".x-kubernetes-preserve-unknown-fields", value: .bool(false),
                    detail: "must be true or undefined"))
        }
        errs += extensionRules(s, type: type, path: path)
        return errs
    }

    /// `specStandardValidatorV3.validate`.
    private static func standardRules(_ s: JSONObject, path: String, context: SchemaContext) -> [FieldError] {
        var errs: [FieldError] = []
        let type = s["type"]?.stringValue ?? ""
        if !type.isEmpty && !openAPIV3Types.contains(type) {
            errs.append(.notSupported(path + ".type", type, supported: openAPIV3Types))
        }
        if s["default"] != nil, let reason = context.forbiddenDefaultsReason {
            errs.append(.forbidden(path + ".default", "must not be set " + reason))
        }
        if !(s["id"]?.stringValue ?? "").isEmpty { errs.append(.forbidden(path + ".id", "id is not supported")) }
        if s["additionalItems"] != nil {
            errs.append(.forbidden(path + ".additionalItems", "additionalItems is not supported"))
        }
        if !(s["patternProperties"]?.objectValue ?? JSONObject()).isEmpty {
            errs.append(.forbidden(path + ".patternProperties", "patternProperties is not supported"))
        }
        if !(s["definitions"]?.objectValue ?? JSONObject()).isEmpty {
            errs.append(.forbidden(path + ".definitions", "definitions is not supported"))
        }
        if s["dependencies"] != nil {
            errs.append(.forbidden(path + ".dependencies", "dependencies is not supported"))
        }
        if s["$ref"] != nil { errs.append(.forbidden(path + ".$ref", "$ref is not supported")) }
        if type == "null" {
            errs.append(.forbidden(path + ".type", "type cannot be set to null, use nullable as an alternative"))
        }
        if case .array? = s["items"] {
            errs.append(.forbidden(path + ".items", "items must be a schema object and not an array"))
        }
        if context.insideResourceMeta && s["x-kubernetes-embedded-resource"]?.boolValue == true {
            errs.append(
                .forbidden(path + ".x-kubernetes-embedded-resource", "must not be used inside of resource meta"))
        }
        return errs
    }

    /// The `x-kubernetes-map-type`, `list-type`, `list-map-keys` and `validations` rules.
    private static func extensionRules(_ s: JSONObject, type: String, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let mapType = s["x-kubernetes-map-type"]?.stringValue
        let listType = s["x-kubernetes-list-type"]?.stringValue
        let mapKeys = (s["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
        let items = s["items"]?.objectValue
        if mapType != nil && type != "object" {
            if type.isEmpty {
                errs.append(.required(path + ".type", "must be object if x-kubernetes-map-type is specified"))
            } else {
                errs.append(.invalid(path + ".type", type, "must be object if x-kubernetes-map-type is specified"))
            }
        }
        if let mapType, mapType != "atomic" && mapType != "granular" {
            errs.append(.notSupported(path + ".x-kubernetes-map-type", mapType, supported: ["atomic", "granular"]))
        }
        if listType != nil && type != "array" {
            if type.isEmpty {
                errs.append(.required(path + ".type", "must be array if x-kubernetes-list-type is specified"))
            } else {
                errs.append(.invalid(path + ".type", type, "must be array if x-kubernetes-list-type is specified"))
            }
        } else if listType == "set", let items {
            switch items["type"]?.stringValue {
            case "array":
                if let t = items["x-kubernetes-list-type"]?.stringValue, t != "atomic" {
                    errs.append(
                        .invalid(
                            path + ".items.x-kubernetes-list-type", t,
                            "must be atomic as item of a list with x-kubernetes-list-type=set"))
                }
            case "object":
                if items["x-kubernetes-map-type"]?.stringValue != "atomic" {
                    let shown: FieldError.BadValue = .raw("(*string)(nil)")
                    errs.append(
                        FieldError(
                            .invalid, field: path + ".items.x-kubernetes-map-type",
                            value: listType.map { .string($0) } ?? shown,
                            detail: "must be atomic as item of a list with x-kubernetes-list-type=set"))
                }
            default: break
            }
        }
        if let listType, !["atomic", "set", "map"].contains(listType) {
            errs.append(.notSupported(path + ".x-kubernetes-list-type", listType, supported: ["atomic", "set", "map"]))
        }
        if !mapKeys.isEmpty {
            if listType == nil {
                errs.append(
                    .required(
                        path + ".x-kubernetes-list-type", "must be map if x-kubernetes-list-map-keys is non-empty"))
            } else if let listType, listType != "map" {
                errs.append(
                    .invalid(
                        path + ".x-kubernetes-list-type", listType,
                        "must be map if x-kubernetes-list-map-keys is non-empty"))
            }
        }
        let keysValue = FieldError.BadValue.raw("[]string{" + mapKeys.map(goQuoted).joined(separator: ", ") + "}")
        if listType == "map" {
            if mapKeys.isEmpty {
                errs.append(
                    .required(
                        path + ".x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"))
            }
            if s["items"] == nil {
                errs.append(.required(path + ".items", "must have a schema if x-kubernetes-list-type is map"))
            }
            if let items {
                let itemType = items["type"]?.stringValue ?? ""
                if itemType != "object" {
                    errs.append(
                        .invalid(
                            path + ".items.type", itemType,
                            "must be object if parent array's x-kubernetes-list-type is map"))
                } else {
                    var seen = Set<String>()
                    let props = items["properties"]?.objectValue ?? JSONObject()
                    for k in mapKeys {
                        if let p = props[k] {
                            let t = p["type"]?.stringValue ?? ""
                            if t == "array" || t == "object" {
                                errs.append(
                                    .invalid(
                                        "\(path).items.properties[\(k)].type", itemType,
                                        "must be a scalar type if parent array's x-kubernetes-list-type is map"))
                            }
                        } else {
                            errs.append(
                                FieldError(
                                    .invalid, field: path + ".x-kubernetes-list-map-keys", value: keysValue,
                                    detail: "entries must all be names of item properties"))
                        }
                        if !seen.insert(k).inserted {
                            errs.append(
                                FieldError(
                                    .invalid, field: path + ".x-kubernetes-list-map-keys", value: keysValue,
                                    detail: "must not contain duplicate entries"))
                        }
                    }
                }
            }
        }
        // validateMapListKeysMapSet
        if let items, listType == "set" || listType == "map" {
            if items["nullable"]?.boolValue == true {
                errs.append(
                    .forbidden(
                        path + ".items.nullable", "cannot be nullable when x-kubernetes-list-type is \(listType ?? "")")
                )
            }
            if listType == "map" {
                let required = Set((items["required"]?.arrayValue ?? []).compactMap(\.stringValue))
                let props = items["properties"]?.objectValue ?? JSONObject()
                for k in mapKeys {
                    guard let p = props[k] else { continue }
                    if !required.contains(k) && p["default"] == nil {
                        errs.append(
                            .required(
                                "\(path).items.properties[\(k)].default",
                                "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"
                            ))
                    }
                    if p["nullable"]?.boolValue == true {
                        errs.append(
                            .forbidden(
                                "\(path).items.properties[\(k)].nullable",
                                "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"))
                    }
                }
            }
        }
        for (i, rule) in (s["x-kubernetes-validations"]?.arrayValue ?? []).enumerated() {
            let rPath = "\(path).x-kubernetes-validations[\(i)]"
            let ruleText = (rule["rule"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces)
            let message = rule["message"]?.stringValue
            if ruleText.isEmpty {
                errs.append(.required(rPath + ".rule", "rule is not specified"))
            }
            if let message {
                let trimmed = message.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty {
                    errs.append(.invalid(rPath + ".message", message, "message must be non-empty if specified"))
                } else if message.contains("\n") {
                    errs.append(.invalid(rPath + ".message", message, "message must not contain line breaks"))
                }
            } else if ruleText.contains("\n") {
                errs.append(.required(rPath + ".message", "message must be specified if rule contains line breaks"))
            }
            if let reason = rule["reason"]?.stringValue {
                let supported = [
                    "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired",
                ]
                if !supported.contains(reason) {
                    errs.append(.notSupported(rPath + ".reason", reason, supported: supported))
                }
            }
        }
        return errs
    }

    // MARK: subresources and conversion

    /// `ValidateCustomResourceDefinitionSubresources`.
    static func validateSubresources(_ sub: JSONObject, path: String) -> [FieldError] {
        guard case .object(let scale)? = sub["scale"] else { return [] }
        var errs: [FieldError] = []
        func simplePath(_ s: String, _ field: String) -> FieldError? {
            if s.isEmpty { return .invalid(field, s, "must not be empty") }
            if !s.hasPrefix(".") { return .invalid(field, s, "must be a simple json path starting with .") }
            return nil
        }
        let specPath = scale["specReplicasPath"]?.stringValue ?? ""
        if specPath.isEmpty {
            errs.append(.required(path + ".scale.specReplicasPath"))
        } else if let e = simplePath(specPath, path + ".scale.specReplicasPath") {
            errs.append(e)
        } else if !specPath.hasPrefix(".spec.") {
            errs.append(.invalid(path + ".scale.specReplicasPath", specPath, "should be a json path under .spec"))
        }
        let statusPath = scale["statusReplicasPath"]?.stringValue ?? ""
        if statusPath.isEmpty {
            errs.append(.required(path + ".scale.statusReplicasPath"))
        } else if let e = simplePath(statusPath, path + ".scale.statusReplicasPath") {
            errs.append(e)
        } else if !statusPath.hasPrefix(".status.") {
            errs.append(.invalid(path + ".scale.statusReplicasPath", statusPath, "should be a json path under .status"))
        }
        if let selector = scale["labelSelectorPath"]?.stringValue, !selector.isEmpty {
            if let e = simplePath(selector, path + ".scale.labelSelectorPath") {
                errs.append(e)
            } else if !selector.hasPrefix(".spec.") && !selector.hasPrefix(".status.") {
                errs.append(
                    .invalid(
                        path + ".scale.labelSelectorPath", selector,
                        "should be a json path under either .spec or .status"))
            }
        }
        return errs
    }

    /// `validateCustomResourceConversion` (strategy and which fields go with it).
    static func validateConversion(_ conversion: JSONValue?, path: String) -> [FieldError] {
        guard let conversion, case .object(let c) = conversion else { return [] }
        var errs: [FieldError] = []
        let strategy = c["strategy"]?.stringValue ?? ""
        if strategy.isEmpty {
            errs.append(.required(path + ".strategy"))
        } else if strategy != "None" && strategy != "Webhook" {
            errs.append(.notSupported(path + ".strategy", strategy, supported: ["None", "Webhook"]))
        }
        // Paths are those of the internal type the apiserver validates, where v1's
        // `webhook.clientConfig` is `webhookClientConfig`.
        let webhook = c["webhook"]?.objectValue
        let clientConfig = webhook?["clientConfig"]?.objectValue
        let reviewVersions = (webhook?["conversionReviewVersions"]?.arrayValue ?? []).compactMap(\.stringValue)
        if strategy == "Webhook" {
            if let cc = clientConfig {
                if (cc["url"] == nil) == (cc["service"] == nil) {
                    errs.append(.required(path + ".webhookClientConfig", "exactly one of url or service is required"))
                }
            } else {
                errs.append(.required(path + ".webhookClientConfig", "required when strategy is set to Webhook"))
            }
            if reviewVersions.isEmpty {
                errs.append(.required(path + ".conversionReviewVersions"))
            }
        } else {
            if clientConfig != nil {
                errs.append(
                    .forbidden(path + ".webhookClientConfig", "should not be set when strategy is not set to Webhook"))
            }
            if !reviewVersions.isEmpty {
                errs.append(
                    .forbidden(
                        path + ".conversionReviewVersions", "should not be set when strategy is not set to Webhook"))
            }
        }
        return errs
    }
}
