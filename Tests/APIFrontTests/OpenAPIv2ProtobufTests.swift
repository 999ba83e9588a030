import KubeModel
import KubeProtobuf
import Testing

@testable import APIFront

/// A protobuf message read back for assertions (with the decoder's ``ProtoReader``): its
/// fields in order, each with its varint, fixed64 or length-delimited payload.
private struct Message {
    struct Field {
        var number: Int
        var varint: UInt64 = 0
        var fixed64: UInt64 = 0
        var payload: [UInt8] = []
        var text: String { String(decoding: payload, as: UTF8.self) }
        var message: Message? { Message(payload) }
    }
    var fields: [Field] = []

    /// Parses `bytes`; nil when they are not a well-formed message.
    init?(_ bytes: [UInt8]) {
        var reader = ProtoReader(bytes[...])
        do {
            while let (number, value) = try reader.next() {
                var field = Field(number: number)
                switch value {
                case .varint(let v): field.varint = v
                case .fixed64(let v): field.fixed64 = v
                case .bytes(let b): field.payload = Array(b)
                case .fixed32: return nil
                }
                fields.append(field)
            }
        } catch {
            return nil
        }
    }

    func all(_ number: Int) -> [Field] { fields.filter { $0.number == number } }
    func first(_ number: Int) -> Field? { fields.first { $0.number == number } }
    /// The `Named*` entry of repeated field `number` called `name`, as its value message.
    func named(_ number: Int, _ name: String) -> Message? {
        for entry in all(number) {
            if let m = entry.message, m.first(1)?.text == name { return m.first(2)?.message }
        }
        return nil
    }
}

@Suite("OpenAPI v2 as protobuf (what kubectl 1.27–1.28 read)")
struct OpenAPIv2ProtobufTests {
    let document = OpenAPIDocuments(catalog: .builtIn(), crds: []).v2Document()

    @Test("kubectl's field-validation probe finds the ConfigMap PATCH operation with its GVK and fieldValidation")
    func fieldValidationProbe() throws {
        let doc = try #require(Message(OpenAPIv2Protobuf.encode(document)))
        #expect(doc.first(1)?.text == "2.0")
        let paths = try #require(doc.first(8)?.message)
        let item = try #require(paths.named(2, "/api/v1/namespaces/{namespace}/configmaps/{name}"))
        let patch = try #require(item.first(8)?.message)
        let gvkYAML = try #require(patch.named(13, "x-kubernetes-group-version-kind")?.first(2)?.text)
        let gvk = try JSONValue(parsing: Array(gvkYAML.utf8))
        #expect(gvk["kind"]?.stringValue == "ConfigMap" && gvk["version"]?.stringValue == "v1")
        #expect(gvk["group"]?.stringValue == "")
        // Parameter → NonBodyParameter → QueryParameterSubSchema, name at 4.
        let queryNames = patch.all(8).compactMap {
            $0.message?.first(1)?.message?.first(2)?.message?.first(3)?.message?.first(4)?.text
        }
        #expect(queryNames.contains("fieldValidation"))
        #expect(queryNames.contains("force"))
    }

    @Test("definitions carry type, properties, refs and map value schemas")
    func definitions() throws {
        let doc = try #require(Message(OpenAPIv2Protobuf.encode(document)))
        let definitions = try #require(doc.first(9)?.message)
        let configMap = try #require(definitions.named(1, "io.k8s.api.core.v1.ConfigMap"))
        #expect(configMap.first(22)?.message?.first(1)?.text == "object")
        let properties = try #require(configMap.first(25)?.message)
        let data = try #require(properties.named(1, "data"))
        #expect(data.first(22)?.message?.first(1)?.text == "object")
        // additionalProperties → AdditionalPropertiesItem.schema → type string
        let valueSchema = try #require(data.first(21)?.message?.first(1)?.message)
        #expect(valueSchema.first(22)?.message?.first(1)?.text == "string")
        let metadata = try #require(properties.named(1, "metadata"))
        #expect(metadata.first(1)?.text == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        let gvk = try #require(configMap.named(31, "x-kubernetes-group-version-kind")?.first(2)?.text)
        #expect(gvk.contains("ConfigMap"))
    }

    @Test("a oneof false, numbers, enums and path parameters keep their meaning")
    func edgeCases() throws {
        let doc: JSONValue = [
            "swagger": "2.0",
            "paths": [
                "/x/{name}": [
                    "parameters": [["name": "name", "in": "path", "required": true, "type": "string"]],
                    "get": ["responses": ["200": ["description": "OK"]]],
                ]
            ],
            "definitions": [
                "Closed": [
                    "type": "object", "additionalProperties": false, "maximum": 2.5, "minLength": 3,
                    "enum": ["a", "b"], "items": ["type": "integer"],
                ]
            ],
        ]
        let m = try #require(Message(OpenAPIv2Protobuf.encode(doc)))
        let closed = try #require(m.first(9)?.message?.named(1, "Closed"))
        let additional = try #require(closed.first(21)?.message?.first(2))
        #expect(additional.varint == 0)  // present, false
        #expect(closed.first(7)?.fixed64 == (2.5).bitPattern)
        #expect(closed.first(12)?.varint == 3)
        #expect(closed.all(20).compactMap { $0.message?.first(2)?.text } == ["\"a\"", "\"b\""])
        #expect(closed.first(23)?.message?.first(1)?.message?.first(22)?.message?.first(1)?.text == "integer")
        let item = try #require(m.first(8)?.message?.named(2, "/x/{name}"))
        // PathItem.parameters → ParametersItem.parameter → NonBody → path (4): required at 1, name at 4, type at 5.
        let path = try #require(item.first(9)?.message?.first(1)?.message?.first(2)?.message?.first(4)?.message)
        #expect(path.first(1)?.varint == 1 && path.first(4)?.text == "name" && path.first(5)?.text == "string")
        #expect(item.first(2)?.message?.first(9)?.message?.named(1, "200")?.first(1)?.message?.first(1)?.text == "OK")
    }

    @Test("the protobuf form is chosen only when the Accept header asks for it first")
    func negotiation() {
        #expect(OpenAPIv2Protobuf.isRequested(byAccept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"))
        #expect(
            OpenAPIv2Protobuf.isRequested(
                byAccept: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json"))
        #expect(!OpenAPIv2Protobuf.isRequested(byAccept: "application/json, */*"))
        #expect(!OpenAPIv2Protobuf.isRequested(byAccept: nil))
    }
}
