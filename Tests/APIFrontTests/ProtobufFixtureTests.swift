import Foundation
import KubeModel
import KubeProtobuf
import Testing

@testable import APIFront

/// Real kubectl 1.33 protobuf bodies (captured by tools/capture-protobuf-fixtures.py)
/// decode to exactly the JSON `kubectl create … --dry-run=client -o json` prints for
/// the same command — same members, same order — except the `null`s encoding/json
/// prints for unset times and slices (`"creationTimestamp": null`), which the
/// decoder leaves out and the apiserver treats alike.
@Suite("Protobuf bodies of kubectl create")
struct ProtobufFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/protobuf")

    static let fixtures = [
        "deployment", "job", "cronjob", "service-clusterip", "service-nodeport", "service-externalname", "role",
        "rolebinding", "clusterrole", "clusterrolebinding", "quota", "priorityclass", "poddisruptionbudget",
        "ingress", "configmap", "secret-generic", "secret-docker-registry", "namespace", "serviceaccount",
    ]

    /// Every member whose value is null removed, recursively.
    static func droppingNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o where !v.isNull { out.appendUnchecked(k, droppingNulls(v)) }
            return .object(out)
        case .array(let a): return .array(a.map(droppingNulls))
        default: return value
        }
    }

    @Test("the fixture set covers every captured body")
    func fixtureSetIsComplete() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".pb") }.map { String($0.dropLast(3)) }
        #expect(Set(names) == Set(Self.fixtures))
    }

    @Test("kubectl create <kind> decodes to its --dry-run=client -o json", arguments: fixtures)
    func decodesToDryRunJSON(name: String) throws {
        let body = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(name + ".pb")))
        let expected = try JSONValue(
            parsing: [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(name + ".json"))))
        let decoded = try JSONValue(parsing: ProtobufBody.decode(body))
        #expect(decoded == Self.droppingNulls(expected))
    }
}
