import KubeModel

/// Encodes an OpenAPI v2 (Swagger 2.0) document, given as JSON, into the protobuf form
/// kubectl 1.27–1.28 ask `/openapi/v2` for (`Accept:
/// application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): the `openapi.v2.Document`
/// message of github.com/google/gnostic (openapiv2/OpenAPIv2.proto). Those kubectl versions
/// read it to learn whether the server validates fields (a `fieldValidation` query
/// parameter on each kind's PATCH operation, found by its `x-kubernetes-group-version-kind`)
/// and, for `explain`, the definitions.
///
/// JSON members map to the message fields of the same name (proto3: zero values are
/// not written). Values the messages keep as `Any` (`default`, `enum`, `example`, vendor
/// extensions `x-*`) are written as YAML text — compact JSON, which YAML parsers read —
/// the way gnostic stores them. Members with no field in the message are skipped.
enum OpenAPIv2Protobuf {
    /// The content type of the encoded document.
    static let contentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    /// Whether `accept` asks for the protobuf document before JSON.
    static func isRequested(byAccept accept: String?) -> Bool {
        guard let accept else { return false }
        for range in accept.split(separator: ",") {
            let type = range.split(separator: ";").first.map { $0.trimmingSpaces() } ?? ""
            if type.hasPrefix("application/com.github.proto-openapi.spec.v2") { return true }
            if type == "application/json" || type == "*/*" || type == "application/*" { return false }
        }
        return false
    }

    /// The `openapi.v2.Document` encoding of `document`.
    static func encode(_ document: JSONValue) -> [UInt8] {
        var w = ProtoWriter()
        guard let doc = document.objectValue else { return [] }
        for (key, value) in doc {
            switch key {
            case "swagger": w.string(1, value)
            case "info": w.message(2) { info(&$0, value) }
            case "host": w.string(3, value)
            case "basePath": w.string(4, value)
            case "schemes": w.strings(5, value)
            case "consumes": w.strings(6, value)
            case "produces": w.strings(7, value)
            case "paths": w.message(8) { paths(&$0, value) }
            case "definitions":
                w.message(9) { w in named(&w, 1, value) { schema(&$0, $1) } }
            case "parameters":
                w.message(10) { w in named(&w, 1, value) { parameter(&$0, $1) } }
            case "responses":
                w.message(11) { w in named(&w, 1, value) { response(&$0, $1) } }
            case "security":
                for requirement in value.arrayValue ?? [] { w.message(12) { securityRequirement(&$0, requirement) } }
            case "tags":
                for tag in value.arrayValue ?? [] { w.message(14) { self.tag(&$0, tag) } }
            case "externalDocs": w.message(15) { externalDocs(&$0, value) }
            default: if key.hasPrefix("x-") { w.vendorExtension(16, key, value) }
            }
        }
        return w.bytes
    }

    /// `(name, value)` pairs of a JSON object as repeated `Named*` messages in `field`.
    private static func named(
        _ w: inout ProtoWriter, _ field: Int, _ value: JSONValue, _ body: (inout ProtoWriter, JSONValue) -> Void
    ) {
        for (name, member) in value.objectValue ?? JSONObject() {
            w.message(field) { n in
                n.string(1, name)
                n.message(2) { body(&$0, member) }
            }
        }
    }

    private static func info(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            switch key {
            case "title": w.string(1, v)
            case "version": w.string(2, v)
            case "description": w.string(3, v)
            case "termsOfService": w.string(4, v)
            case "contact":
                w.message(5) { c in
                    c.string(1, v["name"])
                    c.string(2, v["url"])
                    c.string(3, v["email"])
                }
            case "license":
                w.message(6) { l in
                    l.string(1, v["name"])
                    l.string(2, v["url"])
                }
            default: if key.hasPrefix("x-") { w.vendorExtension(7, key, v) }
            }
        }
    }

    private static func externalDocs(_ w: inout ProtoWriter, _ value: JSONValue) {
        w.string(1, value["description"])
        w.string(2, value["url"])
    }

    private static func tag(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            switch key {
            case "name": w.string(1, v)
            case "description": w.string(2, v)
            case "externalDocs": w.message(3) { externalDocs(&$0, v) }
            default: if key.hasPrefix("x-") { w.vendorExtension(4, key, v) }
            }
        }
    }

    private static func securityRequirement(_ w: inout ProtoWriter, _ value: JSONValue) {
        named(&w, 1, value) { $0.strings(1, $1) }
    }

    private static func paths(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, item) in value.objectValue ?? JSONObject() {
            if key.hasPrefix("x-") {
                w.vendorExtension(1, key, item)
                continue
            }
            w.message(2) { n in
                n.string(1, key)
                n.message(2) { pathItem(&$0, item) }
            }
        }
    }

    private static let operationFields = [
        "get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8,
    ]

    private static func pathItem(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            if key == "$ref" {
                w.string(1, v)
            } else if let field = operationFields[key] {
                w.message(field) { operation(&$0, v) }
            } else if key == "parameters" {
                for p in v.arrayValue ?? [] { w.message(9) { parametersItem(&$0, p) } }
            } else if key.hasPrefix("x-") {
                w.vendorExtension(10, key, v)
            }
        }
    }

    private static func operation(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            switch key {
            case "tags": w.strings(1, v)
            case "summary": w.string(2, v)
            case "description": w.string(3, v)
            case "externalDocs": w.message(4) { externalDocs(&$0, v) }
            case "operationId": w.string(5, v)
            case "produces": w.strings(6, v)
            case "consumes": w.strings(7, v)
            case "parameters": for p in v.arrayValue ?? [] { w.message(8) { parametersItem(&$0, p) } }
            case "responses": w.message(9) { responses(&$0, v) }
            case "schemes": w.strings(10, v)
            case "deprecated": w.bool(11, v)
            case "security": for r in v.arrayValue ?? [] { w.message(12) { securityRequirement(&$0, r) } }
            default: if key.hasPrefix("x-") { w.vendorExtension(13, key, v) }
            }
        }
    }

    /// `ParametersItem`: a parameter, or a `$ref` to one.
    private static func parametersItem(_ w: inout ProtoWriter, _ value: JSONValue) {
        if let ref = value["$ref"] {
            w.message(2) { r in
                r.string(1, ref)
                r.string(2, value["description"])
            }
        } else {
            w.message(1) { parameter(&$0, value) }
        }
    }

    /// The members of the non-body parameter messages, by JSON name. Query and formData
    /// parameters have `allowEmptyValue` at 5 (everything after it one higher); header and
    /// path parameters do not.
    private static let nonBodyFields: [String: Int] = [
        "required": 1, "in": 2, "description": 3, "name": 4, "type": 5, "format": 6, "items": 7,
        "collectionFormat": 8, "default": 9, "maximum": 10, "exclusiveMaximum": 11, "minimum": 12,
        "exclusiveMinimum": 13, "maxLength": 14, "minLength": 15, "pattern": 16, "maxItems": 17, "minItems": 18,
        "uniqueItems": 19, "enum": 20, "multipleOf": 21,
    ]

    /// `Parameter`: a body parameter, or a header (1), formData (2), query (3) or path (4) one.
    private static func parameter(_ w: inout ProtoWriter, _ value: JSONValue) {
        let location = value["in"]?.stringValue ?? ""
        if location == "body" {
            w.message(1) { b in
                for (key, v) in value.objectValue ?? JSONObject() {
                    switch key {
                    case "description": b.string(1, v)
                    case "name": b.string(2, v)
                    case "in": b.string(3, v)
                    case "required": b.bool(4, v)
                    case "schema": b.message(5) { schema(&$0, v) }
                    default: if key.hasPrefix("x-") { b.vendorExtension(6, key, v) }
                    }
                }
            }
            return
        }
        let (variant, allowsEmpty): (Int, Bool) =
            switch location {
            case "header": (1, false)
            case "formData": (2, true)
            case "path": (4, false)
            default: (3, true)
            }
        w.message(2) { nonBody in
            nonBody.message(variant) { p in
                for (key, v) in value.objectValue ?? JSONObject() {
                    if key == "allowEmptyValue" {
                        if allowsEmpty { p.bool(5, v) }
                        continue
                    }
                    if key.hasPrefix("x-") {
                        p.vendorExtension(allowsEmpty ? 23 : 22, key, v)
                        continue
                    }
                    guard var field = nonBodyFields[key] else { continue }
                    if allowsEmpty && field >= 5 { field += 1 }
                    primitiveMember(&p, field, key, v)
                }
            }
        }
    }

    /// One member of a parameter, header or primitive-items message, by its JSON name.
    private static func primitiveMember(_ w: inout ProtoWriter, _ field: Int, _ key: String, _ v: JSONValue) {
        switch key {
        case "required", "exclusiveMaximum", "exclusiveMinimum", "uniqueItems": w.bool(field, v)
        case "maximum", "minimum", "multipleOf": w.double(field, v)
        case "maxLength", "minLength", "maxItems", "minItems": w.int64(field, v)
        case "default": w.any(field, v)
        case "enum": for e in v.arrayValue ?? [] { w.any(field, e) }
        case "items": w.message(field) { primitivesItems(&$0, v) }
        default: w.string(field, v)
        }
    }

    /// `PrimitivesItems` (the `items` of a non-body parameter or header).
    private static let primitivesItemsFields: [String: Int] = [
        "type": 1, "format": 2, "items": 3, "collectionFormat": 4, "default": 5, "maximum": 6, "exclusiveMaximum": 7,
        "minimum": 8, "exclusiveMinimum": 9, "maxLength": 10, "minLength": 11, "pattern": 12, "maxItems": 13,
        "minItems": 14, "uniqueItems": 15, "enum": 16, "multipleOf": 17,
    ]

    private static func primitivesItems(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            if key.hasPrefix("x-") {
                w.vendorExtension(18, key, v)
            } else if let field = primitivesItemsFields[key] {
                primitiveMember(&w, field, key, v)
            }
        }
    }

    private static func responses(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (code, v) in value.objectValue ?? JSONObject() {
            if code.hasPrefix("x-") {
                w.vendorExtension(2, code, v)
                continue
            }
            w.message(1) { n in
                n.string(1, code)
                n.message(2) { rv in
                    if let ref = v["$ref"] {
                        rv.message(2) { r in
                            r.string(1, ref)
                            r.string(2, v["description"])
                        }
                    } else {
                        rv.message(1) { response(&$0, v) }
                    }
                }
            }
        }
    }

    private static func response(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            switch key {
            case "description": w.string(1, v)
            case "schema": w.message(2) { item in item.message(1) { schema(&$0, v) } }
            case "headers": w.message(3) { h in named(&h, 1, v) { header(&$0, $1) } }
            case "examples": w.message(4) { e in for (k, x) in v.objectValue ?? JSONObject() { e.namedAny(1, k, x) } }
            default: if key.hasPrefix("x-") { w.vendorExtension(5, key, v) }
            }
        }
    }

    private static func header(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            if key == "description" {
                w.string(18, v)
            } else if key.hasPrefix("x-") {
                w.vendorExtension(19, key, v)
            } else if let field = primitivesItemsFields[key] {
                primitiveMember(&w, field, key, v)
            }
        }
    }

    /// `Schema`, by JSON name.
    private static let schemaFields: [String: Int] = [
        "$ref": 1, "format": 2, "title": 3, "description": 4, "default": 5, "multipleOf": 6, "maximum": 7,
        "exclusiveMaximum": 8, "minimum": 9, "exclusiveMinimum": 10, "maxLength": 11, "minLength": 12, "pattern": 13,
        "maxItems": 14, "minItems": 15, "uniqueItems": 16, "maxProperties": 17, "minProperties": 18, "required": 19,
        "enum": 20, "additionalProperties": 21, "type": 22, "items": 23, "allOf": 24, "properties": 25,
        "discriminator": 26, "readOnly": 27, "externalDocs": 29, "example": 30,
    ]

    static func schema(_ w: inout ProtoWriter, _ value: JSONValue) {
        for (key, v) in value.objectValue ?? JSONObject() {
            if key.hasPrefix("x-") {
                w.vendorExtension(31, key, v)
                continue
            }
            guard let field = schemaFields[key] else { continue }
            switch key {
            case "exclusiveMaximum", "exclusiveMinimum", "uniqueItems", "readOnly": w.bool(field, v)
            case "multipleOf", "maximum", "minimum": w.double(field, v)
            case "maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties": w.int64(field, v)
            case "default", "example": w.any(field, v)
            case "enum": for e in v.arrayValue ?? [] { w.any(field, e) }
            case "required": w.strings(field, v)
            case "additionalProperties":
                w.message(field) { a in
                    if let flag = v.boolValue {
                        a.forcedBool(2, flag)
                    } else {
                        a.message(1) { schema(&$0, v) }
                    }
                }
            case "type":
                w.message(field) { t in
                    if let one = v.stringValue { t.string(1, one) } else { t.strings(1, v) }
                }
            case "items":
                w.message(field) { items in
                    for s in v.arrayValue ?? [v] { items.message(1) { schema(&$0, s) } }
                }
            case "allOf": for s in v.arrayValue ?? [] { w.message(field) { schema(&$0, s) } }
            case "properties": w.message(field) { p in named(&p, 1, v) { schema(&$0, $1) } }
            case "externalDocs": w.message(field) { externalDocs(&$0, v) }
            default: w.string(field, v)
            }
        }
    }
}

/// A protobuf (proto3) message writer: fields are appended in call order; nested
/// messages are written into their own buffer first so their length is known.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, wireType: UInt8) {
        varint(UInt64(field) << 3 | UInt64(wireType))
    }

    mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        key(field, wireType: 2)
        varint(UInt64(payload.count))
        bytes += payload
    }

    /// A string field; empty strings (proto3's default) are not written.
    mutating func string(_ field: Int, _ text: String) {
        if !text.isEmpty { lengthDelimited(field, Array(text.utf8)) }
    }

    /// A string field from a JSON string (anything else is skipped).
    mutating func string(_ field: Int, _ value: JSONValue?) {
        if let text = value?.stringValue { string(field, text) }
    }

    /// A repeated string field from a JSON array of strings.
    mutating func strings(_ field: Int, _ value: JSONValue) {
        for item in value.arrayValue ?? [] {
            if let text = item.stringValue { lengthDelimited(field, Array(text.utf8)) }
        }
    }

    /// A bool field; `false` is proto3's default and not written.
    mutating func bool(_ field: Int, _ value: JSONValue) {
        if value.boolValue == true { forcedBool(field, true) }
    }

    /// A bool written even when false (a `oneof` member, whose presence matters).
    mutating func forcedBool(_ field: Int, _ value: Bool) {
        key(field, wireType: 0)
        varint(value ? 1 : 0)
    }

    mutating func int64(_ field: Int, _ value: JSONValue) {
        guard case .number(let n) = value, let v = n.int64Value ?? n.doubleValue.map({ Int64(exactly: $0) ?? 0 }),
            v != 0
        else { return }
        key(field, wireType: 0)
        varint(UInt64(bitPattern: v))
    }

    mutating func double(_ field: Int, _ value: JSONValue) {
        guard case .number(let n) = value, let v = n.doubleValue, v != 0 else { return }
        key(field, wireType: 1)
        var bits = v.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(bits & 0xFF))
            bits >>= 8
        }
    }

    /// A nested message (written even when empty: presence of a message field matters).
    mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        var nested = ProtoWriter()
        body(&nested)
        lengthDelimited(field, nested.bytes)
    }

    /// gnostic's `Any`: the value as YAML text (field 2); compact JSON is valid YAML.
    mutating func any(_ field: Int, _ value: JSONValue) {
        message(field) { $0.string(2, String(decoding: value.serialized(), as: UTF8.self)) }
    }

    /// A `NamedAny` entry: `(name, Any)`.
    mutating func namedAny(_ field: Int, _ name: String, _ value: JSONValue) {
        message(field) { n in
            n.string(1, name)
            n.any(2, value)
        }
    }

    /// A vendor extension (`x-…` member) as a `NamedAny` entry.
    mutating func vendorExtension(_ field: Int, _ name: String, _ value: JSONValue) {
        namedAny(field, name, value)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
