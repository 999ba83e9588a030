import EventLog
import KubeModel
import Projections

/// The write bodies that put upstream objects into the edge's log. Every stored object
/// carries the edge's RV in metadata.resourceVersion (clients never see the cloud's);
/// the cloud's RV travels beside it as the event's `upstreamRV`.
enum EdgeStoreWriter {
    /// What one body appended, for metrics and tests.
    struct Applied: Sendable, Equatable {
        var added = 0
        var modified = 0
        var deleted = 0
        var skipped = 0
        var total: Int { added + modified + deleted }
    }

    /// Whether upstream RV `a` is older than `b` (numeric when both are integers, as
    /// etcd's and AKE's are; otherwise unknown, so not older).
    static func isOlder(_ a: String, than b: String) -> Bool {
        guard let x = UInt64(a), let y = UInt64(b) else { return false }
        return x < y
    }

    /// Stores `object` unless the edge already has this upstream version (an echo of a
    /// forwarded write, or the same event through another scope) or a newer one.
    /// `authoritative` (a list) skips the "newer" check. `recreate`: an object under the
    /// same name with another uid replaces the stored one as a DELETED and an ADDED (a
    /// relist; a watch delivers those two events itself).
    static func upsert(
        _ ctx: MutationContext, _ gvr: GroupVersionResource, _ object: UpstreamObject, origin: EventOrigin,
        authoritative: Bool, recreate: Bool = false, applied: inout Applied
    ) throws {
        if try hasPending(ctx, gvr, namespace: object.namespace, name: object.name) {
            applied.skipped += 1
            return
        }
        let current = try ctx.current(gvr, namespace: object.namespace, name: object.name)
        if let current, !current.upstreamRV.isEmpty {
            if current.upstreamRV == object.upstreamRV
                || (!authoritative && isOlder(object.upstreamRV, than: current.upstreamRV))
            {
                applied.skipped += 1
                return
            }
        }
        if recreate, let current, !current.uid.isEmpty, !object.uid.isEmpty, current.uid != object.uid {
            // Re-created upstream under the same name: local clients see what a watch of the
            // cloud showed (DELETED of the old object, ADDED of the new), never a MODIFIED
            // that swaps the uid.
            let gone = try rewritten(current.bytes, rv: ctx.nextRV)
            try ctx.append(
                .deleted, gvr, object: gone, namespace: current.namespace, name: current.name, uid: current.uid,
                origin: origin, upstreamRV: current.upstreamRV)
            applied.deleted += 1
            let bytes = try rewritten(object.bytes, rv: ctx.nextRV)
            try ctx.append(
                .added, gvr, object: bytes, namespace: object.namespace, name: object.name, uid: object.uid,
                origin: origin, upstreamRV: object.upstreamRV)
            applied.added += 1
            return
        }
        let bytes = try rewritten(object.bytes, rv: ctx.nextRV)
        try ctx.append(
            current == nil ? .added : .modified, gvr, object: bytes, namespace: object.namespace, name: object.name,
            uid: object.uid, origin: origin, upstreamRV: object.upstreamRV)
        if current == nil { applied.added += 1 } else { applied.modified += 1 }
    }

    /// Appends a DELETED event for the object if the edge has it. `last` is the final
    /// state the upstream sent (for example with deletionTimestamp), else the stored one.
    static func delete(
        _ ctx: MutationContext, _ gvr: GroupVersionResource, _ key: ObjectKey, last: UpstreamObject?,
        origin: EventOrigin, applied: inout Applied
    ) throws {
        if try hasPending(ctx, gvr, namespace: key.namespace, name: key.name) {
            applied.skipped += 1
            return
        }
        guard let current = try ctx.current(gvr, namespace: key.namespace, name: key.name) else {
            applied.skipped += 1
            return
        }
        let source = last?.bytes ?? current.bytes
        let bytes = try rewritten(source, rv: ctx.nextRV)
        try ctx.append(
            .deleted, gvr, object: bytes, namespace: key.namespace, name: key.name, uid: current.uid, origin: origin,
            upstreamRV: last?.upstreamRV ?? current.upstreamRV)
        applied.deleted += 1
    }

    /// Whether the object has offline writes waiting for the cloud: upstream changes then
    /// leave it alone (the reconciler brings the cloud's version once they are uploaded),
    /// so a resuming watch or a relist never undoes a write the edge accepted.
    static func hasPending(_ ctx: MutationContext, _ gvr: GroupVersionResource, namespace: String, name: String)
        throws -> Bool
    {
        guard let key = PendingWrite.key(gvr, namespace: namespace, name: name) else { return false }
        return try ctx.meta(key) != nil
    }

    /// The object JSON with metadata.resourceVersion set to the edge's RV.
    static func rewritten(_ bytes: [UInt8], rv: ResourceVersion) throws -> [UInt8] {
        var json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw SyncError.decoding("object: \(error)") }
        json.resourceVersion = String(rv)
        return json.serialized()
    }

    /// Applies a complete (re)list of a scope: diff against what the scope owns, append
    /// only real changes, and hand the removed objects to the ownership rule.
    static func applyList(
        _ ctx: MutationContext, scope: UInt32, _ gvr: GroupVersionResource, objects: [UpstreamObject],
        ownership: ScopeOwnership
    ) throws -> Applied {
        var owned: [ObjectKey: String] = [:]
        for key in ownership.objects(of: scope, gvr) {
            if let current = try ctx.current(gvr, namespace: key.namespace, name: key.name) {
                owned[key] = current.upstreamRV
            } else {
                ownership.remove(scope, gvr, key)
            }
        }
        let diff = ScopeDiff.compute(owned: owned, listed: objects)
        var applied = Applied()
        applied.skipped += diff.unchanged
        let origin = EventOrigin.upstream(scope: scope)
        for object in objects { ownership.add(scope, gvr, object.key) }
        for object in diff.added + diff.modified {
            try upsert(ctx, gvr, object, origin: origin, authoritative: true, recreate: true, applied: &applied)
        }
        for key in diff.removed where ownership.remove(scope, gvr, key).isEmpty {
            try delete(ctx, gvr, key, last: nil, origin: origin, applied: &applied)
        }
        return applied
    }

    /// Applies a relist planned from a metadata-only list (``MetadataRelistPlan``): the scope
    /// owns every listed object, an owned object the list no longer has leaves it (and the
    /// edge, when no other scope owns it — as in ``applyList(_:scope:_:objects:ownership:)``),
    /// and each fetched object is stored unless the edge already holds its version or a
    /// newer one (the same rule as a watch event, so the watch resumed from the list's RV
    /// can neither undo nor repeat it). Listed objects that were not fetched are left as
    /// they are: unchanged, with writes pending, or gone from the scope since the list
    /// (the resumed watch then delivers their later events, their DELETED included).
    static func applyRelistChanges(
        _ ctx: MutationContext, scope: UInt32, _ gvr: GroupVersionResource, listed: [ObjectKey],
        fetched: [UpstreamObject], ownership: ScopeOwnership
    ) throws -> Applied {
        var applied = Applied()
        let origin = EventOrigin.upstream(scope: scope)
        let listedKeys = Set(listed)
        // Recomputed inside the transaction: the plan was made before the GETs.
        let owned = ownership.objects(of: scope, gvr)
        for key in listed { ownership.add(scope, gvr, key) }
        for key in owned where !listedKeys.contains(key) {
            guard try ctx.current(gvr, namespace: key.namespace, name: key.name) != nil else {
                ownership.remove(scope, gvr, key)
                continue
            }
            if ownership.remove(scope, gvr, key).isEmpty {
                try delete(ctx, gvr, key, last: nil, origin: origin, applied: &applied)
            }
        }
        for object in fetched {
            try upsert(ctx, gvr, object, origin: origin, authoritative: false, recreate: true, applied: &applied)
        }
        return applied
    }

    /// Applies one watch event of a scope.
    static func applyEvent(
        _ ctx: MutationContext, scope: UInt32, _ gvr: GroupVersionResource, _ event: UpstreamWatchEvent,
        ownership: ScopeOwnership
    ) throws -> Applied {
        var applied = Applied()
        let origin = EventOrigin.upstream(scope: scope)
        switch event {
        case .added(let object), .modified(let object):
            ownership.add(scope, gvr, object.key)
            try upsert(ctx, gvr, object, origin: origin, authoritative: false, applied: &applied)
        case .deleted(let object):
            // Either deleted upstream or no longer matching this scope's selectors.
            if ownership.remove(scope, gvr, object.key).isEmpty {
                if let current = try ctx.current(gvr, namespace: object.namespace, name: object.name),
                    isOlder(object.upstreamRV, than: current.upstreamRV)
                {
                    // A stale delete (the object was re-created since): keep it.
                    applied.skipped += 1
                } else {
                    try delete(ctx, gvr, object.key, last: object, origin: origin, applied: &applied)
                }
            } else {
                applied.skipped += 1
            }
        case .bookmark, .error:
            break
        }
        return applied
    }
}
