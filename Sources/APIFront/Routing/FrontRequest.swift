import Endpoint
import Hummingbird
import KubeModel
import KubeProtobuf

/// A resource request as the front understands it before reading its body: the
/// Endpoint's ``APIRequest`` (without body yet) plus what only HTTP carries — the
/// response encoding, a Table request and how to read the body.
///
/// ``parse(_:path:catalog:)`` is pure (no socket, no body, no Endpoint): every
/// decision about what an HTTP request means is made there, once, and the executor
/// in `APIFront+Respond.swift` only sheds load, reads the body and dispatches.
struct FrontRequest: Sendable {
    /// Verb, resource, namespace, name, subresource, query and client; `body` and
    /// `contentType` are filled in once the body is read (``decodeBody(_:)``).
    var request: APIRequest
    var info: ResourceInfo
    var encoding: ResponseEncoding
    /// Set when the client asked for `application/json;as=Table;g=meta.k8s.io`.
    var table: TableRequest?
    /// Set when the client asked for `as=PartialObjectMetadata` or `as=PartialObjectMetadataList`.
    var metadata: MetadataRequest?
    var body: BodyPlan

    /// The verb as the request metrics label it (`LIST`, `WATCH`, ...).
    var label: String { request.verb.rawValue.uppercased() }
}

/// How the request body is read and turned into what the Endpoint takes.
enum BodyPlan: Sendable, Equatable {
    /// Reads take no body.
    case none
    /// An object or a patch (create, update, patch) of this type: YAML and protobuf become JSON.
    case object(BodyType)
    /// Optional `DeleteOptions` (delete, deletecollection), sent with this media type (protobuf becomes JSON).
    case deleteOptions(mediaType: String?)
}

/// A `Table` response asked for in `Accept`.
struct TableRequest: Sendable, Equatable {
    /// `v1` or `v1beta1` of `meta.k8s.io`.
    var version: String
    /// The `includeObject` query parameter (`Metadata` when absent).
    var includeObject: String
    /// Why `includeObject` cannot be honoured (400), if it cannot.
    var problem: String?
}

/// A metadata-only response asked for in `Accept` (`g=meta.k8s.io`, `v=v1` or `v1beta1`),
/// as kube-apiserver's `targetEncodingForTransform` accepts it.
struct MetadataRequest: Sendable, Equatable {
    /// `PartialObjectMetadata` (get, watch) or `PartialObjectMetadataList` (list).
    var kind: String
    /// `v1` or `v1beta1` of `meta.k8s.io`.
    var version: String
}

/// A request the front refuses: the Status to answer and the verb label for the metrics.
struct FrontRejection: Error, Sendable, Equatable {
    var status: FrontStatus
    var label: String
}

extension FrontRequest {
    /// Interprets one resource request the way kube-apiserver's request-info
    /// resolution, router and content negotiation do:
    /// - the method and path give the verb; a `GET` of a collection is a watch when
    ///   the `watch` parameter is true by apimachinery's rule (``QueryParameter/bool(_:)``:
    ///   a bare `?watch`, `True`, `1` are true; `0` and `false` in any case are false),
    ///   and so is any `GET` below the legacy `/watch/` prefix;
    /// - a watch of one named object becomes a watch of its collection with a
    ///   `metadata.name` field selector;
    /// - `Accept` must allow JSON or YAML (406), the resource must exist (404),
    ///   write bodies must have a media type the verb takes (415), a Table watch must
    ///   have a valid `includeObject` (400).
    static func parse(_ head: HTTPRequest, path: ResourcePath, catalog: ResourceCatalog)
        -> Result<FrontRequest, FrontRejection>
    {
        let methodLabel = head.method.rawValue
        func reject(_ status: FrontStatus, _ label: String = methodLabel) -> Result<FrontRequest, FrontRejection> {
            .failure(FrontRejection(status: status, label: label))
        }
        let accept = head.headerFields[.accept]
        guard let info = catalog.resource(group: path.group, version: path.version, resource: path.resource),
            path.namespace == nil || info.namespaced,
            path.subresource == nil || info.subresources.contains(path.subresource ?? "")
        else { return reject(.notFound) }
        let target = head.path ?? ""
        let rawQuery = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
        guard var query = parseQuery(rawQuery) else {
            return reject(.malformed("malformed query string"))
        }

        let verb: APIVerb
        var name = path.name
        switch head.method {
        case .get:
            if path.legacyWatch || (path.name == nil && QueryParameter.bool(query["watch"])) {
                verb = .watch
                if let n = path.name {
                    // A watch of one object is a watch of the collection selected by name.
                    let selector = query["fieldSelector"]?.last ?? ""
                    let byName = "metadata.name=\(n)"
                    query["fieldSelector"] = [selector.isEmpty ? byName : "\(selector),\(byName)"]
                    name = nil
                }
                // The verb says it: the Endpoint needs no `watch` parameter.
                query["watch"] = nil
            } else {
                verb = path.name == nil ? .list : .get
            }
        case .post:
            guard path.name == nil || path.subresource != nil else { return reject(.methodNotAllowed(method: "POST")) }
            verb = .create
        case .put:
            guard path.name != nil else { return reject(.methodNotAllowed(method: "PUT")) }
            verb = .update
        case .patch:
            guard path.name != nil else { return reject(.methodNotAllowed(method: "PATCH")) }
            verb = .patch
        case .delete:
            verb = path.name == nil ? .deletecollection : .delete
        default:
            return reject(.methodNotAllowed(method: methodLabel))
        }
        if path.legacyWatch && verb != .watch { return reject(.methodNotAllowed(method: methodLabel)) }
        let label = verb.rawValue.uppercased()

        // Negotiated once the route is known (an unknown resource or method is 404/405 first).
        let watchList =
            verb == .watch && QueryParameter.bool(query["sendInitialEvents"])
            && QueryParameter.bool(query["allowWatchBookmarks"])
        let negotiated: ResourceNegotiation
        let protobuf =
            !info.isCustom
            && ProtobufEncoder.builtIn.canEncode(
                apiVersion: info.gvr.group.isEmpty ? info.gvr.version : "\(info.gvr.group)/\(info.gvr.version)",
                kind: info.kind)
        switch ResourceNegotiation.negotiate(accept: accept, verb: verb, watchList: watchList, protobuf: protobuf) {
        case .success(let n): negotiated = n
        case .failure(let status): return reject(status, label)
        }
        var table: TableRequest? = nil
        var metadata: MetadataRequest? = nil
        switch negotiated.transform {
        case .table(let version):
            let include = query["includeObject"]?.last
            table = TableRequest(
                version: version, includeObject: include ?? "Metadata",
                problem: TableConverter.invalidIncludeObject(include))
        case .metadata(let request):
            metadata = request
        case nil:
            break
        }
        // A Table watch checks its options before streaming (get and list after reading).
        if verb == .watch, let problem = table?.problem { return reject(.malformed(problem), label) }

        let body: BodyPlan
        let mediaType = head.headerFields[.contentType].flatMap { MediaRange(Substring($0)) }
        switch verb {
        case .get, .list, .watch:
            body = .none
        case .create, .update, .patch:
            let accepted = verb == .patch ? BodyType.patchTypes : BodyType.objectTypes
            if let mediaType {
                guard let type = BodyType(contentType: mediaType.essence), type.isPatch == (verb == .patch) else {
                    return reject(.unsupportedMediaType(mediaType.essence, accepted: accepted), label)
                }
                body = .object(type)
            } else if verb == .patch {
                return reject(.unsupportedMediaType("", accepted: accepted), label)
            } else {
                body = .object(.json)
            }
        case .delete, .deletecollection:
            body = .deleteOptions(mediaType: mediaType?.essence)
        }

        let request = APIRequest(
            verb: verb, resource: info.gvr, namespace: path.namespace, name: name, subresource: path.subresource,
            query: query, client: head.headerFields[.userAgent] ?? "unknown")
        return .success(
            FrontRequest(
                request: request, info: info, encoding: negotiated.encoding, table: table, metadata: metadata,
                body: body
            )
        )
    }

    /// The request with the body read from the wire (already size-limited): YAML and
    /// protobuf objects and apply patches become JSON, so the Endpoint only parses JSON.
    func decodeBody(_ bytes: [UInt8]) -> Result<APIRequest, FrontStatus> {
        var request = self.request
        switch body {
        case .none:
            return .success(request)
        case .object(let type):
            switch Self.convertBody(bytes, type: type) {
            case .failure(let s): return .failure(s)
            case .success(let converted): request.body = converted
            }
            request.contentType = type.endpointContentType
        case .deleteOptions(let mediaType):
            if mediaType == "application/vnd.kubernetes.protobuf", !bytes.isEmpty {
                // client-go's protobuf clients send DeleteOptions bodies in protobuf too.
                switch Self.convertBody(bytes, type: .protobuf) {
                case .failure(let s): return .failure(s)
                case .success(let converted): request.body = converted
                }
                request.contentType = BodyType.protobuf.endpointContentType
            } else {
                request.body = bytes.isEmpty ? nil : bytes
                request.contentType = mediaType
            }
        }
        return .success(request)
    }

    /// YAML object and apply bodies and protobuf bodies of built-in kinds become JSON; JSON passes unchanged (the Endpoint parses it).
    static func convertBody(_ bytes: [UInt8], type: BodyType) -> Result<[UInt8], FrontStatus> {
        switch type {
        case .protobuf:
            do {
                return .success(try ProtobufBody.decode(bytes))
            } catch {
                return .failure(
                    FrontStatus(
                        code: 415, reason: "UnsupportedMediaType",
                        message: "\(error.description); send application/json (kubelet: contentType: application/json)",
                        details: StatusDetails())
                )
            }
        case .yaml, .applyPatch:
            if type == .applyPatch, bytes.first(where: { !isJSONSpace($0) }) == UInt8(ascii: "{") {
                return .success(bytes)
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(.malformed("the request body is not valid UTF-8"))
            }
            do {
                return .success(try JSONValue(yaml: text).serialized())
            } catch {
                return .failure(.malformed("error decoding YAML: \(error)"))
            }
        default:
            return .success(bytes)
        }
    }
}

private func isJSONSpace(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
}
