import AsyncHTTPClient
import KubeModel
import NIOCore
import NIOHTTP1
import NIOSSL
import Sync

/// Talks to any Kubernetes API server (AKE or kube-apiserver) over HTTP(S) with
/// AsyncHTTPClient. TLS verification is on unless the kubeconfig says otherwise.
public final class HTTPTransport: KubeTransport {
    public let config: Kubeconfig
    let client: HTTPClient
    let userAgent: String
    /// Bound on a non-watch request.
    public let requestTimeout: TimeAmount

    /// - Parameters:
    ///   - config: where and how to connect.
    ///   - requestTimeout: deadline for a non-watch request (watches are bounded by their own `timeoutSeconds`).
    public init(config: Kubeconfig, userAgent: String = "ake-kubeclient", requestTimeout: TimeAmount = .seconds(60))
        throws
    {
        self.config = config
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
        let configuration: HTTPClient.Configuration
        do {
            configuration = try config.httpClientConfiguration()
        } catch {
            throw KubeClientError.configuration("bad certificate or key in kubeconfig: \(error)")
        }
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Releases the connection pool. Call once when done.
    public func shutdown() async throws { try await client.shutdown() }

    func makeRequest(_ r: KubeRequest) -> HTTPClientRequest {
        var query = r.query
        if r.verb == .watch { query["watch"] = ["true"] }
        var url = config.server + Kubeconfig.path(r.resource, namespace: r.namespace, name: r.name, subresource: r.subresource)
        let qs = Kubeconfig.queryString(query)
        if !qs.isEmpty { url += "?" + qs }
        var req = HTTPClientRequest(url: url)
        switch r.verb {
        case .get, .list, .watch: req.method = .GET
        case .create: req.method = .POST
        case .update: req.method = .PUT
        case .patch: req.method = .PATCH
        case .delete, .deletecollection: req.method = .DELETE
        }
        req.headers.add(name: "Accept", value: "application/json")
        req.headers.add(name: "User-Agent", value: userAgent)
        if let token = currentToken() { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body = r.body {
            req.headers.add(name: "Content-Type", value: r.contentType ?? "application/json")
            req.body = .bytes(body)
        }
        return req
    }

    func currentToken() -> String? { config.bearerToken }

    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(makeRequest(request), timeout: requestTimeout)
        } catch {
            throw KubeClientError.transport("\(request.verb.rawValue) \(request.resource): \(error)")
        }
        var buffer = try await response.body.collect(upTo: 512 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return KubeResponse(
            code: Int(response.status.code), body: bytes, warnings: response.headers["Warning"])
    }

    public func watch(_ request: KubeRequest) async throws -> RawWatchStream {
        // The server bounds the stream with timeoutSeconds; give the client a little more.
        let seconds = request.query["timeoutSeconds"]?.first.flatMap(Int64.init) ?? 3600
        let response: HTTPClientResponse
        do {
            response = try await client.execute(makeRequest(request), timeout: .seconds(seconds + 30))
        } catch {
            throw KubeClientError.transport("watch \(request.resource): \(error)")
        }
        if response.status.code >= 300 {
            var buffer = try await response.body.collect(upTo: 1 << 20)
            _ = try KubeResponse(code: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [])
                .decoded()
            throw KubeAPIError(code: Int(response.status.code), status: [:])
        }
        let body = response.body
        return RawWatchStream {
            let lines = IteratorBox(WatchLineSplitter(body.makeAsyncIterator(), maxLine: 16 << 20))
            return {
                guard let line = try await lines.next() else { return nil }
                let value = try JSONValue(parsing: line)
                guard let type = value["type"]?.stringValue, let object = value["object"] else {
                    throw KubeClientError.decoding("watch line without type/object")
                }
                return RawWatchEvent(type: type, object: object)
            }
        }
    }
}
