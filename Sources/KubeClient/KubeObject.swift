import KubeModel

/// A Kubernetes object a clientset can read and write.
///
/// Every type keeps the whole JSON it was read from in ``object``; typed
/// properties are views over it, so fields this library does not know survive a
/// read–change–write cycle untouched.
public protocol KubeObject: Codable, Sendable, Hashable {
    /// The object as JSON.
    var object: JSONValue { get set }
    /// Wraps JSON (no validation beyond what typed accessors do lazily).
    init(object: JSONValue)
}

/// A typed built-in resource with a fixed group/version/resource and kind.
public protocol KubeResource: KubeObject {
    static var resource: GroupVersionResource { get }
    static var kind: String { get }
    static var namespaced: Bool { get }
}

extension KubeObject {
    public init(from decoder: any Decoder) throws { self.init(object: try JSONValue(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try object.encode(to: encoder) }

    /// `metadata.name`.
    public var name: String? {
        get { object["metadata"]?["name"]?.stringValue }
        set { setMeta("name", newValue.map(JSONValue.string)) }
    }
    /// `metadata.namespace`.
    public var namespace: String? {
        get { object["metadata"]?["namespace"]?.stringValue }
        set { setMeta("namespace", newValue.map(JSONValue.string)) }
    }
    public var uid: String? { object["metadata"]?["uid"]?.stringValue }
    /// `metadata.resourceVersion` (AKE's RV when read through AKE).
    public var resourceVersion: String? {
        get { object["metadata"]?["resourceVersion"]?.stringValue }
        set { setMeta("resourceVersion", newValue.map(JSONValue.string)) }
    }
    public var generation: Int64? { object["metadata"]?["generation"]?.int64Value }
    public var labels: [String: String] {
        get { stringMap(object["metadata"]?["labels"]) }
        set { setMeta("labels", newValue.isEmpty ? nil : Self.jsonMap(newValue)) }
    }
    public var annotations: [String: String] {
        get { stringMap(object["metadata"]?["annotations"]) }
        set { setMeta("annotations", newValue.isEmpty ? nil : Self.jsonMap(newValue)) }
    }
    public var finalizers: [String] {
        get { object["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        set { setMeta("finalizers", newValue.isEmpty ? nil : .array(newValue.map(JSONValue.string))) }
    }
    public var deletionTimestamp: String? { object["metadata"]?["deletionTimestamp"]?.stringValue }
    public var creationTimestamp: String? { object["metadata"]?["creationTimestamp"]?.stringValue }

    mutating func setMeta(_ key: String, _ value: JSONValue?) {
        var meta = object["metadata"] ?? .object(JSONObject())
        meta[key] = value
        object["metadata"] = meta
    }

    func stringMap(_ v: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in v?.objectValue ?? JSONObject() { if let s = v.stringValue { out[k] = s } }
        return out
    }

    static func jsonMap(_ m: [String: String]) -> JSONValue {
        .object(JSONObject(m.keys.sorted().map { (key: $0, value: .string(m[$0] ?? "")) }))
    }

    /// `namespace/name` (or `name` when cluster-scoped): the informer cache key.
    public var key: String {
        let ns = namespace ?? ""
        return ns.isEmpty ? (name ?? "") : "\(ns)/\(name ?? "")"
    }
}

/// Any object, for the dynamic client (custom resources and anything not typed here).
public struct UnstructuredObject: KubeObject {
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var kind: String? { object["kind"]?.stringValue }
    public var apiVersion: String? { object["apiVersion"]?.stringValue }
}

/// A list as the server returned it.
public struct ObjectList<T: KubeObject>: Sendable {
    public var items: [T]
    /// The list's snapshot resourceVersion: watch from here to see exactly the later
    /// changes (`nil` if the server sent none, or one that is not a number).
    public var resourceVersion: UInt64?
    /// Set when `limit` cut the list; pass it back as ``ListOptions/continueToken``.
    public var continueToken: String?
    public var remainingItemCount: Int64?
}
