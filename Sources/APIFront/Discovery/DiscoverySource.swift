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

/// What a ``DiscoverySource`` says about a discovery or OpenAPI path.
public enum DiscoveryLookup: Sendable, Equatable {
    /// Serve this document as it is.
    case document(DiscoveryDocument)
    /// Not the source's: the front generates the document from its own catalog.
    case generate
    /// The source knows the document does not exist: 404.
    case notFound
    /// The source cannot answer now (an edge offline that never fetched it): 503 with
    /// Retry-After, never a made-up document.
    case unavailable(retryAfterSeconds: Int)
}

/// Where discovery and OpenAPI documents come from instead of the front's generated
/// ones: `(path without query, variant) → lookup`. In edge mode `ake serve` wires it to
/// the upstream's lazily mirrored documents, so clients see the cloud's discovery (CRDs
/// included), offline too once fetched; the front does not depend on Sync.
public typealias DiscoverySource = @Sendable (_ path: String, _ variant: DiscoveryVariant) async -> DiscoveryLookup

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

    /// The source's answer for this request, or nil to let the generated one answer
    /// (also for what only the local code can say: wrong method, 406).
    func mirroredDiscoveryResponse(_ request: Request, start: ContinuousClock.Instant) async -> Response? {
        guard let source = discoverySource, request.method == .get || request.method == .head else { return nil }
        let path = request.uri.path
        guard Self.isDiscoveryPath(path) else { return nil }
        let accept = request.headers[.accept]
        let negotiation = Negotiation(accept: accept)
        var variant = DiscoveryVariant.plain
        if path.hasPrefix("/openapi/") {
            if path == "/openapi/v2", OpenAPIv2Protobuf.isRequested(byAccept: accept) {
                // kubectl 1.27–1.28 ask /openapi/v2 as protobuf: the mirrored JSON, encoded.
                let lookup = await source(path, .plain)
                guard case .document(let doc) = lookup else { return sourceFailure(lookup, start: start) }
                guard let json = try? JSONValue(parsing: doc.body) else { return nil }
                let response = document(
                    OpenAPIv2Protobuf.encode(json), contentType: OpenAPIv2Protobuf.contentType, for: request)
                return finish(response, verb: "GET", resource: "", start: start)
            }
        } else {
            guard negotiation.encoding != nil else { return nil }
            if path == "/api" || path == "/apis", let v = negotiation.aggregatedDiscovery {
                variant = .aggregated(version: v)
            }
        }
        let lookup = await source(path, variant)
        guard case .document(let doc) = lookup else { return sourceFailure(lookup, start: start) }
        return finish(
            document(doc.body, contentType: doc.contentType, for: request), verb: "GET", resource: "", start: start)
    }

    /// 404 or 503 for a lookup without a document; nil (generate) otherwise.
    private func sourceFailure(_ lookup: DiscoveryLookup, start: ContinuousClock.Instant) -> Response? {
        switch lookup {
        case .document, .generate:
            return nil
        case .notFound:
            return finish(status(.notFound), verb: "GET", resource: "", start: start)
        case .unavailable(let seconds):
            let unavailable = StatusError.serviceUnavailable(
                "this discovery document was not fetched from the upstream before its link went down",
                retryAfter: seconds)
            return finish(status(unavailable), verb: "GET", resource: "", start: start)
        }
    }
}
