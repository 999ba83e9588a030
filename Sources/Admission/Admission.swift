import KubeModel

/// Whether a write creates an object or replaces an existing one: validation differs
/// (update rules, immutable fields) and so do some defaults.
public enum AdmissionOperation: Sendable, Hashable {
    case create, update
}

/// One write as Admission sees it: the resource, the operation, the stored object it
/// replaces and, for a custom resource, the CustomResourceDefinition that serves it.
public struct AdmissionRequest: Sendable {
    /// The resource the object is written to.
    public var info: ResourceInfo
    /// Create or update.
    public var operation: AdmissionOperation
    /// The subresource written (`status`, `scale`), or nil for the main resource.
    public var subresource: String?
    /// The stored object an update replaces; nil on create.
    public var old: JSONValue?
    /// For a custom resource, its CustomResourceDefinition as stored; nil for built-ins.
    public var definition: JSONValue?

    /// A write; see the member docs.
    public init(
        info: ResourceInfo, operation: AdmissionOperation, subresource: String? = nil, old: JSONValue? = nil,
        definition: JSONValue? = nil
    ) {
        self.info = info
        self.operation = operation
        self.subresource = subresource
        self.old = old
        self.definition = definition
    }
}

/// What kube-apiserver does to a write before storing it, as pure functions of the
/// object, the old object and the catalog: defaulting (`SetDefaults_*` for built-in
/// kinds; pruning and schema defaults for custom resources) and validation
/// (`pkg/apis/*/validation`, CRD structural schemas). Allocation (ClusterIPs, NodePorts)
/// needs state and lives beside it (`ServiceAllocator`).
///
/// Standalone AKE runs every local write through here; an edge forwards writes to the
/// cloud, which admits them, and stores what the cloud answers without re-defaulting.
public enum Admission {
    /// What decoding a v1 object into the internal type and back does to it, before
    /// defaulting: `Convert_v1_Secret_To_core_Secret` merges a Secret's write-only
    /// `stringData` into `data` (base64, as `data` is on the wire; `stringData` wins over a
    /// `data` key of the same name) and drops `stringData`, which the internal type lacks.
    public static func convert(_ object: inout JSONValue, _ request: AdmissionRequest) {
        let gvr = request.info.gvr
        guard gvr.group.isEmpty, gvr.resource == "secrets" else { return }
        guard let strings = object["stringData"]?.objectValue else { return }
        if !strings.isEmpty {
            var data = object["data"]?.objectValue ?? JSONObject()
            for (key, value) in strings {
                data[key] = .string(GoBase64.encode(Array((value.stringValue ?? "").utf8)))
            }
            object["data"] = .object(data)
        }
        object["stringData"] = nil
    }

    /// Applies the defaults the apiserver applies when it decodes a write. Runs before the
    /// registry strategy's `PrepareForCreate`/`PrepareForUpdate`, as decoding does.
    public static func applyDefaults(_ object: inout JSONValue, _ request: AdmissionRequest) {
        if request.info.isCustom {
            CustomResourceAdmission.applyDefaults(&object, request)
        } else {
            BuiltInDefaults.apply(&object, info: request.info)
        }
    }

    /// Gives a built-in object the shape kube-apiserver's Go encoding gives it (value
    /// structs present, zero `omitempty` fields dropped). ``applyDefaults`` already does
    /// this; the registry strategy calls it again, for `member: "status"` only, after it
    /// resets a new object's status. With `member`, only that top-level member is
    /// reshaped: the rest must already be in shape.
    public static func normalizeEncoding(_ object: inout JSONValue, _ info: ResourceInfo, member: String? = nil) {
        guard !info.isCustom, info.gvr.group != "apiextensions.k8s.io" else { return }
        if let member {
            GoEncoding.normalize(&object, member: member)
        } else {
            GoEncoding.normalize(&object)
        }
    }

    /// Validates a defaulted object: every error of the request at once, in the
    /// apiserver's order, worded as it words them. Object metadata is validated by the
    /// caller (the generic registry) and not repeated here.
    public static func validate(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        if request.info.isCustom {
            return CustomResourceAdmission.validate(object, request)
        }
        return BuiltInValidation.validate(object, request)
    }
}
