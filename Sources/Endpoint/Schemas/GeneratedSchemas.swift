import KubeModel

/// Schemas for the built-in types that have no hand-written definition, derived from
/// the Go struct shapes of ``BuiltInTypes`` (complete field lists and types, no
/// descriptions): field validation and OpenAPI for every built-in kind.
enum GeneratedSchemas {
    /// The OpenAPI definition name of a table message: `core/v1.PodSpec` →
    /// `io.k8s.api.core.v1.PodSpec`, `meta/v1.LabelSelector` →
    /// `io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector`.
    static func definitionName(_ message: String) -> String {
        let dotted = String(message.map { $0 == "/" ? "." : $0 })
        return message.hasPrefix("meta/") ? "io.k8s.apimachinery.pkg.apis." + dotted : "io.k8s.api." + dotted
    }

    /// Every table message as a definition; top-level kinds get apiVersion/kind and their GVK.
    static func definitions(_ table: BuiltInTypes.Table) -> [String: SchemaDefinition] {
        var gvkByMessage: [String: (group: String, version: String, kind: String)] = [:]
        for (key, message) in table.roots where gvkByMessage[message] == nil {
            let parts = key.split(separator: " ")
            guard parts.count == 2, !(parts[1] == "DeleteOptions") else { continue }
            let gv = parts[0].split(separator: "/")
            let (group, version) = gv.count == 2 ? (String(gv[0]), String(gv[1])) : ("", String(gv[0]))
            gvkByMessage[message] = (group, version, String(parts[1]))
        }
        var out: [String: SchemaDefinition] = [:]
        for (name, message) in table.messages {
            var properties: [(name: String, schema: SchemaNode, description: String)] = []
            let gvk = gvkByMessage[name]
            if gvk != nil {
                properties.append(("apiVersion", .string, ""))
                properties.append(("kind", .string, ""))
            }
            appendProperties(of: message, in: table, to: &properties, depth: 0)
            out[definitionName(name)] = SchemaDefinition(description: "", properties: properties, gvk: gvk)
        }
        return out
    }

    private static func appendProperties(
        of message: BuiltInTypes.Message, in table: BuiltInTypes.Table,
        to properties: inout [(name: String, schema: SchemaNode, description: String)], depth: Int
    ) {
        for field in message.fields {
            if field.inline {
                // Embedded structs: their members are the parent's (bounded: the table is not recursive).
                if case .message(let inner) = field.kind, let m = table.messages[inner], depth < 8 {
                    appendProperties(of: m, in: table, to: &properties, depth: depth + 1)
                }
                continue
            }
            let element = node(field.kind)
            properties.append((field.jsonName, field.repeated ? .array(element) : element, ""))
        }
    }

    static func node(_ kind: BuiltInTypes.Kind) -> SchemaNode {
        switch kind {
        case .string, .bytes, .time, .microTime, .duration: .string
        case .bool: .boolean
        case .int32, .int64: .integer
        case .double: .number
        case .quantity, .intOrString: .intOrString
        case .rawExtension, .fieldsV1: .any
        case .wrappedStrings: .array(.string)
        case .message(let name): .object(definitionName(name))
        case .map(_, let value): .map(node(value))
        }
    }
}
