/// Typed access to the fields every Kubernetes object shares (`kind`, `apiVersion`
/// and `metadata.*`), straight on the JSON value so objects never need decoding.
///
/// Getters return `nil` (or an empty collection) when the field is missing or has
/// the wrong JSON type. Setters create `metadata` when needed; setting `nil` (or an
/// empty collection) removes the field, the way Kubernetes omits empty fields.
/// Setting a field on a value that is not an object turns it into an object.
extension JSONValue {
    // MARK: type

    /// `kind`, for example `"Pod"`.
    public var kind: String? {
        get { self["kind"]?.stringValue }
        set { self["kind"] = newValue.map(JSONValue.string) }
    }

    /// `apiVersion`, for example `"v1"` or `"apps/v1"`.
    public var apiVersion: String? {
        get { self["apiVersion"]?.stringValue }
        set { self["apiVersion"] = newValue.map(JSONValue.string) }
    }

    // MARK: metadata

    /// The `metadata` object, when present and an object.
    public var metadata: JSONObject? {
        get { self["metadata"]?.objectValue }
        set { self["metadata"] = newValue.map(JSONValue.object) }
    }

    /// `metadata.name`.
    public var name: String? {
        get { metadataField("name")?.stringValue }
        set { setMetadataField("name", newValue.map(JSONValue.string)) }
    }

    /// `metadata.namespace`; `nil` for cluster-scoped objects.
    public var namespace: String? {
        get { metadataField("namespace")?.stringValue }
        set { setMetadataField("namespace", newValue.map(JSONValue.string)) }
    }

    /// `metadata.generateName`, the prefix the server completes into a name.
    public var generateName: String? {
        get { metadataField("generateName")?.stringValue }
        set { setMetadataField("generateName", newValue.map(JSONValue.string)) }
    }

    /// `metadata.uid`.
    public var uid: String? {
        get { metadataField("uid")?.stringValue }
        set { setMetadataField("uid", newValue.map(JSONValue.string)) }
    }

    /// `metadata.resourceVersion` (a string in the API, even though AKE's are integers).
    public var resourceVersion: String? {
        get { metadataField("resourceVersion")?.stringValue }
        set { setMetadataField("resourceVersion", newValue.map(JSONValue.string)) }
    }

    /// `metadata.generation`.
    public var generation: Int64? {
        get { metadataField("generation")?.int64Value }
        set { setMetadataField("generation", newValue.map { .number(JSONNumber($0)) }) }
    }

    /// `metadata.creationTimestamp` as its RFC 3339 text.
    public var creationTimestamp: String? {
        get { metadataField("creationTimestamp")?.stringValue }
        set { setMetadataField("creationTimestamp", newValue.map(JSONValue.string)) }
    }

    /// `metadata.deletionTimestamp` as its RFC 3339 text; set once deletion has begun.
    public var deletionTimestamp: String? {
        get { metadataField("deletionTimestamp")?.stringValue }
        set { setMetadataField("deletionTimestamp", newValue.map(JSONValue.string)) }
    }

    /// `metadata.labels`; members whose value is not a string are left out.
    /// Setting writes the keys sorted (as Kubernetes serializes maps); `[:]` removes the field.
    public var labels: [String: String] {
        get { Self.stringMap(metadataField("labels")) }
        set { setMetadataField("labels", Self.sortedStringMap(newValue)) }
    }

    /// `metadata.annotations`, with the same rules as `labels`.
    public var annotations: [String: String] {
        get { Self.stringMap(metadataField("annotations")) }
        set { setMetadataField("annotations", Self.sortedStringMap(newValue)) }
    }

    /// `metadata.finalizers`; non-string entries are left out, `[]` removes the field.
    public var finalizers: [String] {
        get { metadataField("finalizers")?.arrayValue?.compactMap(\.stringValue) ?? [] }
        set { setMetadataField("finalizers", newValue.isEmpty ? nil : .array(newValue.map(JSONValue.string))) }
    }

    /// `metadata.ownerReferences`, as its JSON array.
    public var ownerReferences: JSONValue? {
        get { metadataField("ownerReferences") }
        set { setMetadataField("ownerReferences", newValue) }
    }

    // MARK: helpers

    @inline(__always)
    private func metadataField(_ key: String) -> JSONValue? {
        guard case .object(let root) = self, case .object(let meta)? = root["metadata"] else { return nil }
        return meta[key]
    }

    /// Writes one metadata member; removing the last member leaves `metadata: {}`.
    private mutating func setMetadataField(_ key: String, _ value: JSONValue?) {
        var root = objectValue ?? JSONObject()
        // Drop this value's reference so `root` (and below it `metadata`) can be
        // mutated in place instead of copied.
        self = .null
        var meta = root.takeValue(forKey: "metadata")?.objectValue ?? JSONObject()
        meta[key] = value
        root["metadata"] = .object(meta)
        self = .object(root)
    }

    private static func stringMap(_ value: JSONValue?) -> [String: String] {
        guard case .object(let o)? = value else { return [:] }
        var result: [String: String] = [:]
        result.reserveCapacity(o.count)
        for (k, v) in o {
            if case .string(let s) = v { result[k] = s }
        }
        return result
    }

    private static func sortedStringMap(_ map: [String: String]) -> JSONValue? {
        if map.isEmpty { return nil }
        // Keys of a Swift dictionary are unique, so no duplicate check is needed.
        var o = JSONObject()
        for (k, v) in map.sorted(by: { $0.key < $1.key }) { o.appendUnchecked(k, .string(v)) }
        return .object(o)
    }
}
