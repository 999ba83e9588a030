import Auth
import KubeModel
import KubeProtobuf
import Testing

@testable import APIFront

/// `--tls-cert-file`/`--tls-private-key-file` as a pair, and the review kinds' protobuf.
@Suite("Serving TLS and review bodies")
struct ServingTLSTests {
    @Test("a certificate and its own key make a serving pair; another key is refused")
    func pair() throws {
        let ca = try CertificateIssuer(commonName: "ca", days: 1)
        let one = try ca.server(commonName: "s", hosts: ["127.0.0.1"], days: 1)
        let two = try ca.server(commonName: "s", hosts: ["127.0.0.1"], days: 1)
        let pair = try ServingTLS.servingPair(
            certificatePEM: Array(one.certificatePEM.utf8), keyPEM: Array(one.privateKeyPEM.utf8), certFile: "c",
            keyFile: "k")
        #expect(pair.chain.count == 1)
        #expect(throws: AuthConfigurationError.self) {
            try ServingTLS.servingPair(
                certificatePEM: Array(one.certificatePEM.utf8), keyPEM: Array(two.privateKeyPEM.utf8), certFile: "c",
                keyFile: "k")
        }
    }

    @Test("a SelfSubjectAccessReview sent as protobuf (as kubectl sends it) becomes JSON")
    func protobufReview() throws {
        // k8s\0 + Unknown{typeMeta{apiVersion, kind}, raw: SSAR{metadata{}, spec{resourceAttributes{namespace, verb, resource}}}}
        func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(bytes.count)] + bytes }
        func string(_ number: UInt8, _ s: String) -> [UInt8] { field(number, Array(s.utf8)) }
        let attributes = string(1, "default") + string(2, "list") + string(5, "pods")
        let raw = field(1, []) + field(2, field(1, attributes)) + field(3, [])
        let typeMeta = string(1, "authorization.k8s.io/v1") + string(2, "SelfSubjectAccessReview")
        let body = Array("k8s\0".utf8) + field(1, typeMeta) + field(2, raw)
        let json = try JSONValue(parsing: try ProtobufBody.decode(body, types: APIFront.reviewTypes))
        #expect(json["spec"]?["resourceAttributes"] == ["namespace": "default", "verb": "list", "resource": "pods"])
        #expect(json["kind"]?.stringValue == "SelfSubjectAccessReview")
    }
}
