import AsyncHTTPClient
import Foundation
import KubeHTTP
import KubeModel
import KubeProtobuf
import Metrics
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A response from the upstream API server.
public struct UpstreamResponse: Sendable {
    public var code: Int
    public var body: [UInt8]
    public var warnings: [String]
    /// The response's `Content-Type`, if it sent one.
    public var contentType: String?
    /// The response's `ETag`, if it sent one (discovery and OpenAPI documents).
    public var etag: String?
    /// The body's bytes on the wire (before gunzip), plus the header estimate the traffic
    /// counters use.
    public var wireBytes = 0
    public init(code: Int, body: [UInt8], warnings: [String] = [], contentType: String? = nil, etag: String? = nil) {
        self.code = code
        self.body = body
        self.warnings = warnings
        self.contentType = contentType
        self.etag = etag
    }

    /// The Status an error response carries (or a synthesized one).
    public var statusError: StatusError {
        if let value = try? JSONValue(parsing: body), let status = StatusError(statusObject: value) {
            return status
        }
        return StatusError(
            code: code, reason: code == 503 ? "ServiceUnavailable" : "InternalError",
            message: "upstream answered \(code): \(String(decoding: body.prefix(200), as: UTF8.self))")
    }
}

/// Traffic counters of the link (for metrics and the edge-sync benchmark).
public struct UpstreamTraffic: Sendable, Hashable {
    public var requests: Int
    public var bytesReceived: Int
    public var bytesSent: Int
}

/// The encoding the edge asks the upstream for when it lists and watches.
public enum UpstreamContentType: String, Sendable, CaseIterable {
    /// JSON for everything.
    case json
    /// Kubernetes protobuf for the built-in kinds AKE's type table describes (JSON for the
    /// others, and for a resource whose protobuf once failed to decode): about half the bytes
    /// of JSON. Decoded into the JSON kube-apiserver would have sent, so the log stores the same.
    case protobuf
}

/// The HTTP(S) connection to the upstream Kubernetes API server (a cluster, or another
/// `ake serve`), over AsyncHTTPClient. TLS verification is on unless the kubeconfig
/// sets `insecure-skip-tls-verify`.
public final class UpstreamConnection: Sendable {
    public let config: Kubeconfig
    let client: HTTPClient
    /// Deadline for one non-watch request.
    public let requestTimeout: TimeAmount
    private let requests = Atomic<Int>(0)
    private let received = Atomic<Int>(0)
    private let sent = Atomic<Int>(0)
    /// The same traffic per scope/resource/purpose, as swift-metrics counters.
    let meters: UpstreamMeters
    /// What lists and watches ask for.
    public let contentType: UpstreamContentType
    /// Resources whose protobuf did not decode (an upstream newer than the type table):
    /// asked for in JSON from then on.
    private let jsonOnly = Mutex<Set<GroupVersionResource>>([])

    /// - Parameter metricsFactory: where the traffic counters go (`ake_upstream_*`, see
    ///   ``TrafficLabels``); the process-wide swift-metrics backend by default.
    /// - Parameter contentType: the encoding lists and watches ask for.
    public init(
        config: Kubeconfig, requestTimeout: TimeAmount = .seconds(30),
        metricsFactory: any MetricsFactory = MetricsSystem.factory, contentType: UpstreamContentType = .protobuf
    ) throws {
        self.contentType = contentType
        guard config.server.hasPrefix("https://") || config.server.hasPrefix("http://") else {
            throw SyncError.badUpstream("server \"\(config.server)\" is not an http(s) URL")
        }
        self.config = config
        self.requestTimeout = requestTimeout
        self.meters = UpstreamMeters(factory: metricsFactory)
        var configuration: HTTPClient.Configuration
        do {
            configuration = try config.httpClientConfiguration()
        } catch {
            throw SyncError.badUpstream("bad certificate or key in kubeconfig: \(error)")
        }
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Releases the connection pool.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Bytes and requests so far.
    public var traffic: UpstreamTraffic {
        UpstreamTraffic(
            requests: requests.load(ordering: .relaxed), bytesReceived: received.load(ordering: .relaxed),
            bytesSent: sent.load(ordering: .relaxed))
    }

    func makeRequest(
        method: HTTPMethod, path: String, query: [String: [String]], body: [UInt8]?, contentType: String?,
        accept: String = "application/json", labels: TrafficLabels
    ) -> HTTPClientRequest {
        let req = config.request(
            method: method, path: path, query: query, body: body, contentType: contentType, accept: accept,
            userAgent: "ake-edge")
        let bytes = req.url.utf8.count + 64 + (body?.count ?? 0)
        sent.add(bytes, ordering: .relaxed)
        requests.add(1, ordering: .relaxed)
        let m = meters.meters(labels)
        m.sent.increment(by: bytes)
        m.requests.increment()
        return req
    }

    /// One request with a bounded deadline; the whole body is read (at most 1 GiB).
    /// `labels` say what it is for in the traffic metrics; `accept` overrides the
    /// `Accept: application/json` header (aggregated discovery asks for more).
    /// `ifNoneMatch` makes the request conditional: an unchanged document comes back as
    /// 304 Not Modified with no body.
    public func send(
        _ method: HTTPMethod, path: String, query: [String: [String]] = [:], body: [UInt8]? = nil,
        contentType: String? = nil, accept: String = "application/json", timeout: TimeAmount? = nil,
        ifNoneMatch: String? = nil, labels: TrafficLabels = .other
    ) async throws -> UpstreamResponse {
        var request = makeRequest(
            method: method, path: path, query: query, body: body, contentType: contentType, accept: accept,
            labels: labels)
        if let ifNoneMatch { request.headers.add(name: "If-None-Match", value: ifNoneMatch) }
        // Large answers (lists) come gzipped from kube-apiserver and AKE; the traffic
        // counters see the bytes on the wire, the caller the inflated body.
        if method == .GET { request.headers.add(name: "Accept-Encoding", value: "gzip") }
        do {
            let response = try await client.execute(request, timeout: timeout ?? requestTimeout)
            var buffer = try await response.body.collect(upTo: 1 << 30)
            var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let wire = bytes.count + 64
            countReceived(wire, labels)
            if response.headers.first(name: "Content-Encoding")?.lowercased() == "gzip" {
                do { bytes = try ResponseCompression.gunzip(bytes, limit: 1 << 30) } catch {
                    throw SyncError.transport("\(method) \(path): the gzipped body does not inflate: \(error)")
                }
            }
            var answer = UpstreamResponse(
                code: Int(response.status.code), body: bytes, warnings: response.headers["Warning"],
                contentType: response.headers.first(name: "Content-Type"), etag: response.headers.first(name: "ETag"))
            answer.wireBytes = wire
            return answer
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError.transport("\(method) \(path): \(error)")
        }
    }

    /// Sends one API request upstream (a forwarded write); its answer as `sendObject`'s.
    /// A create or update body goes in protobuf when `protobufBody` can say the same.
    public func send(_ request: APIRequest, timeout: TimeAmount? = nil, labels: TrafficLabels = .other)
        async throws -> UpstreamResponse
    {
        if let encoded = protobufBody(request) {
            let response = try await sendObject(
                request.verb.method, path: request.path, resource: request.resource,
                subresource: request.subresource, query: request.wireQuery, body: encoded,
                contentType: "application/vnd.kubernetes.protobuf", timeout: timeout, labels: labels)
            // An upstream that takes no protobuf bodies applied nothing: JSON from now on.
            guard response.code == 415 else { return response }
            jsonOnly.withLock { _ = $0.insert(request.resource) }
        }
        return try await sendObject(
            request.verb.method, path: request.path, resource: request.resource, subresource: request.subresource,
            query: request.wireQuery, body: request.body, contentType: request.contentType, timeout: timeout,
            labels: labels)
    }

    /// `sendObject` of a create (POST) or update (PUT) of `object`: in protobuf when
    /// `protobufBody` can say the same, else (or after a 415 from an upstream that takes
    /// no protobuf bodies: it applied nothing) in JSON.
    public func sendObject(
        _ method: HTTPMethod, path: String, resource: GroupVersionResource, subresource: String? = nil,
        object: JSONValue, timeout: TimeAmount? = nil, labels: TrafficLabels = .other
    ) async throws -> UpstreamResponse {
        if let encoded = protobufBody(object, resource: resource, subresource: subresource) {
            let response = try await sendObject(
                method, path: path, resource: resource, subresource: subresource, body: encoded,
                contentType: "application/vnd.kubernetes.protobuf", timeout: timeout, labels: labels)
            guard response.code == 415 else { return response }
            jsonOnly.withLock { _ = $0.insert(resource) }
        }
        return try await sendObject(
            method, path: path, resource: resource, subresource: subresource, body: object.serialized(),
            contentType: "application/json", timeout: timeout, labels: labels)
    }

    /// A create or update body (the object or its `status`) in protobuf, when the link
    /// speaks protobuf, the kind has an encoding, and the encoding says exactly what the
    /// JSON says: decoded again it gives the same members. Nil otherwise — the body then
    /// goes as JSON, as the client sent it: members the protobuf form would drop (unknown
    /// fields, which the cloud may have to warn about or refuse; explicit nulls; empty
    /// lists) or a patch, whose body has no protobuf form.
    func protobufBody(_ request: APIRequest) -> [UInt8]? {
        guard request.verb == .create || request.verb == .update,
            request.contentType == nil || request.contentType == "application/json",
            let body = request.body, let json = try? JSONValue(parsing: body)
        else { return nil }
        return protobufBody(json, resource: request.resource, subresource: request.subresource)
    }

    /// `protobufBody` of an object to create or update (the reconciler's uploads).
    func protobufBody(_ json: JSONValue, resource: GroupVersionResource, subresource: String?) -> [UInt8]? {
        guard contentType == .protobuf, subresource == nil || subresource == "status",
            Self.protobufResources.contains(resource), !jsonOnly.withLock({ $0.contains(resource) }),
            let encoded = try? ProtobufEncoder.builtIn.encode(json),
            let decoded = try? ProtobufBody.decodeObject(encoded[...], flavor: .requestBody),
            Self.saysTheSame(decoded, as: json)
        else { return nil }
        return encoded
    }

    /// Whether `decoded` (a protobuf body decoded again) says what `json` says: every
    /// member of `json` is there with the same value (objects member by member, arrays
    /// element by element), and a member only `decoded` has is a zero value (`""`, 0,
    /// false, null, `{}`, `[]`): a non-pointer Go field the JSON left out, which decodes
    /// to that zero value either way (Event's `reportingComponent`). A member the JSON
    /// has and the protobuf lost (an unknown field, a pointer field set to its zero
    /// value and dropped) makes it not the same.
    static func saysTheSame(_ decoded: JSONValue, as json: JSONValue) -> Bool {
        switch (decoded, json) {
        case (.object(let d), .object(let j)):
            for (key, value) in j {
                guard let other = d[key], saysTheSame(other, as: value) else { return false }
            }
            for (key, value) in d where j[key] == nil {
                guard isZero(value) else { return false }
            }
            return true
        case (.array(let d), .array(let j)):
            return d.count == j.count && zip(d, j).allSatisfy { saysTheSame($0, as: $1) }
        default:
            return decoded == json
        }
    }

    static func isZero(_ value: JSONValue) -> Bool {
        switch value {
        case .null, .string(""), .bool(false): true
        case .number(let n): n.text == "0"
        case .object(let o): o.isEmpty
        case .array(let a): a.isEmpty
        default: false
        }
    }

    /// `send` of a request answered with one object of `resource` or a Status (a forwarded
    /// write, the reconciler's requests): asks for protobuf first, as lists and watches do,
    /// when configured and the kind decodes (the object itself or its `status`; other
    /// subresources answer other kinds), and hands back JSON — a protobuf answer decoded
    /// as the cloud would have written it in JSON — so callers never see protobuf.
    /// A protobuf answer that does not decode throws (the request may have been applied:
    /// its fate is unknown to the caller) and the resource is asked for in JSON from then on.
    public func sendObject(
        _ method: HTTPMethod, path: String, resource: GroupVersionResource, subresource: String? = nil,
        query: [String: [String]] = [:], body: [UInt8]? = nil, contentType: String? = nil,
        timeout: TimeAmount? = nil, labels: TrafficLabels = .other
    ) async throws -> UpstreamResponse {
        let accept = subresource == nil || subresource == "status" ? accept(for: resource) : "application/json"
        var response = try await send(
            method, path: path, query: query, body: body, contentType: contentType, accept: accept, timeout: timeout,
            labels: labels)
        guard Self.isProtobuf(response.contentType) else { return response }
        do {
            response.body = try ProtobufBody.decodeObject(response.body[...], flavor: .goJSON).serialized()
        } catch {
            throw fallBackToJSON(resource, error)
        }
        response.contentType = "application/json"
        return response
    }

    /// The `Accept` of a list or watch of `resource`: protobuf first (with the JSON fallback
    /// kubelet sends, which kube-apiserver uses for custom resources) when configured and the
    /// kind is one the type table decodes.
    func accept(for resource: GroupVersionResource) -> String {
        guard contentType == .protobuf, Self.protobufResources.contains(resource),
            !jsonOnly.withLock({ $0.contains(resource) })
        else { return "application/json" }
        return "application/vnd.kubernetes.protobuf, application/json"
    }

    /// Built-in resources whose kind (and list kind) the protobuf decoder knows.
    static let protobufResources: Set<GroupVersionResource> = {
        let encoder = ProtobufEncoder.builtIn
        var set = Set<GroupVersionResource>()
        for info in ResourceCatalog.builtIn().all() {
            let g = info.gvr
            let apiVersion = g.group.isEmpty ? g.version : "\(g.group)/\(g.version)"
            if encoder.canEncode(apiVersion: apiVersion, kind: info.kind),
                encoder.canEncode(apiVersion: apiVersion, kind: info.listKind)
            {
                set.insert(g)
            }
        }
        return set
    }()

    /// Whether a response is protobuf.
    static func isProtobuf(_ contentType: String?) -> Bool {
        contentType?.lowercased().hasPrefix("application/vnd.kubernetes.protobuf") ?? false
    }

    /// After protobuf from the upstream failed to decode: JSON for this resource from now on.
    func fallBackToJSON(_ resource: GroupVersionResource, _ error: any Error) -> SyncError {
        jsonOnly.withLock { _ = $0.insert(resource) }
        return SyncError.decoding(
            "protobuf from the upstream for \(resource) did not decode (asking for JSON from now on): \(error)")
    }

    /// The path and query of one page of a scope's list: its selectors, `limit`, `continue`.
    static func pageRequest(_ scope: ScopeSelector, continueToken: String?, limit: Int) -> (
        path: String, query: [String: [String]]
    ) {
        var query: [String: [String]] = ["limit": [String(limit)]]
        if let continueToken { query["continue"] = [continueToken] }
        if !scope.labelSelector.isEmpty { query["labelSelector"] = [scope.labelSelector] }
        if !scope.fieldSelector.isEmpty { query["fieldSelector"] = [scope.fieldSelector] }
        return (Kubeconfig.path(scope.resource, namespace: scope.namespace, name: nil, subresource: nil), query)
    }

    /// One list page of a scope (limit/continue), decoded. `json`: ask for JSON even where
    /// lists are asked for in protobuf (see ``ListEncodingChoice``).
    public func listPage(
        _ scope: ScopeSelector, continueToken: String?, limit: Int = 500, json: Bool = false,
        labels: TrafficLabels = .other
    ) async throws -> ListPage {
        let (path, query) = Self.pageRequest(scope, continueToken: continueToken, limit: limit)
        let response = try await send(
            .GET, path: path, query: query, accept: json ? "application/json" : accept(for: scope.resource),
            labels: labels)
        if Self.isProtobuf(response.contentType) {
            let list: JSONValue
            do {
                list = try ProtobufBody.decodeObject(response.body[...], flavor: .goJSON)
            } catch {
                throw fallBackToJSON(scope.resource, error)
            }
            guard response.code == 200 else {
                throw SyncError.upstream(
                    StatusError(statusObject: list)
                        ?? StatusError(
                            code: response.code, reason: "InternalError", message: "upstream answered \(response.code)")
                )
            }
            var page = try ListPage(list: list)
            page.wireBytes = response.wireBytes
            return page
        }
        guard response.code == 200 else { throw SyncError.upstream(response.statusError) }
        var page = try ListPage(decoding: response.body)
        page.wireBytes = response.wireBytes
        return page
    }

    /// The `Accept` of a metadata-only list: `PartialObjectMetadataList` (meta.k8s.io/v1, as
    /// client-go's metadata client asks; in protobuf first when lists of `resource` are asked
    /// for in protobuf), with plain JSON as the fallback a server without the transform answers.
    func metadataListAccept(for resource: GroupVersionResource) -> String {
        let json = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json"
        guard accept(for: resource) != "application/json" else { return json }
        return "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, " + json
    }

    /// One page of a scope's list as metadata only (same selectors, `limit`/`continue`).
    /// An upstream that ignores the metadata form answers a full page, returned as such.
    public func listMetadataPage(
        _ scope: ScopeSelector, continueToken: String?, limit: Int = 500, labels: TrafficLabels = .other
    ) async throws -> MetadataListAnswer {
        let (path, query) = Self.pageRequest(scope, continueToken: continueToken, limit: limit)
        let response = try await send(
            .GET, path: path, query: query, accept: metadataListAccept(for: scope.resource), labels: labels)
        let value = try decodedAnswer(response, scope.resource, what: "metadata list")
        if value["kind"]?.stringValue == "PartialObjectMetadataList" {
            return .metadata(try MetadataListPage(list: value))
        }
        var page = try ListPage(list: value)
        page.wireBytes = response.wireBytes
        return .full(page)
    }

    /// GETs one object of a scope's resource, at least as new as `notOlderThan` (sent as
    /// `resourceVersion`, which kube-apiserver answers from its watch cache); nil when the
    /// upstream has no such object (404).
    public func getObject(
        _ resource: GroupVersionResource, namespace: String, name: String, notOlderThan rv: String,
        labels: TrafficLabels = .other
    ) async throws -> UpstreamObject? {
        let path = Kubeconfig.path(
            resource, namespace: namespace.isEmpty ? nil : namespace, name: name, subresource: nil)
        let query: [String: [String]] = rv.isEmpty ? [:] : ["resourceVersion": [rv]]
        let response = try await send(.GET, path: path, query: query, accept: accept(for: resource), labels: labels)
        if response.code == 404 { return nil }
        return try UpstreamObject(json: decodedAnswer(response, resource, what: "get \(path)"))
    }

    /// A 200 answer's body (protobuf decoded to the JSON it says; a protobuf that does not
    /// decode switches `resource` to JSON), or the upstream's Status as `SyncError.upstream`.
    private func decodedAnswer(_ response: UpstreamResponse, _ resource: GroupVersionResource, what: String) throws
        -> JSONValue
    {
        let value: JSONValue
        if Self.isProtobuf(response.contentType) {
            do { value = try ProtobufBody.decodeObject(response.body[...], flavor: .goJSON) } catch {
                throw fallBackToJSON(resource, error)
            }
        } else {
            do { value = try JSONValue(parsing: response.body) } catch {
                guard response.code == 200 else { throw SyncError.upstream(response.statusError) }
                throw SyncError.decoding("\(what): \(error)")
            }
        }
        guard response.code == 200 else {
            throw SyncError.upstream(
                StatusError(statusObject: value)
                    ?? StatusError(
                        code: response.code, reason: "InternalError", message: "upstream answered \(response.code)"))
        }
        return value
    }

    /// Opens a watch of a scope from `upstreamRV` with bookmarks; the server ends it
    /// after `timeoutSeconds`. Throws `SyncError.upstream` (410 included) when the
    /// server refuses.
    public func watch(
        _ scope: ScopeSelector, fromUpstreamRV rv: String, timeoutSeconds: Int = 300, labels: TrafficLabels = .other
    ) async throws -> UpstreamWatch {
        var query: [String: [String]] = [
            "watch": ["true"], "allowWatchBookmarks": ["true"], "timeoutSeconds": [String(timeoutSeconds)],
            "resourceVersion": [rv],
        ]
        if !scope.labelSelector.isEmpty { query["labelSelector"] = [scope.labelSelector] }
        if !scope.fieldSelector.isEmpty { query["fieldSelector"] = [scope.fieldSelector] }
        let path = Kubeconfig.path(scope.resource, namespace: scope.namespace, name: nil, subresource: nil)
        let request = makeRequest(
            method: .GET, path: path, query: query, body: nil, contentType: nil, accept: accept(for: scope.resource),
            labels: labels)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(timeoutSeconds) + 60))
        } catch {
            throw SyncError.transport("watch \(scope): \(error)")
        }
        let protobuf = Self.isProtobuf(response.headers.first(name: "Content-Type"))
        if response.status.code != 200 {
            var buffer = try await response.body.collect(upTo: 1 << 20)
            var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            countReceived(bytes.count + 64, labels)
            if protobuf, let json = try? ProtobufBody.decodeObject(bytes[...], flavor: .goJSON) {
                bytes = json.serialized()
            }
            throw SyncError.upstream(UpstreamResponse(code: Int(response.status.code), body: bytes).statusError)
        }
        countReceived(64, labels)
        return UpstreamWatch(
            body: response.body, counter: self, meters: meters.meters(labels),
            protobuf: protobuf ? scope.resource : nil)
    }

    func countReceived(_ n: Int, _ labels: TrafficLabels) {
        received.add(n, ordering: .relaxed)
        meters.meters(labels).received.increment(by: n)
    }

    func countReceived(_ n: Int, _ meters: UpstreamMeters.Meters) {
        received.add(n, ordering: .relaxed)
        meters.received.increment(by: n)
    }
}

/// One decoded list page.
public struct ListPage: Sendable {
    public var objects: [UpstreamObject]
    public var upstreamRV: String
    public var continueToken: String?
    /// The page's bytes on the wire (0 when not read from the network).
    public var wireBytes = 0

    public init(objects: [UpstreamObject], upstreamRV: String, continueToken: String?) {
        self.objects = objects
        self.upstreamRV = upstreamRV
        self.continueToken = continueToken
    }

    /// Decodes a `…List` body; items get their kind/apiVersion from the list.
    public init(decoding bytes: [UInt8]) throws {
        let value: JSONValue
        do { value = try JSONValue(parsing: bytes) } catch { throw SyncError.decoding("list: \(error)") }
        try self.init(list: value)
    }

    /// Reads a parsed `…List`; items get their kind/apiVersion from the list.
    public init(list value: JSONValue) throws {
        guard let items = value["items"]?.arrayValue ?? (value["items"]?.isNull == true ? [] : nil) else {
            throw SyncError.decoding("list without items")
        }
        let listKind = value["kind"]?.stringValue ?? ""
        let kind = listKind.hasSuffix("List") ? String(listKind.dropLast(4)) : listKind
        let apiVersion = value["apiVersion"]?.stringValue
        upstreamRV = value["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let token = value["metadata"]?["continue"]?.stringValue
        continueToken = (token?.isEmpty ?? true) ? nil : token
        objects = try items.map { item in
            var item = item
            // Items of a list carry no kind/apiVersion on the wire; stored objects must.
            if item.kind == nil, !kind.isEmpty { item.kind = kind }
            if item.apiVersion == nil, let apiVersion { item.apiVersion = apiVersion }
            return try UpstreamObject(json: item)
        }
    }
}

extension UpstreamObject {
    /// Reads the identity of an object JSON.
    public init(json: JSONValue) throws {
        guard let name = json.name, !name.isEmpty else { throw SyncError.decoding("object without metadata.name") }
        self.init(
            namespace: json.namespace ?? "", name: name, uid: json.uid ?? "",
            upstreamRV: json.resourceVersion ?? "", bytes: json.serialized())
    }
}

/// The events of an open upstream watch: JSON lines, or length-delimited protobuf frames
/// when the upstream answered protobuf.
public struct UpstreamWatch: AsyncSequence, Sendable {
    public typealias Element = UpstreamWatchEvent
    let body: HTTPClientResponse.Body
    let counter: UpstreamConnection
    let meters: UpstreamMeters.Meters
    /// The resource, when the stream is protobuf.
    let protobuf: GroupVersionResource?

    public struct AsyncIterator: AsyncIteratorProtocol {
        /// JSON lines (nil for a protobuf stream).
        var lines: WatchLineSplitter<HTTPClientResponse.Body.AsyncIterator>?
        /// The body's chunks of a protobuf stream (nil for JSON).
        var chunks: HTTPClientResponse.Body.AsyncIterator?
        var frames = LengthDelimitedFrames()
        let counter: UpstreamConnection
        let meters: UpstreamMeters.Meters
        let protobuf: GroupVersionResource?

        public mutating func next() async throws -> UpstreamWatchEvent? {
            if let resource = protobuf { return try await nextFrame(resource) }
            let next: [UInt8]?
            do { next = try await lines?.next() } catch let tooLong as WatchLineTooLong {
                throw SyncError.decoding(tooLong.description)
            }
            guard let line = next else { return nil }
            counter.countReceived(line.count + 1, meters)
            return try UpstreamWatchEvent(line: line)
        }

        /// The next protobuf frame's event.
        private mutating func nextFrame(_ resource: GroupVersionResource) async throws -> UpstreamWatchEvent? {
            while true {
                let payload: [UInt8]?
                do { payload = try frames.next() } catch { throw SyncError.decoding("\(error)") }
                if let payload {
                    counter.countReceived(payload.count + 4, meters)
                    let decoded: (type: String, object: JSONValue)
                    do { decoded = try ProtobufWatchFrame.decode(payload[...]) } catch {
                        throw counter.fallBackToJSON(resource, error)
                    }
                    return try UpstreamWatchEvent(type: decoded.type, object: decoded.object)
                }
                guard let chunk = try await chunks?.next() else {
                    guard frames.pendingCount == 0 else {
                        throw SyncError.decoding("watch stream ended inside a frame")
                    }
                    return nil
                }
                frames.append(chunk.readableBytesView)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        // The body is iterated once: by the line splitter, or chunk by chunk for frames.
        AsyncIterator(
            lines: protobuf == nil ? WatchLineSplitter(body.makeAsyncIterator()) : nil,
            chunks: protobuf == nil ? nil : body.makeAsyncIterator(), counter: counter, meters: meters,
            protobuf: protobuf)
    }
}

extension UpstreamWatchEvent {
    /// Decodes one `{"type":..,"object":..}` line.
    public init(line: [UInt8]) throws {
        let value: JSONValue
        do { value = try JSONValue(parsing: line) } catch { throw SyncError.decoding("watch line: \(error)") }
        guard let type = value["type"]?.stringValue, let object = value["object"] else {
            throw SyncError.decoding("watch line without type/object")
        }
        try self.init(type: type, object: object)
    }

    /// An event from its type and object.
    public init(type: String, object: JSONValue) throws {
        switch type {
        case "ADDED": self = .added(try UpstreamObject(json: object))
        case "MODIFIED": self = .modified(try UpstreamObject(json: object))
        case "DELETED": self = .deleted(try UpstreamObject(json: object))
        case "BOOKMARK": self = .bookmark(upstreamRV: object.resourceVersion ?? "")
        case "ERROR":
            let status = StatusError(statusObject: object)
            self = .error(code: status?.code ?? 500, message: status?.message ?? "watch error")
        default: throw SyncError.decoding("unknown watch event type \(type)")
        }
    }
}

/// Which encoding a scope's list asks for. Protobuf is about two thirds of JSON's bytes, but
/// kube-apiserver gzips only responses over 128 KiB (``ResponseCompression/thresholdBytes``):
/// a page whose JSON is over the threshold comes gzipped — about a tenth of its size for
/// Kubernetes objects — while the same page in protobuf may stay under it and come as it is
/// (a node's 10,000-pod-shaped list: 178 KB of JSON gzipped to 12 KB, against 122 KB of
/// protobuf sent raw). Above the threshold in both encodings, both are gzipped and differ
/// little. So a list whose pages are expected over the threshold in JSON asks for JSON; a
/// smaller one, or one the edge knows nothing about yet (its first list), asks for protobuf.
public enum ListEncodingChoice {
    /// Whether to ask for JSON, from the JSON bytes of the objects the scope holds (a
    /// sample's mean × count) and the page size.
    /// - Parameters:
    ///   - objects: how many objects the scope holds (0 = never listed: no estimate).
    ///   - meanObjectBytes: the mean JSON size of those objects.
    ///   - pageSize: the `limit` of each page.
    public static func asksForJSON(objects: Int, meanObjectBytes: Int, pageSize: Int) -> Bool {
        guard objects > 0, meanObjectBytes > 0 else { return false }
        let page = min(objects, max(pageSize, 1)) * meanObjectBytes
        return page > ResponseCompression.thresholdBytes
    }
}
