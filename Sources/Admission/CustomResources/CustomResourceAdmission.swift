import KubeModel
import Synchronization

/// Custom resources against their CRD version's `openAPIV3Schema`: pruning, defaults and
/// validation as k8s.io/apiextensions-apiserver applies them.
///
/// - Pruning and defaulting follow the decoder (`unstructuredSchemaCoercer.apply`, then
///   `unstructuredDefaulter`): unknown fields are dropped unless
///   `x-kubernetes-preserve-unknown-fields` keeps them, non-nullable `null`s without a
///   default are dropped, then schema defaults fill absent fields.
/// - Validation follows `customResourceStrategy.Validate`/`ValidateUpdate` and the status
///   strategy: kube-openapi's schema validator (with ratcheting on update: errors of
///   values unchanged from the old object are dropped, `CRDValidationRatcheting` being on
///   in 1.30+), the metadata of embedded resources, list-type uniqueness, and the scale
///   subresource's replicas fields.
/// - `x-kubernetes-validations` (CEL) rules are not evaluated: there is no maintained
///   Swift CEL implementation, and a partial evaluation would reject or admit the wrong
///   objects. They reject nothing.
enum CustomResourceAdmission {
    /// Prunes unknown fields and applies schema defaults.
    static func applyDefaults(_ object: inout JSONValue, _ request: AdmissionRequest) {
        guard let compiled = compiled(request), let schema = compiled.schema else { return }
        if !compiled.preserveUnknownFields {
            StructuralAlgorithms.pruneResource(&object, schema)
            StructuralAlgorithms.pruneNonNullableNulls(&object, schema)
        }
        StructuralAlgorithms.applyDefaults(&object, schema)
    }

    /// All schema errors of a custom resource.
    static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        guard let compiled = compiled(request) else { return [] }
        var errs: [FieldError] = []
        let objectMap = object.objectValue ?? JSONObject()
        if request.subresource == "status" {
            // statusStrategy.ValidateUpdate: the status against the status schema (not
            // ratcheted: the status validator is called without the ratcheting option).
            if let status = object["status"], let statusSchema = compiled.statusSchema {
                errs += SchemaValidator.validate(status, statusSchema, path: "", old: nil).map {
                    $0.fieldError(prefix: "status")
                }
            }
        } else if let schema = compiled.schema {
            let old = request.operation == .update ? request.old : nil
            errs += SchemaValidator.validate(object, schema, path: "", old: old).map { $0.fieldError(prefix: nil) }
        }
        if request.subresource != "status", let scale = compiled.scale {
            errs += replicasErrors(object, path: scale.specReplicasPath)
        }
        if let scale = compiled.scale {
            errs += replicasErrors(object, path: scale.statusReplicasPath)
            if let selectorPath = scale.labelSelectorPath {
                errs += labelSelectorErrors(object, path: selectorPath)
            }
        }
        if let schema = compiled.schema {
            errs += StructuralAlgorithms.validateEmbedded(object, schema, path: "")
            let oldListErrors =
                request.operation == .update
                ? StructuralAlgorithms.validateListSetsAndMaps(
                    request.old?.objectValue ?? JSONObject(), schema, path: "")
                : []
            if oldListErrors.isEmpty {
                errs += StructuralAlgorithms.validateListSetsAndMaps(objectMap, schema, path: "")
            }
        }
        return errs
    }

    // MARK: scale subresource (registry/customresource/validator.go)

    /// `ValidateScaleSpec`/`ValidateScaleStatus` for a replicas path such as `.spec.replicas`.
    private static func replicasErrors(_ object: JSONValue, path: String) -> [FieldError] {
        let fields = (path.hasPrefix(".") ? String(path.dropFirst()) : path).split(separator: ".").map(String.init)
        guard let value = nested(object, fields) else { return [] }
        switch GoValue(value) {
        case .int(let n):
            if n < 0 {
                return [
                    FieldError(.invalid, field: path, value: .integer(n), detail: "should be a non-negative integer")
                ]
            }
            if n > Int64(Int32.max) {
                return [
                    FieldError(
                        .invalid, field: path, value: .integer(n),
                        detail: "should be less than or equal to \(Int32.max)")
                ]
            }
            return []
        default:
            return [
                FieldError(
                    .invalid, field: path, value: .integer(0),
                    detail:
                        "\(accessorPath(fields)) accessor error: \(GoRendering.plainV(value)) is of the type \(goType(value)), expected int64"
                )
            ]
        }
    }

    private static func labelSelectorErrors(_ object: JSONValue, path: String) -> [FieldError] {
        let fields = (path.hasPrefix(".") ? String(path.dropFirst()) : path).split(separator: ".").map(String.init)
        guard let value = nested(object, fields), value.stringValue == nil else { return [] }
        return [
            FieldError(
                .invalid, field: path, value: .string(""),
                detail:
                    "\(accessorPath(fields)) accessor error: \(GoRendering.plainV(value)) is of the type \(goType(value)), expected string"
            )
        ]
    }

    private static func nested(_ object: JSONValue, _ fields: [String]) -> JSONValue? {
        var cur: JSONValue? = object
        for f in fields {
            guard case .object(let o)? = cur else { return nil }
            cur = o[f]
        }
        return cur
    }

    private static func accessorPath(_ fields: [String]) -> String { "." + fields.joined(separator: ".") }

    private static func goType(_ v: JSONValue) -> String {
        switch GoValue(v) {
        case .null: "<nil>"
        case .bool: "bool"
        case .int: "int64"
        case .float: "float64"
        case .string: "string"
        case .array: "[]interface {}"
        case .object: "map[string]interface {}"
        }
    }

    // MARK: compiled schemas

    /// The schema of one version of a CRD, read once.
    final class CompiledVersion: Sendable {
        /// The version's `openAPIV3Schema`; nil when it has none.
        let schema: SchemaNode?
        /// `properties.status` of the schema, for the status subresource.
        let statusSchema: SchemaNode?
        /// `spec.preserveUnknownFields` (v1beta1 CRDs): no pruning.
        let preserveUnknownFields: Bool
        let scale: Scale?

        struct Scale: Sendable {
            let specReplicasPath: String
            let statusReplicasPath: String
            let labelSelectorPath: String?
        }

        init(crd: JSONValue, version: String) {
            let spec = crd["spec"]
            let v = (spec?["versions"]?.arrayValue ?? []).first { $0["name"]?.stringValue == version }
            let schemaJSON = v?["schema"]?["openAPIV3Schema"] ?? spec?["validation"]?["openAPIV3Schema"]
            let node = schemaJSON.map(SchemaNode.init)
            schema = node
            let subresources = v?["subresources"] ?? spec?["subresources"]
            if subresources?["status"].map({ !$0.isNull }) ?? false {
                statusSchema = node?.property("status")
            } else {
                statusSchema = nil
            }
            if let s = subresources?["scale"], case .object = s {
                scale = Scale(
                    specReplicasPath: s["specReplicasPath"]?.stringValue ?? "",
                    statusReplicasPath: s["statusReplicasPath"]?.stringValue ?? "",
                    labelSelectorPath: s["labelSelectorPath"]?.stringValue)
            } else {
                scale = nil
            }
            preserveUnknownFields = spec?["preserveUnknownFields"]?.boolValue ?? false
        }
    }

    /// Compiled schemas by CRD uid, resourceVersion and version: a CRD's schema is read
    /// once per revision, not per write.
    static let cache = SchemaCache(capacity: 512)

    static func compiled(_ request: AdmissionRequest) -> CompiledVersion? {
        guard let crd = request.definition else { return nil }
        return cache.compiled(crd: crd, version: request.info.gvr.version)
    }
}

/// A bounded, thread-safe cache of compiled CRD version schemas.
final class SchemaCache: Sendable {
    private let capacity: Int
    private let entries = Mutex<[String: CustomResourceAdmission.CompiledVersion]>([:])

    init(capacity: Int) { self.capacity = capacity }

    /// The compiled schema of `version` of `crd`, from the cache when the CRD has a uid
    /// and resourceVersion (a stored CRD always has both).
    func compiled(crd: JSONValue, version: String) -> CustomResourceAdmission.CompiledVersion {
        let uid = crd["metadata"]?["uid"]?.stringValue ?? ""
        let rv = crd["metadata"]?["resourceVersion"]?.stringValue ?? ""
        guard !uid.isEmpty, !rv.isEmpty else {
            return CustomResourceAdmission.CompiledVersion(crd: crd, version: version)
        }
        let key = "\(uid)/\(rv)/\(version)"
        if let hit = entries.withLock({ $0[key] }) { return hit }
        let fresh = CustomResourceAdmission.CompiledVersion(crd: crd, version: version)
        entries.withLock { e in
            if e.count >= capacity { e.removeAll(keepingCapacity: true) }
            e[key] = fresh
        }
        return fresh
    }

    /// How many compiled versions are cached.
    var count: Int { entries.withLock { $0.count } }
}
