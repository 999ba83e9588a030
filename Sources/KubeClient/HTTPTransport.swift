import AsyncHTTPClient
import KubeHTTP
import KubeModel
import NIOCore
import NIOHTTP1
import NIOSSL

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

    func makeRequest(_ r: APIRequest) -> HTTPClientRequest {
        config.request(r, userAgent: userAgent)
    }

    public func send(_ request: APIRequest) async throws -> APIResponse {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(makeRequest(request), timeout: requestTimeout)
        } catch {
            throw KubeClientError.transport("\(request.verb.rawValue) \(request.resource): \(error)")
        }
        var buffer = try await response.body.collect(upTo: 512 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return APIResponse(
            code: Int(response.status.code), body: bytes, warnings: response.headers["Warning"])
    }

    public func watch(_ request: APIRequest) async throws -> RawWatchStream {
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
            _ = try APIResponse(
                code: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? []
            )
            .decoded()
            throw StatusError(code: Int(response.status.code), reason: "", message: "HTTP \(response.status.code)")
        }
        let body = response.body
        return RawWatchStream {
            let lines = IteratorBox(WatchLineSplitter(body.makeAsyncIterator(), maxLine: 16 << 20))
            return {
                let next: [UInt8]?
                do { next = try await lines.next() } catch let tooLong as WatchLineTooLong {
                    throw KubeClientError.decoding(tooLong.description)
                }
                guard let line = next else { return nil }
                let value = try JSONValue(parsing: line)
                guard let type = value["type"]?.stringValue, let object = value["object"] else {
                    throw KubeClientError.decoding("watch line without type/object")
                }
                return RawWatchEvent(type: type, object: object)
            }
        }
    }
}
