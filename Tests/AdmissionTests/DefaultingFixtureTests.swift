import Foundation
import KubeModel
import Testing

@testable import Admission

/// Golden fixtures recorded from kube-apiserver's own defaulting (see
/// Fixtures/defaulting/README.md): what AKE stores for a write must be what the
/// apiserver would store for it.
@Suite struct DefaultingFixtureTests {
    struct Case: Sendable {
        var name: String
        var info: ResourceInfo
        var input: JSONValue
        var expected: JSONValue
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/defaulting")

    static func load(_ file: String) throws -> JSONValue {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return try JSONValue(parsing: data)
    }

    static func cases() throws -> [Case] {
        let inputs = try #require(try load("inputs.json").arrayValue)
        let outputs = try #require(try load("expected.json").arrayValue)
        try #require(inputs.count == outputs.count)
        let catalog = ResourceCatalog.builtIn()
        return try zip(inputs, outputs).map { input, output in
            let name = try #require(input["name"]?.stringValue)
            try #require(output["name"]?.stringValue == name)
            let apiVersion = try #require(input["apiVersion"]?.stringValue)
            let parts = apiVersion.split(separator: "/")
            let group = parts.count == 2 ? String(parts[0]) : ""
            let resource = try #require(input["resource"]?.stringValue)
            let info = try #require(catalog.resource(group: group, version: "v1", resource: resource), "\(name)")
            return Case(
                name: name, info: info, input: try #require(input["object"]), expected: try #require(output["object"]))
        }
    }

    static func defaulted(_ object: JSONValue, _ info: ResourceInfo, old: JSONValue? = nil) -> JSONValue {
        var copy = object
        Admission.applyDefaults(
            &copy, AdmissionRequest(info: info, operation: old == nil ? .create : .update, old: old))
        return copy
    }

    @Test func theFixturesCoverEveryBuiltInKindWithDefaults() throws {
        let kinds = Set(try Self.cases().map(\.info.kind))
        for kind in [
            "Pod", "PodTemplate", "ReplicationController", "Service", "Secret", "ConfigMap", "Namespace", "Node",
            "PersistentVolume", "PersistentVolumeClaim", "Endpoints", "LimitRange", "Deployment", "ReplicaSet",
            "DaemonSet", "StatefulSet", "Job", "CronJob", "NetworkPolicy", "IngressClass", "RoleBinding",
            "ClusterRoleBinding", "EndpointSlice", "StorageClass", "CSIDriver", "VolumeAttachment", "PriorityClass",
        ] {
            #expect(kinds.contains(kind), "no fixture for \(kind)")
        }
    }

    @Test func aWriteIsDefaultedAsKubeAPIServerDefaultsIt() throws {
        for c in try Self.cases() {
            let actual = Self.defaulted(c.input, c.info)
            #expect(actual == c.expected, "\(c.name): \(JSONDifference.first(actual, c.expected) ?? "")")
        }
    }

    @Test func defaultingADefaultedObjectChangesNothing() throws {
        for c in try Self.cases() {
            let again = Self.defaulted(c.expected, c.info)
            #expect(again == c.expected, "\(c.name): \(JSONDifference.first(again, c.expected) ?? "")")
        }
    }

    @Test func updatingWithTheClientsUndefaultedFormYieldsTheStoredObject() throws {
        for c in try Self.cases() {
            let stored = Self.defaulted(c.input, c.info)
            let updated = Self.defaulted(c.input, c.info, old: stored)
            #expect(updated == stored, "\(c.name): \(JSONDifference.first(updated, stored) ?? "")")
        }
    }
}

/// The first place two JSON values differ, for readable failures.
enum JSONDifference {
    static func first(_ a: JSONValue, _ b: JSONValue, path: String = "") -> String? {
        if a == b { return nil }
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                switch (x[key], y[key]) {
                case (let l?, let r?):
                    if let d = first(l, r, path: path + "." + key) { return d }
                case (let l?, nil): return "\(path).\(key): unexpected \(l.jsonString)"
                case (nil, let r?): return "\(path).\(key): missing, expected \(r.jsonString)"
                case (nil, nil): continue
                }
            }
            return nil
        case (.array(let x), .array(let y)) where x.count == y.count:
            for (i, (l, r)) in zip(x, y).enumerated() {
                if let d = first(l, r, path: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return "\(path): \(a.jsonString), expected \(b.jsonString)"
        }
    }
}
