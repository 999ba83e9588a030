import Foundation
import KubeModel
import Testing

@testable import Endpoint

@Suite("Server-side field validation and apply conflicts")
struct FieldValidationSpecs {
    let pods = ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "pods")

    func request(_ body: String, validation: String?) -> APIRequest {
        APIRequest(
            verb: .create, resource: GroupVersionResource(group: "", version: "v1", resource: "pods"), namespace: "d",
            query: validation.map { ["fieldValidation": [$0]] } ?? [:], body: Array(body.utf8),
            contentType: "application/json")
    }

    let typo =
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","imagee":"x"}]}}"#

    @Test("Strict rejects an unknown field with the apiserver's strict decoding message")
    func strict() throws {
        let info = try #require(pods)
        var r = request(typo, validation: "Strict")
        #expect(throws: StatusError.self) { _ = try FieldValidation.apply(to: &r, info: info) }
        do {
            _ = try FieldValidation.apply(to: &r, info: info)
        } catch {
            #expect(error.code == 400)
            #expect(error.message == #"strict decoding error: unknown field "spec.containers[0].imagee""#)
        }
    }

    @Test("Warn (the default) drops the field and warns; Ignore drops it silently")
    func warnAndIgnore() throws {
        let info = try #require(pods)
        var warn = request(typo, validation: nil)
        #expect(try FieldValidation.apply(to: &warn, info: info) == [#"unknown field "spec.containers[0].imagee""#])
        let stored = try JSONValue(parsing: warn.body ?? [])
        #expect(stored[path: ["spec", "containers"]]?.arrayValue?.first?["imagee"] == nil)
        var ignore = request(typo, validation: "Ignore")
        #expect(try FieldValidation.apply(to: &ignore, info: info).isEmpty)
        #expect(try JSONValue(parsing: ignore.body ?? []) == stored)
    }

    @Test("known fields, maps and open sub-objects pass unchanged")
    func knownFields() throws {
        let info = try #require(pods)
        let body =
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"anything":1}}],"affinity":{"z":1}}}"#
        var r = request(body, validation: "Strict")
        #expect(try FieldValidation.apply(to: &r, info: info).isEmpty)
        #expect(r.body == Array(body.utf8))
    }

    @Test("every built-in kind has a schema; those without a hand-written one come from the generated type table")
    func everyKindHasASchema() {
        for info in ResourceCatalog.builtIn().all() where info.gvr.group != "apiextensions.k8s.io" {
            #expect(
                BuiltInSchemas.definitionName(group: info.gvr.group, version: info.gvr.version, kind: info.kind) != nil,
                "\(info.kind)")
        }
    }

    @Test("Strict rejects an unknown field of a kind with a generated schema (Job)")
    func strictGenerated() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "batch", version: "v1", resource: "jobs"))
        var r = APIRequest(
            verb: .create, resource: info.gvr, namespace: "d", query: ["fieldValidation": ["Strict"]],
            body: Array(
                #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"backoffLimitt":3,"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#
                    .utf8), contentType: "application/json")
        do {
            _ = try FieldValidation.apply(to: &r, info: info)
            Issue.record("an unknown field passed strict validation")
        } catch {
            #expect(error.message == #"strict decoding error: unknown field "spec.backoffLimitt""#)
        }
    }

    @Test("what kubectl create sends for each typed kind passes strict validation unchanged")
    func kubectlBodiesAreValid() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("APIFrontTests/Fixtures/protobuf")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 19)
        let catalog = ResourceCatalog.builtIn()
        for name in names {
            let body = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
            let object = try JSONValue(parsing: body)
            let info = try #require(
                catalog.resource(
                    forKind: object["kind"]?.stringValue ?? "", apiVersion: object["apiVersion"]?.stringValue ?? ""))
            var r = APIRequest(
                verb: .create, resource: info.gvr, namespace: "d", query: ["fieldValidation": ["Strict"]], body: body,
                contentType: "application/json")
            #expect(throws: Never.self, "\(name)") { _ = try FieldValidation.apply(to: &r, info: info) }
        }
    }
}

@Suite("Field manager of a write an edge forwards")
struct ForwardedFieldManagerSpecs {
    @Test("names the authenticated local user beside the client's manager, within 128 bytes")
    func localUser() {
        #expect(
            ManagedFields.manager(fieldManager: nil, userAgent: "kubelet/v1.33", localUser: "system:node:n1")
                == "kubelet (system:node:n1)")
        #expect(ManagedFields.manager(fieldManager: nil, userAgent: "kubelet/v1.33", localUser: nil) == "kubelet")
        #expect(ManagedFields.manager(fieldManager: "mine", userAgent: "kubelet/v1.33", localUser: "alice") == "mine")
        #expect(ManagedFields.manager(fieldManager: nil, userAgent: "", localUser: "alice") == "(alice)")
        let long = ManagedFields.manager(
            fieldManager: nil, userAgent: "agent", localUser: String(repeating: "u", count: 300))
        #expect(long.utf8.count == 128)
        #expect(long.hasPrefix("agent (u") && long.hasSuffix("u)"))
    }
}
