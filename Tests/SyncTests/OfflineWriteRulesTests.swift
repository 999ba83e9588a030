import KubeModel
import Testing

@testable import Sync

private let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
private let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
private let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes")
private let events = GroupVersionResource(group: "", version: "v1", resource: "events")
private let newEvents = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events")
private let widgetsGVR = GroupVersionResource(group: "example.com", version: "v1", resource: "widgets")
private let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps")

@Suite("Write policy")
struct WritePolicyTests {
    func mode(
        _ policy: WritePolicy, _ gvr: GroupVersionResource, _ sub: String? = nil, ns: String? = nil,
        _ verb: APIVerb = .update, custom: Bool = false
    ) -> WriteMode {
        policy.mode(gvr, subresource: sub, namespace: ns, verb: verb, isCustom: custom)
    }

    @Test("the defaults keep node agents' writes pending offline and forward everything else")
    func defaults() {
        let p = WritePolicy()
        #expect(mode(p, leases, ns: "kube-node-lease") == .pending)
        #expect(mode(p, leases, ns: "kube-node-lease", .create) == .pending)
        #expect(mode(p, leases, ns: "default") == .forward)
        #expect(mode(p, nodes, "status", .patch) == .pending)
        #expect(mode(p, nodes, nil, .patch) == .forward)
        #expect(mode(p, pods, "status", ns: "default", .patch) == .pending)
        #expect(mode(p, pods, ns: "default", .create) == .forward)
        #expect(mode(p, events, ns: "default", .create) == .pending)
        #expect(mode(p, newEvents, ns: "default", .patch) == .pending)
        #expect(mode(p, widgetsGVR, "status", ns: "default", custom: true) == .pending)
        #expect(mode(p, widgetsGVR, ns: "default", custom: true) == .forward)
        #expect(mode(p, configMaps, ns: "default", .create) == .forward)
        #expect(mode(p, events, ns: "default", .deletecollection) == .forward)
    }

    @Test("operator rules come first (first match wins), with namespace, subresource and verb restrictions")
    func operatorRules() throws {
        let p = WritePolicy(rules: [
            try WritePolicyRule.parse("events:delete=forward"),
            try WritePolicyRule.parse("configmaps@edge-apps=pending"),
            try WritePolicyRule.parse("*custom*/status=forward"),
            try WritePolicyRule.parse("widgets.example.com:create,update=pending"),
        ])
        #expect(mode(p, events, ns: "default", .delete) == .forward)
        #expect(mode(p, events, ns: "default", .create) == .pending)
        #expect(mode(p, configMaps, ns: "edge-apps", .create) == .pending)
        #expect(mode(p, configMaps, ns: "default", .create) == .forward)
        #expect(mode(p, widgetsGVR, "status", ns: "default", custom: true) == .forward)
        #expect(mode(p, widgetsGVR, ns: "default", .create, custom: true) == .pending)
        #expect(mode(p, widgetsGVR, ns: "default", .delete, custom: true) == .forward)
        let all = WritePolicy(rules: [try WritePolicyRule.parse("*=forward")])
        #expect(mode(all, leases, ns: "kube-node-lease") == .forward)
    }

    @Test("rules print as they are written, and bad rules say what is wrong")
    func parsing() throws {
        for text in [
            "leases.coordination.k8s.io@kube-node-lease=pending", "nodes/status=pending",
            "pods:delete,patch=forward", "*custom*/status=pending", "*=forward",
        ] {
            #expect(try WritePolicyRule.parse(text).description == text)
        }
        for bad in [
            "pods", "pods=sometimes", "pods/logs=pending", "pods:get=pending", "pods@Bad_NS=pending", "=pending",
        ] {
            #expect(throws: WritePolicyError.self) { try WritePolicyRule.parse(bad) }
        }
        let rules = try WritePolicy.parseFile("# node agent\n\nconfigmaps@edge=pending\n  secrets=forward  \n")
        #expect(rules.map(\.description) == ["configmaps@edge=pending", "secrets=forward"])
        #expect(throws: WritePolicyError.self) { try WritePolicy.parseFile("ok=pending\nnope\n") }
    }
}

/// A Lease as the cloud stores it.
func lease(_ name: String, holder: String = "node1", renew: String, rv: String = "10", uid: String = "u1")
    -> JSONValue
{
    [
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": [
            "name": .string(name), "namespace": "kube-node-lease", "uid": .string(uid),
            "resourceVersion": .string(rv),
        ],
        "spec": ["holderIdentity": .string(holder), "leaseDurationSeconds": 40, "renewTime": .string(renew)],
    ]
}

/// A Pod with a status.
func pod(
    image: String = "nginx", phase: String = "Running", ready: String = "True", rv: String = "10", uid: String = "p1"
)
    -> JSONValue
{
    [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": "web", "namespace": "default", "uid": .string(uid), "resourceVersion": .string(rv)],
        "spec": ["nodeName": "node1", "containers": [["name": "c", "image": .string(image)]]],
        "status": [
            "phase": .string(phase), "conditions": [["type": "Ready", "status": .string(ready)]],
        ],
    ]
}

func change(
    _ c: LocalChange.Change, _ verb: APIVerb, _ gvr: GroupVersionResource = leases, sub: String? = nil,
    previous: JSONValue? = nil, upstreamRV: String = "10", rv: UInt64
) -> LocalChange {
    LocalChange(
        change: c, verb: verb, subresource: sub, gvr: gvr, namespace: "kube-node-lease", name: "node1",
        previous: previous.map { ($0.uid ?? "", upstreamRV, $0.serialized()) }, rv: rv, client: "kubelet",
        time: 1000 + Double(rv))
}

@Suite("Pending writes coalesce per object")
struct CoalescingTests {
    @Test("ten lease renewals offline are one pending update based on the cloud's version before the first")
    func renewals() throws {
        var entry: PendingWrite?
        let cloud = lease("node1", renew: "t0")
        var previous = cloud
        for i in 1...10 {
            entry = PendingWrite.coalesce(
                entry,
                change(.modified, .update, previous: previous, upstreamRV: i == 1 ? "10" : "", rv: UInt64(100 + i)))
            previous = lease("node1", renew: "t\(i)", rv: String(100 + i))
        }
        let e = try #require(entry)
        #expect(e.kind == .update)
        #expect(e.writes == 10)
        #expect(e.firstRV == 101 && e.lastRV == 110)
        #expect(e.baseUpstreamRV == "10")
        #expect(e.uid == "u1")
        #expect(e.baseObject == cloud)
        #expect(e.verbs == ["update"])
        #expect(e.since == 1101)
        #expect(!e.statusOnly)
    }

    @Test("create then updates is one create; create then delete is nothing, unless a POST may have reached the cloud")
    func creates() throws {
        let created = try #require(PendingWrite.coalesce(nil, change(.added, .create, rv: 5)))
        #expect(created.kind == .create && created.base == nil && created.uid == "")
        let updated = try #require(
            PendingWrite.coalesce(created, change(.modified, .patch, previous: lease("node1", renew: "a"), rv: 6)))
        #expect(updated.kind == .create && updated.writes == 2 && updated.verbs == ["create", "patch"])
        #expect(PendingWrite.coalesce(updated, change(.deleted, .delete, rv: 7)) == nil)
        var sent = updated
        sent.attempted = true
        let deleted = try #require(PendingWrite.coalesce(sent, change(.deleted, .delete, rv: 7)))
        #expect(deleted.kind == .delete && deleted.uid == "")
    }

    @Test("update then delete is a delete of the cloud's uid; delete then create is a recreate")
    func deletes() throws {
        let cloud = lease("node1", renew: "a")
        let updated = try #require(PendingWrite.coalesce(nil, change(.modified, .update, previous: cloud, rv: 5)))
        let deleted = try #require(PendingWrite.coalesce(updated, change(.deleted, .delete, rv: 6)))
        #expect(deleted.kind == .delete && deleted.uid == "u1" && deleted.baseObject == cloud)
        let recreated = try #require(PendingWrite.coalesce(deleted, change(.added, .create, rv: 7)))
        #expect(recreated.kind == .recreate && recreated.uid == "u1")
        // A delete that only marks the object (finalizers) is a delete for the cloud.
        let marked = try #require(PendingWrite.coalesce(nil, change(.modified, .delete, previous: cloud, rv: 8)))
        #expect(marked.kind == .delete)
    }

    @Test("an entry stays status-only while every write goes to /status")
    func statusOnly() throws {
        let p = pod()
        let s1 = try #require(
            PendingWrite.coalesce(nil, change(.modified, .patch, pods, sub: "status", previous: p, rv: 5)))
        #expect(s1.statusOnly)
        let s2 = try #require(
            PendingWrite.coalesce(s1, change(.modified, .patch, pods, sub: "status", previous: p, rv: 6)))
        #expect(s2.statusOnly)
        let s3 = try #require(PendingWrite.coalesce(s2, change(.modified, .update, pods, previous: p, rv: 7)))
        #expect(!s3.statusOnly)
    }

    @Test("writes forwarded first without an answer are remembered (the last four), for reconcile to recognise")
    func unanswered() throws {
        var entry: PendingWrite?
        for i in 1...6 {
            var c = change(.modified, .update, previous: lease("node1", renew: "t\(i - 1)"), rv: UInt64(i))
            c.landedMaybe = lease("node1", renew: "t\(i)").serialized()
            entry = PendingWrite.coalesce(entry, c)
        }
        let e = try #require(entry)
        #expect(e.maybeLandedObjects.map { $0["spec"]?["renewTime"]?.stringValue } == ["t3", "t4", "t5", "t6"])
        #expect(PendingWrite.decode(e.encoded()) == e)
    }

    @Test("the ledger entry survives its JSON encoding, and keys order conflicted outcomes by RV")
    func encoding() throws {
        let entry = try #require(
            PendingWrite.coalesce(nil, change(.modified, .update, previous: lease("node1", renew: "a"), rv: 5)))
        #expect(PendingWrite.decode(entry.encoded()) == entry)
        #expect(entry.key == "pending/o/coordination.k8s.io/leases/kube-node-lease/node1")
        #expect(PendingWrite.conflictedKey(42) < PendingWrite.conflictedKey(1000))
        let long = String(repeating: "a", count: 500)
        #expect(PendingWrite.key(leases, namespace: "ns", name: long) == nil)
    }
}
