/// Reads and validates a `CustomResourceDefinition` (apiextensions.k8s.io/v1) object
/// into the resources it declares, with the apiextensions-apiserver's defaulting and
/// (the static, schema-independent part of) its validation messages.
struct CustomResourceDefinition {
    let name: String
    let group: String
    let plural: String
    let singular: String
    let kind: String
    let listKind: String
    let shortNames: [String]
    let categories: [String]
    let namespaced: Bool
    let versions: [Version]

    struct Version {
        let name: String
        let served: Bool
        let storage: Bool
        let subresources: Set<String>
        let selectableFields: [String]
        let printerColumns: [PrinterColumn]
    }

    static let printerColumnTypes = ["boolean", "date", "integer", "number", "string"]
    static let printerColumnFormats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]
    static let maxSelectableFields = 8

    /// Parses `crd`, applying v1 defaulting (singular = lowercase kind, listKind =
    /// kind + "List"); throws a 422 Invalid `StatusError` listing every problem.
    init(_ crd: JSONValue) throws(StatusError) {
        var errs: [FieldError] = []
        self.init(parsing: crd, errors: &errs)
        if !errs.isEmpty {
            throw StatusError.invalid(
                kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", name: name, causes: errs)
        }
    }

    /// The problems `init` reports, without throwing.
    static func validationErrors(of crd: JSONValue) -> [FieldError] {
        var errs: [FieldError] = []
        _ = CustomResourceDefinition(parsing: crd, errors: &errs)
        return errs
    }

    /// Parses `crd`, appending every problem to `errs`.
    private init(parsing crd: JSONValue, errors errs: inout [FieldError]) {
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        let spec = crd["spec"]
        let group = spec?["group"]?.stringValue ?? ""
        let names = spec?["names"]
        let plural = names?["plural"]?.stringValue ?? ""
        let kind = names?["kind"]?.stringValue ?? ""
        var singular = names?["singular"]?.stringValue ?? ""
        if singular.isEmpty { singular = kind.lowercased() }
        var listKind = names?["listKind"]?.stringValue ?? ""
        if listKind.isEmpty, !kind.isEmpty { listKind = kind + "List" }
        let shortNames = (names?["shortNames"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        let categories = (names?["categories"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        let scope = spec?["scope"]?.stringValue ?? ""

        // metadata (ValidateObjectMeta with the CRD name function)
        if name.isEmpty {
            errs.append(.required("metadata.name", "name or generateName is required"))
        } else {
            var msgs = NameValidation.isDNS1123Subdomain(name)
            if name != plural + "." + group { msgs.append("must be spec.names.plural+\".\"+spec.group") }
            errs += msgs.map { .invalid("metadata.name", name, $0) }
        }

        // spec.group
        if group.isEmpty {
            errs.append(.required("spec.group"))
        } else if case let msgs = NameValidation.isDNS1123Subdomain(group), !msgs.isEmpty {
            errs.append(.invalid("spec.group", group, msgs.joined(separator: ",")))
        } else if !group.contains(".") {
            errs.append(.invalid("spec.group", group, "should be a domain with at least one dot"))
        }

        // spec.scope
        if scope.isEmpty {
            errs.append(.required("spec.scope"))
        } else if scope != "Cluster" && scope != "Namespaced" {
            errs.append(.notSupported("spec.scope", scope, supported: ["Cluster", "Namespaced"]))
        }

        // spec.versions
        let topSubresources = spec?["subresources"]
        let topColumns = spec?["additionalPrinterColumns"]?.arrayValue
        let rawVersions = spec?["versions"]?.arrayValue ?? []
        var versions: [Version] = []
        var storageCount = 0
        var seenVersions = Set<String>()
        var unique = true
        for (i, v) in rawVersions.enumerated() {
            let vPath = "spec.versions[\(i)]"
            let vName = v["name"]?.stringValue ?? ""
            let storage = v["storage"]?.boolValue ?? false
            if storage { storageCount += 1 }
            if !seenVersions.insert(vName).inserted { unique = false }
            let nameErrs = NameValidation.isDNS1035Label(vName)
            if !nameErrs.isEmpty { errs.append(.invalid(vPath + ".name", vName, nameErrs.joined(separator: ","))) }

            var sub: Set<String> = []
            let subs = v["subresources"] ?? topSubresources
            if let s = subs?["status"], !s.isNull { sub.insert("status") }
            if let s = subs?["scale"], !s.isNull { sub.insert("scale") }

            var fields: [String] = []
            let schema = v[path: ["schema", "openAPIV3Schema"]]
            for (j, f) in (v["selectableFields"]?.arrayValue ?? []).enumerated() {
                let fPath = "\(vPath).selectableFields[\(j)].jsonPath"
                let jsonPath = f["jsonPath"]?.stringValue ?? ""
                if jsonPath.isEmpty {
                    errs.append(.required(fPath))
                    continue
                }
                guard jsonPath.hasPrefix("."), jsonPath.count > 1,
                    !jsonPath.dropFirst().split(separator: ".", omittingEmptySubsequences: false).contains(
                        where: \.isEmpty)
                else {
                    errs.append(
                        .invalid(fPath, jsonPath, "is an invalid path: must be a simple field path like .spec.field"))
                    continue
                }
                let field = String(jsonPath.dropFirst())
                if field == "metadata" || field.hasPrefix("metadata.") {
                    errs.append(.invalid(fPath, jsonPath, "must not point to fields in metadata"))
                }
                if let schema, !Self.isSelectableSchema(schema, path: field) {
                    errs.append(
                        .invalid(
                            fPath, jsonPath,
                            "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."
                        ))
                }
                if fields.contains(field) {
                    errs.append(FieldError(.duplicate, field: fPath, value: .string(jsonPath)))
                } else {
                    fields.append(field)
                }
            }
            if fields.count > Self.maxSelectableFields {
                errs.append(
                    FieldError(
                        .tooMany, field: vPath + ".selectableFields", value: .integer(Int64(fields.count)),
                        detail: "must have at most \(Self.maxSelectableFields) items"))
            }

            var columns: [PrinterColumn] = []
            for (j, c) in (v["additionalPrinterColumns"]?.arrayValue ?? topColumns ?? []).enumerated() {
                let cPath = "\(vPath).additionalPrinterColumns[\(j)]"
                let col = PrinterColumn(
                    name: c["name"]?.stringValue ?? "", type: c["type"]?.stringValue ?? "",
                    format: c["format"]?.stringValue ?? "", description: c["description"]?.stringValue ?? "",
                    priority: Int(c["priority"]?.int64Value ?? 0), jsonPath: c["jsonPath"]?.stringValue ?? "")
                errs += Self.validate(column: col, path: cPath)
                columns.append(col)
            }
            versions.append(
                Version(
                    name: vName, served: v["served"]?.boolValue ?? false, storage: storage, subresources: sub,
                    selectableFields: fields, printerColumns: columns))
        }
        let versionsValue = FieldError.BadValue.raw(Self.goVersionsRendering(rawVersions))
        if !unique {
            errs.append(
                FieldError(
                    .invalid, field: "spec.versions", value: versionsValue, detail: "must contain unique version names")
            )
        }
        if storageCount != 1 {
            errs.append(
                FieldError(
                    .invalid, field: "spec.versions", value: versionsValue,
                    detail: "must have exactly one version marked as storage version"))
        }

        // spec.names
        if plural.isEmpty { errs.append(.required("spec.names.plural")) }
        if singular.isEmpty { errs.append(.required("spec.names.singular")) }
        if kind.isEmpty { errs.append(.required("spec.names.kind")) }
        if listKind.isEmpty { errs.append(.required("spec.names.listKind")) }
        func label(_ value: String, _ field: String, mixedCase: Bool = false) {
            guard !value.isEmpty else { return }
            let msgs = NameValidation.isDNS1035Label(mixedCase ? value.lowercased() : value)
            guard !msgs.isEmpty else { return }
            let detail =
                (mixedCase ? "may have mixed case, but should otherwise match: " : "") + msgs.joined(separator: ",")
            errs.append(.invalid(field, value, detail))
        }
        label(plural, "spec.names.plural")
        label(singular, "spec.names.singular")
        label(kind, "spec.names.kind", mixedCase: true)
        label(listKind, "spec.names.listKind", mixedCase: true)
        for (i, s) in shortNames.enumerated() {
            let msgs = NameValidation.isDNS1035Label(s)
            if !msgs.isEmpty { errs.append(.invalid("spec.names.shortNames[\(i)]", s, msgs.joined(separator: ","))) }
        }
        if !kind.isEmpty && kind == listKind {
            errs.append(.invalid("spec.names.listKind", listKind, "kind and listKind may not be the same"))
        }
        for (i, c) in categories.enumerated() {
            let msgs = NameValidation.isDNS1035Label(c)
            if !msgs.isEmpty { errs.append(.invalid("spec.names.categories[\(i)]", c, msgs.joined(separator: ","))) }
        }

        self.name = name
        self.group = group
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.listKind = listKind
        self.shortNames = shortNames
        self.categories = categories
        self.namespaced = scope == "Namespaced"
        self.versions = versions
    }

    /// The resources of the served versions.
    var resources: [ResourceInfo] {
        let storageVersion = versions.first { $0.storage }?.name
        return versions.filter(\.served).map { v in
            ResourceInfo(
                gvr: GroupVersionResource(group: group, version: v.name, resource: plural), kind: kind,
                listKind: listKind, singular: singular, shortNames: shortNames, namespaced: namespaced,
                verbs: ResourceInfo.customResourceVerbs, subresources: v.subresources,
                selectableFields: v.selectableFields, categories: categories, isCustom: true,
                printerColumns: v.printerColumns, crdName: name, storageVersion: storageVersion)
        }
    }

    static func validate(column c: PrinterColumn, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if c.name.isEmpty { errs.append(.required(path + ".name")) }
        let types = "must be one of " + printerColumnTypes.joined(separator: ",")
        if c.type.isEmpty {
            errs.append(.required(path + ".type", types))
        } else if !printerColumnTypes.contains(c.type) {
            errs.append(.invalid(path + ".type", c.type, types))
        }
        if !c.format.isEmpty && !printerColumnFormats.contains(c.format) {
            errs.append(
                .invalid(path + ".format", c.format, "must be one of " + printerColumnFormats.joined(separator: ",")))
        }
        if c.jsonPath.isEmpty {
            errs.append(.required(path + ".JSONPath"))
        } else if !c.jsonPath.hasPrefix(".") {
            errs.append(.invalid(path + ".JSONPath", c.jsonPath, "must be a simple json path starting with ."))
        }
        return errs
    }

    /// Whether the OpenAPI schema at `path` is a string, boolean or integer (or the
    /// path is under `x-kubernetes-preserve-unknown-fields`, where nothing is known).
    static func isSelectableSchema(_ schema: JSONValue, path: String) -> Bool {
        var cur = schema
        for part in path.split(separator: ".") {
            if let next = cur["properties"]?[String(part)] {
                cur = next
            } else if cur["x-kubernetes-preserve-unknown-fields"]?.boolValue == true {
                return true
            } else {
                return false
            }
        }
        switch cur["type"]?.stringValue {
        case "string", "boolean", "integer": return true
        default: return false
        }
    }

    /// An approximation of Go's `%#v` of the versions slice, as the apiserver prints it.
    static func goVersionsRendering(_ versions: [JSONValue]) -> String {
        if versions.isEmpty { return "[]apiextensions.CustomResourceDefinitionVersion(nil)" }
        let items = versions.map { v in
            "apiextensions.CustomResourceDefinitionVersion{Name:\(goQuoted(v["name"]?.stringValue ?? "")), "
                + "Served:\(v["served"]?.boolValue ?? false), Storage:\(v["storage"]?.boolValue ?? false)}"
        }
        return "[]apiextensions.CustomResourceDefinitionVersion{" + items.joined(separator: ", ") + "}"
    }
}
