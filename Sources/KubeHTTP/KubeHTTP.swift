import AsyncHTTPClient
import Foundation
import KubeModel
import NIOCore
import NIOHTTP1
import NIOSSL

// The HTTP client side of the Kubernetes API, shared by the edge's upstream link (Sync)
// and the clientset's HTTP transport (KubeClient): one request builder, one TLS setup
// from a kubeconfig, one watch-stream line splitter.

extension Kubeconfig {
    /// An AsyncHTTPClient configuration for this kubeconfig: TLS with its CA and client
    /// certificate (verification on unless `insecure-skip-tls-verify`), no decompression.
    /// Throws NIOSSL's error for unreadable PEM data.
    public func httpClientConfiguration() throws -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        if server.hasPrefix("https://") {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let ca = certificateAuthority {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if let cert = clientCertificate, let key = clientKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
            if insecureSkipTLSVerify { tls.certificateVerification = .none }
            configuration.tlsConfiguration = tls
        }
        configuration.decompression = .disabled
        // Over HTTP/1.1 every open watch holds a connection for its whole life; AsyncHTTPClient's
        // default of 8 connections per host would queue the 9th watch (and every list or write
        // after it) until the pool timeout. client-go opens as many as it needs.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.maxConnectionsPerHost
        return configuration
    }

    /// Connections one client keeps to its server at most (each open watch holds one).
    public static let maxConnectionsPerHost = 1024

    /// The bearer token to send now: a token file is re-read on every request so that
    /// rotated tokens (projected service-account tokens) are picked up; otherwise the
    /// kubeconfig's inline token.
    public func currentBearerToken() -> String? {
        if let file = tokenFile, let data = FileManager.default.contents(atPath: file) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { return token }
        }
        return bearerToken
    }

    /// One HTTP request to this kubeconfig's server: URL from `path` and `query`,
    /// `Accept`, `User-Agent`, the current bearer token, and the body with its
    /// `Content-Type` (JSON unless given).
    public func request(
        method: HTTPMethod, path: String, query: [String: [String]] = [:], body: [UInt8]? = nil,
        contentType: String? = nil, accept: String = "application/json", userAgent: String
    ) -> HTTPClientRequest {
        var url = server + path
        let qs = Kubeconfig.queryString(query)
        if !qs.isEmpty { url += "?" + qs }
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.headers.add(name: "Accept", value: accept)
        req.headers.add(name: "User-Agent", value: userAgent)
        if let token = currentBearerToken() { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            req.body = .bytes(body)
        }
        return req
    }

    /// The HTTP request that carries `request` (a watch as `GET …?watch=true`).
    public func request(_ request: APIRequest, accept: String = "application/json", userAgent: String)
        -> HTTPClientRequest
    {
        self.request(
            method: request.verb.method, path: request.path, query: request.wireQuery, body: request.body,
            contentType: request.contentType, accept: accept, userAgent: userAgent)
    }
}

extension APIVerb {
    /// The HTTP method that carries the verb.
    public var method: HTTPMethod {
        switch self {
        case .get, .list, .watch: .GET
        case .create: .POST
        case .update: .PUT
        case .patch: .PATCH
        case .delete, .deletecollection: .DELETE
        }
    }
}

/// A watch event line longer than the reader allows.
public struct WatchLineTooLong: Error, Sendable, CustomStringConvertible {
    public var maxLine: Int
    public var description: String { "watch event line longer than \(maxLine) bytes" }
}

/// Splits a byte stream into `\n`-terminated lines (the events of a Kubernetes watch),
/// pulling only as needed. Throws ``WatchLineTooLong`` for a line beyond `maxLine`.
public struct WatchLineSplitter<Base: AsyncIteratorProtocol>: AsyncIteratorProtocol where Base.Element == ByteBuffer {
    var base: Base
    var pending: [UInt8] = []
    var start = 0
    /// One event line may not exceed this.
    let maxLine: Int

    public init(_ base: Base, maxLine: Int = 64 << 20) {
        self.base = base
        self.maxLine = maxLine
    }

    public mutating func next() async throws -> [UInt8]? {
        while true {
            if let nl = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[start..<nl])
                start = nl + 1
                if start > 1 << 16 {
                    pending.removeFirst(start)
                    start = 0
                }
                if line.isEmpty { continue }
                return line
            }
            guard var chunk = try await base.next() else {
                if start < pending.count {
                    let rest = Array(pending[start...])
                    pending = []
                    start = 0
                    return rest
                }
                return nil
            }
            if pending.count - start + chunk.readableBytes > maxLine {
                throw WatchLineTooLong(maxLine: maxLine)
            }
            pending.append(contentsOf: chunk.readBytes(length: chunk.readableBytes) ?? [])
        }
    }
}
