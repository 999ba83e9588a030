import Foundation
import KubeModel
import Projections
import Testing

@testable import APIFront

@Suite("Table output")
struct TableConverterTests {
    @Test("kubectl's Accept header selects Table v1; plain JSON does not")
    func negotiation() throws {
        let kubectl =
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        #expect(
            try ResourceNegotiation.negotiate(accept: kubectl, verb: .list).get().transform == .table(version: "v1"))
        #expect(try ResourceNegotiation.negotiate(accept: "application/json", verb: .list).get().transform == nil)
        #expect(try ResourceNegotiation.negotiate(accept: nil, verb: .list).get().transform == nil)
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

    @Test("a Scale (kubectl get --subresource=scale) prints printScale's NAME/DESIRED/AVAILABLE")
    func scale() throws {
        let info = try #require(
            ResourceCatalog.builtIn().resource(group: "apps", version: "v1", resource: "deployments"))
        let body =
            #"{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"n","resourceVersion":"9","creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"replicas":3},"status":{"replicas":1,"selector":"app=web"}}"#
        var converter = TableConverter(info: info, now: Date())
        converter.scale = true
        let table = try JSONValue(
            parsing: try #require(converter.table(body: Array(body.utf8), version: "v1", includeObject: "Metadata")))
        #expect(
            table["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                == ["Name", "Desired", "Available"])
        #expect(table["rows"]?.arrayValue?.first?["cells"] == ["web", 3, 1])
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

    @Test("a Table watch sends columnDefinitions in its first event only; ERROR Status passes unchanged")
    func watchFraming() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "pods"))
        let now = try #require(ISO8601DateFormatter().date(from: "2026-01-01T00:01:00Z"))
        let pod =
            #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"n","resourceVersion":"5","creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"containers":[{"name":"c"}],"nodeName":"edge-1"},"status":{"phase":"Running","podIP":"10.0.0.7"}}"#
        var framing = TableWatchFraming(info: info, version: "v1", includeObject: "Metadata")
        let added = framing.frame(WatchEvent(type: .added, rv: 5, object: Array(pod.utf8)), now: now)
        let first = try JSONValue(parsing: added.object)
        #expect(added.type == .added)
        #expect(first["kind"] == "Table")
        #expect(first["apiVersion"] == "meta.k8s.io/v1")
        #expect(first[path: ["metadata", "resourceVersion"]] == "5")
        // All columns, wide ones included (kubectl hides priority > 0 unless -o wide).
        #expect(
            first["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"])
        let rows = first["rows"]?.arrayValue ?? []
        #expect(rows.count == 1)
        #expect(rows.first?["cells"] == ["web", "0/1", "Running", "0", "60s", "10.0.0.7", "edge-1"])
        #expect(rows.first?[path: ["object", "kind"]] == "PartialObjectMetadata")

        let modified = framing.frame(WatchEvent(type: .modified, rv: 6, object: Array(pod.utf8)), now: now)
        let second = try JSONValue(parsing: modified.object)
        #expect(second["kind"] == "Table")
        #expect(second["columnDefinitions"] == .null)
        #expect(second["rows"]?.arrayValue?.count == 1)

        let bookmark = #"{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"9"}}"#
        let mark = try JSONValue(
            parsing: framing.frame(WatchEvent(type: .bookmark, rv: 9, object: Array(bookmark.utf8)), now: now).object)
        #expect(mark["kind"] == "Table")
        #expect(mark[path: ["metadata", "resourceVersion"]] == "9")

        let status = #"{"kind":"Status","apiVersion":"v1","status":"Failure","code":410,"reason":"Expired"}"#
        let error = framing.frame(WatchEvent(type: .error, rv: 0, object: Array(status.utf8)), now: now)
        #expect(error.object == Array(status.utf8))
    }

    @Test("an ERROR first still uses up the column definitions, as the apiserver's encoder does")
    func watchFramingAfterError() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "configmaps"))
        var framing = TableWatchFraming(info: info, version: "v1", includeObject: "None")
        let status = #"{"kind":"Status","apiVersion":"v1","status":"Failure","code":500}"#
        _ = framing.frame(WatchEvent(type: .error, rv: 0, object: Array(status.utf8)))
        let cm = #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"3"}}"#
        let table = try JSONValue(
            parsing: framing.frame(WatchEvent(type: .added, rv: 3, object: Array(cm.utf8))).object)
        #expect(table["columnDefinitions"] == .null)
        #expect(table["rows"]?.arrayValue?.first?["object"] == nil)
    }

    @Test("includeObject outside Metadata/Object/None/empty is the apiserver's 400 message")
    func includeObjectValidation() {
        for ok in [nil, "", "Metadata", "Object", "None"] { #expect(TableConverter.invalidIncludeObject(ok) == nil) }
        #expect(
            TableConverter.invalidIncludeObject("Everything")
                == "Unable to convert to Table as requested: includeObject: Invalid value: \"Everything\": must be 'Metadata', 'Object', 'None', or empty"
        )
    }
}
