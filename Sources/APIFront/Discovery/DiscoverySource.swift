import Hummingbird
import KubeModel
import NIOCore

/// A discovery or OpenAPI document served as-is, with its content type.
public struct DiscoveryDocument: Sendable, Equatable {
    public var body: [UInt8]
    public var contentType: String

    public init(body: [UInt8], contentType: String) {
        self.body = body
        self.contentType = contentType
    }
}

/// Which form of a discovery document a client asked for.
public enum DiscoveryVariant: Sendable, Equatable {
    /// `APIVersions`, `APIGroupList`, `APIResourceList`, `/version`, OpenAPI.
    case plain
    /// Aggregated discovery (`APIGroupDiscoveryList`) of `/api` or `/apis` in this
    /// version (`v2`, `v2beta1`), as kubectl 1.30+ asks with
    /// `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,…`.
    case aggregated(version: String)
}

/// Documents served instead of the front's generated discovery and OpenAPI when it
/// has them: `(path without query, variant) → document`, nil = generate locally. In
/// edge mode `ake serve` wires it to the upstream's mirrored documents, so clients see
/// the cloud's discovery (CRDs included) even offline; the front does not depend on Sync.
public typealias DiscoverySource = @Sendable (_ path: String, _ variant: DiscoveryVariant) -> DiscoveryDocument?

/// Asked before answering 404 for `group`/`version`/`resource` (resource empty for a
/// discovery document of the group): may refresh what the server knows (an edge asks its
/// upstream) and answers whether it did, so the request is looked up once more.
public typealias ResourceMissHandler =
    @Sendable (_ group: String, _ version: String, _ resource: String) async -> Bool

extension APIFront {
    /// Whether `path` is one of the documents a ``DiscoverySource`` may provide:
    /// `/version`, `/api`, `/api/<v>`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`,
    /// `/openapi/v2`, `/openapi/v3`, `/openapi/v3/<api|apis>/…`.
    static func isDiscoveryPath(_ path: String) -> Bool {
        let segments = path.split(separator: "/")
        guard let first = segments.first else { return false }
        switch first {
        case "version": return segments.count == 1
        case "api": return segments.count <= 2
        case "apis": return segments.count <= 3
        case "openapi":
            if segments.count == 2 { return segments[1] == "v2" || segments[1] == "v3" }
            return segments.count >= 3 && segments[1] == "v3" && (segments[2] == "api" || segments[2] == "apis")
        default: return false
        }
    }

    /// The source's document for this request, or nil to let the generated one answer
    /// (also for what only the local code can say: wrong method, 406, protobuf OpenAPI).
    func mirroredDiscoveryResponse(_ request: Request, start: ContinuousClock.Instant) -> Response? {
        guard let source = discoverySource, request.method == .get || request.method == .head else { return nil }
        let path = request.uri.path
        guard Self.isDiscoveryPath(path) else { return nil }
        let accept = request.headers[.accept]
        let negotiation = Negotiation(accept: accept)
        var variant = DiscoveryVariant.plain
        if path.hasPrefix("/openapi/") {
            if path == "/openapi/v2", OpenAPIv2Protobuf.isRequested(byAccept: accept) {
                // kubectl 1.27–1.28 ask /openapi/v2 as protobuf: the mirrored JSON, encoded.
                guard let doc = source(path, .plain), let json = try? JSONValue(parsing: doc.body) else { return nil }
                var headers = HTTPFields()
                headers[.contentType] = OpenAPIv2Protobuf.contentType
                headers[.cacheControl] = "no-cache, private"
                let response = Response(
                    status: .ok, headers: headers, body: Self.body(bytes: OpenAPIv2Protobuf.encode(json)))
                return finish(response, verb: "GET", resource: "", start: start)
            }
        } else {
            guard negotiation.encoding != nil else { return nil }
            if path == "/api" || path == "/apis", let v = negotiation.aggregatedDiscovery {
                variant = .aggregated(version: v)
            }
        }
        guard let doc = source(path, variant) else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = doc.contentType
        headers[.cacheControl] = "no-cache, private"
        let response = Response(status: .ok, headers: headers, body: Self.body(bytes: doc.body))
        return finish(response, verb: "GET", resource: "", start: start)
    }
}
