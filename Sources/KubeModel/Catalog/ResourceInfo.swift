/// A column a custom resource declares for `kubectl get` (`additionalPrinterColumns`).
public struct PrinterColumn: Sendable, Hashable {
    /// The column header.
    public var name: String
    /// OpenAPI type: `string`, `integer`, `number`, `boolean` or `date`.
    public var type: String
    /// OpenAPI format hint (`int32`, `date-time`, …); may be empty.
    public var format: String
    /// Help text for the column.
    public var description: String
    /// 0 for columns shown by default; higher ones only with `-o wide`.
    public var priority: Int
    /// A simple JSONPath such as `.spec.replicas`.
    public var jsonPath: String

    /// A printer column; see the member docs.
    public init(
        name: String, type: String, format: String = "", description: String = "", priority: Int = 0,
        jsonPath: String
    ) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
        self.jsonPath = jsonPath
    }
}

/// What AKE knows about one resource at one version: enough for discovery, routing,
/// validation and selectors.
public struct ResourceInfo: Sendable, Hashable {
    /// Where the resource is served (plural resource name).
    public var gvr: GroupVersionResource
    /// The object kind, for example `Pod`.
    public var kind: String
    /// The list kind, for example `PodList`.
    public var listKind: String
    /// The lowercase singular name, for example `pod`.
    public var singular: String
    /// Abbreviations kubectl accepts, for example `po`.
    public var shortNames: [String]
    /// Whether objects live in a namespace.
    public var namespaced: Bool
    /// Discovery verbs, in the order the apiserver lists them.
    public var verbs: [String]
    /// Subresources AKE serves: `status`, `scale`.
    public var subresources: Set<String>
    /// Field selector labels besides `metadata.name` / `metadata.namespace`.
    public var selectableFields: [String]
    /// Discovery categories, for example `all`.
    public var categories: [String]
    /// Declared by a CustomResourceDefinition.
    public var isCustom: Bool
    /// CRD `additionalPrinterColumns` (empty for built-ins).
    public var printerColumns: [PrinterColumn]
    /// For custom resources, the CRD's `metadata.name` (`<plural>.<group>`).
    public var crdName: String?
    /// For custom resources, the version objects are stored at; nil for built-ins.
    public var storageVersion: String?

    /// Describes a resource; `listKind` defaults to kind + "List", `singular` to the lowercase kind.
    public init(
        gvr: GroupVersionResource, kind: String, listKind: String? = nil, singular: String? = nil,
        shortNames: [String] = [], namespaced: Bool, verbs: [String] = ResourceInfo.standardVerbs,
        subresources: Set<String> = [], selectableFields: [String] = [], categories: [String] = [],
        isCustom: Bool = false, printerColumns: [PrinterColumn] = [], crdName: String? = nil,
        storageVersion: String? = nil
    ) {
        self.gvr = gvr
        self.kind = kind
        self.listKind = listKind ?? kind + "List"
        self.singular = singular ?? kind.lowercased()
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.verbs = verbs
        self.subresources = subresources
        self.selectableFields = selectableFields
        self.categories = categories
        self.isCustom = isCustom
        self.printerColumns = printerColumns
        self.crdName = crdName
        self.storageVersion = storageVersion
    }

    /// `create delete deletecollection get list patch update watch`.
    public static let standardVerbs = [
        "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
    ]
    /// The verbs the apiserver advertises for custom resources.
    public static let customResourceVerbs = [
        "delete", "deletecollection", "get", "list", "patch", "create", "update", "watch",
    ]

    /// `(group, resource)` for StatusError constructors.
    public var groupResource: (group: String, resource: String) { (gvr.group, gvr.resource) }

    /// `apiVersion` of objects of this resource.
    public var apiVersion: String { gvr.groupVersion }

    /// Why a field selector may not name `field` for this resource, worded as the
    /// apiserver's field-label conversion says it; nil when it may.
    ///
    /// Resources with their own conversion (those with selectable fields, and custom
    /// resources) accept `metadata.name`, `metadata.namespace` only when namespaced,
    /// and their fields (`field label not supported: <f>`); the others accept just the
    /// two metadata fields (`"<f>" is not a known field selector: only ...`).
    public func fieldLabelError(_ field: String) -> String? {
        if field == "metadata.name" || selectableFields.contains(field) { return nil }
        let ownConversion = isCustom || !selectableFields.isEmpty
        if field == "metadata.namespace", namespaced || !ownConversion { return nil }
        if ownConversion { return "field label not supported: \(field)" }
        return "\(goQuoted(field)) is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    }
}

extension ResourceInfo {
    /// The values field selectors and field indexes see: `metadata.name`,
    /// `metadata.namespace` and every selectable field, as strings (booleans as
    /// `true`/`false`, numbers as written, missing as `""` — except where the
    /// apiserver defaults a missing bool to `false`).
    public func fieldValues(of object: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        out.reserveCapacity(selectableFields.count + 2)
        let meta = object["metadata"]
        out["metadata.name"] = meta?["name"]?.stringValue ?? ""
        out["metadata.namespace"] = namespaced ? (meta?["namespace"]?.stringValue ?? "") : ""
        for field in selectableFields {
            out[field] = fieldValue(field, of: object)
        }
        return out
    }

    /// One selectable field's value.
    public func fieldValue(_ field: String, of object: JSONValue) -> String {
        if !isCustom {
            switch (gvr.group, gvr.resource, field) {
            case ("", "pods", "spec.hostNetwork"):
                return Self.text(object[path: ["spec", "hostNetwork"]]) ?? "false"
            case ("", "pods", "status.podIP"):
                if let ip = object[path: ["status", "podIP"]]?.stringValue, !ip.isEmpty { return ip }
                return object[path: ["status", "podIPs"]]?.arrayValue?.first?["ip"]?.stringValue ?? ""
            case ("", "nodes", "spec.unschedulable"):
                return Self.text(object[path: ["spec", "unschedulable"]]) ?? "false"
            case ("", "events", "source"):
                if let c = object[path: ["source", "component"]]?.stringValue, !c.isEmpty { return c }
                return object["reportingComponent"]?.stringValue ?? ""
            case ("events.k8s.io", "events", "source"):
                // Mapped to the core Event's `source`: deprecatedSource.component, else the controller.
                if let c = object[path: ["deprecatedSource", "component"]]?.stringValue, !c.isEmpty { return c }
                return object["reportingController"]?.stringValue ?? ""
            default:
                break
            }
        }
        var cur: JSONValue? = object
        for part in field.split(separator: ".") { cur = cur?[String(part)] }
        return Self.text(cur) ?? ""
    }

    private static func text(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n.text
        default: nil
        }
    }
}
