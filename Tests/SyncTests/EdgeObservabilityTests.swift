import APIFront
import Endpoint
import EventLog
import Foundation
import KubeModel
import Logging
import Metrics
import Projections
import Prometheus
import ServiceLifecycle
import Testing

@testable import Sync

/// AKE's real HTTP front (Hummingbird) on a free loopback port, run in a service group.
final class FrontServer: Sendable {
    let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(
        endpoint: Endpoint, catalog: ResourceCatalog, registry: PrometheusCollectorRegistry = .init(),
        healthChecks: [HealthCheck] = [], discoverySource: DiscoverySource? = nil
    ) async throws {
        var logger = Logger(label: "front")
        logger.logLevel = .warning
        let front = APIFront(
            endpoint: endpoint, catalog: catalog, configuration: APIFrontConfiguration(port: 0), registry: registry,
            healthChecks: healthChecks, discoverySource: discoverySource, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = front.application { _, port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task { try await group.run() }
        var bound: Int?
        for await p in ports {
            bound = p
            break
        }
        guard let bound else { throw Edge.TimedOut(what: "the HTTP front did not start") }
        port = bound
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// The HTTP wiring `ake serve --upstream` does (Sources/ake/Serve.swift): the
/// `upstream-link` readiness check and the mirror as the front's discovery source.
extension Edge {
    func front(registry: PrometheusCollectorRegistry) async throws -> FrontServer {
        let sync = self.sync
        let mirror = sync.discovery
        return try await FrontServer(
            endpoint: endpoint, catalog: store.catalog, registry: registry,
            healthChecks: [
                HealthCheck(name: "upstream-link", endpoints: [.readyz]) { .ok(detail: sync.status.readinessDetail) }
            ],
            discoverySource: { path, variant in
                var version: String?
                if case .aggregated(let v) = variant { version = v }
                switch await mirror.lookup(path: path, aggregatedVersion: version, online: sync.isOnline) {
                case .document(let d): return .document(DiscoveryDocument(body: d.body, contentType: d.contentType))
                case .notFound: return .notFound
                case .unavailable: return .unavailable(retryAfterSeconds: 5)
                }
            })
    }
}

/// A plain HTTP client for the tests (the link's own client, so no extra dependency).
struct HTTP {
    let connection: UpstreamConnection

    /// A generous per-request deadline: a clean-clone CI run once saw three of these
    /// local requests exceed 10 s while a release build shared the two cores.
    init(_ url: String) throws {
        connection = try UpstreamConnection(config: Kubeconfig(server: url), requestTimeout: .seconds(30))
    }

    func get(_ path: String, query: [String: [String]] = [:], accept: String = "application/json") async throws
        -> UpstreamResponse
    {
        try await connection.send(.GET, path: path, query: query, accept: accept)
    }

    func text(_ path: String, query: [String: [String]] = [:]) async throws -> (Int, String) {
        let r = try await get(path, query: query, accept: "*/*")
        return (r.code, String(decoding: r.body, as: UTF8.self))
    }

    func shutdown() async { await connection.shutdown() }
}

/// One sample of Prometheus text output.
struct Sample {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Parses the Prometheus text format (enough for the samples AKE emits).
func samples(_ text: String) -> [Sample] {
    var out: [Sample] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            continue
        }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else {
            out.append(Sample(name: String(series), labels: [:], value: value))
            continue
        }
        var labels: [String: String] = [:]
        let body = series[series.index(after: brace)..<(series.lastIndex(of: "}") ?? series.endIndex)]
        for pair in body.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
        }
        out.append(Sample(name: String(series[..<brace]), labels: labels, value: value))
    }
    return out
}

extension [Sample] {
    /// The sum of the series of `name` whose labels include `labels`; nil when none exists.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }
}

let crds = GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")
let aggregatedAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

/// Edge observability through the real HTTP fronts: a cloud (standalone AKE + APIFront)
/// and an edge (APIFront over edge sync) in process, with tools/linkproxy.py between.
@Suite("Edge observability and mirrored discovery", .serialized)
struct EdgeObservabilityTests {
    @Test(
        "an edge shows its link in /readyz and per-scope traffic in /metrics, and serves the cloud's discovery and OpenAPI offline and after an offline restart"
    )
    func linkHealthMetricsAndMirror() async throws {
        // The cloud: a standalone AKE behind the real front, with a CRD.
        let cloudDir = try TempDir("ake-cloud")
        let cloudCatalog = ResourceCatalog.builtIn()
        let cloudStore = try ObjectStore(
            directory: cloudDir.path, catalog: cloudCatalog, options: .init(mapSize: 256 << 20),
            logger: Logger(label: "cloud"))
        let cloudEndpoint = Endpoint(store: cloudStore, catalog: cloudCatalog, logger: Logger(label: "cloud"))
        try await cloudEndpoint.bootstrap()
        let cloudFront = try await FrontServer(endpoint: cloudEndpoint, catalog: cloudCatalog)
        let proxy = try LinkProxy(target: cloudFront.port)
        let edgeDir = try TempDir("ake-edge")
        let cloudHTTP = try HTTP(cloudFront.url)
        var edge: Edge?
        var edgeFront: FrontServer?
        var edgeHTTP: HTTP?
        func stopEdge() async {
            await edgeHTTP?.shutdown()
            await edgeFront?.stop()
            await edge?.stop()
            edgeHTTP = nil
            edgeFront = nil
            edge = nil
        }
        try await withCleanup({
            await stopEdge()
            await cloudHTTP.shutdown()
            proxy.stop()
            await cloudFront.stop()
            cloudStore.close()
        }) {
            let widget: JSONValue = [
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": ["name": "widgets.example.ake.dev"],
                "spec": [
                    "group": "example.ake.dev", "scope": "Namespaced",
                    "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "categories": ["all"]],
                    "versions": [
                        [
                            "name": "v1", "served": true, "storage": true,
                            "schema": [
                                "openAPIV3Schema": [
                                    "type": "object",
                                    "properties": [
                                        "spec": [
                                            "type": "object",
                                            "properties": [
                                                "size": ["type": "integer", "description": "how big the widget is"]
                                            ],
                                        ]
                                    ],
                                ]
                            ],
                        ]
                    ],
                ],
            ]
            let (crdCode, crdBody) = try await cloudEndpoint.call(.create, crds, body: widget)
            #expect(crdCode == 201, "\(crdBody)")
            for i in 0..<3 { try await cloudEndpoint.createConfigMap("default", "cm\(i)") }
            let cloudGV = try await cloudHTTP.get("/apis/example.ake.dev/v1")
            #expect(cloudGV.code == 200)
            let cloudV3 = try await cloudHTTP.get("/openapi/v3/apis/example.ake.dev/v1")
            #expect(cloudV3.code == 200)
            #expect(String(decoding: cloudV3.body, as: UTF8.self).contains("how big the widget is"))
            let cloudVersion = try await cloudHTTP.get("/version")

            // The edge, syncing configmaps/default through the proxy, with its own registry.
            let registry = PrometheusCollectorRegistry()
            let options = EdgeSyncOptions(
                preload: [ScopeSelector(resource: configmaps, namespace: "default")],
                probeInterval: .milliseconds(200), initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500),
                quietProbeInterval: .milliseconds(200))
            let first = try await Edge(
                directory: edgeDir.path, upstream: proxy.url, options: options,
                metricsFactory: PrometheusMetricsFactory(registry: registry))
            edge = first
            edgeFront = try await first.front(registry: registry)
            let http = try HTTP(try #require(edgeFront).url)
            edgeHTTP = http

            try await first.eventually("3 configmaps synced") {
                try await first.endpoint.configMapData("default").count == 3
            }
            // Nothing is mirrored up front; what clients ask for while online is fetched and kept.
            #expect(first.sync.discovery.paths.isEmpty)
            try await expectMirrored(
                http, cloudGV: cloudGV.body, cloudV3: cloudV3.body, cloudVersion: cloudVersion.body)
            #expect(first.sync.discovery.document(path: "/openapi/v3/apis/example.ake.dev/v1") != nil)
            #expect(first.sync.discovery.document(path: "/apis", aggregatedVersion: "v2") != nil)

            // /metrics: per-scope traffic, relists/resumes, phase, link and applied objects.
            let (metricsCode, metricsText) = try await http.text("/metrics")
            #expect(metricsCode == 200)
            let m = samples(metricsText)
            let scope = ["scope": "1", "resource": "configmaps"]
            #expect(
                (m.value("ake_upstream_requests_total", scope.merging(["purpose": "list"]) { a, _ in a }) ?? 0) >= 1)
            #expect(
                (m.value("ake_upstream_requests_total", scope.merging(["purpose": "watch"]) { a, _ in a }) ?? 0) >= 1)
            #expect((m.value("ake_upstream_received_bytes_total", scope) ?? 0) > 0)
            #expect((m.value("ake_upstream_sent_bytes_total", scope) ?? 0) > 0)
            #expect(m.value("ake_sync_relists_total", scope) == 0)
            #expect(m.value("ake_sync_resumes_total", scope) != nil)
            #expect(m.value("ake_sync_scope_phase", scope.merging(["phase": "synced"]) { a, _ in a }) == 1)
            #expect(m.value("ake_sync_scope_phase", scope.merging(["phase": "listing"]) { a, _ in a }) == 0)
            #expect(
                (m.value("ake_sync_objects_applied_total", scope.merging(["type": "added"]) { a, _ in a }) ?? 0) >= 3)
            #expect((m.value("ake_upstream_requests_total", ["scope": "", "purpose": "probe"]) ?? 0) >= 1)
            #expect((m.value("ake_upstream_received_bytes_total", ["scope": "", "purpose": "discovery"]) ?? 0) > 0)
            #expect(m.value("ake_upstream_link_online") == 1)
            #expect((m.value("ake_upstream_link_transitions_total", ["to": "online"]) ?? 0) >= 1)

            // /readyz: kube-apiserver's shape, with the link's line.
            let (readyCode, ready) = try await http.text("/readyz", query: ["verbose": [""]])
            #expect(readyCode == 200)
            #expect(ready.contains("[+]ping ok\n"))
            #expect(ready.contains("[+]upstream-link ok (online since "))
            #expect(ready.hasSuffix("readyz check passed\n"))
            let (singleCode, single) = try await http.text("/readyz/upstream-link")
            #expect(singleCode == 200)
            #expect(single.hasPrefix("ok (online since "))
            #expect(single.contains(", last contact "))
            #expect(try await http.text("/readyz/no-such-check").0 == 404)
            #expect(try await http.text("/livez", query: ["verbose": [""]]).1.contains("upstream-link") == false)

            // Cut the link: still ready, the line says offline and why.
            proxy.cut()
            try await first.eventually("link offline") { !first.sync.isOnline }
            let (offlineCode, offline) = try await http.text("/readyz", query: ["verbose": [""]])
            #expect(offlineCode == 200)
            #expect(offline.contains("[+]upstream-link ok (offline since "), "\(offline)")
            #expect(offline.contains("; serving from the local log)"))
            #expect(offline.hasSuffix("readyz check passed\n"))
            let offlineMetrics = samples(try await http.text("/metrics").1)
            #expect(offlineMetrics.value("ake_upstream_link_online") == 0)
            #expect((offlineMetrics.value("ake_upstream_link_transitions_total", ["to": "offline"]) ?? 0) >= 1)
            #expect(
                offlineMetrics.value("ake_sync_scope_phase", scope.merging(["phase": "stale"]) { a, _ in a }) == 1)

            // Offline, discovery and OpenAPI are the cloud's, from the mirror; a document no
            // client asked for before the cut is 503, not a made-up answer.
            try await expectMirrored(
                http, cloudGV: cloudGV.body, cloudV3: cloudV3.body, cloudVersion: cloudVersion.body)
            let never = try await http.get("/apis/apps/v1")
            #expect(never.code == 503)
            #expect(String(decoding: never.body, as: UTF8.self).contains("not fetched from the upstream"))

            // Restart on the same data directory with the link still cut: loaded from disk.
            await stopEdge()
            let second = try await Edge(
                directory: edgeDir.path, upstream: proxy.url, options: options,
                metricsFactory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
            edge = second
            edgeFront = try await second.front(registry: PrometheusCollectorRegistry())
            let http2 = try HTTP(try #require(edgeFront).url)
            edgeHTTP = http2
            try await expectMirrored(
                http2, cloudGV: cloudGV.body, cloudV3: cloudV3.body, cloudVersion: cloudVersion.body)
            let (restartCode, restartReady) = try await http2.text("/readyz", query: ["verbose": [""]])
            #expect(restartCode == 200)
            #expect(restartReady.contains("[+]upstream-link ok ("))
            #expect(restartReady.contains("serving from the local log)"))
        }
    }

    /// The edge answers discovery and OpenAPI with the cloud's documents.
    func expectMirrored(_ http: HTTP, cloudGV: [UInt8], cloudV3: [UInt8], cloudVersion: [UInt8]) async throws {
        let gv = try await http.get("/apis/example.ake.dev/v1")
        #expect(gv.code == 200)
        #expect(gv.body == cloudGV)
        #expect(try await http.get("/version").body == cloudVersion)

        // The v3 root lists the group version with a hash; its URL answers the cloud's schema.
        let root = try await http.get("/openapi/v3")
        #expect(root.code == 200)
        let url = try #require(
            try JSONValue(parsing: root.body)["paths"]?["apis/example.ake.dev/v1"]?["serverRelativeURL"]?.stringValue)
        let parts = url.split(separator: "?", maxSplits: 1).map(String.init)
        let hash = parts.count == 2 ? parts[1].split(separator: "=").last.map(String.init) ?? "" : ""
        let v3 = try await http.get(parts[0], query: ["hash": [hash]])
        #expect(v3.code == 200)
        #expect(v3.body == cloudV3)
        #expect(String(decoding: v3.body, as: UTF8.self).contains("how big the widget is"))

        // Aggregated discovery for kubectl 1.30+, with its content type.
        let aggregated = try await http.get("/apis", accept: aggregatedAccept)
        #expect(aggregated.code == 200)
        #expect(aggregated.contentType?.contains("as=APIGroupDiscoveryList") == true)
        #expect(String(decoding: aggregated.body, as: UTF8.self).contains("example.ake.dev"))
        let plain = try await http.get("/apis")
        #expect(plain.contentType?.hasPrefix("application/json") == true)
        #expect(plain.contentType?.contains("APIGroupDiscoveryList") == false)
        #expect(String(decoding: plain.body, as: UTF8.self).contains("\"kind\":\"APIGroupList\""))
    }
}

/// The front's health endpoints and discovery hook, on a standalone AKE.
@Suite("Front health checks and discovery source")
struct FrontHealthAndDiscoverySourceTests {
    /// A standalone endpoint on a temp store (closed by `close`).
    struct Standalone {
        let dir: TempDir
        let store: ObjectStore
        let endpoint: Endpoint
        let catalog: ResourceCatalog

        init() async throws {
            dir = try TempDir("ake-front")
            catalog = ResourceCatalog.builtIn()
            store = try ObjectStore(
                directory: dir.path, catalog: catalog, options: .init(mapSize: 64 << 20), logger: Logger(label: "t"))
            endpoint = Endpoint(store: store, catalog: catalog, logger: Logger(label: "t"))
            try await endpoint.bootstrap()
        }

        func close() { store.close() }
    }

    @Test(
        "health endpoints print kube-apiserver's [+]/[-] lines, honour exclude, run readiness-only checks on /readyz only, and answer /readyz/<check>"
    )
    func healthShape() async throws {
        let s = try await Standalone()
        let front = try await FrontServer(
            endpoint: s.endpoint, catalog: s.catalog,
            healthChecks: [
                HealthCheck(name: "broken") { "disk on fire" },
                HealthCheck(name: "link", endpoints: [.readyz]) { .ok(detail: "fine") },
            ])
        let http = try HTTP(front.url)
        try await withCleanup({
            await http.shutdown()
            await front.stop()
            s.close()
        }) {
            let (failCode, failText) = try await http.text("/readyz")
            #expect(failCode == 503)
            #expect(failText.contains("[-]broken failed: disk on fire\n"))
            #expect(failText.hasSuffix("readyz check failed\n"))

            let (exCode, exText) = try await http.text("/readyz", query: ["exclude": ["broken"]])
            #expect(exCode == 200)
            #expect(exText == "ok")
            let verbose = try await http.text("/readyz", query: ["exclude": ["broken", "nope"], "verbose": [""]]).1
            #expect(
                verbose
                    == "[+]ping ok\n[+]broken excluded: ok\n[+]link ok (fine)\n[+]shutdown ok\n"
                    + "warn: some health checks cannot be excluded: no matches for nope\nreadyz check passed\n")
            let livez = try await http.text("/livez", query: ["exclude": ["broken"], "verbose": [""]]).1
            #expect(livez == "[+]ping ok\n[+]broken excluded: ok\nlivez check passed\n")

            #expect(try await http.text("/readyz/link") == (200, "ok (fine)"))
            #expect(try await http.text("/readyz/ping") == (200, "ok"))
            #expect(try await http.text("/readyz/broken") == (503, "internal server error: disk on fire\n"))
            #expect(try await http.text("/livez/link").0 == 404)
        }
    }

    @Test("discovery and OpenAPI documents carry an ETag; If-None-Match with it answers 304 without a body")
    func conditionalDocuments() async throws {
        let s = try await Standalone()
        let front = try await FrontServer(endpoint: s.endpoint, catalog: s.catalog)
        let http = try HTTP(front.url)
        try await withCleanup({
            await http.shutdown()
            await front.stop()
            s.close()
        }) {
            for (path, accept) in [
                ("/openapi/v3", "application/json"), ("/openapi/v2", "application/json"),
                ("/apis", aggregatedAccept), ("/api/v1", "application/json"),
            ] {
                let first = try await http.connection.send(.GET, path: path, accept: accept)
                #expect(first.code == 200, "\(path)")
                let tag = try #require(first.etag, "\(path)")
                let again = try await http.connection.send(.GET, path: path, accept: accept, ifNoneMatch: tag)
                #expect(again.code == 304, "\(path)")
                #expect(again.body.isEmpty)
                #expect(again.etag == tag)
                let other = try await http.connection.send(
                    .GET, path: path, accept: accept, ifNoneMatch: "\"0\", W/\"1\"")
                #expect(other.code == 200, "\(path)")
            }
            // A new CRD changes the OpenAPI root: the old tag no longer matches.
            let root = try await http.connection.send(.GET, path: "/openapi/v3")
            let (code, _) = try await s.endpoint.call(.create, EdgeSync.crds, body: widgetCRD())
            #expect(code == 201)
            let changed = try await http.connection.send(.GET, path: "/openapi/v3", ifNoneMatch: root.etag)
            #expect(changed.code == 200)
            #expect(changed.etag != root.etag)
        }
    }

    @Test(
        "a discovery source answers the paths it has (aggregated only for the aggregated Accept, with its content type); the rest is generated"
    )
    func discoverySourcePrecedence() async throws {
        let s = try await Standalone()
        let aggregatedType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        let front = try await FrontServer(
            endpoint: s.endpoint, catalog: s.catalog,
            discoverySource: { path, variant in
                switch (path, variant) {
                case ("/apis", .plain):
                    return .document(
                        DiscoveryDocument(
                            body: Array(#"{"kind":"APIGroupList","mirrored":1}"#.utf8), contentType: "application/json")
                    )
                case ("/apis", .aggregated("v2")):
                    return .document(
                        DiscoveryDocument(
                            body: Array(#"{"kind":"APIGroupDiscoveryList","mirrored":2}"#.utf8),
                            contentType: aggregatedType))
                case ("/openapi/v2", .plain):
                    return .document(
                        DiscoveryDocument(
                            body: Array(
                                #"{"swagger":"2.0","info":{"title":"mirrored-v2","version":"v1"},"paths":{},"definitions":{}}"#
                                    .utf8), contentType: "application/json"))
                case ("/openapi/v3/apis/apps/v1", .plain):
                    return .document(
                        DiscoveryDocument(body: Array(#"{"mirrored":3}"#.utf8), contentType: "application/json"))
                case ("/apis/gone.example.com/v1", .plain):
                    return .notFound
                case ("/apis/never.example.com/v1", .plain):
                    return .unavailable(retryAfterSeconds: 7)
                default:
                    return .generate
                }
            })
        let http = try HTTP(front.url)
        try await withCleanup({
            await http.shutdown()
            await front.stop()
            s.close()
        }) {
            let plain = try await http.get("/apis")
            #expect(String(decoding: plain.body, as: UTF8.self) == #"{"kind":"APIGroupList","mirrored":1}"#)
            #expect(plain.contentType == "application/json")
            let aggregated = try await http.get("/apis", accept: aggregatedAccept)
            #expect(String(decoding: aggregated.body, as: UTF8.self).contains(#""mirrored":2"#))
            #expect(aggregated.contentType == aggregatedType)
            // The hash query of a v3 URL does not matter.
            let v3 = try await http.get("/openapi/v3/apis/apps/v1", query: ["hash": ["ABC"]])
            #expect(String(decoding: v3.body, as: UTF8.self) == #"{"mirrored":3}"#)
            // OpenAPI v2 as JSON, or encoded as protobuf for kubectl 1.27–1.28.
            let v2 = try await http.get("/openapi/v2")
            #expect(String(decoding: v2.body, as: UTF8.self).contains("mirrored-v2"))
            let v2pb = try await http.get(
                "/openapi/v2", accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
            #expect(v2pb.code == 200)
            #expect(v2pb.contentType?.hasSuffix("+protobuf") == true)
            #expect(String(decoding: v2pb.body, as: UTF8.self).contains("mirrored-v2"))
            // A source's 404 and 503 (an edge offline that never fetched the document).
            #expect(try await http.get("/apis/gone.example.com/v1").code == 404)
            let never = try await http.get("/apis/never.example.com/v1")
            #expect(never.code == 503)
            #expect(String(decoding: never.body, as: UTF8.self).contains(#""retryAfterSeconds":7"#))
            // Not in the source: generated locally.
            let core = try await http.get("/api/v1")
            #expect(core.code == 200)
            #expect(String(decoding: core.body, as: UTF8.self).contains(#""kind":"APIResourceList""#))
            let coreAggregated = try await http.get("/api", accept: aggregatedAccept)
            #expect(coreAggregated.contentType?.contains("as=APIGroupDiscoveryList") == true)
            #expect(!String(decoding: coreAggregated.body, as: UTF8.self).contains("mirrored"))
        }
    }
}

@Suite("Link status text")
struct LinkStatusTextTests {
    func status(_ link: LinkHealth) -> LinkStatus {
        LinkStatus(
            server: "http://cloud:6443", state: link.state, since: link.since, lastContact: link.lastContact,
            lastError: link.lastError, traffic: UpstreamTraffic(requests: 0, bytesReceived: 0, bytesSent: 0),
            scopes: [],
            relists: [:], resumes: [:])
    }

    @Test("timestamps are RFC 3339 UTC and durations read like 1h2m5s")
    func formats() {
        #expect(LinkStatus.timestamp(0) == "1970-01-01T00:00:00Z")
        #expect(LinkStatus.timestamp(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(LinkStatus.timestamp(1_795_915_393.4) == "2026-11-29T01:23:13Z")
        #expect(LinkStatus.duration(5) == "5s")
        #expect(LinkStatus.duration(125) == "2m5s")
        #expect(LinkStatus.duration(3725) == "1h2m5s")
    }

    @Test("the readiness detail says online since when, or offline since when and why, on one line")
    func readinessDetail() {
        var link = LinkHealth(failureThreshold: 1)
        #expect(status(link).readinessDetail == "no contact yet with http://cloud:6443; serving from the local log")
        _ = link.succeeded(now: 1_795_915_393)
        #expect(
            status(link).readinessDetail
                == "online since 2026-11-29T01:23:13Z, last contact 2026-11-29T01:23:13Z; no writes pending")
        _ = link.failed(now: 1_795_915_400, error: "connection refused\n(errno 111)")
        #expect(
            status(link).readinessDetail
                == "offline since 2026-11-29T01:23:20Z: connection refused (errno 111); serving from the local log")
        var pending = status(link)
        pending.pendingWrites = 3
        pending.conflictedWrites = 1
        #expect(
            pending.readinessDetail
                == "offline since 2026-11-29T01:23:20Z: connection refused (errno 111); serving from the local log; 3 objects have writes pending; 1 conflicted (see ake pending)"
        )
    }
}

@Suite("Upstream traffic rate")
struct TrafficHistoryTests {
    func traffic(_ requests: Int, _ received: Int, _ sent: Int) -> UpstreamTraffic {
        UpstreamTraffic(requests: requests, bytesReceived: received, bytesSent: sent)
    }

    @Test("no rate before the samples span a second; then the totals' growth divided by the time between")
    func youngEdge() {
        var history = TrafficHistory(window: 60, spacing: 1)
        #expect(history.rate(current: traffic(0, 0, 0), at: 100) == nil)
        history.record(traffic(1, 1_000, 100), at: 100)
        #expect(history.rate(current: traffic(1, 1_000, 100), at: 100) == nil)
        #expect(history.rate(current: traffic(2, 2_000, 200), at: 100.4) == nil)  // under a second
        let rate = history.rate(current: traffic(3, 3_000, 300), at: 110)
        #expect(rate == TrafficRate(seconds: 10, receivedPerSecond: 200, sentPerSecond: 20, requestsPerSecond: 0.2))
    }

    @Test("the rate covers the last window, not the traffic since start")
    func window() {
        var history = TrafficHistory(window: 60, spacing: 1)
        // A big first sync, then an idle edge that gets 32 bytes a second.
        history.record(traffic(50, 700_000, 5_000), at: 0)
        var received = 700_000
        for t in stride(from: 15.0, through: 300, by: 15) {
            received += 15 * 32
            history.record(traffic(50, received, 5_000), at: t)
        }
        let rate = history.rate(current: traffic(50, received, 5_000), at: 300)
        #expect(rate?.seconds == 60)
        #expect(rate?.receivedPerSecond == 32)
        #expect(rate?.sentPerSecond == 0)
        // Only the base sample (≥ 60 s old) and the younger ones are kept.
        #expect(history.samples.count == 5)
        #expect(history.samples.first?.time == 240)
    }

    @Test("samples closer than the spacing are not kept")
    func spacing() {
        var history = TrafficHistory(window: 60, spacing: 5)
        history.record(traffic(1, 10, 10), at: 0)
        history.record(traffic(2, 20, 20), at: 3)
        history.record(traffic(3, 30, 30), at: 5)
        #expect(history.samples.map(\.time) == [0, 5])
    }

    @Test("byte counts read in decimal units")
    func format() {
        #expect(UpstreamTraffic.formatBytes(0) == "0 B")
        #expect(UpstreamTraffic.formatBytes(31.6) == "32 B")
        #expect(UpstreamTraffic.formatBytes(1_234) == "1.2 KB")
        #expect(UpstreamTraffic.formatBytes(699_400) == "699 KB")
        #expect(UpstreamTraffic.formatBytes(5_370_000) == "5.4 MB")
    }

    @Test("the readiness line gives the last minute's rates, then the totals")
    func detail() {
        var link = LinkStatus(
            server: "http://cloud:6443", state: .online, since: 0, lastContact: 0, lastError: "",
            traffic: traffic(212, 1_234_000, 48_300), scopes: [], relists: [:], resumes: [:])
        #expect(link.trafficDetail == "since start 1.2 MB received, 48.3 KB sent in 212 requests")
        link.trafficRate = TrafficRate(
            seconds: 60, receivedPerSecond: 31.2, sentPerSecond: 12, requestsPerSecond: 0.0667)
        #expect(
            link.trafficDetail
                == "received 31 B/s, sent 12 B/s, 0.07 requests/s over the last 60 s; since start 1.2 MB received, 48.3 KB sent in 212 requests"
        )
    }
}
