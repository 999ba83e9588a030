import KubeModel
import Testing

@testable import Sync

/// What happened to an upload on its way: answered, applied but the answer lost (the
/// edge killed, the link silently dead after sending), or never arrived.
enum Fate: String, CaseIterable, Sendable {
    case answered
    case appliedAnswerLost
    case lostBeforeCloud
}

/// One object in a cloud with the apiserver's write rules that matter to reconcile:
/// optimistic concurrency, the status subresource splitting spec from status, uid
/// preconditions on delete, AlreadyExists on create.
struct FakeCloud {
    var object: JSONValue?
    var hasStatus: Bool
    var nextRV = 100
    var nextUID = 1
    /// Writes the cloud applied.
    var applied: [String] = []

    mutating func bump(_ o: inout JSONValue) {
        nextRV += 1
        o.resourceVersion = String(nextRV)
    }

    /// Applies `action` (a write) and returns the answer: (code, object).
    mutating func apply(_ action: Reconcile.Action) -> (Int, JSONValue?) {
        switch action {
        case .create(var body):
            if object != nil { return (409, nil) }
            body["metadata"]?["uid"] = .string("cloud-\(nextUID)")
            nextUID += 1
            if hasStatus { body["status"] = nil }
            bump(&body)
            object = body
            applied.append("POST")
            return (201, body)
        case .update(let body), .updateStatus(let body):
            guard var current = object else { return (404, nil) }
            guard body.resourceVersion == current.resourceVersion else { return (409, nil) }
            var updated: JSONValue
            if case .updateStatus = action {
                updated = current
                updated["status"] = body["status"]
                applied.append("PUT status")
            } else {
                updated = body
                if hasStatus { updated["status"] = current["status"] }
                applied.append("PUT")
            }
            current = updated
            bump(&current)
            object = current
            return (200, current)
        case .delete(let uid):
            guard let current = object else { return (404, nil) }
            guard current.uid == uid else { return (409, nil) }
            object = nil
            applied.append("DELETE")
            return (200, nil)
        case .reconciled, .conflicted:
            return (0, nil)
        }
    }

    /// Applies a merge patch as kube-apiserver does: the uid is immutable (another uid is
    /// 422), a resourceVersion in the body is a precondition (409), `/status` changes only
    /// status and the object itself never status; a patch that changes nothing is not
    /// written (no new resourceVersion).
    mutating func patch(_ p: Reconcile.Patch) -> (Int, JSONValue?) {
        guard let current = object else { return (404, nil) }
        if let uid = p.body["metadata"]?["uid"]?.stringValue, uid != current.uid { return (422, nil) }
        if let rv = p.body.resourceVersion, rv != current.resourceVersion { return (409, nil) }
        var patched = MergePatch.apply(p.body, to: current)
        patched.resourceVersion = current.resourceVersion
        if hasStatus {
            if p.subresource == "status" {
                var onlyStatus = current
                onlyStatus["status"] = patched["status"]
                patched = onlyStatus
            } else {
                patched["status"] = current["status"]
            }
        }
        if patched == current { return (200, current) }
        bump(&patched)
        object = patched
        applied.append(p.subresource == "status" ? "PATCH status" : "PATCH")
        return (200, patched)
    }
}

/// Runs the reconcile decisions against `cloud` as the driver does: an update first as
/// the merge patch of the edge's change (`Reconcile.patch`); when there is none or the
/// cloud refuses it, fetch, decide, send, decide again from the answer, until an outcome.
/// `fates` say what happens to each upload in turn (then `answered`); an upload without
/// an answer stops the pass, and the next pass starts over.
func drive(
    _ entry: PendingWrite, edge: JSONValue?, cloud: inout FakeCloud, fates: [Fate] = [],
    resource: Reconcile.Resource
) -> Reconcile.Action {
    var observed: JSONValue? = Optional.none
    var known = false
    var patchTried = false
    var fates = fates[...]
    for _ in 0..<10 {
        if !known && !patchTried, let patch = Reconcile.patch(entry, edge: edge, resource: resource) {
            patchTried = true
            switch fates.popFirst() ?? .answered {
            case .lostBeforeCloud:
                patchTried = false
                continue
            case .appliedAnswerLost:
                _ = cloud.patch(patch)
                patchTried = false
                continue
            case .answered:
                // Applied: the edge takes the cloud's answer (the driver's `finish`).
                if (200..<300).contains(cloud.patch(patch).0) { return .reconciled }
            }
        }
        if !known {
            observed = cloud.object
            known = true
        }
        let action = Reconcile.decide(entry, edge: edge, cloud: observed, resource: resource)
        switch action {
        case .reconciled, .conflicted:
            return action
        default:
            let fate = fates.popFirst() ?? .answered
            switch fate {
            case .lostBeforeCloud:
                known = false
                patchTried = false
            case .appliedAnswerLost:
                _ = cloud.apply(action)
                known = false
                patchTried = false
            case .answered:
                let (code, answer) = cloud.apply(action)
                observed = (200..<300).contains(code) && answer != nil ? answer : cloud.object
            }
        }
    }
    return .conflicted("did not converge")
}

func entry(
    _ kind: PendingWrite.Kind, base: JSONValue?, statusOnly: Bool = false, uid: String? = nil,
    gvr: GroupVersionResource = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
) -> PendingWrite {
    PendingWrite(
        group: gvr.group, version: gvr.version, resource: gvr.resource, namespace: "kube-node-lease", name: "node1",
        kind: kind, statusOnly: statusOnly, uid: uid ?? base?.uid ?? "", baseUpstreamRV: base?.resourceVersion ?? "",
        base: base.map { String(decoding: $0.serialized(), as: UTF8.self) }, firstRV: 1, lastRV: 1, writes: 1,
        verbs: [], client: "kubelet", since: 0, attempted: false, state: .pending, reason: "", outcomeRV: 0,
        cloudRV: "")
}

let leaseResource = Reconcile.Resource(hasStatus: false, edgeOwned: true)
let podResource = Reconcile.Resource(hasStatus: true, edgeOwned: false)
let podsGVR = GroupVersionResource(group: "", version: "v1", resource: "pods")

func isConflicted(_ action: Reconcile.Action) -> Bool {
    if case .conflicted = action { return true }
    return false
}

@Suite("Reconcile state machine")
struct ReconcileStateMachineTests {
    // MARK: every verb, whatever became of the upload

    @Test("a lease renewed offline: the cloud ends with the edge's renewTime, written once", arguments: Fate.allCases)
    func leaseUpdate(fate: Fate) {
        let base = lease("node1", renew: "t0")
        var cloud = FakeCloud(object: base, hasStatus: false)
        let edge = lease("node1", renew: "t9", rv: "500")
        let result = drive(
            entry(.update, base: base), edge: edge, cloud: &cloud, fates: [fate], resource: leaseResource)
        #expect(result == .reconciled)
        #expect(cloud.object?["spec"]?["renewTime"] == "t9")
        #expect(cloud.applied == ["PATCH"])
    }

    @Test(
        "pod status written offline: the cloud gets the edge's status, its spec untouched, once",
        arguments: Fate.allCases)
    func statusUpdate(fate: Fate) {
        let base = pod(phase: "Pending", ready: "False")
        var cloud = FakeCloud(object: base, hasStatus: true)
        let edge = pod(phase: "Running", ready: "True", rv: "500")
        let e = entry(.update, base: base, statusOnly: true, gvr: podsGVR)
        #expect(drive(e, edge: edge, cloud: &cloud, fates: [fate], resource: podResource) == .reconciled)
        #expect(cloud.object?["status"] == edge["status"])
        #expect(cloud.object?["spec"] == base["spec"])
        #expect(cloud.applied == ["PATCH status"])
    }

    @Test("an Event created offline is POSTed with its name, exactly once", arguments: Fate.allCases)
    func create(fate: Fate) {
        var cloud = FakeCloud(object: nil, hasStatus: false)
        var edge = lease("node1", renew: "t1", rv: "500", uid: "edge-uid")
        edge["metadata"]?["creationTimestamp"] = "2026-12-03T00:00:00Z"
        let result = drive(entry(.create, base: nil), edge: edge, cloud: &cloud, fates: [fate], resource: leaseResource)
        #expect(result == .reconciled)
        #expect(cloud.applied == ["POST"])
        #expect(cloud.object?.name == "node1")
        #expect(cloud.object?.uid == "cloud-1")  // the edge's own uid is not sent
    }

    @Test(
        "a custom resource created offline with status: POST, then its status through /status", arguments: Fate.allCases
    )
    func createWithStatus(fate: Fate) {
        var cloud = FakeCloud(object: nil, hasStatus: true)
        let edge = pod(rv: "500", uid: "edge-uid")
        let result = drive(
            entry(.create, base: nil, gvr: podsGVR), edge: edge, cloud: &cloud, fates: [fate, fate],
            resource: podResource)
        #expect(result == .reconciled)
        #expect(cloud.applied == ["POST", "PUT status"])
        #expect(cloud.object?["status"] == edge["status"])
    }

    @Test("a delete offline: DELETE with the uid precondition, once", arguments: Fate.allCases)
    func delete(fate: Fate) {
        let base = lease("node1", renew: "t0")
        var cloud = FakeCloud(object: base, hasStatus: false)
        let result = drive(entry(.delete, base: base), edge: nil, cloud: &cloud, fates: [fate], resource: leaseResource)
        #expect(result == .reconciled)
        #expect(cloud.object == nil)
        #expect(cloud.applied == ["DELETE"])
    }

    @Test(
        "deleted and created again offline: the cloud's old object goes, the edge's new one is created",
        arguments: Fate.allCases)
    func recreate(fate: Fate) {
        let base = lease("node1", renew: "t0")
        var cloud = FakeCloud(object: base, hasStatus: false)
        let edge = lease("node1", renew: "new", rv: "500", uid: "edge-uid")
        let result = drive(
            entry(.recreate, base: base), edge: edge, cloud: &cloud, fates: [fate, fate], resource: leaseResource)
        #expect(result == .reconciled)
        #expect(cloud.applied == ["DELETE", "POST"])
        #expect(cloud.object?["spec"]?["renewTime"] == "new")
    }

    @Test("nothing is uploaded when the cloud already has the edge's change (an earlier upload with unknown fate)")
    func alreadyApplied() {
        let base = lease("node1", renew: "t0")
        var cloud = FakeCloud(object: lease("node1", renew: "t9", rv: "20"), hasStatus: false)
        let edge = lease("node1", renew: "t9", rv: "500")
        #expect(drive(entry(.update, base: base), edge: edge, cloud: &cloud, resource: leaseResource) == .reconciled)
        #expect(cloud.applied.isEmpty)
        var gone = FakeCloud(object: nil, hasStatus: false)
        #expect(drive(entry(.delete, base: base), edge: nil, cloud: &gone, resource: leaseResource) == .reconciled)
        #expect(gone.applied.isEmpty)
    }

    // MARK: conflicts

    @Test("cloud wins for spec: a field both changed keeps the cloud's value and the edge's change is conflicted")
    func specConflict() {
        let base = lease("node1", holder: "node1", renew: "t0")
        let cloudNow = lease("node1", holder: "other", renew: "t0", rv: "20")
        var cloud = FakeCloud(object: cloudNow, hasStatus: false)
        let edge = lease("node1", holder: "node1-b", renew: "t5", rv: "500")
        let result = drive(entry(.update, base: base), edge: edge, cloud: &cloud, resource: leaseResource)
        guard case .conflicted(let reason) = result else {
            Issue.record("expected a conflict, got \(result)")
            return
        }
        #expect(reason.contains("spec.holderIdentity"))
        #expect(cloud.object == cloudNow)
        #expect(cloud.applied.isEmpty)
    }

    @Test(
        "a renewal that reached the cloud without an answer, followed by more offline renewals, is the edge's own write, not a conflict"
    )
    func ownUnansweredWriteIsNotAConflict() {
        let base = lease("node1", renew: "t16")
        let landed = lease("node1", renew: "t17", rv: "300")  // the edge's object after the unanswered write
        var cloud = FakeCloud(object: lease("node1", renew: "t17", rv: "20"), hasStatus: false)
        let edge = lease("node1", renew: "t25", rv: "500")
        var e = entry(.update, base: base)
        e.maybeLanded = [String(decoding: landed.serialized(), as: UTF8.self)]
        #expect(drive(e, edge: edge, cloud: &cloud, resource: leaseResource) == .reconciled)
        #expect(cloud.object?["spec"]?["renewTime"] == "t25")
        // A value the edge never wrote is still the cloud's change, and wins.
        var changed = FakeCloud(object: lease("node1", renew: "t99", rv: "20"), hasStatus: false)
        #expect(isConflicted(drive(e, edge: edge, cloud: &changed, resource: leaseResource)))
    }

    @Test("different spec fields changed on both sides merge: the edge's renewal lands on the cloud's latest")
    func specMerge() {
        let base = lease("node1", renew: "t0")
        var cloudNow = lease("node1", renew: "t0", rv: "20")
        cloudNow["spec"]?["leaseDurationSeconds"] = 60
        var cloud = FakeCloud(object: cloudNow, hasStatus: false)
        let edge = lease("node1", renew: "t5", rv: "500")
        #expect(drive(entry(.update, base: base), edge: edge, cloud: &cloud, resource: leaseResource) == .reconciled)
        #expect(cloud.object?["spec"]?["renewTime"] == "t5")
        #expect(cloud.object?["spec"]?["leaseDurationSeconds"] == 60)
    }

    @Test("edge wins for its status fields, even when the cloud changed the spec and the status meanwhile")
    func statusWins() {
        let base = pod(phase: "Pending", ready: "False")
        var cloudNow = pod(image: "nginx:2", phase: "Pending", ready: "Unknown", rv: "20")
        cloudNow["status"]?["message"] = "set in the cloud"
        var cloud = FakeCloud(object: cloudNow, hasStatus: true)
        let edge = pod(phase: "Running", ready: "True", rv: "500")
        let e = entry(.update, base: base, statusOnly: true, gvr: podsGVR)
        #expect(drive(e, edge: edge, cloud: &cloud, resource: podResource) == .reconciled)
        #expect(cloud.object?["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:2")
        #expect(cloud.object?["status"]?["phase"] == "Running")
        #expect(cloud.object?["status"]?["conditions"] == edge["status"]?["conditions"])
        // A field only the cloud wrote stays.
        #expect(cloud.object?["status"]?["message"] == "set in the cloud")
    }

    @Test("a status-only entry never sends the edge's spec, even when the edge's copy differs from the cloud's")
    func statusNeverCarriesSpec() {
        let base = pod(phase: "Pending")
        var cloud = FakeCloud(object: pod(image: "nginx:2", phase: "Pending", rv: "20"), hasStatus: true)
        let edge = pod(image: "nginx", phase: "Running", rv: "500")
        let e = entry(.update, base: base, statusOnly: true, gvr: podsGVR)
        #expect(drive(e, edge: edge, cloud: &cloud, resource: podResource) == .reconciled)
        #expect(cloud.applied == ["PATCH status"])
        #expect(cloud.object?["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:2")
    }

    @Test(
        "the cloud deleted or recreated the object: the edge's update and delete lose",
        arguments: [PendingWrite.Kind.update, .delete])
    func deletedOrRecreated(kind: PendingWrite.Kind) {
        let base = lease("node1", renew: "t0")
        let edge = kind == .delete ? nil : lease("node1", renew: "t5", rv: "500")
        var recreated = FakeCloud(object: lease("node1", renew: "x", rv: "30", uid: "u2"), hasStatus: false)
        #expect(isConflicted(drive(entry(kind, base: base), edge: edge, cloud: &recreated, resource: leaseResource)))
        #expect(recreated.applied.isEmpty)
        var deleted = FakeCloud(object: nil, hasStatus: false)
        let result = drive(entry(kind, base: base), edge: edge, cloud: &deleted, resource: leaseResource)
        #expect(kind == .delete ? result == .reconciled : isConflicted(result))
        #expect(deleted.applied.isEmpty)
    }

    @Test("a create that finds another object of its name: an edge-owned object is overwritten, any other conflicts")
    func nameClash() {
        let other = lease("node1", holder: "someone", renew: "x", rv: "30", uid: "u9")
        let edge = lease("node1", renew: "t5", rv: "500", uid: "edge-uid")
        var owned = FakeCloud(object: other, hasStatus: false)
        #expect(drive(entry(.create, base: nil), edge: edge, cloud: &owned, resource: leaseResource) == .reconciled)
        #expect(owned.applied == ["PUT"])
        #expect(owned.object?["spec"] == edge["spec"])
        #expect(owned.object?.uid == "u9")
        var foreign = FakeCloud(object: other, hasStatus: false)
        let notOwned = Reconcile.Resource(hasStatus: false, edgeOwned: false)
        #expect(isConflicted(drive(entry(.create, base: nil), edge: edge, cloud: &foreign, resource: notOwned)))
        #expect(foreign.applied.isEmpty)
    }

    @Test(
        "a conflict found after an earlier upload went through (the cloud changed in between) retries from the cloud's latest"
    )
    func racingCloud() {
        // The edge's PUT meets a newer cloud version (409): the next decision starts from it.
        let base = lease("node1", renew: "t0")
        var cloud = FakeCloud(object: base, hasStatus: false)
        let edge = lease("node1", renew: "t5", rv: "500")
        let e = entry(.update, base: base)
        let first = Reconcile.decide(e, edge: edge, cloud: cloud.object, resource: leaseResource)
        // Someone else changes the duration before the PUT arrives.
        var changed = base
        changed["spec"]?["leaseDurationSeconds"] = 15
        cloud.bump(&changed)
        cloud.object = changed
        #expect(cloud.apply(first).0 == 409)
        #expect(drive(e, edge: edge, cloud: &cloud, resource: leaseResource) == .reconciled)
        #expect(cloud.object?["spec"]?["leaseDurationSeconds"] == 15)
        #expect(cloud.object?["spec"]?["renewTime"] == "t5")
    }

    // MARK: the first upload of an update: a merge patch, no GET

    @Test("pod status written offline goes to /status as the merge patch of the changed status fields, with the uid")
    func statusPatchBody() throws {
        let base = pod(phase: "Pending", ready: "False")
        let edge = pod(phase: "Running", ready: "False", rv: "500")
        let e = entry(.update, base: base, statusOnly: true, gvr: podsGVR)
        let patch = try #require(Reconcile.patch(e, edge: edge, resource: podResource))
        #expect(patch.subresource == "status")
        // Neither the spec, nor the unchanged conditions, nor a resourceVersion: the edge wins for status.
        #expect(patch.body == ["status": ["phase": "Running"], "metadata": ["uid": "p1"]])
    }

    @Test(
        "a lease renewal goes as the merge patch of renewTime, with the base's resourceVersion and uid as preconditions"
    )
    func specPatchBody() throws {
        let base = lease("node1", renew: "t0", rv: "17")
        let edge = lease("node1", renew: "t9", rv: "500")
        let patch = try #require(Reconcile.patch(entry(.update, base: base), edge: edge, resource: leaseResource))
        #expect(patch.subresource == nil)
        #expect(patch.body == ["spec": ["renewTime": "t9"], "metadata": ["uid": "u1", "resourceVersion": "17"]])
    }

    @Test("a field removed at the edge is null in the patch; a changed list is sent whole")
    func patchRemovalsAndLists() throws {
        var base = pod(phase: "Pending")
        base["status"]?["message"] = "starting"
        var edge = pod(phase: "Pending", rv: "500")
        edge["status"]?["conditions"] = [
            ["type": "Ready", "status": "True"], ["type": "Initialized", "status": "True"],
        ]
        let e = entry(.update, base: base, statusOnly: true, gvr: podsGVR)
        let patch = try #require(Reconcile.patch(e, edge: edge, resource: podResource))
        #expect(patch.body["status"]?["message"] == .null)
        #expect(patch.body["status"]?["conditions"] == edge["status"]?["conditions"])
        var cloud = FakeCloud(object: base, hasStatus: true)
        #expect(drive(e, edge: edge, cloud: &cloud, resource: podResource) == .reconciled)
        #expect(cloud.object?["status"] == edge["status"])
    }

    @Test("no patch first for a create, a delete, an entry without a base, or one that changed spec and status both")
    func noPatch() {
        let base = pod(phase: "Pending")
        let edge = pod(image: "nginx:3", phase: "Running", rv: "500")
        #expect(Reconcile.patch(entry(.update, base: base, gvr: podsGVR), edge: edge, resource: podResource) == nil)
        #expect(Reconcile.patch(entry(.create, base: nil), edge: edge, resource: podResource) == nil)
        #expect(Reconcile.patch(entry(.delete, base: base), edge: nil, resource: podResource) == nil)
        #expect(Reconcile.patch(entry(.update, base: nil, uid: "p1"), edge: edge, resource: podResource) == nil)
        // Nothing changed: nothing to patch (the GET tells whether the cloud needs anything).
        #expect(Reconcile.patch(entry(.update, base: base, gvr: podsGVR), edge: base, resource: podResource) == nil)
    }

    @Test(
        "the status patch keeps what the cloud changed meanwhile in the spec and in other status fields, in one write")
    func statusPatchKeepsCloudChanges() {
        let base = pod(phase: "Pending", ready: "False")
        var cloudNow = pod(image: "nginx:2", phase: "Pending", ready: "False", rv: "20")
        cloudNow["status"]?["message"] = "set in the cloud"
        var cloud = FakeCloud(object: cloudNow, hasStatus: true)
        let edge = pod(phase: "Running", ready: "True", rv: "500")
        let e = entry(.update, base: base, statusOnly: true, gvr: podsGVR)
        #expect(drive(e, edge: edge, cloud: &cloud, resource: podResource) == .reconciled)
        #expect(cloud.applied == ["PATCH status"])
        #expect(cloud.object?["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:2")
        #expect(cloud.object?["status"]?["message"] == "set in the cloud")
        #expect(cloud.object?["status"]?["phase"] == "Running")
    }

    @Test("JSON edits: leaf changes of objects, arrays as whole values, removals")
    func edits() {
        let old: JSONValue = ["a": ["b": 1, "c": [1, 2]], "d": "x"]
        let new: JSONValue = ["a": ["b": 2, "c": [1, 2, 3]], "e": true]
        let edits = JSONEdits.diff(old, new)
        #expect(Set(edits.paths) == [["a", "b"], ["a", "c"], ["d"], ["e"]])
        var target: JSONValue = ["a": ["b": 1, "z": 0], "d": "x"]
        #expect(!edits.isSatisfied(by: target))
        edits.apply(to: &target)
        #expect(target == ["a": ["b": 2, "z": 0, "c": [1, 2, 3]], "e": true])
        #expect(edits.isSatisfied(by: target))
    }
}

/// Every verb × what the cloud did meanwhile × what became of each upload.
@Suite("Reconcile state machine: the whole matrix")
struct ReconcileMatrixTests {
    enum Verb: String, CaseIterable, Sendable { case create, update, updateStatus, delete }
    /// What the cloud did to the object since the edge's base version.
    enum CloudChange: String, CaseIterable, Sendable {
        case none
        /// Changed a field the edge did not (a create: an object of the same name with other content).
        case otherField
        /// Changed a field the edge changed too (a create: the edge's object is already there).
        case sameField
        case deleted
        /// Deleted and created again (another uid).
        case recreated
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var verb: Verb
        var change: CloudChange
        var fate: Fate
        var testDescription: String { "\(verb.rawValue) × \(change.rawValue) × \(fate.rawValue)" }
    }

    static let cases: [Case] = Verb.allCases.flatMap { v in
        CloudChange.allCases.flatMap { c in Fate.allCases.map { Case(verb: v, change: c, fate: $0) } }
    }

    /// The expected outcome and the writes the cloud applies (each exactly once).
    static func expected(_ c: Case) -> (reconciled: Bool, writes: [String]) {
        switch (c.verb, c.change) {
        case (.create, .none), (.create, .deleted): (true, ["POST"])
        case (.create, .otherField), (.create, .recreated): (true, ["PUT"])  // an Event: the edge owns it
        case (.create, .sameField): (true, [])
        case (.update, .none): (true, ["PATCH"])
        // The patch carries the base's resourceVersion: refused, then merged from the cloud's object.
        case (.update, .otherField): (true, ["PUT"])
        case (.update, _): (false, [])
        case (.updateStatus, .none), (.updateStatus, .otherField), (.updateStatus, .sameField):
            (true, ["PATCH status"])
        case (.updateStatus, _): (false, [])
        case (.delete, .deleted): (true, [])
        case (.delete, .recreated): (false, [])
        case (.delete, _): (true, ["DELETE"])
        }
    }

    @Test("outcome, cloud state and exactly-once writes", arguments: cases)
    func matrix(_ c: Case) {
        let isPod = c.verb == .updateStatus
        // (JSONValue is ExpressibleByNilLiteral: spell "no object" as Optional.none.)
        var base: JSONValue? = Optional.none
        if c.verb != .create { base = isPod ? pod(phase: "Pending") : lease("node1", renew: "t0") }
        var edge: JSONValue? = Optional.none
        switch c.verb {
        case .create: edge = lease("node1", renew: "t5", rv: "500", uid: "edge-uid")
        case .update: edge = lease("node1", renew: "t5", rv: "500")
        case .updateStatus: edge = pod(phase: "Running", rv: "500")
        case .delete: break
        }
        var cloudNow: JSONValue?
        switch c.change {
        case .none:
            cloudNow = base
        case .otherField:
            if isPod {
                cloudNow = pod(image: "nginx:2", phase: "Pending", rv: "20")
                cloudNow?["status"]?["message"] = "cloud"
            } else {
                cloudNow = base ?? lease("node1", holder: "someone", renew: "x", rv: "20", uid: "u9")
                cloudNow?["spec"]?["leaseDurationSeconds"] = 60
                cloudNow?.resourceVersion = "20"
            }
        case .sameField:
            if isPod {
                cloudNow = pod(phase: "Failed", rv: "20")
            } else if c.verb == .create {
                cloudNow = lease("node1", renew: "t5", rv: "20", uid: "cloud-9")  // the edge's earlier upload
            } else {
                cloudNow = lease("node1", renew: "cloud", rv: "20")
            }
        case .deleted:
            cloudNow = Optional.none
        case .recreated:
            cloudNow =
                isPod ? pod(phase: "Pending", rv: "30", uid: "p2") : lease("node1", renew: "y", rv: "30", uid: "u2")
        }
        var cloud = FakeCloud(object: cloudNow, hasStatus: isPod)
        let kind: PendingWrite.Kind =
            switch c.verb {
            case .create: .create
            case .update, .updateStatus: .update
            case .delete: .delete
            }
        let e = entry(kind, base: base, statusOnly: isPod, gvr: isPod ? podsGVR : entry(.create, base: nil).gvr)
        let result = drive(
            e, edge: edge, cloud: &cloud, fates: [c.fate, c.fate], resource: isPod ? podResource : leaseResource)
        let want = Self.expected(c)
        #expect((result == .reconciled) == want.reconciled, "\(result)")
        #expect(cloud.applied == want.writes)
        if want.reconciled {
            // The cloud now reflects the edge's writes.
            switch c.verb {
            case .create, .update: #expect(cloud.object?["spec"]?["renewTime"] == "t5")
            case .updateStatus: #expect(cloud.object?["status"]?["phase"] == "Running")
            case .delete: #expect(cloud.object == nil)
            }
        } else {
            #expect(cloud.object == cloudNow)  // the cloud wins, untouched
        }
        if c.verb == .update && c.change == .otherField {
            #expect(cloud.object?["spec"]?["leaseDurationSeconds"] == 60)
        }
        if c.verb == .updateStatus && c.change == .otherField {
            #expect(cloud.object?["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:2")
            #expect(cloud.object?["status"]?["message"] == "cloud")
        }
    }
}
