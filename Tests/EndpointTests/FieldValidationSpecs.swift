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
}
