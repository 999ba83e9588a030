import Foundation
import KubeModel

/// One node of a CRD version's `openAPIV3Schema`, read once into the shape the
/// apiextensions-apiserver works with: the value validations kube-openapi's validator
/// checks (with unsupported `format`s stripped, as `StripUnsupportedFormatsPostProcess`
/// does) and the structural extensions pruning, defaulting and list-type checks use.
final class SchemaNode: Sendable {
    /// `type`, or empty; `x-kubernetes-int-or-string` makes it `["integer", "string"]`
    /// for validation (`ConvertJSONSchemaPropsWithPostProcess`).
    let type: String
    /// The types the validator accepts (empty: any).
    let validationTypes: [String]
    /// `format` as written, kept only when kube-openapi's default registry validates it
    /// (messages print it as written; `formatKey` is its dash-free registry name).
    let format: String
    let formatKey: String
    let nullable: Bool
    let maximum: Double?
    let exclusiveMaximum: Bool
    let minimum: Double?
    let exclusiveMinimum: Bool
    let multipleOf: Double?
    let maxLength: Int64?
    let minLength: Int64?
    let pattern: String
    let compiledPattern: NSRegularExpression?
    /// The compile error of `pattern` (Go reports it in the failure message).
    let patternError: String?
    let maxItems: Int64?
    let minItems: Int64?
    let uniqueItems: Bool
    let maxProperties: Int64?
    let minProperties: Int64?
    let required: [String]
    let enumValues: [JSONValue]
    /// `properties` in declaration order.
    let properties: [(key: String, value: SchemaNode)]
    private let propertyIndex: [String: Int]
    let additionalProperties: AdditionalProperties?
    let items: SchemaNode?
    let allOf: [SchemaNode]
    let anyOf: [SchemaNode]
    let oneOf: [SchemaNode]
    let not: SchemaNode?
    /// `default`, when set.
    let defaultValue: JSONValue?
    let preserveUnknownFields: Bool
    let intOrString: Bool
    let embeddedResource: Bool
    /// `x-kubernetes-list-type`, or nil.
    let listType: String?
    let listMapKeys: [String]

    /// `additionalProperties`: a boolean or a schema.
    enum AdditionalProperties: Sendable {
        case allows(Bool)
        case schema(SchemaNode)

        /// The schema, or nil for a boolean.
        var schema: SchemaNode? {
            if case .schema(let s) = self { return s }
            return nil
        }
    }

    /// The formats `k8s.io/apiextensions-apiserver/pkg/apiserver/validation/formats.go`
    /// keeps (after removing dashes, as go-openapi normalizes format names).
    static let supportedFormats: Set<String> = [
        "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4",
        "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password",
        "date", "duration", "datetime",
    ]

    /// Reads a schema object; anything that is not an object reads as the empty schema.
    init(_ json: JSONValue) {
        let o = json.objectValue ?? JSONObject()
        type = o["type"]?.stringValue ?? ""
        intOrString = o["x-kubernetes-int-or-string"]?.boolValue ?? false
        if intOrString {
            validationTypes = ["integer", "string"]
        } else {
            validationTypes = type.isEmpty ? [] : [type]
        }
        let rawFormat = o["format"]?.stringValue ?? ""
        let normalized = rawFormat.replacingOccurrences(of: "-", with: "")
        format = Self.supportedFormats.contains(normalized) ? rawFormat : ""
        formatKey = format.isEmpty ? "" : normalized
        nullable = o["nullable"]?.boolValue ?? false
        maximum = o["maximum"].flatMap(Self.double)
        exclusiveMaximum = o["exclusiveMaximum"]?.boolValue ?? false
        minimum = o["minimum"].flatMap(Self.double)
        exclusiveMinimum = o["exclusiveMinimum"]?.boolValue ?? false
        multipleOf = o["multipleOf"].flatMap(Self.double)
        maxLength = o["maxLength"]?.int64Value
        minLength = o["minLength"]?.int64Value
        pattern = o["pattern"]?.stringValue ?? ""
        if pattern.isEmpty {
            compiledPattern = nil
            patternError = nil
        } else {
            do {
                compiledPattern = try NSRegularExpression(pattern: pattern)
                patternError = nil
            } catch {
                compiledPattern = nil
                patternError = "error parsing regexp: invalid pattern: `\(pattern)`"
            }
        }
        maxItems = o["maxItems"]?.int64Value
        minItems = o["minItems"]?.int64Value
        uniqueItems = o["uniqueItems"]?.boolValue ?? false
        maxProperties = o["maxProperties"]?.int64Value
        minProperties = o["minProperties"]?.int64Value
        required = (o["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        enumValues = o["enum"]?.arrayValue ?? []
        var props: [(key: String, value: SchemaNode)] = []
        var index: [String: Int] = [:]
        for (k, v) in o["properties"]?.objectValue ?? JSONObject() {
            index[k] = props.count
            props.append((k, SchemaNode(v)))
        }
        properties = props
        propertyIndex = index
        switch o["additionalProperties"] {
        case .bool(let b)?: additionalProperties = .allows(b)
        case .object(let s)?: additionalProperties = .schema(SchemaNode(.object(s)))
        default: additionalProperties = nil
        }
        if case .object(let s)? = o["items"] {
            items = SchemaNode(.object(s))
        } else {
            items = nil
        }
        allOf = (o["allOf"]?.arrayValue ?? []).map(SchemaNode.init)
        anyOf = (o["anyOf"]?.arrayValue ?? []).map(SchemaNode.init)
        oneOf = (o["oneOf"]?.arrayValue ?? []).map(SchemaNode.init)
        not = o["not"].map(SchemaNode.init)
        defaultValue = o["default"]
        preserveUnknownFields = o["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        embeddedResource = o["x-kubernetes-embedded-resource"]?.boolValue ?? false
        listType = o["x-kubernetes-list-type"]?.stringValue
        listMapKeys = (o["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The schema of property `name`, if declared.
    func property(_ name: String) -> SchemaNode? {
        propertyIndex[name].map { properties[$0].value }
    }

    /// The schema that applies to member `key` of an object: its property, else the
    /// `additionalProperties` schema.
    func member(_ key: String) -> SchemaNode? {
        property(key) ?? additionalProperties?.schema
    }

    private static func double(_ v: JSONValue) -> Double? {
        if case .number(let n) = v { return n.doubleValue }
        return nil
    }
}

/// A JSON value as Go's unstructured decoding types it: integers that fit an `int64`
/// are `int64`, other numbers `float64`.
enum GoValue {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    init(_ v: JSONValue) {
        switch v {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n):
            if let i = n.int64Value {
                self = .int(i)
            } else {
                self = .float(n.doubleValue ?? 0)
            }
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a)
        case .object(let o): self = .object(o)
        }
    }
}
