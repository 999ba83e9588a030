import Auth
import Endpoint
import Hummingbird
import HummingbirdTLS
import KubeModel
import KubeProtobuf
import Logging
import NIOCore
import NIOSSL
import X509

/// A request refused before it was executed: 401 or 403, with its metric labels.
struct Refusal: Error {
    var response: Response
    var verb: String
    var resource: String
}

extension APIFront {
    /// Authenticates the request (TLS client certificate, bearer token, anonymous) and
    /// asks the authorizer chain, as kube-apiserver's filters do before any handler:
    /// a failed credential is 401 `Unauthorized`, a request no authorizer allows is 403
    /// with the apiserver's message. Both are logged at info (the audit of refusals;
    /// tokens are never logged). Returns the user (nil when the front is open).
    func authorize(_ request: Request, channel: (any Channel)?) async -> Result<UserInfo?, Refusal> {
        guard !security.isOpen else { return .success(nil) }
        var credentials = AuthenticationRequest(authorization: request.headers[.authorization])
        if security.readsClientCertificates, let channel, let peer = await Self.peerCertificate(channel) {
            credentials.clientCertificates = [peer]
        }
        let user: UserInfo
        switch await security.authentication.authenticate(credentials) {
        case .authenticated(let u):
            user = u
        case .failed(let reason):
            logger.info(
                "unauthorized request",
                metadata: [
                    "path": "\(request.uri.path)", "method": "\(request.method.rawValue)", "reason": "\(reason)",
                ])
            return .failure(Refusal(response: status(.unauthorized), verb: request.method.rawValue, resource: ""))
        case .notApplicable:
            return .failure(Refusal(response: status(.unauthorized), verb: request.method.rawValue, resource: ""))
        }
        let rawPath = request.uri.path
        let path = percentDecoded(Substring(rawPath)) ?? rawPath
        let attributes = RequestAttributes.resolve(
            user: user, method: request.method.rawValue, path: path, query: parseQuery(request.uri.query) ?? [:])
        let result = await security.authorizer.authorize(attributes)
        guard result.allowed else {
            logger.info(
                "forbidden request",
                metadata: [
                    "user": "\(user.name)", "groups": "\(user.groups)", "verb": "\(attributes.verb)",
                    "resource": "\(attributes.isResourceRequest ? attributes.resource : "")",
                    "namespace": "\(attributes.namespace)", "path": "\(path)", "reason": "\(result.reason)",
                ])
            return .failure(
                Refusal(
                    response: status(.forbidden(attributes, reason: result.reason)),
                    verb: attributes.verb.uppercased(), resource: attributes.resource))
        }
        if let graph = security.nodeRestriction, let refusal = await NodeRestriction.check(attributes, graph: graph) {
            logger.info(
                "forbidden request",
                metadata: ["user": "\(user.name)", "path": "\(path)", "reason": "\(refusal.message)"])
            return .failure(
                Refusal(response: status(refusal), verb: attributes.verb.uppercased(), resource: attributes.resource))
        }
        return .success(user)
    }

    /// NodeRestriction's checks of a node's write that need its object (with the Node
    /// authorizer on): the body of a create or update, or the stored object with the
    /// patch applied. Stored objects are read through the Endpoint, so an edge syncs what
    /// it does not hold yet (and answers 503 offline rather than guess).
    func nodeRestriction(_ request: APIRequest) async -> StatusError? {
        guard security.nodeRestriction != nil, let user = request.user, let node = NodeAuthorizer.nodeIdentity(user),
            !node.isEmpty, let body = request.body
        else { return nil }
        let verb: String
        switch request.verb {
        case .create: verb = "create"
        case .update: verb = "update"
        case .patch: verb = "patch"
        default: return nil
        }
        let group = request.resource.group
        let resource = request.resource.resource
        let subresource = request.subresource ?? ""
        guard NodeRestriction.needsObject(apiGroup: group, resource: resource, subresource: subresource, verb: verb)
        else { return nil }
        let objects = EndpointObjects(endpoint: endpoint)
        var old: JSONValue?
        if verb != "create", let name = request.name {
            let stored = GroupVersionResource(group: group, version: request.resource.version, resource: resource)
            do {
                old = try await objects.object(stored, namespace: request.namespace ?? "", name: name)
            } catch {
                return error as? StatusError
            }
            // Absent: the write itself answers 404.
            if old == nil { return nil }
        }
        let object: JSONValue
        if verb == "patch" {
            guard let old,
                let patched = Self.patched(old, body: body, contentType: request.contentType, request: request)
            else { return nil }  // a bad patch: the Endpoint answers it
            object = patched
        } else {
            guard let parsed = try? JSONValue(parsing: body) else { return nil }
            object = parsed
        }
        return await NodeRestriction.admit(
            NodeRestriction.Write(
                verb: verb, apiGroup: group, resource: resource, subresource: subresource,
                namespace: request.namespace ?? "", name: request.name ?? "", object: object, old: old),
            node: node, graph: objects)
    }

    /// The stored object with a patch applied, as the Endpoint will apply it (an apply
    /// patch is merged like a merge patch: what NodeRestriction compares — labels,
    /// taints, configSource — comes out the same unless the apply removes fields it owned).
    static func patched(_ old: JSONValue, body: [UInt8], contentType: String?, request: APIRequest) -> JSONValue? {
        let media = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
        let kind = old["kind"]?.stringValue ?? ""
        switch media {
        case "application/json-patch+json":
            guard let patch = try? JSONValue(parsing: body) else { return nil }
            return try? JSONPatch.apply(patch, to: old)
        case "application/merge-patch+json":
            guard let patch = try? JSONValue(parsing: body) else { return nil }
            return try? MergePatch.applyToObject(patch, to: old)
        case "application/strategic-merge-patch+json":
            guard let patch = try? JSONValue(parsing: body) else { return nil }
            return try? StrategicMergePatch.apply(patch, to: old, group: request.resource.group, kind: kind)
        case "application/apply-patch+yaml", "application/apply-patch+json":
            guard let text = String(validating: body, as: UTF8.self), let patch = try? JSONValue(yaml: text) else {
                return nil
            }
            return try? MergePatch.applyToObject(patch, to: old)
        default:
            return nil
        }
    }

    /// ServiceAccount issuer discovery: `GET /.well-known/openid-configuration` and
    /// `GET /openid/v1/jwks` (kube-apiserver's paths and content types, with an ETag so a
    /// relying party revalidates cheaply); nil for other paths.
    func issuerDiscoveryResponse(_ request: Request, start: ContinuousClock.Instant) async -> Response? {
        let path = request.uri.path
        let contentType: String
        switch path {
        case ServiceAccountIssuerDiscovery.configurationPath:
            contentType = ServiceAccountIssuerDiscovery.configurationContentType
        case ServiceAccountIssuerDiscovery.jwksPath:
            contentType = ServiceAccountIssuerDiscovery.jwksContentType
        default:
            return nil
        }
        guard request.method == .get || request.method == .head else {
            return finish(
                status(.methodNotAllowed(method: request.method.rawValue)), verb: verbLabel(request.method),
                resource: "", start: start)
        }
        guard let source = security.issuerDocuments, let body = await source(path) else {
            return finish(status(.notFound), verb: "GET", resource: "", start: start)
        }
        return finish(document(body, contentType: contentType, for: request), verb: "GET", resource: "", start: start)
    }

    /// The TLS client's certificate, if the connection is TLS and the client sent one.
    static func peerCertificate(_ channel: any Channel) async -> Certificate? {
        guard let peer = try? await channel.nioSSL_peerCertificate().get(),
            let der = try? peer.toDERBytes()
        else { return nil }
        return try? Certificate(derEncoded: der)
    }

    /// The protobuf messages of the review kinds (kubectl sends its reviews as protobuf),
    /// from `k8s.io/api/authorization/v1` and `authentication/v1`'s generated.proto.
    static let reviewTypes = BuiltInTypes.table(
        adding: """
            K authorization.k8s.io/v1 SelfSubjectAccessReview authorization/v1.SelfSubjectAccessReview
            K authorization.k8s.io/v1 SelfSubjectRulesReview authorization/v1.SelfSubjectRulesReview
            K authorization.k8s.io/v1 SubjectAccessReview authorization/v1.SubjectAccessReview
            K authentication.k8s.io/v1 SelfSubjectReview authentication/v1.SelfSubjectReview
            M authorization/v1.SelfSubjectAccessReview
            F 1 metadata m:meta/v1.ObjectMeta o
            F 2 spec m:authorization/v1.SelfSubjectAccessReviewSpec -
            F 3 status m:authorization/v1.SubjectAccessReviewStatus o
            M authorization/v1.SelfSubjectAccessReviewSpec
            F 1 resourceAttributes m:authorization/v1.ResourceAttributes po
            F 2 nonResourceAttributes m:authorization/v1.NonResourceAttributes po
            M authorization/v1.SubjectAccessReview
            F 1 metadata m:meta/v1.ObjectMeta o
            F 2 spec m:authorization/v1.SubjectAccessReviewSpec -
            F 3 status m:authorization/v1.SubjectAccessReviewStatus o
            M authorization/v1.SubjectAccessReviewSpec
            F 1 resourceAttributes m:authorization/v1.ResourceAttributes po
            F 2 nonResourceAttributes m:authorization/v1.NonResourceAttributes po
            F 3 user s o
            F 4 groups s ro
            F 5 extra map:s:strs o
            F 6 uid s o
            M authorization/v1.ResourceAttributes
            F 1 namespace s o
            F 2 verb s o
            F 3 group s o
            F 4 version s o
            F 5 resource s o
            F 6 subresource s o
            F 7 name s o
            M authorization/v1.NonResourceAttributes
            F 1 path s o
            F 2 verb s o
            M authorization/v1.SubjectAccessReviewStatus
            F 1 allowed b -
            F 4 denied b o
            F 2 reason s o
            F 3 evaluationError s o
            M authorization/v1.SelfSubjectRulesReview
            F 1 metadata m:meta/v1.ObjectMeta o
            F 2 spec m:authorization/v1.SelfSubjectRulesReviewSpec -
            F 3 status m:authorization/v1.SubjectRulesReviewStatus o
            M authorization/v1.SelfSubjectRulesReviewSpec
            F 1 namespace s o
            M authorization/v1.SubjectRulesReviewStatus
            F 1 resourceRules m:authorization/v1.ResourceRule r
            F 2 nonResourceRules m:authorization/v1.NonResourceRule r
            F 3 incomplete b -
            F 4 evaluationError s o
            M authorization/v1.ResourceRule
            F 1 verbs s r
            F 2 apiGroups s ro
            F 3 resources s ro
            F 4 resourceNames s ro
            M authorization/v1.NonResourceRule
            F 1 verbs s r
            F 2 nonResourceURLs s ro
            M authentication/v1.SelfSubjectReview
            F 1 metadata m:meta/v1.ObjectMeta o
            F 2 status m:authentication/v1.SelfSubjectReviewStatus o
            M authentication/v1.SelfSubjectReviewStatus
            F 1 userInfo m:authentication/v1.UserInfo o
            M authentication/v1.UserInfo
            F 1 username s o
            F 2 uid s o
            F 3 groups s ro
            F 4 extra map:s:strs o
            """)

    /// A review (SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview,
    /// SelfSubjectReview): only `POST` (create); answered 201 from the authorizer, never stored.
    func reviewResponse(_ path: ResourcePath, request: Request, user: UserInfo?, start: ContinuousClock.Instant) async
        -> Response
    {
        let label = request.method == .post ? "CREATE" : request.method.rawValue
        guard path.name == nil, path.subresource == nil, path.namespace == nil else {
            return finish(status(.notFound), verb: label, resource: path.resource, start: start)
        }
        guard request.method == .post else {
            return finish(
                status(.methodNotAllowed(method: request.method.rawValue)), verb: label, resource: path.resource,
                start: start)
        }
        var body: [UInt8]
        switch await readBody(request) {
        case .failure(let s): return finish(status(s), verb: label, resource: path.resource, start: start)
        case .success(let b): body = b
        }
        let essence = request.headers[.contentType]?.split(separator: ";").first?.filter { $0 != " " }
        if essence == "application/vnd.kubernetes.protobuf" {
            do {
                body = try ProtobufBody.decode(body, types: Self.reviewTypes)
            } catch {
                return finish(status(.malformed("\(error)")), verb: label, resource: path.resource, start: start)
            }
        }
        let subject = user ?? UserInfo(name: SystemUsers.anonymous, groups: [SystemUsers.allUnauthenticated])
        switch await AccessReviews.create(
            group: path.group, resource: path.resource, body: body, user: subject, authorizer: security.authorizer)
        {
        case .failure(let error):
            return finish(status(error), verb: label, resource: path.resource, start: start)
        case .success(let review):
            return finish(
                objectResponse(code: 201, body: review.serialized(), encoding: .json), verb: label,
                resource: path.resource, start: start)
        }
    }
}

/// `--tls-cert-file` and `--tls-private-key-file`: the serving certificate (PEM chain,
/// leaf first) and its key. Both files are read again when they change, so a renewed
/// certificate is served to new connections without a restart. TLS 1.2 is the minimum.
public struct ServingTLS: Sendable {
    public var certFile: String
    public var keyFile: String
    /// Ask clients for a certificate (they may send none); the authenticator verifies it.
    public var requestClientCertificates: Bool

    public init(certFile: String, keyFile: String, requestClientCertificates: Bool) {
        self.certFile = certFile
        self.keyFile = keyFile
        self.requestClientCertificates = requestClientCertificates
    }

    /// Reads the files once (so that a bad certificate or key stops the start) and
    /// builds the TLS configuration.
    public func channelConfiguration() throws -> TLSChannelConfiguration {
        let certFile = self.certFile
        let keyFile = self.keyFile
        let pair = try ReloadingFile(paths: [certFile, keyFile]) { contents throws(AuthConfigurationError) in
            try Self.servingPair(certificatePEM: contents[0], keyPEM: contents[1], certFile: certFile, keyFile: keyFile)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.current.chain.map { .certificate($0) }, privateKey: .privateKey(pair.current.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = { _, promise in
            var override = NIOSSLContextConfigurationOverride()
            let current = pair.current
            override.certificateChain = current.chain.map { .certificate($0) }
            override.privateKey = .privateKey(current.key)
            promise.succeed(override)
        }
        guard requestClientCertificates else { return TLSChannelConfiguration(tlsConfiguration: configuration) }
        // Request a certificate but accept any at the handshake: the client-certificate
        // authenticator verifies it against --client-ca-file and answers 401 when it does
        // not verify (as kube-apiserver does), so a token user with a stray certificate
        // still gets in.
        configuration.certificateVerification = .optionalVerification
        return TLSChannelConfiguration(
            tlsConfiguration: configuration,
            customVerificationCallback: { _, promise in promise.succeed(.certificateVerified) })
    }

    /// A certificate chain and the key of its leaf, checked to belong together (as
    /// kube-apiserver's `tls.X509KeyPair` does).
    struct ServingPair: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    static func servingPair(certificatePEM: [UInt8], keyPEM: [UInt8], certFile: String, keyFile: String)
        throws(AuthConfigurationError) -> ServingPair
    {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certificatePEM)
        } catch {
            throw AuthConfigurationError("--tls-cert-file \(certFile): \(error)")
        }
        do {
            key = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
        } catch {
            throw AuthConfigurationError("--tls-private-key-file \(keyFile): \(error)")
        }
        guard let leaf = chain.first, let der = try? leaf.toDERBytes(),
            let certificate = try? Certificate(derEncoded: der)
        else { throw AuthConfigurationError("--tls-cert-file \(certFile): no certificate") }
        let privateKey = try? Certificate.PrivateKey(pemEncoded: String(decoding: keyPEM, as: UTF8.self))
        guard let privateKey, privateKey.publicKey == certificate.publicKey else {
            throw AuthConfigurationError(
                "--tls-private-key-file \(keyFile) is not the private key of --tls-cert-file \(certFile)")
        }
        return ServingPair(chain: chain, key: key)
    }
}

/// Objects as the Endpoint reads them (at an edge: synced on demand, 503 offline), for
/// NodeRestriction's lookups.
struct EndpointObjects: NodeGraphSource {
    let endpoint: Endpoint

    func pods(boundTo node: String) async throws -> [JSONValue] {
        let request = APIRequest(
            verb: .list, resource: GroupVersionResource(group: "", version: "v1", resource: "pods"),
            query: ["fieldSelector": ["spec.nodeName=\(node)"]],
            client: "ake-node-restriction")
        guard case .response(let r) = await endpoint.handle(request) else { return [] }
        guard r.code == 200 else { throw Self.error(r) }
        return (try JSONValue(parsing: r.body))["items"]?.arrayValue ?? []
    }

    func object(_ gvr: GroupVersionResource, namespace: String, name: String) async throws -> JSONValue? {
        let request = APIRequest(
            verb: .get, resource: gvr, namespace: namespace.isEmpty ? nil : namespace, name: name,
            client: "ake-node-restriction")
        guard case .response(let r) = await endpoint.handle(request) else { return nil }
        if r.code == 404 { return nil }
        guard r.code == 200 else { throw Self.error(r) }
        return try JSONValue(parsing: r.body)
    }

    /// The Endpoint's Status as an error.
    static func error(_ r: APIResponse) -> StatusError {
        let status = try? JSONValue(parsing: r.body)
        return StatusError(
            code: r.code, reason: status?["reason"]?.stringValue ?? "InternalError",
            message: status?["message"]?.stringValue ?? "lookup failed")
    }
}
