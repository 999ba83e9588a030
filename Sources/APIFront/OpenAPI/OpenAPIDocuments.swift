import Endpoint
import Hummingbird
import KubeModel
import NIOCore

/// `/openapi/v3` (index + per group-version documents) and `/openapi/v2` (JSON),
/// generated from the catalog, ``BuiltInSchemas`` and the stored CRDs' `openAPIV3Schema`.
///
/// What clients use them for: kubectl 1.29+ `create`/`apply` look for a `patch`
/// operation with `x-kubernetes-group-version-kind` and a `fieldValidation` parameter
/// and then leave validation to the server; `kubectl explain` reads the schemas.
/// kubectl 1.27–1.28 fetch `/openapi/v2` as protobuf (``OpenAPIv2Protobuf``).
struct OpenAPIDocuments {
    let catalog: ResourceCatalog
    /// CRD objects currently stored.
    let crds: [JSONValue]

    /// `api/v1`, `apis/apps/v1`, ... for every served group version.
    func groupVersionKeys() -> [(key: String, group: String, version: String)] {
        var keys: [(String, String, String)] = []
        for g in catalog.groups() {
            for v in g.versions {
                keys.append((g.group.isEmpty ? "api/\(v)" : "apis/\(g.group)/\(v)", g.group, v))
            }
        }
        return keys.sorted { $0.0 < $1.0 }
    }

    func v3Index() -> JSONValue {
        var paths = JSONObject()
        for k in groupVersionKeys() {
            let doc = v3Document(group: k.group, version: k.version).serialized()
            paths[k.key] = ["serverRelativeURL": .string("/openapi/v3/\(k.key)?hash=\(Self.hash(doc))")]
        }
        return ["paths": .object(paths)]
    }

    // MARK: schemas

    /// The CRD version schema and GVK for custom kinds in this group version.
    private func customSchemas(group: String, version: String) -> [(
        name: String, gvk: (String, String, String), schema: JSONValue
    )] {
        var out: [(String, (String, String, String), JSONValue)] = []
        for crd in crds {
            guard crd["spec"]?["group"]?.stringValue == group,
                let kind = crd["spec"]?["names"]?["kind"]?.stringValue,
                let versions = crd["spec"]?["versions"]?.arrayValue
            else { continue }
            for v in versions where v["name"]?.stringValue == version {
                let schema =
                    v["schema"]?["openAPIV3Schema"] ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
                let reversed = group.split(separator: ".").reversed().joined(separator: ".")
                out.append(("\(reversed).\(version).\(kind)", (group, version, kind), schema))
            }
        }
        return out
    }

    /// Definition name and GVK for every kind of the group version.
    private func kinds(group: String, version: String) -> [(info: ResourceInfo, definition: String)] {
        let custom = customSchemas(group: group, version: version)
        var out: [(ResourceInfo, String)] = []
        for info in catalog.resources(group: group, version: version) where !info.gvr.resource.contains("/") {
            if let builtIn = BuiltInSchemas.definitionName(group: group, version: version, kind: info.kind) {
                out.append((info, builtIn))
            } else if let c = custom.first(where: { $0.gvk.2 == info.kind }) {
                out.append((info, c.name))
            } else {
                let prefix = group.isEmpty ? "io.k8s.api.core" : "io.k8s.ake.\(group)"
                out.append((info, "\(prefix).\(version).\(info.kind)"))
            }
        }
        return out
    }

    /// The built-in definitions rendered once per flavour (they never change).
    private static let renderedV3 = renderBuiltIns(v3: true)
    private static let renderedV2 = renderBuiltIns(v3: false)

    private static func renderBuiltIns(v3: Bool) -> [String: JSONValue] {
        let refPrefix = v3 ? "#/components/schemas/" : "#/definitions/"
        var out: [String: JSONValue] = [:]
        for (name, d) in BuiltInSchemas.definitions {
            var props = JSONObject()
            for p in d.properties {
                var s = Self.render(p.schema, refPrefix: refPrefix, v3: v3)
                if !p.description.isEmpty, case .object(var o) = s {
                    o["description"] = .string(p.description)
                    s = .object(o)
                }
                props[p.name] = s
            }
            var schema = JSONObject([
                ("description", .string(d.description)), ("type", "object"), ("properties", .object(props)),
            ])
            if let g = d.gvk { schema["x-kubernetes-group-version-kind"] = Self.gvk(g.group, g.version, g.kind) }
            out[name] = .object(schema)
        }
        return out
    }

    /// Definition names reachable from `roots` through object references.
    private static func reachable(from roots: [String]) -> Set<String> {
        var seen = Set<String>()
        var stack = roots
        func visit(_ node: SchemaNode) {
            switch node {
            case .object(let name): if !seen.contains(name) { stack.append(name) }
            case .array(let e), .map(let e): visit(e)
            default: break
            }
        }
        while let name = stack.popLast() {
            guard seen.insert(name).inserted, let d = BuiltInSchemas.definitions[name] else { continue }
            for p in d.properties { visit(p.schema) }
        }
        return seen
    }

    private func schemas(group: String, version: String, v3: Bool) -> JSONObject {
        let refPrefix = v3 ? "#/components/schemas/" : "#/definitions/"
        let rendered = v3 ? Self.renderedV3 : Self.renderedV2
        // Every hand-written definition (as before), and the generated ones this group's kinds use.
        let roots =
            Array(BuiltInSchemas.handWrittenNames) + kinds(group: group, version: version).map(\.definition)
        var out = JSONObject()
        for name in Self.reachable(from: roots).sorted() {
            if let schema = rendered[name] { out[name] = schema }
        }
        let custom = customSchemas(group: group, version: version)
        for k in kinds(group: group, version: version) where out[k.definition] == nil {
            var schema: JSONObject
            if let c = custom.first(where: { $0.name == k.definition }), case .object(let o) = c.schema {
                schema = o
                var props = schema["properties"]?.objectValue ?? JSONObject()
                props["metadata"] = Self.render(
                    .object("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), refPrefix: refPrefix, v3: v3)
                props["apiVersion"] = props["apiVersion"] ?? ["type": "string"]
                props["kind"] = props["kind"] ?? ["type": "string"]
                schema["properties"] = .object(props)
            } else {
                let generic: JSONValue = [
                    "description": .string("\(k.info.kind) (schema not published by AKE)"), "type": "object",
                    "x-kubernetes-preserve-unknown-fields": true,
                    "properties": [
                        "apiVersion": ["type": "string"], "kind": ["type": "string"],
                        "metadata": Self.render(
                            .object("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), refPrefix: refPrefix, v3: v3),
                    ],
                ]
                schema = generic.objectValue ?? JSONObject()
            }
            schema["x-kubernetes-group-version-kind"] = Self.gvk(group, version, k.info.kind)
            out[k.definition] = .object(schema)
        }
        return out
    }

    static func gvk(_ group: String, _ version: String, _ kind: String) -> JSONValue {
        [["group": .string(group), "kind": .string(kind), "version": .string(version)]]
    }

    static func render(_ node: SchemaNode, refPrefix: String, v3: Bool) -> JSONValue {
        switch node {
        case .string: return ["type": "string"]
        case .integer: return ["type": "integer", "format": "int64"]
        case .number: return ["type": "number", "format": "double"]
        case .boolean: return ["type": "boolean"]
        case .intOrString: return ["type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": true]
        case .object(let name):
            let ref: JSONValue = ["$ref": .string(refPrefix + name)]
            return v3 ? ["allOf": [ref], "default": [:]] : ref
        case .array(let e): return ["type": "array", "items": render(e, refPrefix: refPrefix, v3: v3)]
        case .map(let e): return ["type": "object", "additionalProperties": render(e, refPrefix: refPrefix, v3: v3)]
        case .any: return ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        }
    }

    // MARK: paths

    private func paths(group: String, version: String, v3: Bool) -> JSONObject {
        let refPrefix = v3 ? "#/components/schemas/" : "#/definitions/"
        let base = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        var out = JSONObject()
        for k in kinds(group: group, version: version) {
            let info = k.info
            let collection =
                info.namespaced ? "\(base)/namespaces/{namespace}/\(info.gvr.resource)" : "\(base)/\(info.gvr.resource)"
            let item = "\(collection)/{name}"
            let ref = refPrefix + k.definition
            func op(_ action: String, _ verb: String, params: [String]) -> JSONValue {
                var parameters: [JSONValue] = []
                for p in params {
                    parameters.append(
                        v3
                            ? ["name": .string(p), "in": "query", "schema": ["type": "string", "uniqueItems": true]]
                            : ["name": .string(p), "in": "query", "type": "string", "uniqueItems": true])
                }
                let response: JSONValue =
                    v3
                    ? ["description": "OK", "content": ["application/json": ["schema": ["$ref": .string(ref)]]]]
                    : ["description": "OK", "schema": ["$ref": .string(ref)]]
                return [
                    "operationId": .string("\(verb)\(info.kind)"),
                    "parameters": .array(parameters),
                    "responses": ["200": response],
                    "x-kubernetes-action": .string(action),
                    "x-kubernetes-group-version-kind": [
                        "group": .string(group), "kind": .string(info.kind), "version": .string(version),
                    ],
                ]
            }
            let writeParams = ["dryRun", "fieldManager", "fieldValidation"]
            out[collection] = [
                "get": op("list", "list", params: ["labelSelector", "fieldSelector", "resourceVersion", "watch"]),
                "post": op("post", "create", params: writeParams),
            ]
            out[item] = [
                "get": op("get", "read", params: []),
                "put": op("put", "replace", params: writeParams),
                "patch": op("patch", "patch", params: writeParams + ["force"]),
                "delete": op("delete", "delete", params: ["dryRun"]),
            ]
        }
        return out
    }

    func v3Document(group: String, version: String) -> JSONValue {
        [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": "v1.33.0"],
            "paths": .object(paths(group: group, version: version, v3: true)),
            "components": ["schemas": .object(schemas(group: group, version: version, v3: true))],
        ]
    }

    func v2Document() -> JSONValue {
        var paths = JSONObject()
        var definitions = JSONObject()
        for k in groupVersionKeys() {
            for (key, value) in self.paths(group: k.group, version: k.version, v3: false) { paths[key] = value }
            for (key, value) in schemas(group: k.group, version: k.version, v3: false) where definitions[key] == nil {
                definitions[key] = value
            }
        }
        return [
            "swagger": "2.0", "info": ["title": "Kubernetes", "version": "v1.33.0"], "paths": .object(paths),
            "definitions": .object(definitions),
        ]
    }

    /// FNV-1a, hex: changes whenever the document changes (kubectl caches by it).
    static func hash(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16).uppercased()
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension APIFront {
    static let crdResource = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")

    /// Answers `/openapi/v2` and `/openapi/v3[/…]`; nil for other paths.
    func openAPIResponse(_ request: Request) async -> Response? {
        let path = request.uri.path
        guard path == "/openapi/v2" || path == "/openapi/v3" || path.hasPrefix("/openapi/v3/") else { return nil }
        guard request.method == .get || request.method == .head else {
            return status(.methodNotAllowed(method: request.method.rawValue))
        }
        var crds: [JSONValue] = []
        if catalog.resource(for: Self.crdResource) != nil,
            case .response(let r) = await endpoint.handle(APIRequest(verb: .list, resource: Self.crdResource)),
            r.code == 200, let list = try? JSONValue(parsing: r.body), let items = list["items"]?.arrayValue
        {
            crds = items
        }
        let docs = OpenAPIDocuments(catalog: catalog, crds: crds)
        if path == "/openapi/v2" {
            let document = docs.v2Document()
            if OpenAPIv2Protobuf.isRequested(byAccept: request.headers[.accept]) {
                return self.document(
                    OpenAPIv2Protobuf.encode(document), contentType: OpenAPIv2Protobuf.contentType, for: request)
            }
            return self.document(document.serialized(), contentType: "application/json", for: request)
        }
        if path == "/openapi/v3" {
            return document(docs.v3Index().serialized(), contentType: "application/json", for: request)
        }
        let key = String(path.dropFirst("/openapi/v3/".count))
        guard let gv = docs.groupVersionKeys().first(where: { $0.key == key }) else { return status(.notFound) }
        return document(
            docs.v3Document(group: gv.group, version: gv.version).serialized(), contentType: "application/json",
            for: request)
    }
}
