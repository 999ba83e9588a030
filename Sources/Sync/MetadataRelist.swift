import KubeModel

/// One item of a metadata-only list (`PartialObjectMetadataList`): what a relist needs to
/// tell an unchanged object from a changed one without its body.
public struct UpstreamObjectMeta: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var uid: String
    /// The cloud's `metadata.resourceVersion`.
    public var upstreamRV: String

    public init(namespace: String, name: String, uid: String, upstreamRV: String) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.upstreamRV = upstreamRV
    }

    /// `namespace/name`.
    public var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
}

/// One page of a metadata-only list.
public struct MetadataListPage: Sendable {
    public var items: [UpstreamObjectMeta]
    public var upstreamRV: String
    public var continueToken: String?

    public init(items: [UpstreamObjectMeta], upstreamRV: String, continueToken: String?) {
        self.items = items
        self.upstreamRV = upstreamRV
        self.continueToken = continueToken
    }

    /// Reads a parsed `PartialObjectMetadataList`.
    public init(list value: JSONValue) throws {
        guard let items = value["items"]?.arrayValue ?? (value["items"]?.isNull == true ? [] : nil) else {
            throw SyncError.decoding("metadata list without items")
        }
        upstreamRV = value["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let token = value["metadata"]?["continue"]?.stringValue
        continueToken = (token?.isEmpty ?? true) ? nil : token
        self.items = try items.map { item in
            guard let name = item.name, !name.isEmpty else {
                throw SyncError.decoding("metadata list item without metadata.name")
            }
            return UpstreamObjectMeta(
                namespace: item.namespace ?? "", name: name, uid: item.uid ?? "", upstreamRV: item.resourceVersion ?? ""
            )
        }
    }
}

/// What the upstream answered to a metadata-only list request.
public enum MetadataListAnswer: Sendable {
    /// The `PartialObjectMetadataList` page asked for.
    case metadata(MetadataListPage)
    /// A full list page: the upstream does not serve the metadata form and fell back to the
    /// plain `application/json` the request also accepts.
    case full(ListPage)
}

/// The plan of a relist from a metadata-only list: which objects the edge must fetch, and
/// whether fetching them one by one is worth it.
///
/// Correctness rests on the upstream's resource versions being comparable integers (etcd's
/// revisions, and AKE's): an object is unchanged when the edge holds the same uid at the
/// listed upstream RV or later (a newer one comes from a write the edge forwarded); each
/// fetched object is at least as new as listed; and a watch resumed from the list's RV
/// then brings events the edge either has already (skipped: not newer than what it holds)
/// or has not (applied). With a non-integer RV none of this holds, and the relist is a full one.
public struct MetadataRelistPlan: Sendable, Equatable {
    /// Listed objects to GET (changed, re-created or new), in list order.
    public var fetch: [UpstreamObjectMeta] = []
    /// Listed objects the edge already holds at this version or later.
    public var unchanged = 0
    /// Listed objects left alone because they have writes waiting for the cloud.
    public var pending = 0
    /// Objects the scope owns that the list no longer has (deleted, or out of the selectors).
    public var removed: [ObjectKey] = []
    /// Why the plan is a full list instead, or nil when fetching the changes is the plan.
    public var fullListReason: String?

    public init() {}

    /// Assumed size of one GET's request and response heads, beyond the object.
    public static let requestOverheadBytes = 400
    /// At most this many GETs per relist, however small the objects (latency: each is a
    /// round trip, `concurrentFetches` at a time).
    public static let maxFetches = 500
    /// GETs in flight at once.
    public static let concurrentFetches = 8

    /// Bodies above this many bytes are gzipped by kube-apiserver's and AKE's fronts.
    static let gzipThreshold = 128 << 10
    /// What gzip is assumed to make of a list body above the threshold (JSON lists of
    /// Kubernetes objects typically shrink 4–15×).
    static let assumedGzipRatio = 4

    /// Whether listing the scope as metadata first is likely to cost less than the full
    /// list, estimated from the objects the edge holds (their JSON, whole and `metadata`
    /// alone: the ratio carries over to protobuf roughly). The metadata list must come to
    /// at most half the full list's bytes on the wire, to leave room for the GETs: objects
    /// whose metadata is most of them (managedFields of many-field objects, small objects)
    /// and lists gzip shrinks below an uncompressed metadata list relist in full at once.
    /// `listWireBytes`: what the scope's last full list really cost on the wire (gzip and
    /// encoding included), when the edge has listed it since it started; else estimated.
    /// When that list was not gzipped, its bytes against its JSON also give the encoding's
    /// ratio (protobuf shrinks metadata about as much as whole objects), applied to the
    /// metadata list's estimate.
    public static func metadataListPays(objectBytes: Int, metadataBytes: Int, listWireBytes: Int = 0) -> Bool {
        func wire(_ bytes: Int) -> Int { bytes > gzipThreshold ? bytes / assumedGzipRatio : bytes }
        guard listWireBytes > 0 else { return wire(metadataBytes) * 2 <= wire(objectBytes) }
        var metadataWire = wire(metadataBytes)
        if objectBytes > 0, objectBytes <= gzipThreshold, metadataBytes <= gzipThreshold {
            metadataWire = min(metadataBytes, metadataBytes * listWireBytes / objectBytes)
        }
        return metadataWire * 2 <= listWireBytes
    }

    /// Plans a relist of a scope.
    /// - Parameters:
    ///   - owned: each object the scope owns → (uid, upstream RV) stored at the edge.
    ///   - pendingKeys: owned or listed objects with writes waiting for the cloud.
    ///   - listed: the metadata list's items; `listRV` its resourceVersion.
    ///   - averageObjectBytes: the mean size of the scope's stored objects (the estimate of
    ///     a listed object's size; 0 when the edge holds none).
    public static func plan(
        owned: [ObjectKey: (uid: String, upstreamRV: String)], pendingKeys: Set<ObjectKey>,
        listed: [UpstreamObjectMeta], listRV: String, averageObjectBytes: Int
    ) -> MetadataRelistPlan {
        var plan = MetadataRelistPlan()
        guard UInt64(listRV) != nil else {
            plan.fullListReason = "the list's resourceVersion \"\(listRV)\" is not an integer"
            return plan
        }
        var seen = Set<ObjectKey>()
        seen.reserveCapacity(listed.count)
        for item in listed {
            let key = item.key
            seen.insert(key)
            guard let listedRV = UInt64(item.upstreamRV) else {
                plan.fullListReason = "\(key)'s resourceVersion \"\(item.upstreamRV)\" is not an integer"
                return plan
            }
            if pendingKeys.contains(key) {
                plan.pending += 1
                continue
            }
            if let stored = owned[key], stored.uid == item.uid, let storedRV = UInt64(stored.upstreamRV),
                storedRV >= listedRV
            {
                plan.unchanged += 1
            } else {
                plan.fetch.append(item)
            }
        }
        plan.removed = owned.keys.filter { !seen.contains($0) }.sorted()
        // Bytes: the GETs (objects + heads) against the full list they replace. The full
        // list is gzipped by the server above 128 KiB and GETs are not, so they must come
        // to at most a third of it — for objects well above the heads' size, about a third
        // of the listed objects changed at most.
        let size = max(averageObjectBytes, 1)
        let fetchBytes = plan.fetch.count * (size + requestOverheadBytes)
        let listBytes = listed.count * size
        if plan.fetch.count > maxFetches {
            plan.fullListReason = "\(plan.fetch.count) objects changed (more than \(maxFetches) GETs)"
        } else if !plan.fetch.isEmpty, fetchBytes * 3 > listBytes {
            plan.fullListReason =
                "\(plan.fetch.count) of \(listed.count) objects changed: ~\(fetchBytes) B of GETs vs a ~\(listBytes) B list"
        }
        return plan
    }
}
