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

    @Test("applying a field another manager owns with a new value is a FieldManagerConflict")
    func applyConflict() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "configmaps"))
        let current = try JSONValue(
            parsing: Array(
                #"{"metadata":{"name":"c","managedFields":[{"manager":"alice","operation":"Apply","fieldsV1":{"f:data":{"f:owner":{}}}}]},"data":{"owner":"alice"}}"#
                    .utf8))
        let mine = try JSONValue(parsing: Array(#"{"data":{"owner":"bob"}}"#.utf8))
        do {
            try ServerSideApply.checkConflicts(applied: mine, current: current, manager: "bob", info: info, name: "c")
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == 409)
            #expect(error.message == #"Apply failed with 1 conflict: conflict with "alice": .data.owner"#)
        }
        // The same value, or the owner itself, does not conflict.
        let same = try JSONValue(parsing: Array(#"{"data":{"owner":"alice"}}"#.utf8))
        try ServerSideApply.checkConflicts(applied: same, current: current, manager: "bob", info: info, name: "c")
        try ServerSideApply.checkConflicts(applied: mine, current: current, manager: "alice", info: info, name: "c")
    }
}
