import Foundation
import KubeModel

/// Metadata access used by the write paths. Names carry an `object` prefix so they never
/// clash with KubeModel's public accessors.
extension JSONValue {
    /// `metadata.<key>`.
    func objectMeta(_ key: String) -> JSONValue? { self["metadata"]?[key] }

    /// Sets (or with `nil` removes) `metadata.<key>`, creating `metadata` when missing.
    mutating func setObjectMeta(_ key: String, _ value: JSONValue?) {
        var m = self["metadata"]?.objectValue ?? JSONObject()
        m[key] = value
        self["metadata"] = .object(m)
    }

    var objectName: String { objectMeta("name")?.stringValue ?? "" }
    var objectNamespace: String { objectMeta("namespace")?.stringValue ?? "" }
    var objectUID: String { objectMeta("uid")?.stringValue ?? "" }
    var objectResourceVersion: String { objectMeta("resourceVersion")?.stringValue ?? "" }
    var objectGeneration: Int64? { objectMeta("generation")?.int64Value }
    var objectDeletionTimestamp: String? { objectMeta("deletionTimestamp")?.stringValue }

    var objectLabels: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in objectMeta("labels")?.objectValue ?? JSONObject() {
            if let s = v.stringValue { out[k] = s }
        }
        return out
    }

    var objectFinalizers: [String] {
        (objectMeta("finalizers")?.arrayValue ?? []).compactMap(\.stringValue)
    }

    mutating func setObjectFinalizers(_ finalizers: [String]) {
        setObjectMeta("finalizers", finalizers.isEmpty ? nil : .array(finalizers.map { .string($0) }))
    }

    /// The object without `metadata`, `status`, `kind` and `apiVersion`: what `generation` tracks.
    var generationRelevantContent: JSONValue {
        guard var o = objectValue else { return self }
        for k in ["metadata", "status", "kind", "apiVersion"] { o[k] = nil }
        return .object(o)
    }

    /// The object with `kind`, `apiVersion`, `metadata` first and metadata fields in the
    /// order the apiserver serializes them, so stored objects read like the real thing.
    func canonicalized() -> JSONValue {
        guard let o = objectValue else { return self }
        var out = JSONObject()
        for k in ["kind", "apiVersion"] { if let v = o[k] { out.appendUnchecked(k, v) } }
        if let meta = o["metadata"]?.objectValue {
            var m = JSONObject()
            for k in Self.metadataOrder { if let v = meta[k] { m.appendUnchecked(k, v) } }
            for (k, v) in meta where !Self.metadataOrderSet.contains(k) { m.appendUnchecked(k, v) }
            out.appendUnchecked("metadata", .object(m))
        }
        for (k, v) in o where k != "kind" && k != "apiVersion" && k != "metadata" { out.appendUnchecked(k, v) }
        return .object(out)
    }

    static let metadataOrder = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields",
    ]
    static let metadataOrderSet = Set(metadataOrder)
}

/// Clocks, ids and names the write paths generate.
enum Generated {
    /// A lowercase random (version 4) UUID.
    static func uid() -> String { UUID().uuidString.lowercased() }

    /// RFC 3339 with second precision in UTC, as the apiserver writes timestamps.
    static func timestamp(_ date: Date = Date()) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        return RFC3339.format(seconds: Int64(seconds)) ?? "1970-01-01T00:00:00Z"
    }

    /// The apiserver's generateName: the prefix (cut to 58 characters) plus 5 random characters.
    static func name(prefix: String) -> String { GenerateName.generate(base: prefix) }
}
