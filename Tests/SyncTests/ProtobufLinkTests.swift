import APIFront
import Endpoint
import EventLog
import Foundation
import KubeModel
import KubeProtobuf
import Logging
import Projections
import Testing

@testable import Sync

private let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
private let services = GroupVersionResource(group: "", version: "v1", resource: "services")

/// Protobuf on both sides of AKE: the real HTTP front answers protobuf to clients that ask
/// for it first (kubelet's `Accept`), and an edge asks its upstream for protobuf and stores
/// the JSON the JSON path would have stored.
@Suite("Protobuf responses and the protobuf upstream link", .serialized)
struct ProtobufLinkTests {
    static let kubeletAccept = "application/vnd.kubernetes.protobuf, application/json"

    /// A standalone AKE behind its real front, with a few objects of different kinds.
    final class CloudFront: Sendable {
        let dir: TempDir
        let store: ObjectStore
        let endpoint: Endpoint
        let front: FrontServer

        init() async throws {
            dir = try TempDir("ake-cloud")
            let catalog = ResourceCatalog.builtIn()
            store = try ObjectStore(
                directory: dir.path, catalog: catalog, options: .init(mapSize: 256 << 20),
                logger: Logger(label: "cloud"))
            endpoint = Endpoint(store: store, catalog: catalog, logger: Logger(label: "cloud"))
            try await endpoint.bootstrap()
            front = try await FrontServer(endpoint: endpoint, catalog: catalog)
        }

        func seed() async throws {
            try await endpoint.createConfigMap("default", "cm1", labels: ["app": "web"], data: "hello")
            let objects: [(GroupVersionResource, JSONValue)] = [
                (
                    secrets,
                    [
                        "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s1", "namespace": "default"],
                        "data": ["token": "dG9rZW4=", "empty": ""], "type": "Opaque",
                    ]
                ),
                (
                    pods,
                    [
                        "apiVersion": "v1", "kind": "Pod",
                        "metadata": ["name": "web-1", "namespace": "default", "labels": ["app": "web"]],
                        "spec": [
                            "nodeName": "edge-1",
                            "containers": [
                                [
                                    "name": "web", "image": "nginx:1.27",
                                    "ports": [["containerPort": 8080, "name": "http"]],
                                    "resources": ["limits": ["cpu": "500m", "memory": "256Mi"]],
                                    "livenessProbe": ["httpGet": ["path": "/healthz", "port": "http"]],
                                ]
                            ],
                            "tolerations": [
                                ["key": "k", "operator": "Exists", "tolerationSeconds": 30, "effect": "NoExecute"]
                            ],
                        ],
                    ]
                ),
                (
                    services,
                    [
                        "apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "default"],
                        "spec": ["selector": ["app": "web"], "ports": [["port": 80, "targetPort": "http"]]],
                    ]
                ),
            ]
            for (gvr, body) in objects {
                let (code, answer) = try await endpoint.call(.create, gvr, namespace: "default", body: body)
                #expect(code == 201, "\(answer)")
            }
        }

        func stop() async {
            await front.stop()
            store.close()
        }
    }

    /// JSON with encoding/json's zero-value members (`null`, `{}`, `[]`, `""`, `0`,
    /// `false`) removed, recursively: what AKE's JSON and Go's JSON of the same object share.
    static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o {
                let n = normalized(v)
                switch n {
                case .null, .string(""), .bool(false): continue
                case .number(let x) where x.text == "0": continue
                case .object(let inner) where inner.isEmpty: continue
                case .array(let a) where a.isEmpty: continue
                default: out.appendUnchecked(k, n)
                }
            }
            return .object(out)
        case .array(let a): return .array(a.map(normalized))
        default: return value
        }
    }

    /// A list without its items' kind and apiVersion: protobuf carries them only on the list
    /// (kube-apiserver's JSON lists leave them out too; AKE's keep the stored objects whole).
    static func withoutItemTypes(_ value: JSONValue) -> JSONValue {
        guard case .object(var list) = value, case .array(let items)? = list["items"] else { return value }
        list["items"] = .array(
            items.map { item in
                guard case .object(var o) = item else { return item }
                o["kind"] = nil
                o["apiVersion"] = nil
                return .object(o)
            })
        return .object(list)
    }

    /// An object without its resourceVersion (each edge numbers its own log).
    static func withoutRV(_ value: JSONValue) -> JSONValue {
        guard case .object(var o) = value, case .object(var meta)? = o["metadata"] else { return value }
        meta["resourceVersion"] = nil
        o["metadata"] = .object(meta)
        return .object(o)
    }

    @Test("get, list and an error answered in protobuf: the encoding of the JSON answer, and decoding back to it")
    func responses() async throws {
        let cloud = try await CloudFront()
        let http = try HTTP(cloud.front.url)
        try await withCleanup({
            await http.shutdown()
            await cloud.stop()
        }) {
            try await cloud.seed()
            for path in [
                "/api/v1/namespaces/default/configmaps/cm1", "/api/v1/namespaces/default/secrets/s1",
                "/api/v1/namespaces/default/pods/web-1", "/api/v1/namespaces/default/services/web",
                "/api/v1/namespaces/default/pods", "/api/v1/configmaps", "/api/v1/namespaces",
            ] {
                let json = try await http.get(path)
                let pb = try await http.get(path, accept: Self.kubeletAccept)
                #expect(json.code == 200 && pb.code == 200, "\(path)")
                #expect(json.contentType == "application/json")
                #expect(pb.contentType == "application/vnd.kubernetes.protobuf", "\(path)")
                let jsonValue = try JSONValue(parsing: json.body)
                #expect(try ProtobufEncoder.builtIn.encode(jsonValue) == pb.body, "\(path)")
                let decoded = try ProtobufBody.decodeObject(pb.body[...], flavor: .goJSON)
                #expect(Self.normalized(decoded) == Self.normalized(Self.withoutItemTypes(jsonValue)), "\(path)")
                // The stored metadata survives exactly, managedFields included.
                #expect(decoded["metadata"]?["resourceVersion"] == jsonValue["metadata"]?["resourceVersion"])
                #expect(decoded["metadata"]?["managedFields"] == jsonValue["metadata"]?["managedFields"])
            }
            // An error goes out as a protobuf Status to a protobuf-only client.
            let missing = try await http.get(
                "/api/v1/namespaces/default/configmaps/nope", accept: "application/vnd.kubernetes.protobuf")
            #expect(missing.code == 404)
            #expect(missing.contentType == "application/vnd.kubernetes.protobuf")
            let status = try ProtobufBody.decodeObject(missing.body[...], flavor: .goJSON)
            #expect(status["kind"] == "Status")
            #expect(status["reason"] == "NotFound")
            #expect(status["code"]?.int64Value == 404)
            // The metadata informer's Accept: a PartialObjectMetadataList in protobuf.
            let metadata = try await http.get(
                "/api/v1/namespaces/default/configmaps",
                accept:
                    "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
            )
            #expect(metadata.contentType == "application/vnd.kubernetes.protobuf")
            let list = try ProtobufBody.decodeObject(metadata.body[...], flavor: .goJSON)
            #expect(list["kind"] == "PartialObjectMetadataList")
            #expect(list["items"]?.arrayValue?.first?["metadata"]?["name"] == "cm1")
            // kubectl's Table stays JSON; JSON first stays JSON.
            let table = try await http.get(
                "/api/v1/namespaces/default/configmaps",
                accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/vnd.kubernetes.protobuf")
            #expect(table.contentType == "application/json")
            let jsonFirst = try await http.get(
                "/api/v1/namespaces/default/configmaps", accept: "application/json, application/vnd.kubernetes.protobuf"
            )
            #expect(jsonFirst.contentType == "application/json")
        }
    }

    @Test("a watch streams the same events in protobuf frames as in JSON lines, from the same resourceVersion")
    func watchAcrossEncodings() async throws {
        let cloud = try await CloudFront()
        let jsonLink = try UpstreamConnection(config: Kubeconfig(server: cloud.front.url), contentType: .json)
        let pbLink = try UpstreamConnection(config: Kubeconfig(server: cloud.front.url), contentType: .protobuf)
        try await withCleanup({
            await jsonLink.shutdown()
            await pbLink.shutdown()
            await cloud.stop()
        }) {
            try await cloud.seed()
            let scope = ScopeSelector(resource: configmaps, namespace: "default")
            let rv = try await jsonLink.listPage(scope, continueToken: nil).upstreamRV
            let jsonWatch = try await jsonLink.watch(scope, fromUpstreamRV: rv, timeoutSeconds: 30)
            let pbWatch = try await pbLink.watch(scope, fromUpstreamRV: rv, timeoutSeconds: 30)
            try await cloud.endpoint.createConfigMap("default", "cm2", data: "a")
            _ = try await cloud.endpoint.call(
                .patch, configmaps, namespace: "default", name: "cm2", body: ["data": ["v": "b", "w": "c"]],
                contentType: "application/merge-patch+json")
            _ = try await cloud.endpoint.call(.delete, configmaps, namespace: "default", name: "cm1")
            func first(_ n: Int, _ watch: UpstreamWatch) async throws -> [String] {
                var out: [String] = []
                for try await event in watch {
                    switch event {
                    case .added(let o): out.append("ADDED " + String(decoding: o.bytes, as: UTF8.self))
                    case .modified(let o): out.append("MODIFIED " + String(decoding: o.bytes, as: UTF8.self))
                    case .deleted(let o): out.append("DELETED " + String(decoding: o.bytes, as: UTF8.self))
                    default: continue
                    }
                    if out.count == n { break }
                }
                return out
            }
            let jsonEvents = try await first(3, jsonWatch)
            let pbEvents = try await first(3, pbWatch)
            #expect(jsonEvents.count == 3)
            #expect(pbEvents.map { $0.prefix(while: { $0 != " " }) } == ["ADDED", "MODIFIED", "DELETED"])
            for (j, p) in zip(jsonEvents, pbEvents) {
                let jv = try JSONValue(parsing: Array(j.drop(while: { $0 != " " }).dropFirst().utf8))
                let pv = try JSONValue(parsing: Array(p.drop(while: { $0 != " " }).dropFirst().utf8))
                #expect(Self.normalized(pv) == Self.normalized(jv))
                #expect(pv["metadata"]?["resourceVersion"] == jv["metadata"]?["resourceVersion"])
                #expect(pv["metadata"]?["managedFields"] == jv["metadata"]?["managedFields"])
            }
            // The protobuf stream is the smaller one.
            #expect(pbLink.traffic.bytesReceived < jsonLink.traffic.bytesReceived)
        }
    }

    @Test(
        "a write's answer in protobuf: the caller gets the JSON the cloud would have sent, and the link carries fewer bytes"
    )
    func writeAnswers() async throws {
        let cloud = try await CloudFront()
        let jsonLink = try UpstreamConnection(config: Kubeconfig(server: cloud.front.url), contentType: .json)
        let pbLink = try UpstreamConnection(config: Kubeconfig(server: cloud.front.url), contentType: .protobuf)
        try await withCleanup({
            await jsonLink.shutdown()
            await pbLink.shutdown()
            await cloud.stop()
        }) {
            try await cloud.seed()
            let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
            let lease: JSONValue = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": "edge-1", "namespace": "default"],
                "spec": ["holderIdentity": "edge-1", "leaseDurationSeconds": 40],
            ]
            _ = try await cloud.endpoint.call(.create, leases, namespace: "default", body: lease)
            var received: [String: [Int]] = [:]
            var answers: [String: [JSONValue]] = [:]
            for (name, link) in [("json", jsonLink), ("protobuf", pbLink)] {
                // A Lease renewal (GET + PUT, as kubelet does) and a pod status merge patch.
                let leasePath = "/apis/coordination.k8s.io/v1/namespaces/default/leases/edge-1"
                let current = try await link.sendObject(.GET, path: leasePath, resource: leases)
                var renewed = try JSONValue(parsing: current.body)
                renewed["spec"]?["renewTime"] = .string("2026-12-03T10:00:0\(name.count % 10).000000Z")
                var before = link.traffic.bytesReceived
                let put = try await link.sendObject(
                    .PUT, path: leasePath, resource: leases, body: renewed.serialized(),
                    contentType: "application/json")
                let putBytes = link.traffic.bytesReceived - before
                before = link.traffic.bytesReceived
                let patch = try await link.sendObject(
                    .PATCH, path: "/api/v1/namespaces/default/pods/web-1/status", resource: pods,
                    subresource: "status", body: Array(#"{"status":{"phase":"Running"}}"#.utf8),
                    contentType: "application/merge-patch+json")
                let patchBytes = link.traffic.bytesReceived - before
                // A refusal comes back as a JSON Status either way.
                let stale = try await link.sendObject(
                    .PUT, path: leasePath, resource: leases, body: renewed.serialized(),
                    contentType: "application/json")
                #expect(put.code == 200 && patch.code == 200 && stale.code == 409, "\(name)")
                for response in [put, patch, stale] {
                    #expect(response.contentType == "application/json", "\(name)")
                }
                #expect(try JSONValue(parsing: stale.body)["reason"] == "Conflict", "\(name)")
                received[name] = [putBytes, patchBytes]
                answers[name] = try [put, patch].map { try JSONValue(parsing: $0.body) }
            }
            let json = try #require(answers["json"])
            let pb = try #require(answers["protobuf"])
            for (j, p) in zip(json, pb) {
                #expect(p["kind"] == j["kind"] && p["metadata"]?["uid"] == j["metadata"]?["uid"])
                var (pSpec, jSpec) = (p["spec"] ?? .null, j["spec"] ?? .null)
                (pSpec["renewTime"], jSpec["renewTime"]) = (nil, nil)  // each link renewed with its own time
                #expect(Self.normalized(pSpec) == Self.normalized(jSpec))
                #expect(Self.normalized(p["status"] ?? .null) == Self.normalized(j["status"] ?? .null))
            }
            let jsonBytes = try #require(received["json"])
            let pbBytes = try #require(received["protobuf"])
            print("write answers, bytes received (Lease PUT, pod status PATCH): json \(jsonBytes), protobuf \(pbBytes)")
            #expect(pbBytes[0] < jsonBytes[0] && pbBytes[1] < jsonBytes[1])
        }
    }

    @Test(
        "a forwarded create or update goes in protobuf when the encoding says exactly what the JSON says, else as JSON"
    )
    func writeBodies() async throws {
        let cloud = try await CloudFront()
        let jsonLink = try UpstreamConnection(config: Kubeconfig(server: cloud.front.url), contentType: .json)
        let pbLink = try UpstreamConnection(config: Kubeconfig(server: cloud.front.url), contentType: .protobuf)
        try await withCleanup({
            await jsonLink.shutdown()
            await pbLink.shutdown()
            await cloud.stop()
        }) {
            try await cloud.seed()
            let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
            let lease: JSONValue = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": "edge-1", "namespace": "default"],
                "spec": ["holderIdentity": "edge-1", "leaseDurationSeconds": 40],
            ]
            func create(_ body: JSONValue, on link: UpstreamConnection) async throws -> (Int, Int, JSONValue) {
                let request = APIRequest(
                    verb: .create, resource: leases, namespace: "default", body: body.serialized(),
                    contentType: "application/json")
                let before = link.traffic.bytesSent
                let response = try await link.send(request)
                return (response.code, link.traffic.bytesSent - before, try JSONValue(parsing: response.body))
            }
            let (pbCode, pbSent, pbLease) = try await create(lease, on: pbLink)
            var second = lease
            second["metadata"]?["name"] = "edge-2"
            let (jsonCode, jsonSent, _) = try await create(second, on: jsonLink)
            #expect(pbCode == 201 && jsonCode == 201)
            #expect(pbSent < jsonSent, "bytes up: protobuf \(pbSent), json \(jsonSent)")
            #expect(pbLease["spec"] == lease["spec"])
            // A renewal as kubelet sends it: the object it read (managedFields and all), changed.
            let path = "/apis/coordination.k8s.io/v1/namespaces/default/leases/edge-1"
            var renewed = try JSONValue(parsing: try await pbLink.sendObject(.GET, path: path, resource: leases).body)
            renewed["spec"]?["renewTime"] = "2026-12-03T10:00:01.000000Z"
            let update = APIRequest(
                verb: .update, resource: leases, namespace: "default", name: "edge-1", body: renewed.serialized(),
                contentType: "application/json")
            #expect(pbLink.protobufBody(update) != nil)
            #expect(jsonLink.protobufBody(update) == nil)  // a JSON link sends JSON
            let answer = try await pbLink.send(update)
            #expect(answer.code == 200)
            #expect(try JSONValue(parsing: answer.body)["spec"]?["renewTime"] == "2026-12-03T10:00:01.000000Z")
            // What protobuf cannot say goes as JSON: an unknown field (the cloud decides what
            // to do with it), an explicit null.
            var unknown = renewed
            unknown["spec"]?["futureField"] = "x"
            var null = renewed
            null["spec"]?["holderIdentity"] = .null
            for body in [unknown, null] {
                var request = update
                request.body = body.serialized()
                #expect(pbLink.protobufBody(request) == nil)
            }
            // An Event as kubelet writes it: protobuf adds only Go zero values the JSON left out.
            let events = GroupVersionResource(group: "", version: "v1", resource: "events")
            let event: JSONValue = [
                "apiVersion": "v1", "kind": "Event", "metadata": ["name": "n.1", "namespace": "default"],
                "involvedObject": ["kind": "Node", "name": "n", "apiVersion": "v1"], "reason": "NodeTick",
                "type": "Normal", "count": 1, "firstTimestamp": "2026-12-03T10:00:00Z",
            ]
            #expect(pbLink.protobufBody(event, resource: events, subresource: nil) != nil)
            // A zero the JSON says explicitly and protobuf would lose is not the same.
            #expect(!UpstreamConnection.saysTheSame(["spec": [:]], as: ["spec": ["replicas": 0]]))
            #expect(UpstreamConnection.saysTheSame(["spec": ["replicas": 0, "paused": false]], as: ["spec": [:]]))
            #expect(!UpstreamConnection.saysTheSame(["a": [1]], as: ["a": [1, 2]]))
            // A patch never goes in protobuf.
            var patch = update
            patch.verb = .patch
            patch.contentType = "application/merge-patch+json"
            #expect(pbLink.protobufBody(patch) == nil)
        }
    }

    @Test("an upstream that refuses protobuf bodies (415) gets the write again in JSON, and JSON from then on")
    func protobufBodyRefused() async throws {
        let cloud = try await Cloud(protobufBodies: false)
        let link = try UpstreamConnection(
            config: Kubeconfig(server: "http://127.0.0.1:\(cloud.server.port)"), contentType: .protobuf)
        try await withCleanup({
            await link.shutdown()
            await cloud.stop()
        }) {
            let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases")
            let lease: JSONValue = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": "edge-1", "namespace": "default"], "spec": ["holderIdentity": "edge-1"],
            ]
            let request = APIRequest(
                verb: .create, resource: leases, namespace: "default", body: lease.serialized(),
                contentType: "application/json")
            #expect(link.protobufBody(request) != nil)
            let response = try await link.send(request)
            #expect(response.code == 201)
            #expect(link.traffic.requests == 2)  // the refused protobuf one, then JSON
            #expect(link.protobufBody(request) == nil)
            let (code, _) = try await cloud.endpoint.call(.get, leases, namespace: "default", name: "edge-1")
            #expect(code == 200)
        }
    }

    @Test("an edge syncing in protobuf stores the same objects as an edge syncing in JSON")
    func edgeStoresTheSameObjects() async throws {
        let cloud = try await CloudFront()
        let jsonDir = try TempDir("ake-edge-json")
        let pbDir = try TempDir("ake-edge-pb")
        var edges: [Edge] = []
        try await withCleanup({
            for e in edges { await e.stop() }
            await cloud.stop()
        }) {
            try await cloud.seed()
            let preload = [configmaps, secrets, pods, services].map {
                ScopeSelector(resource: $0, namespace: "default")
            }
            let options = EdgeSyncOptions(
                preload: preload, probeInterval: .milliseconds(200), followAPIChanges: false,
                quietProbeInterval: .milliseconds(200))
            let jsonEdge = try await Edge(
                directory: jsonDir.path, upstream: cloud.front.url, options: options, contentType: .json)
            edges.append(jsonEdge)
            let pbEdge = try await Edge(directory: pbDir.path, upstream: cloud.front.url, options: options)
            edges.append(pbEdge)
            for edge in edges {
                try await edge.eventually("every scope synced") {
                    edge.sync.scopes.count == 4 && edge.sync.scopes.allSatisfy { $0.phase == .synced }
                }
            }
            // A change after the first sync travels over the watches.
            _ = try await cloud.endpoint.call(
                .patch, configmaps, namespace: "default", name: "cm1", body: ["data": ["k": "changed"]],
                contentType: "application/merge-patch+json")
            for edge in edges {
                try await edge.eventually("the change arrived") {
                    try await edge.endpoint.configMapData("default")["default/cm1"] == "changed"
                }
            }
            for gvr in [configmaps, secrets, pods, services] {
                let (_, jsonList) = try await jsonEdge.endpoint.call(.list, gvr, namespace: "default")
                let (_, pbList) = try await pbEdge.endpoint.call(.list, gvr, namespace: "default")
                let jsonItems = jsonList["items"]?.arrayValue ?? []
                let pbItems = pbList["items"]?.arrayValue ?? []
                #expect(!jsonItems.isEmpty, "\(gvr.resource)")
                // The same objects, managedFields and all; only each edge's own resourceVersion differs.
                #expect(pbItems.map(Self.withoutRV) == jsonItems.map(Self.withoutRV), "\(gvr.resource)")
            }
            #expect(pbEdge.sync.connection.traffic.bytesReceived < jsonEdge.sync.connection.traffic.bytesReceived)
        }
    }
}
