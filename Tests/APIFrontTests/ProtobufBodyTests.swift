import KubeModel
import KubeProtobuf
import Testing

@testable import APIFront

/// Bodies captured from `kubectl.1.33 create …` (which sends protobuf for typed creates).
@Suite("Protobuf request bodies")
struct ProtobufBodyTests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16) ?? 0) }
        return out
    }

    func decoded(_ hexBody: String) throws -> String {
        let json = try ProtobufBody.decode(Self.hex(hexBody))
        return String(decoding: json, as: UTF8.self)
    }

    @Test("kubectl create configmap x --from-literal=a=b --from-literal=c=d")
    func configMap() throws {
        #expect(
            try decoded(
                "6b3873000a0f0a0276311209436f6e6669674d617012230a110a017812001a0022002a0032003800420012060a016112016212060a01631201641a002200"
            ) == #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"},"data":{"a":"b","c":"d"}}"#)
    }

    @Test("kubectl create secret generic s --from-literal=k=v: data is base64 in JSON")
    func secret() throws {
        #expect(
            try decoded(
                "6b3873000a0c0a0276311206536563726574121d0a110a017312001a0022002a0032003800420012060a016b1201761a002200"
            )
                == #"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s"},"data":{"k":"dg=="}}"#)
    }

    @Test("kubectl create namespace ns1 and create serviceaccount sa1")
    func namespaceAndServiceAccount() throws {
        #expect(
            try decoded(
                "6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a0032003800420012001a020a001a002200"
            ) == #"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"ns1"},"spec":{},"status":{}}"#)
        #expect(
            try decoded(
                "6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a003200380042001a002200"
            ) == #"{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1"}}"#)
    }

    @Test("unknown kinds, unknown fields and truncated bodies are refused, never half-decoded")
    func refusals() {
        // A Pod envelope: not a decoded kind.
        #expect(throws: ProtobufBody.DecodeError.self) {
            try ProtobufBody.decode(Self.hex("6b3873000a090a02763112035061641200"))
        }
        // ConfigMap with an unknown field 9.
        #expect(throws: ProtobufBody.DecodeError.self) {
            try ProtobufBody.decode(Self.hex("6b3873000a0f0a0276311209436f6e6669674d61701202" + "4a00"))
        }
        // Truncated length.
        #expect(throws: ProtobufBody.DecodeError.self) {
            try ProtobufBody.decode(Self.hex("6b3873000a0f0a0276"))
        }
        #expect(throws: ProtobufBody.DecodeError.self) { try ProtobufBody.decode(Array("{}".utf8)) }
    }
}
