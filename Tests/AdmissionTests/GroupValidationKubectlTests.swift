import Foundation
import KubeModel
import Testing

@testable import Admission

/// What `kubectl create <kind>` sends (recorded in APIFrontTests' protobuf fixtures) is
/// accepted: validation of the groups outside core/v1 rejects nothing a stock client writes.
@Suite struct GroupValidationKubectlTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("APIFrontTests/Fixtures/protobuf")

    static let names = [
        "clusterrole", "clusterrolebinding", "cronjob", "deployment", "ingress", "job", "poddisruptionbudget",
        "priorityclass", "role", "rolebinding",
    ]

    @Test(arguments: names)
    func kubectlCreateBodyIsValid(_ name: String) throws {
        var object = try JSONValue(
            parsing: Data(contentsOf: Self.directory.appendingPathComponent(name + ".json")))
        let kind = try #require(object["kind"]?.stringValue)
        let apiVersion = try #require(object["apiVersion"]?.stringValue)
        let info = try #require(ResourceCatalog.builtIn().resource(forKind: kind, apiVersion: apiVersion))
        // What the generic registry fills in before the strategy runs.
        var meta = object["metadata"]?.objectValue ?? JSONObject()
        meta["uid"] = "6a1c3f52-0d9e-4c1b-9a57-3e2f1d0c8b7a"
        if info.namespaced { meta["namespace"] = "default" }
        object["metadata"] = .object(meta)
        let request = AdmissionRequest(info: info, operation: .create)
        Admission.applyDefaults(&object, request)
        Admission.prepareForCreate(&object, request)
        #expect(Admission.validate(object, request).map(\.description) == [])
    }
}
