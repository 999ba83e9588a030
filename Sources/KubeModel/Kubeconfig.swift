import Foundation

/// The connection facts of one kubeconfig context (or of a plain URL).
///
/// Used by the clientset's HTTP transport and by the edge's upstream link.
public struct Kubeconfig: Sendable, Hashable {
    /// `https://host:port` or `http://host:port`, without a trailing slash.
    public var server: String
    /// PEM bytes of the CA bundle that verifies the server (nil: system roots).
    public var certificateAuthority: [UInt8]?
    /// PEM bytes of the client certificate for mutual TLS.
    public var clientCertificate: [UInt8]?
    /// PEM bytes of the client certificate's private key.
    public var clientKey: [UInt8]?
    /// A bearer token sent as `Authorization: Bearer …`.
    public var bearerToken: String?
    /// A file whose (trimmed) content is the bearer token, re-read by users that rotate tokens.
    public var tokenFile: String?
    /// Skip verifying the server's certificate (kubeconfig `insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify: Bool
    /// The context's default namespace.
    public var namespace: String?

    /// Connection facts; a trailing `/` of `server` is dropped.
    public init(
        server: String, certificateAuthority: [UInt8]? = nil, clientCertificate: [UInt8]? = nil,
        clientKey: [UInt8]? = nil, bearerToken: String? = nil, tokenFile: String? = nil,
        insecureSkipTLSVerify: Bool = false, namespace: String? = nil
    ) {
        var s = server
        while s.hasSuffix("/") { s.removeLast() }
        self.server = s
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.bearerToken = bearerToken
        self.tokenFile = tokenFile
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.namespace = namespace
    }

    /// Errors reading a kubeconfig, naming the field at fault.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        /// What is wrong, naming the field.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// A plain `http://` or `https://` URL, or the path of a kubeconfig file.
    public static func load(urlOrPath: String, context: String? = nil) throws -> Kubeconfig {
        if urlOrPath.hasPrefix("http://") || urlOrPath.hasPrefix("https://") {
            return Kubeconfig(server: urlOrPath)
        }
        guard let data = FileManager.default.contents(atPath: urlOrPath) else {
            throw Error(message: "cannot read kubeconfig \(urlOrPath)")
        }
        let dir = (urlOrPath as NSString).deletingLastPathComponent
        return try parse(yaml: String(decoding: data, as: UTF8.self), context: context, baseDirectory: dir)
    }

    /// Parses kubeconfig YAML and resolves the chosen (or current) context. Relative
    /// file paths are resolved against `baseDirectory`, as kubectl does.
    public static func parse(yaml: String, context: String? = nil, baseDirectory: String = ".") throws -> Kubeconfig {
        let doc: JSONValue
        do { doc = try JSONValue(yaml: yaml) } catch { throw Error(message: "kubeconfig is not valid YAML: \(error)") }
        func named(_ list: String, _ name: String) -> JSONValue? {
            doc[list]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }
        guard let ctxName = context ?? doc["current-context"]?.stringValue, !ctxName.isEmpty else {
            throw Error(message: "kubeconfig has no current-context and none was given")
        }
        guard let ctx = named("contexts", ctxName)?["context"] else {
            throw Error(message: "kubeconfig has no context \"\(ctxName)\"")
        }
        guard let clusterName = ctx["cluster"]?.stringValue, let cluster = named("clusters", clusterName)?["cluster"]
        else { throw Error(message: "context \"\(ctxName)\" names no known cluster") }
        guard let server = cluster["server"]?.stringValue, !server.isEmpty else {
            throw Error(message: "cluster \"\(clusterName)\" has no server")
        }
        let user = ctx["user"]?.stringValue.flatMap { named("users", $0)?["user"] }

        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : baseDirectory + "/" + path }
        func bytes(_ obj: JSONValue?, data: String, file: String) throws -> [UInt8]? {
            if let b64 = obj?[data]?.stringValue {
                guard let d = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                    throw Error(message: "\(data) is not valid base64")
                }
                return [UInt8](d)
            }
            if let path = obj?[file]?.stringValue {
                guard let d = FileManager.default.contents(atPath: resolve(path)) else {
                    throw Error(message: "cannot read \(file) \(path)")
                }
                return [UInt8](d)
            }
            return nil
        }
        var token = user?["token"]?.stringValue
        let tokenFile = user?["tokenFile"]?.stringValue.map(resolve)
        if token == nil, let tokenFile, let d = FileManager.default.contents(atPath: tokenFile) {
            token = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Kubeconfig(
            server: server,
            certificateAuthority: try bytes(cluster, data: "certificate-authority-data", file: "certificate-authority"),
            clientCertificate: try bytes(user, data: "client-certificate-data", file: "client-certificate"),
            clientKey: try bytes(user, data: "client-key-data", file: "client-key"),
            bearerToken: token, tokenFile: tokenFile,
            insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"]?.boolValue ?? false,
            namespace: ctx["namespace"]?.stringValue)
    }

    /// The API path of a request, e.g. `/apis/apps/v1/namespaces/x/deployments/y/status`.
    public static func path(
        _ gvr: GroupVersionResource, namespace: String?, name: String?, subresource: String?
    ) -> String {
        var p = gvr.group.isEmpty ? "/api/\(gvr.version)" : "/apis/\(gvr.group)/\(gvr.version)"
        if let namespace, !(gvr.group.isEmpty && gvr.resource == "namespaces") {
            p += "/namespaces/\(percentEncode(namespace))"
        }
        p += "/\(gvr.resource)"
        if let name { p += "/\(percentEncode(name))" }
        if let subresource { p += "/\(subresource)" }
        return p
    }

    /// Percent-encodes a path segment or query component (RFC 3986 unreserved kept).
    public static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(UnicodeScalar(hex[Int(b >> 4)])) + String(UnicodeScalar(hex[Int(b & 15)]))
            }
        }
        return out
    }

    /// `k=v&k2=v2` from repeated query parameters, keys sorted for stable URLs.
    public static func queryString(_ query: [String: [String]]) -> String {
        query.keys.sorted().flatMap { k in
            (query[k] ?? []).map { "\(percentEncode(k))=\(percentEncode($0))" }
        }.joined(separator: "&")
    }
}
