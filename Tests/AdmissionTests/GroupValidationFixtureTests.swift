import Foundation
import KubeModel
import Testing

@testable import Admission

/// Golden fixtures recorded from kube-apiserver's own validation functions (see
/// Fixtures/validation-groups/README.md): every case's errors, in order, with the same
/// type, field and message as the apiserver's, for the kinds of the API groups outside
/// core/v1.
@Suite struct GroupValidationFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/validation-groups")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var apiVersion: String
        var kind: String
        var object: JSONValue
        var old: JSONValue?
        var needsPodSpecValidation: Bool
        var expected: [String]
        var expectedAggregate: String
        var testDescription: String { name }
    }

    static func load() throws -> [Case] {
        let inputs = try JSONValue(parsing: Data(contentsOf: directory.appendingPathComponent("cases.json")))
        let outputs = try JSONValue(parsing: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        let ins = inputs.arrayValue ?? []
        let outs = outputs.arrayValue ?? []
        guard ins.count == outs.count else { return [] }
        return zip(ins, outs).map { input, output in
            Case(
                name: input["name"]?.stringValue ?? "",
                apiVersion: input["apiVersion"]?.stringValue ?? "",
                kind: input["kind"]?.stringValue ?? "",
                object: input["object"] ?? .null,
                old: input["old"],
                needsPodSpecValidation: input["needsPodSpecValidation"]?.boolValue ?? false,
                expected: (output["errors"]?.arrayValue ?? []).map {
                    ($0["type"]?.stringValue ?? "") + " " + normalized($0["error"]?.stringValue ?? "")
                },
                expectedAggregate: normalized(output["aggregate"]?.stringValue ?? ""))
        }
    }

    /// Go prints struct pointers as addresses that differ on every run, and whole internal
    /// structs (a `core.PodTemplateSpec`, a `batch.PodFailurePolicy`, a `storage.CSINodeDriver`) with every member
    /// down to timestamps; AKE does not reproduce those, so such bad values compare as `…`.
    static func normalized(_ message: String) -> String {
        var m = message.replacingOccurrences(of: "\\(0x[0-9a-f]+\\)", with: "(0x…)", options: .regularExpression)
        for type in [
            "core.PodTemplateSpec{", "batch.PodFailurePolicy{", "batch.SuccessPolicy{", "storage.CSINodeDriver{",
            "storage.VolumeAttachmentSpec{",
        ] {
            guard let start = m.range(of: "Invalid value: " + type),
                let end = m.range(of: "}: ", options: .backwards, range: start.upperBound..<m.endIndex)
            else { continue }
            m.replaceSubrange(start.lowerBound..<end.upperBound, with: "Invalid value: " + type + "…}: ")
        }
        return m
    }

    /// Pod-spec validation is another part of Admission; while it is not there, the
    /// fixtures that depend on it are skipped.
    static let podSpecValidationPresent = !PodValidation.validatePodTemplateSpec(
        ["metadata": ["labels": ["a": "b"]], "spec": ["containers": []]], path: "spec.template"
    ).isEmpty

    @Test func theFixturesAreComplete() throws {
        let cases = try Self.load()
        #expect(cases.count >= 100)
        #expect(cases.allSatisfy { !$0.name.isEmpty })
    }

    @Test(arguments: try load())
    func errorsMatchKubeApiserver(_ c: Case) throws {
        if c.needsPodSpecValidation && !Self.podSpecValidationPresent { return }
        let catalog = ResourceCatalog.builtIn()
        let info = try #require(catalog.resource(forKind: c.kind, apiVersion: c.apiVersion))
        var object = c.object
        var old = c.old
        let request0 = AdmissionRequest(info: info, operation: .create)
        Admission.applyDefaults(&object, request0)
        if old != nil { Admission.applyDefaults(&old!, request0) }
        // The registry strategy's PrepareForCreate (a Job's generated selector) runs before validation.
        if old == nil { Admission.prepareForCreate(&object, request0) }
        let request = AdmissionRequest(info: info, operation: old == nil ? .create : .update, old: old)
        let errors = Admission.validate(object, request).filter {
            $0.field != "metadata" && !$0.field.hasPrefix("metadata.")
        }
        let actual = errors.map { $0.kind.rawValue + " " + Self.normalized($0.description) }
        #expect(actual == c.expected)
        #expect(Self.normalized(errors.aggregateMessage) == c.expectedAggregate)
    }
}
