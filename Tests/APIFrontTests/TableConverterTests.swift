import Foundation
import KubeModel
import Testing

@testable import APIFront

@Suite("Table output")
struct TableConverterTests {
    @Test("kubectl's Accept header selects Table v1; plain JSON does not")
    func negotiation() {
        #expect(
            TableConverter.requestedVersion(
                accept:
                    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
            ) == "v1")
        #expect(TableConverter.requestedVersion(accept: "application/json") == nil)
        #expect(TableConverter.requestedVersion(accept: nil) == nil)
    }

    @Test("a ConfigMap list becomes NAME/DATA/AGE rows with PartialObjectMetadata objects")
    func configMaps() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "configmaps"))
        let list =
            #"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"a","namespace":"n","creationTimestamp":"2026-01-01T00:00:00Z"},"data":{"x":"1","y":"2"}}]}"#
        let now = try #require(ISO8601DateFormatter().date(from: "2026-01-01T00:00:30Z"))
        let bytes = try #require(
            TableConverter(info: info, now: now).table(body: Array(list.utf8), version: "v1", includeObject: "Metadata")
        )
        let table = try JSONValue(parsing: bytes)
        #expect(table["kind"] == "Table")
        #expect(table[path: ["metadata", "resourceVersion"]] == "7")
        #expect(
            table["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Name", "Data", "Age"])
        let row = try #require(table["rows"]?.arrayValue?.first)
        #expect(row["cells"] == ["a", 2, "30s"])
        #expect(row[path: ["object", "kind"]] == "PartialObjectMetadata")
        #expect(row[path: ["object", "metadata", "namespace"]] == "n")
    }

    @Test("ages read like kubectl's")
    func ages() throws {
        let t0 = "2026-01-01T00:00:00Z"
        let start = try #require(ISO8601DateFormatter().date(from: t0))
        #expect(TableConverter.age(t0, now: start.addingTimeInterval(5)) == "5s")
        #expect(TableConverter.age(t0, now: start.addingTimeInterval(200)) == "3m20s")
        #expect(TableConverter.age(t0, now: start.addingTimeInterval(3600 * 5)) == "5h")
        #expect(TableConverter.age(t0, now: start.addingTimeInterval(86400 * 3)) == "3d")
    }
}
