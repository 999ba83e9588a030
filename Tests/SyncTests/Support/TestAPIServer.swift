import Endpoint
import Foundation
import KubeModel
import KubeProtobuf
import NIOCore
import NIOHTTP1
import NIOPosix
import Projections
import Synchronization

/// A minimal HTTP/1.1 front for an `Endpoint`, enough to act as the "cloud" an edge
/// syncs from (Kubernetes REST paths, list/get/watch/writes, /version, /api, /apis).
/// Test support only: the real front is APIFront.
final class TestAPIServer: Sendable {
    let endpoint: Endpoint
    /// Extra documents served at their paths with an ETag, and how they were answered.
    let served: Served
    /// Every API request answered, in order (documents and discovery excluded).
    let log = RequestLog()
    let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    let port: Int
    let task: Task<Void, Never>

    /// `catalog`: the endpoint's, to serve discovery of its custom resources (empty without).
    init(
        endpoint: Endpoint, catalog: ResourceCatalog = ResourceCatalog(resources: []),
        documents: [String: [UInt8]] = [:], protobufBodies: Bool = true
    ) async throws {
        self.endpoint = endpoint
        self.served = Served(documents: documents, protobufBodies: protobufBodies)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: child)
                }
            }
        self.channel = channel
        self.port = channel.channel.localAddress?.port ?? 0
        self.task = Task { [endpoint, catalog, served, log] in
            try? await channel.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in inbound {
                            group.addTask { await Self.serve(connection, endpoint, catalog, served, log) }
                        }
                    } catch {}
                }
            }
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        try? await channel.channel.close()
        task.cancel()
        await task.value
    }

    /// Extra documents served at their paths with an ETag (a 304 for a matching
    /// `If-None-Match`), e.g. ServiceAccount issuer discovery; tests may replace them.
    final class Served: Sendable {
        let documents: Mutex<[String: [UInt8]]>
        /// Requests for `documents`, by the status answered (200 or 304).
        let answers = Mutex<[Int: Int]>([:])
        /// Whether protobuf request bodies are taken (decoded as the real front does) or refused with 415.
        let protobufBodies: Bool
        init(documents: [String: [UInt8]], protobufBodies: Bool = true) {
            self.documents = Mutex(documents)
            self.protobufBodies = protobufBodies
        }
    }

    /// How the server answers a list that asks for `as=PartialObjectMetadataList`.
    enum MetadataSupport: Sendable {
        /// As kube-apiserver: the list's items reduced to their metadata.
        case serve
        /// As a server without the transform that falls back to plain JSON: the full list.
        case ignore
        /// 406 Not Acceptable.
        case refuse
    }

    /// One API request as the server saw it.
    struct RecordedRequest: Sendable {
        var method: String
        var path: String
        var query: [String: [String]]
        var accept: String
        var verb: APIVerb
        /// Answered as a PartialObjectMetadataList.
        var metadata: Bool
    }

    /// The requests answered, and how metadata lists are answered (tests may switch it).
    final class RequestLog: Sendable {
        let requests = Mutex<[RecordedRequest]>([])
        let metadata = Mutex<MetadataSupport>(.serve)
        var count: Int { requests.withLock { $0.count } }
        /// The requests after the first `from`.
        func since(_ from: Int) -> [RecordedRequest] { requests.withLock { Array($0.dropFirst(from)) } }
    }

    static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ endpoint: Endpoint,
        _ catalog: ResourceCatalog, _ served: Served, _ log: RequestLog
    )
        async
    {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body = []
                case .body(var b):
                    body += b.readBytes(length: b.readableBytes) ?? []
                case .end:
                    guard let h = head else { continue }
                    if try await respondDocument(h, served, outbound) { continue }
                    try await respond(
                        h, body, endpoint, catalog, outbound, log, protobufBodies: served.protobufBodies)
                }
            }
        }
    }

    /// Answers a request for one of the extra documents (true), with its ETag (the body's
    /// hash) and a 304 when `If-None-Match` names it.
    static func respondDocument(
        _ head: HTTPRequestHead, _ served: Served, _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        let path = URLComponents(string: head.uri)?.path ?? head.uri
        guard head.method == .GET, let document = served.documents.withLock({ $0[path] }) else { return false }
        var hasher = Hasher()
        hasher.combine(document)
        let tag = "\"\(UInt(bitPattern: hasher.finalize()))\""
        let notModified = head.headers["If-None-Match"].contains(tag)
        let code = notModified ? 304 : 200
        served.answers.withLock { $0[code, default: 0] += 1 }
        let bytes = notModified ? [] : document
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "ETag", value: tag)
        headers.add(name: "Content-Length", value: String(bytes.count))
        try await outbound.write(
            .head(HTTPResponseHead(version: head.version, status: .init(statusCode: code), headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
        try await outbound.write(.end(nil))
        return true
    }

    static func respond(
        _ head: HTTPRequestHead, _ body: [UInt8], _ endpoint: Endpoint, _ catalog: ResourceCatalog,
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, _ log: RequestLog,
        protobufBodies: Bool = true
    ) async throws {
        func send(_ code: Int, _ bytes: [UInt8]) async throws {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(bytes.count))
            try await outbound.write(
                .head(HTTPResponseHead(version: head.version, status: .init(statusCode: code), headers: headers)))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
            try await outbound.write(.end(nil))
        }
        let components = URLComponents(string: head.uri)
        let path = components?.path ?? head.uri
        var query: [String: [String]] = [:]
        for item in components?.queryItems ?? [] { query[item.name, default: []].append(item.value ?? "") }
        switch path {
        case "/version":
            return try await send(200, Array(#"{"major":"1","minor":"33","gitVersion":"v1.33.0-ake-test"}"#.utf8))
        case "/api":
            return try await send(200, Array(#"{"kind":"APIVersions","versions":["v1"]}"#.utf8))
        case "/apis":
            return try await send(200, Self.groupList(catalog))
        default: break
        }
        var segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        if segments.count == 3, segments[0] == "apis" {
            let list = Self.resourceList(catalog, group: segments[1], version: segments[2])
            guard let list else { return try await send(404, []) }
            return try await send(200, list)
        }
        let gvr: (String, String)
        if segments.first == "api", segments.count >= 2 {
            gvr = ("", segments[1])
            segments.removeFirst(2)
        } else if segments.first == "apis", segments.count >= 3 {
            gvr = (segments[1], segments[2])
            segments.removeFirst(3)
        } else {
            return try await send(
                404,
                Array(#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#.utf8))
        }
        var namespace: String?
        if segments.count >= 3, segments[0] == "namespaces" {
            namespace = segments[1]
            segments.removeFirst(2)
        }
        guard let resource = segments.first else { return try await send(404, []) }
        let name = segments.count > 1 ? segments[1] : nil
        let sub = segments.count > 2 ? segments[2] : nil
        let verb: APIVerb
        switch head.method {
        case .GET:
            verb =
                name != nil ? .get : (query["watch"]?.first == "true" || query["watch"]?.first == "1" ? .watch : .list)
        case .POST: verb = .create
        case .PUT: verb = .update
        case .PATCH: verb = .patch
        case .DELETE: verb = name != nil ? .delete : .deletecollection
        default: return try await send(405, [])
        }
        let accept = head.headers["Accept"].joined(separator: ", ")
        let wantsMetadata = verb == .list && accept.contains("as=PartialObjectMetadataList")
        let support = log.metadata.withLock { $0 }
        log.requests.withLock {
            $0.append(
                RecordedRequest(
                    method: "\(head.method)", path: path, query: query, accept: accept, verb: verb,
                    metadata: wantsMetadata && support == .serve))
        }
        if wantsMetadata && support == .refuse {
            return try await send(
                406,
                Array(
                    #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"only application/json is served","reason":"NotAcceptable","code":406}"#
                        .utf8))
        }
        if verb == .watch { query["watch"] = nil }
        var body = body
        var contentType = head.headers["Content-Type"].first
        if contentType == "application/vnd.kubernetes.protobuf" {
            // As the real front does: a protobuf body becomes the JSON it says.
            guard protobufBodies, let json = try? ProtobufBody.decode(body) else { return try await send(415, []) }
            body = json
            contentType = "application/json"
        }
        let request = APIRequest(
            verb: verb, resource: GroupVersionResource(group: gvr.0, version: gvr.1, resource: resource),
            namespace: namespace, name: name, subresource: sub, query: query, body: body.isEmpty ? nil : body,
            contentType: contentType, client: "test")
        switch await endpoint.handle(request) {
        case .response(let r):
            if wantsMetadata && support == .serve && r.code == 200, let list = try? JSONValue(parsing: r.body) {
                // What kube-apiserver's asPartialObjectMetadataList makes of a list.
                let items = (list["items"]?.arrayValue ?? []).map { item -> JSONValue in
                    [
                        "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                        "metadata": item["metadata"] ?? [:],
                    ]
                }
                let partial: JSONValue = [
                    "kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                    "metadata": list["metadata"] ?? [:], "items": .array(items),
                ]
                return try await send(200, partial.serialized())
            }
            try await send(r.code, r.body)
        case .watch(let stream):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Transfer-Encoding", value: "chunked")
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers)))
            for try await event in stream {
                var line: [UInt8] =
                    Array(#"{"type":""#.utf8) + Array(event.type.rawValue.utf8) + Array(#"","object":"#.utf8)
                line += event.object
                line += Array("}\n".utf8)
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: line))))
            }
            try await outbound.write(.end(nil))
        }
    }

    /// Discovery of the custom (dotted) API groups only: the built-in ones are the edge's
    /// own, so the tests of everything else see the same upstream as before.
    static func groupList(_ catalog: ResourceCatalog) -> [UInt8] {
        let groups: [JSONValue] = catalog.groups().filter { $0.group.contains(".") }.map { g in
            [
                "name": .string(g.group),
                "versions": .array(
                    g.versions.map { ["groupVersion": .string("\(g.group)/\($0)"), "version": .string($0)] }),
                "preferredVersion": [
                    "groupVersion": .string("\(g.group)/\(g.preferred)"), "version": .string(g.preferred),
                ],
            ]
        }
        let list: JSONValue = ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
        return list.serialized()
    }

    /// The APIResourceList of a custom group/version, nil when the catalog has none.
    static func resourceList(_ catalog: ResourceCatalog, group: String, version: String) -> [UInt8]? {
        let infos = catalog.resources(group: group, version: version)
        guard group.contains("."), !infos.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for info in infos {
            resources.append([
                "name": .string(info.gvr.resource), "singularName": .string(info.singular),
                "namespaced": .bool(info.namespaced), "kind": .string(info.kind),
                "verbs": .array(info.verbs.map { .string($0) }),
            ])
            for sub in info.subresources.sorted() {
                resources.append([
                    "name": .string("\(info.gvr.resource)/\(sub)"), "singularName": "",
                    "namespaced": .bool(info.namespaced), "kind": .string(info.kind),
                    "verbs": ["get", "patch", "update"],
                ])
            }
        }
        let list: JSONValue = [
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string("\(group)/\(version)"),
            "resources": .array(resources),
        ]
        return list.serialized()
    }
}
