import Foundation
import KubeModel

/// One object's offline writes, coalesced for the upload: the edge's pending ledger keeps
/// one of these per object in the log's meta table, written in the same transaction as
/// the pending event it records, and removed in the same transaction as the event that
/// records the outcome (`reconciled` or `conflicted`). So after a crash the ledger says
/// exactly which accepted writes the cloud may not have yet.
///
/// What is uploaded is never the list of requests but the edge's current object: ten
/// lease renewals are one upstream write (the last renewal), and a create followed by
/// updates is one create of the final object.
public struct PendingWrite: Codable, Sendable, Equatable {
    /// What the upload must do to the cloud's object.
    public enum Kind: String, Codable, Sendable {
        /// The object was created at the edge: POST it (with its name: a retry is idempotent).
        case create
        /// The object the cloud had was changed: apply the edge's changes to the cloud's latest.
        case update
        /// The object the cloud had was deleted: DELETE with a uid precondition.
        case delete
        /// Deleted and created again at the edge: DELETE the cloud's (uid precondition), then POST.
        case recreate
    }

    /// Whether the writes still wait for the cloud, or lost a conflict.
    public enum State: String, Codable, Sendable {
        case pending
        case conflicted
    }

    /// The object's resource (group, version, plural), namespace ("" when cluster-scoped) and name.
    public var group: String
    public var version: String
    public var resource: String
    public var namespace: String
    public var name: String
    /// What the upload must do.
    public var kind: Kind
    /// Every coalesced write went to the status subresource (the cloud's spec is untouched).
    public var statusOnly: Bool
    /// The uid of the cloud's object the writes apply to ("" for a create).
    public var uid: String
    /// The cloud's resourceVersion of the object the first write was based on ("" for a create).
    public var baseUpstreamRV: String
    /// The cloud's object the first write was based on (JSON text; nil for a create): the
    /// common ancestor of the three-way comparison at reconcile.
    public var base: String?
    /// Edge RVs of the first and the last coalesced write.
    public var firstRV: UInt64
    public var lastRV: UInt64
    /// How many local writes were coalesced.
    public var writes: Int
    /// The verbs of those writes, each once, in order.
    public var verbs: [String]
    /// The client of the last write.
    public var client: String
    /// Seconds since the epoch of the first write.
    public var since: Double
    /// A create was sent upstream at least once (its fate may be unknown).
    public var attempted: Bool
    /// The edge's object after each write that was forwarded first and got no answer
    /// (JSON texts, the last few): the cloud may hold one of them, which is then the
    /// edge's own write and not a change of the cloud's.
    public var maybeLanded: [String]? = nil
    /// Pending, or conflicted (kept for the operator until discarded).
    public var state: State
    /// Why the edge's change lost (conflicted only).
    public var reason: String
    /// Edge RV of the event that recorded the outcome (conflicted only; when the outcome
    /// needed no event — the object is gone on both sides — the RV of the last lost write).
    public var outcomeRV: UInt64
    /// The cloud's resourceVersion the edge took (conflicted only; "" when the cloud has no object).
    public var cloudRV: String

    public var gvr: GroupVersionResource { GroupVersionResource(group: group, version: version, resource: resource) }

    /// `pods/ns/name`, `leases.coordination.k8s.io/ns/name`, `nodes/name`.
    public var objectDescription: String {
        let r = group.isEmpty ? resource : "\(resource).\(group)"
        return namespace.isEmpty ? "\(r)/\(name)" : "\(r)/\(namespace)/\(name)"
    }

    /// The base object, parsed.
    var baseObject: JSONValue? { base.flatMap { try? JSONValue(parsing: Array($0.utf8)) } }

    /// The objects of `maybeLanded`, parsed.
    var maybeLandedObjects: [JSONValue] {
        (maybeLanded ?? []).compactMap { try? JSONValue(parsing: Array($0.utf8)) }
    }

    // MARK: ledger keys

    /// Meta key prefix of pending entries (one per object).
    public static let pendingPrefix = "pending/o/"
    /// Meta key prefix of conflicted entries (one per outcome, keyed by its edge RV).
    public static let conflictedPrefix = "pending/c/"

    /// The ledger key of an object's pending entry (nil when too long for a meta key).
    public static func key(_ gvr: GroupVersionResource, namespace: String, name: String) -> String? {
        let key = "\(pendingPrefix)\(gvr.group)/\(gvr.resource)/\(namespace)/\(name)"
        return key.utf8.count <= 480 ? key : nil
    }

    public var key: String? { Self.key(gvr, namespace: namespace, name: name) }

    /// The ledger key of a conflicted entry.
    public static func conflictedKey(_ outcomeRV: UInt64) -> String {
        let digits = String(outcomeRV)
        return conflictedPrefix + String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? []
    }

    public static func decode(_ bytes: [UInt8]) -> PendingWrite? {
        try? JSONDecoder().decode(PendingWrite.self, from: Data(bytes))
    }
}

/// One local write as the ledger sees it, right after its event was appended.
struct LocalChange: Sendable {
    enum Change: Sendable { case added, modified, deleted }
    var change: Change
    var verb: APIVerb
    var subresource: String?
    var gvr: GroupVersionResource
    var namespace: String
    var name: String
    /// The stored version before the write (nil for a create).
    var previous: (uid: String, upstreamRV: String, bytes: [UInt8])?
    var rv: UInt64
    var client: String
    var time: Double
    /// The stored object when the write was forwarded first and got no answer.
    var landedMaybe: [UInt8]? = nil
}

extension PendingWrite {
    /// Folds `change` into the object's entry (nil = none yet). Returns nil when nothing
    /// is left to upload (created and deleted again before the cloud ever saw it).
    static func coalesce(_ entry: PendingWrite?, _ change: LocalChange) -> PendingWrite? {
        // A delete that only marks the object (finalizers) is still a delete for the cloud.
        let deleting = change.change == .deleted || change.verb == .delete
        guard var entry, entry.state == .pending else {
            let kind: Kind
            if change.change == .added {
                kind = .create
            } else {
                kind = deleting ? .delete : .update
            }
            let base = change.previous.map { String(decoding: $0.bytes, as: UTF8.self) }
            return PendingWrite(
                group: change.gvr.group, version: change.gvr.version, resource: change.gvr.resource,
                namespace: change.namespace, name: change.name, kind: kind,
                statusOnly: kind == .update && change.subresource == "status",
                uid: kind == .create ? "" : (change.previous?.uid ?? ""),
                baseUpstreamRV: kind == .create ? "" : (change.previous?.upstreamRV ?? ""),
                base: kind == .create ? nil : base, firstRV: change.rv, lastRV: change.rv, writes: 1,
                verbs: [change.verb.rawValue], client: change.client, since: change.time, attempted: false,
                maybeLanded: change.landedMaybe.map { [String(decoding: $0, as: UTF8.self)] },
                state: .pending, reason: "", outcomeRV: 0, cloudRV: "")
        }
        if let landed = change.landedMaybe {
            entry.maybeLanded = Array(((entry.maybeLanded ?? []) + [String(decoding: landed, as: UTF8.self)]).suffix(4))
        }
        entry.lastRV = change.rv
        entry.writes += 1
        entry.client = change.client
        if !entry.verbs.contains(change.verb.rawValue) { entry.verbs.append(change.verb.rawValue) }
        switch (entry.kind, deleting, change.change) {
        case (.create, true, _):
            // Never seen by the cloud: nothing to upload. Sent once with an unknown fate:
            // delete whatever the cloud created from it.
            guard entry.attempted else { return nil }
            entry.kind = .delete
        case (.update, true, _), (.recreate, true, _):
            entry.kind = .delete
        case (.delete, false, .added):
            entry.kind = .recreate
        case (.update, false, _):
            entry.statusOnly = entry.statusOnly && change.subresource == "status"
        default:
            break
        }
        return entry
    }

    /// After the cloud accepted the edge's earlier writes but new local writes arrived
    /// meanwhile: the cloud's object becomes the base of what is still to upload.
    mutating func rebase(onto cloud: JSONValue) {
        base = String(decoding: cloud.serialized(), as: UTF8.self)
        baseUpstreamRV = cloud.resourceVersion ?? ""
        uid = cloud.uid ?? uid
        maybeLanded = nil
        switch kind {
        case .create, .recreate, .update: kind = .update
        case .delete: break
        }
        attempted = false
    }
}
