import Admission
import Foundation
import KubeModel
import Projections

/// A change to the live resource catalog, applied only after the write that caused it commits.
enum CatalogChange: Sendable {
    case register(crd: JSONValue)
    case unregister(crdName: String)
}

/// One object as written (or, for a no-op update, as it already was).
struct Written {
    var object: JSONValue
    var bytes: [UInt8]
}

/// The outcome of deleting one object.
enum DeleteResult {
    /// Gone: a DELETED event was appended.
    case removed(Written)
    /// Still there with a deletionTimestamp, waiting for finalizers.
    case marked(Written)

    var written: Written {
        switch self {
        case .removed(let w), .marked(let w): w
        }
    }
}

/// The standalone (authoritative) write semantics of kube-apiserver's generic registry,
/// run inside one `ObjectStore.mutate` body: everything it reads and appends belongs to
/// that write transaction, so a thrown error (or a dry run) leaves no trace.
///
/// Simplifications, all synchronous inside the same mutation:
/// - garbage collection: deleting an owner deletes dependents whose every ownerReference
///   points to it (Background; Foreground the same, before the owner goes) and drops the
///   reference from dependents with other owners (and from all dependents for Orphan);
/// - namespace deletion deletes the namespace's content at once and removes the namespace
///   when nothing is left (objects with finalizers keep it Terminating until they go);
/// - CRD deletion deletes its custom objects outright, then the CRD;
/// - pods are deleted immediately whatever the grace period (there is no kubelet to wait for).
final class RegistryWriter {
    let ctx: MutationContext
    let catalog: ResourceCatalog
    let origin: WriteOrigin
    let now: String
    /// Dry run: every rule runs, nothing is appended (reads see the state before the request).
    let dryRun: Bool
    /// The field manager of a client's create, update or non-apply patch, recorded as an
    /// `Update` managedFields entry (`ManagedFields.recordUpdate`); nil for the endpoint's
    /// own writes (bootstrap, garbage collection, namespace cleanup), which record nothing.
    var fieldManager: String?
    /// Allocates Service ClusterIPs and node ports (`ServiceAllocation.swift`); nil at an edge.
    var serviceAllocator: ServiceAllocator?
    /// What stored Service versions hold, shared across writes (see `ServiceUsageMemo`).
    var serviceUsageMemo = ServiceUsageMemo()
    private(set) var catalogChanges: [CatalogChange] = []
    /// The state of the events appended (`pending` for an edge's offline write).
    var state: WriteState = .committed
    /// Edge, offline write: called after each append with the version it replaced (nil
    /// for a create), in the same transaction, so the pending ledger commits with it.
    var onAppend: ((MutationContext, ChangeType, GroupVersionResource, StoredObject?, StoredObject) throws -> Void)?
    /// Edge: a namespace the edge does not hold is not refused (it may not sync
    /// namespaces); one it holds must still be active.
    var lenientNamespaces = false
    /// Edge: a custom resource whose CRD object the edge does not hold is served (its
    /// resources come from the cloud's discovery).
    var lenientDefinitions = false

    struct ObjectKey: Hashable {
        var gvr: GroupVersionResource
        var namespace: String
        var name: String
    }
    /// owner uid → objects naming it in ownerReferences; built lazily, once per scope.
    private var ownerIndex: [String: Set<ObjectKey>] = [:]
    private var indexedScopes: Set<String> = []
    private var purging: Set<String> = []
    private var gcDepth = 0
    /// Many deletions in one mutation (deletecollection, namespace cleanup): find dependents
    /// through an owner index built once, instead of scanning per deleted object.
    private var bulk = false

    /// Kinds that never own anything in practice; deleting them skips the dependents scan.
    private static let neverOwners: Set<String> = ["/events", "events.k8s.io/events", "coordination.k8s.io/leases"]

    init(
        ctx: MutationContext, catalog: ResourceCatalog, origin: WriteOrigin, dryRun: Bool = false,
        now: String = Generated.timestamp()
    ) {
        self.ctx = ctx
        self.catalog = catalog
        self.origin = origin
        self.dryRun = dryRun
        self.now = now
    }

    // MARK: reading

    func load(_ gvr: GroupVersionResource, namespace: String, name: String) throws -> (StoredObject, JSONValue)? {
        guard let stored = try ctx.current(gvr, namespace: namespace, name: name) else { return nil }
        return (stored, try parse(stored))
    }

    func parse(_ stored: StoredObject) throws -> JSONValue {
        do { return try stored.json() } catch { throw StatusError.internalError() }
    }

    // MARK: admission

    /// The write as Admission sees it; for a custom resource with the CRD serving it, read
    /// in this transaction.
    func admissionRequest(_ info: ResourceInfo, old: JSONValue?, subresource: String?) throws -> AdmissionRequest {
        var definition: JSONValue?
        if info.isCustom, let crdName = info.crdName {
            definition = try load(ResourceStrategy.crds, namespace: "", name: crdName)?.1
        }
        return AdmissionRequest(
            info: info, operation: old == nil ? .create : .update, subresource: subresource, old: old,
            definition: definition)
    }

    // MARK: appending

    /// Stamps the next RV, puts fields in apiserver order, appends the event.
    ///
    /// In a dry run nothing is appended and the object keeps the RV it had (none for a
    /// create), as the apiserver's dry-run storage answers.
    @discardableResult
    func append(
        _ type: ChangeType, _ info: ResourceInfo, _ object: JSONValue, origin: WriteOrigin? = nil,
        canonical: Bool = false
    ) throws -> Written {
        var o = object
        if dryRun {
            if type == .added { o.setObjectMeta("resourceVersion", nil) }
            o = o.canonicalized()
            return Written(object: o, bytes: o.serialized())
        }
        o.setObjectMeta("resourceVersion", .string(String(ctx.nextRV)))
        // A prepared create is canonical already; setting the RV keeps its position.
        if !canonical { o = o.canonicalized() }
        let namespace = info.namespaced ? o.objectNamespace : ""
        let previous = try onAppend.flatMap { _ in try ctx.current(info.gvr, namespace: namespace, name: o.objectName) }
        let stored = try ctx.append(
            type, info.gvr, object: o.serialized(), namespace: namespace,
            name: o.objectName, uid: o.objectUID, origin: origin ?? self.origin, state: state)
        try onAppend?(ctx, type, info.gvr, previous, stored)
        return Written(object: o, bytes: stored.bytes)
    }

    // MARK: create

    /// `POST`: system fields, generateName, namespace lifecycle, validation, AlreadyExists.
    func create(
        _ info: ResourceInfo, namespace: String, object input: JSONValue, managedFields: JSONValue? = nil,
        origin: WriteOrigin? = nil
    ) throws -> Written {
        var obj = input
        let requestedManagedFields = input.objectMeta("managedFields")
        try Self.refuseResourceVersion(obj)
        obj.setObjectMeta("resourceVersion", nil)
        if info.namespaced {
            obj.setObjectMeta("namespace", .string(namespace))
            try requireActiveNamespace(namespace, creating: info, name: obj.objectName)
        } else {
            obj.setObjectMeta("namespace", nil)
        }
        try requireDefinition(info)
        Self.stampCreate(&obj, info, now: now)
        if let managedFields { obj.setObjectMeta("managedFields", managedFields) }

        if obj.objectName.isEmpty, let prefix = obj.objectMeta("generateName")?.stringValue, !prefix.isEmpty {
            var candidate = ""
            var unique = false
            for _ in 0..<8 {
                candidate = Generated.name(prefix: prefix)
                if try ctx.current(info.gvr, namespace: namespace, name: candidate) == nil {
                    unique = true
                    break
                }
            }
            guard unique else {
                throw StatusError.generateNameConflict(info.gvr, name: candidate)
            }
            obj.setObjectMeta("name", .string(candidate))
        }
        let admission = try admissionRequest(info, old: nil, subresource: nil)
        try Self.admitCreate(
            &obj, info, admission, requestedManagedFields: requestedManagedFields,
            fieldManager: managedFields == nil ? fieldManager : nil, now: now,
            allocate: { try allocateServiceFields(&$0, info, old: nil) },
            beforeManagedFields: { obj in
                if ResourceStrategy.isCRDs(info) {
                    try CRDLifecycle.validate(obj, info: info)
                    obj = CRDLifecycle.withStatus(obj, old: nil, now: now)
                }
            })
        if try ctx.current(info.gvr, namespace: namespace, name: obj.objectName) != nil {
            throw StatusError.alreadyExists(info.gvr, name: obj.objectName)
        }
        let written = try append(.added, info, obj, origin: origin)
        if ResourceStrategy.isCRDs(info) { catalogChanges.append(.register(crd: written.object)) }
        return written
    }

    /// A create whose store-independent part ran before the write transaction
    /// (``prepareCreate(_:namespace:object:fieldManager:now:)``): here only what reads the
    /// store, in the order ``create(_:namespace:object:managedFields:origin:)`` checks it.
    func create(_ info: ResourceInfo, namespace: String, prepared: PreparedCreate) throws -> Written {
        let object: JSONValue
        switch prepared.outcome {
        case .refused(let error):
            throw error
        case .rejected(let error):
            try requireActiveNamespaceIfNamespaced(info, namespace, name: prepared.requestedName)
            try requireDefinition(info)
            throw error
        case .ready(let ready):
            try requireActiveNamespaceIfNamespaced(info, namespace, name: prepared.requestedName)
            try requireDefinition(info)
            object = ready
        }
        if try ctx.current(info.gvr, namespace: namespace, name: object.objectName) != nil {
            throw StatusError.alreadyExists(info.gvr, name: object.objectName)
        }
        return try append(.added, info, object, canonical: true)
    }

    private func requireActiveNamespaceIfNamespaced(_ info: ResourceInfo, _ namespace: String, name: String) throws {
        if info.namespaced { try requireActiveNamespace(namespace, creating: info, name: name) }
    }

    /// The outcome of a create's store-independent steps (system fields, defaulting,
    /// validation, managedFields), computed off the writer thread.
    struct PreparedCreate: @unchecked Sendable {
        // @unchecked: JSONValue and errors are values; the payload is only moved between tasks.
        enum Outcome {
            /// Refused before anything is read (a set resourceVersion).
            case refused(any Error)
            /// Invalid: reported once the namespace and definition checks passed.
            case rejected(any Error)
            /// The object to store, canonical, without its resourceVersion yet.
            case ready(JSONValue)
        }
        var outcome: Outcome
        /// The name as sent (what the namespace check's error names).
        var requestedName: String
    }

    /// Runs the store-independent steps of a create ahead of its write transaction, or
    /// returns nil when the create needs the store for them: generateName, custom
    /// resources (their CRD), CRDs, Services (allocation), or given managedFields.
    /// `fieldManager` is the writer's (``fieldManager``); `now` stamps creationTimestamp.
    static func prepareCreate(
        _ info: ResourceInfo, namespace: String, object input: JSONValue, fieldManager: String?, now: String
    ) -> PreparedCreate? {
        let isService = info.gvr.group.isEmpty && info.gvr.resource == services.resource
        guard !info.isCustom, !ResourceStrategy.isCRDs(info), !isService, !input.objectName.isEmpty
        else { return nil }
        var obj = input
        let requestedName = input.objectName
        let requestedManagedFields = input.objectMeta("managedFields")
        do {
            try refuseResourceVersion(obj)
        } catch {
            return PreparedCreate(outcome: .refused(error), requestedName: requestedName)
        }
        obj.setObjectMeta("resourceVersion", nil)
        obj.setObjectMeta("namespace", info.namespaced ? .string(namespace) : nil)
        stampCreate(&obj, info, now: now)
        let admission = AdmissionRequest(info: info, operation: .create, subresource: nil, old: nil, definition: nil)
        do {
            try admitCreate(
                &obj, info, admission, requestedManagedFields: requestedManagedFields, fieldManager: fieldManager,
                now: now, allocate: { _ in }, beforeManagedFields: { _ in })
        } catch {
            return PreparedCreate(outcome: .rejected(error), requestedName: requestedName)
        }
        // The RV's slot in apiserver order; the write transaction fills it in place.
        obj.setObjectMeta("resourceVersion", .string("0"))
        return PreparedCreate(outcome: .ready(obj.canonicalized()), requestedName: requestedName)
    }

    /// etcd3's Create refuses a set (numeric, non-zero) resourceVersion with an untyped
    /// error, which the apiserver answers as a 500 without reason; clients know the text.
    static func refuseResourceVersion(_ obj: JSONValue) throws {
        if let rv = UInt64(obj.objectResourceVersion), rv != 0 {
            throw StatusError(
                code: 500, reason: "", message: "resourceVersion should not be set on objects to be created")
        }
    }

    /// The system fields of a new object: kind, apiVersion, uid, creationTimestamp, generation.
    static func stampCreate(_ obj: inout JSONValue, _ info: ResourceInfo, now: String) {
        obj["kind"] = .string(info.kind)
        obj["apiVersion"] = .string(info.gvr.groupVersion)
        for key in ["selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields"] {
            obj.setObjectMeta(key, nil)
        }
        obj.setObjectMeta("uid", .string(Generated.uid()))
        obj.setObjectMeta("creationTimestamp", .string(now))
        obj.setObjectMeta("generation", 1)
    }

    /// Admission of a create (defaults, preparation, validation) and its managedFields.
    /// `allocate` runs where Service allocation belongs, `beforeManagedFields` after validation.
    static func admitCreate(
        _ obj: inout JSONValue, _ info: ResourceInfo, _ admission: AdmissionRequest, requestedManagedFields: JSONValue?,
        fieldManager: String?, now: String, allocate: (inout JSONValue) throws -> Void,
        beforeManagedFields: (inout JSONValue) throws -> Void
    ) throws {
        Admission.convert(&obj, admission)
        Admission.applyDefaults(&obj, admission)
        try allocate(&obj)
        ResourceStrategy.prepareForCreate(&obj, info)
        Admission.prepareForCreate(&obj, admission)

        var causes = MetadataValidation.validate(obj, info: info)
        causes += Admission.validate(obj, admission)
        if !causes.isEmpty { throw StatusError.invalid(info, name: obj.objectName, causes: causes) }
        try beforeManagedFields(&obj)
        if let fieldManager {
            obj.setObjectMeta("managedFields", requestedManagedFields)
            obj.setObjectMeta(
                "managedFields",
                ManagedFields.recordUpdate(
                    old: nil, new: obj, manager: fieldManager, subresource: nil, info: info, now: now))
        }
    }

    /// NamespaceLifecycle admission: content goes only into existing, active namespaces.
    func requireActiveNamespace(_ namespace: String, creating info: ResourceInfo, name: String) throws {
        guard MetadataValidation.isDNS1123Subdomain(namespace),
            let (_, ns) = try load(ResourceStrategy.namespaces, namespace: "", name: namespace)
        else {
            if lenientNamespaces && MetadataValidation.isDNS1123Subdomain(namespace) { return }
            throw StatusError.notFound(ResourceStrategy.namespaces, name: namespace)
        }
        if ns.objectDeletionTimestamp != nil {
            throw StatusError.forbidden(
                info.gvr, name: name,
                "unable to create new content in namespace \(namespace) because it is being terminated",
                causes: [
                    StatusCause(
                        reason: "NamespaceTerminating", message: "namespace \(namespace) is being terminated",
                        field: "metadata.namespace")
                ])
        }
    }

    /// A custom resource is served only while its CRD exists (checked in the transaction,
    /// so a write racing the CRD's deletion cannot leave orphans).
    func requireDefinition(_ info: ResourceInfo) throws {
        guard info.isCustom, !lenientDefinitions else { return }
        if try ctx.current(ResourceStrategy.crds, namespace: "", name: CRDLifecycle.crdName(for: info.gvr)) == nil {
            throw StatusError.noRoute()
        }
    }

    // MARK: update

    /// `PUT`: preconditions from the body, then `update`.
    /// The optimistic-lock precondition of an update: a resourceVersion other than the
    /// stored one is a 409; none at all is an unconditional update for built-ins and a
    /// 422 for custom resources.
    static func requireResourceVersion(_ rv: String, of old: JSONValue, _ info: ResourceInfo, name: String) throws {
        if rv.isEmpty {
            if info.isCustom {
                throw StatusError.invalid(
                    info, name: name,
                    causes: [
                        FieldError(
                            .invalid, field: "metadata.resourceVersion", value: .raw("0x0"),
                            detail: "must be specified for an update")
                    ])
            }
        } else if rv != old.objectResourceVersion {
            throw StatusError.conflict(info.gvr, name: name)
        }
    }

    func replace(
        _ info: ResourceInfo, namespace: String, name: String, body: JSONValue, subresource: String?
    ) throws -> Written {
        guard let (stored, old) = try load(info.gvr, namespace: namespace, name: name) else {
            throw StatusError.notFound(info.gvr, name: name)
        }
        try Self.requireResourceVersion(body.objectResourceVersion, of: old, info, name: name)
        let bodyUID = body.objectUID
        if !bodyUID.isEmpty && bodyUID != old.objectUID {
            throw StatusError.conflict(
                info.gvr, name: name,
                "Precondition failed: UID in precondition: \(bodyUID), UID in object meta: \(old.objectUID)")
        }
        return try update(info, stored: stored, old: old, proposed: body, subresource: subresource)
    }

    /// The generic update rules: system fields kept, status split, generation, finalizers,
    /// no-op detection, and removal when the last finalizer of a deleted object goes.
    func update(
        _ info: ResourceInfo, stored: StoredObject, old: JSONValue, proposed: JSONValue, subresource: String?,
        managedFields: JSONValue? = nil
    ) throws -> Written {
        var new = proposed
        if subresource == "status" {
            // Only status changes through /status.
            var merged = old
            merged["status"] = proposed["status"]
            if let managedFields { merged.setObjectMeta("managedFields", managedFields) }
            new = merged
        } else if ResourceStrategy.hasStatusSubresource(info) {
            new["status"] = old["status"]
        }
        new["kind"] = .string(info.kind)
        new["apiVersion"] = .string(info.gvr.groupVersion)

        var causes: [FieldError] = []
        if new.objectName != old.objectName {
            causes.append(.invalid("metadata.name", new.objectName, "field is immutable"))
        }
        if info.namespaced {
            if new.objectNamespace.isEmpty {
                new.setObjectMeta("namespace", old.objectMeta("namespace"))
            } else if new.objectNamespace != old.objectNamespace {
                causes.append(.invalid("metadata.namespace", new.objectNamespace, "field is immutable"))
            }
        } else {
            new.setObjectMeta("namespace", nil)
        }
        if new.objectUID.isEmpty {
            new.setObjectMeta("uid", old.objectMeta("uid"))
        } else if new.objectUID != old.objectUID {
            causes.append(.invalid("metadata.uid", new.objectUID, "field is immutable"))
        }
        // Through /status too the uid is immutable (kube-apiserver validates the common
        // fields of every update): a status write naming another uid is refused, so a
        // writer that names the uid cannot change a recreated object's status.
        if subresource == "status", !proposed.objectUID.isEmpty, proposed.objectUID != old.objectUID {
            causes.append(.invalid("metadata.uid", proposed.objectUID, "field is immutable"))
        }
        for key in [
            "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "resourceVersion",
        ] {
            new.setObjectMeta(key, old.objectMeta(key))
        }
        new.setObjectMeta("selfLink", nil)
        if let managedFields {
            new.setObjectMeta("managedFields", managedFields)
        } else if fieldManager == nil, new.objectMeta("managedFields") == nil {
            new.setObjectMeta("managedFields", old.objectMeta("managedFields"))
        }
        if old.objectDeletionTimestamp != nil {
            let oldFinalizers = Set(old.objectFinalizers)
            let added = new.objectFinalizers.filter { !oldFinalizers.contains($0) }
            if !added.isEmpty {
                let goList = "[]string{" + added.map { goQuoted($0) }.joined(separator: ", ") + "}"
                causes.append(
                    .forbidden(
                        "metadata.finalizers",
                        "no new finalizers can be added if the object is being deleted, found new finalizers \(goList)")
                )
            }
        }
        let admission = try admissionRequest(info, old: old, subresource: subresource)
        Admission.convert(&new, admission)
        Admission.applyDefaults(&new, admission)
        try allocateServiceFields(&new, info, old: old, subresource: subresource)
        ResourceStrategy.prepareForUpdate(&new, old: old, info)
        if subresource != "status" && new.generationRelevantContent != old.generationRelevantContent {
            new.setObjectMeta("generation", .number(JSONNumber((old.objectGeneration ?? 0) &+ 1)))
        }
        if managedFields == nil, let fieldManager {
            new.setObjectMeta(
                "managedFields",
                ManagedFields.recordUpdate(
                    old: old, new: new, manager: fieldManager, subresource: subresource, info: info, now: now))
        }
        causes += MetadataValidation.validate(new, info: info)
        causes += Admission.validate(new, admission)
        if !causes.isEmpty { throw StatusError.invalid(info, name: old.objectName, causes: causes) }
        let isCRD = ResourceStrategy.isCRDs(info)
        if isCRD && subresource != "status" {
            try CRDLifecycle.validate(new, info: info)
            new = CRDLifecycle.withStatus(new, old: old, now: now)
        }

        if new == old { return Written(object: old, bytes: stored.bytes) }
        if new.objectDeletionTimestamp != nil && new.objectFinalizers.isEmpty
            && (new["spec"]?["finalizers"]?.arrayValue ?? []).isEmpty
        {
            return try remove(info, new).written
        }
        let written = try append(.modified, info, new)
        if isCRD { catalogChanges.append(.register(crd: written.object)) }
        return written
    }

    // MARK: delete

    /// `DELETE` of one object: preconditions, then the namespace or generic deletion flow.
    func delete(_ info: ResourceInfo, namespace: String, name: String, options: DeleteRequestOptions) throws
        -> DeleteResult
    {
        guard let (stored, object) = try load(info.gvr, namespace: namespace, name: name) else {
            throw StatusError.notFound(info.gvr, name: name)
        }
        if let uid = options.preconditionUID, uid != object.objectUID {
            throw StatusError.conflict(
                info.gvr, name: name,
                "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.objectUID)")
        }
        if let rv = options.preconditionResourceVersion, rv != object.objectResourceVersion {
            throw StatusError.conflict(
                info.gvr, name: name,
                "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(object.objectResourceVersion)"
            )
        }
        return try deleteOne(info, stored: stored, object: object, propagation: options.propagation)
    }

    func deleteOne(
        _ info: ResourceInfo, stored: StoredObject, object: JSONValue, propagation: PropagationPolicy,
        origin: WriteOrigin? = nil
    ) throws -> DeleteResult {
        if ResourceStrategy.isNamespaces(info) {
            if ResourceStrategy.immortalNamespaces.contains(object.objectName) {
                throw StatusError.forbidden(info.gvr, name: object.objectName, "this namespace may not be deleted")
            }
            return try deleteNamespace(info, stored: stored, object: object)
        }
        // Already being deleted: nothing more to do; the apiserver answers with the object.
        if object.objectDeletionTimestamp != nil { return .marked(Written(object: object, bytes: stored.bytes)) }
        switch propagation {
        case .orphan:
            try releaseDependents(of: object, info: info, deleteSoleDependents: false)
            if !object.objectFinalizers.isEmpty { return .marked(try mark(info, object, origin: origin)) }
            return try remove(info, object, origin: origin, collectDependents: false)
        case .background:
            if !object.objectFinalizers.isEmpty { return .marked(try mark(info, object, origin: origin)) }
            return try remove(info, object, origin: origin)
        case .foreground:
            let marked = try mark(info, object, addingFinalizer: "foregroundDeletion", origin: origin)
            try releaseDependents(of: marked.object, info: info, deleteSoleDependents: true)
            // Dependents are gone: the garbage collector's part of foreground deletion is done.
            var after = marked.object
            after.setObjectFinalizers(after.objectFinalizers.filter { $0 != "foregroundDeletion" })
            if after.objectFinalizers.isEmpty {
                try remove(info, after, origin: origin, collectDependents: false)
            } else {
                try append(.modified, info, after, origin: origin)
            }
            return .marked(marked)
        }
    }

    /// Sets deletionTimestamp (MODIFIED): the object waits for its finalizers.
    func mark(_ info: ResourceInfo, _ object: JSONValue, addingFinalizer: String? = nil, origin: WriteOrigin? = nil)
        throws -> Written
    {
        var o = object
        o.setObjectMeta("deletionTimestamp", .string(now))
        o.setObjectMeta("deletionGracePeriodSeconds", 0)
        if let addingFinalizer, !o.objectFinalizers.contains(addingFinalizer) {
            o.setObjectFinalizers(o.objectFinalizers + [addingFinalizer])
        }
        return try append(.modified, info, o, origin: origin)
    }

    /// Appends DELETED and runs what follows an object's removal: garbage collection of
    /// dependents, custom objects of a CRD, finalizing a Terminating namespace.
    @discardableResult
    func remove(_ info: ResourceInfo, _ object: JSONValue, origin: WriteOrigin? = nil, collectDependents: Bool = true)
        throws -> DeleteResult
    {
        let written = try append(.deleted, info, object, origin: origin)
        if ResourceStrategy.isCRDs(info) {
            try removeCustomObjects(of: written.object)
            catalogChanges.append(.unregister(crdName: written.object.objectName))
        }
        if collectDependents { try releaseDependents(of: written.object, info: info, deleteSoleDependents: true) }
        if info.namespaced { try finalizeNamespaceIfEmpty(written.object.objectNamespace) }
        return .removed(written)
    }

    /// `deletecollection`: every matching object, one DELETED (or MODIFIED) each.
    func deleteCollection(
        _ info: ResourceInfo, namespace: String?, labels: LabelSelector?, fields: FieldSelector?,
        options: DeleteRequestOptions
    ) throws -> [Written] {
        bulk = true
        var out: [Written] = []
        for stored in try ctx.list(info.gvr, namespace: namespace) {
            // An earlier deletion in this loop (garbage collection) may have removed it.
            guard let (current, object) = try load(info.gvr, namespace: stored.namespace, name: stored.name) else {
                continue
            }
            if let labels, !labels.matches(object.objectLabels) { continue }
            if let fields, !fields.matches(info.fieldValues(of: object)) { continue }
            out.append(try deleteOne(info, stored: current, object: object, propagation: options.propagation).written)
        }
        return out
    }

    // MARK: namespaces

    /// Marks the namespace Terminating, deletes its content, and removes it when empty.
    func deleteNamespace(_ info: ResourceInfo, stored: StoredObject, object: JSONValue) throws -> DeleteResult {
        if object.objectDeletionTimestamp != nil { return .marked(Written(object: object, bytes: stored.bytes)) }
        var ns = object
        ns.setObjectMeta("deletionTimestamp", .string(now))
        ns.setObjectMeta("deletionGracePeriodSeconds", 0)
        var status = ns["status"]?.objectValue ?? JSONObject()
        status["phase"] = "Terminating"
        ns["status"] = .object(status)
        let marked = try append(.modified, info, ns)
        try purgeNamespace(object.objectName)
        try finalizeNamespaceIfEmpty(object.objectName)
        return .marked(marked)
    }

    private func purgeNamespace(_ namespace: String) throws {
        purging.insert(namespace)
        defer { purging.remove(namespace) }
        bulk = true
        for info in catalog.all() where info.namespaced {
            for stored in try ctx.list(info.gvr, namespace: namespace) {
                guard let (current, object) = try load(info.gvr, namespace: namespace, name: stored.name) else {
                    continue
                }
                _ = try deleteOne(info, stored: current, object: object, propagation: .background, origin: .system)
            }
        }
    }

    /// The namespace controller's last step: a Terminating namespace with no content left
    /// loses its `kubernetes` finalizer and, with no other finalizers, is removed.
    private func finalizeNamespaceIfEmpty(_ namespace: String) throws {
        guard !namespace.isEmpty, !purging.contains(namespace),
            let nsInfo = catalog.resource(for: ResourceStrategy.namespaces),
            let (_, ns) = try load(ResourceStrategy.namespaces, namespace: "", name: namespace),
            ns.objectDeletionTimestamp != nil
        else { return }
        for info in catalog.all() where info.namespaced {
            if try !ctx.list(info.gvr, namespace: namespace).isEmpty { return }
        }
        var finalized = ns
        var spec = finalized["spec"]?.objectValue ?? JSONObject()
        let remaining = (spec["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != "kubernetes" }
        spec["finalizers"] = remaining.isEmpty ? nil : .array(remaining)
        finalized["spec"] = .object(spec)
        if finalized.objectFinalizers.isEmpty && remaining.isEmpty {
            try remove(nsInfo, finalized, origin: .system, collectDependents: false)
        } else if finalized != ns {
            try append(.modified, nsInfo, finalized, origin: .system)
        }
    }

    // MARK: CRDs

    private func removeCustomObjects(of crd: JSONValue) throws {
        for gvr in CRDLifecycle.resources(of: crd) {
            guard let info = catalog.resource(for: gvr) else { continue }
            for stored in try ctx.list(gvr, namespace: nil) {
                try remove(info, try parse(stored), origin: .system)
            }
        }
    }

    // MARK: garbage collection

    /// Drops references to `owner` from its dependents; with `deleteSoleDependents`, the
    /// dependents it was the only owner of are deleted (background, recursively).
    private func releaseDependents(of owner: JSONValue, info: ResourceInfo, deleteSoleDependents: Bool) throws {
        let uid = owner.objectUID
        guard !uid.isEmpty, gcDepth < 32 else { return }
        guard !Self.neverOwners.contains("\(info.gvr.group)/\(info.gvr.resource)") else { return }
        gcDepth += 1
        defer { gcDepth -= 1 }
        let scope = info.namespaced ? owner.objectNamespace : "*"
        for key in try dependentKeys(of: uid, scope: scope) {
            guard let depInfo = catalog.resource(for: key.gvr),
                let (stored, dependent) = try load(key.gvr, namespace: key.namespace, name: key.name)
            else { continue }
            let refs = dependent.objectMeta("ownerReferences")?.arrayValue ?? []
            let remaining = refs.filter { $0["uid"]?.stringValue != uid }
            guard remaining.count != refs.count else { continue }
            if remaining.isEmpty && deleteSoleDependents {
                _ = try deleteOne(depInfo, stored: stored, object: dependent, propagation: .background, origin: .system)
            } else {
                var released = dependent
                released.setObjectMeta("ownerReferences", remaining.isEmpty ? nil : .array(remaining))
                try append(.modified, depInfo, released, origin: .system)
            }
        }
    }

    /// Objects that may name `uid` as an owner: from the owner index in bulk deletions,
    /// otherwise by searching the stored bytes for the uid (only hits are parsed).
    private func dependentKeys(of uid: String, scope: String) throws -> Set<ObjectKey> {
        if bulk {
            try indexOwners(scope: scope)
            return ownerIndex[uid] ?? []
        }
        let needle = Array(uid.utf8)
        var keys: Set<ObjectKey> = []
        for info in catalog.all() {
            if scope != "*" && !info.namespaced { continue }
            for stored in try ctx.list(info.gvr, namespace: scope == "*" ? nil : scope)
            where Self.contains(stored.bytes, needle) {
                keys.insert(ObjectKey(gvr: info.gvr, namespace: stored.namespace, name: stored.name))
            }
        }
        return keys
    }

    /// Scans the objects of a namespace (or everything, scope `*`) once per mutation and
    /// indexes those with ownerReferences by owner uid.
    private func indexOwners(scope: String) throws {
        if indexedScopes.contains("*") || indexedScopes.contains(scope) { return }
        let marker = Array("\"ownerReferences\"".utf8)
        for info in catalog.all() {
            if scope != "*" && !info.namespaced { continue }
            for stored in try ctx.list(info.gvr, namespace: scope == "*" ? nil : scope)
            where Self.contains(stored.bytes, marker) {
                let object = try parse(stored)
                let key = ObjectKey(gvr: info.gvr, namespace: stored.namespace, name: stored.name)
                for ref in object.objectMeta("ownerReferences")?.arrayValue ?? [] {
                    if let u = ref["uid"]?.stringValue { ownerIndex[u, default: []].insert(key) }
                }
            }
        }
        indexedScopes.insert(scope)
    }

    /// Whether `needle` occurs in `haystack` (memchr for candidates, memcmp to confirm).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                guard let hb = h.baseAddress, let nb = n.baseAddress else { return false }
                let first = Int32(n[0])
                var offset = 0
                let lastStart = h.count - n.count
                while offset <= lastStart {
                    guard let hit = memchr(hb + offset, first, lastStart - offset + 1) else { return false }
                    if memcmp(hit, nb, n.count) == 0 { return true }
                    offset = (UnsafeRawPointer(hit) - hb) + 1
                }
                return false
            }
        }
    }
}
