import JWTKit
import KubeModel
import Projections

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a lookup knows of an object a ServiceAccount token names.
public enum ObjectPresence: Sendable, Equatable {
    /// It exists with this uid.
    case present(uid: String)
    /// It does not exist (the token is refused).
    case absent
    /// Cannot be known here: an edge that does not sync this object, so only the
    /// signature, issuer, audience and time of the token are checked.
    case unknown
}

/// Looks up the objects a ServiceAccount token names (`--service-account-lookup`).
public protocol ServiceAccountObjects: Sendable {
    /// The uid of a stored object, nil when it does not exist.
    func uid(_ resource: String, namespace: String, name: String) async -> String?
    /// What is known of the object; `boundNode` is the node a pod-bound token names
    /// (an edge syncing that node's pods knows its pods). Default: from ``uid(_:namespace:name:)``.
    func presence(_ resource: String, namespace: String, name: String, boundNode: String?) async -> ObjectPresence
}

extension ServiceAccountObjects {
    public func presence(_ resource: String, namespace: String, name: String, boundNode: String?) async
        -> ObjectPresence
    {
        guard let uid = await uid(resource, namespace: namespace, name: name) else { return .absent }
        return .present(uid: uid)
    }
}

/// ServiceAccounts and pods in the projections.
public struct StoreServiceAccountObjects: ServiceAccountObjects {
    let store: ObjectStore
    public init(store: ObjectStore) { self.store = store }

    public func uid(_ resource: String, namespace: String, name: String) async -> String? {
        let gvr = GroupVersionResource(group: "", version: "v1", resource: resource)
        guard let object = try? store.get(gvr, namespace: namespace, name: name) else { return nil }
        return (try? object.json())?["metadata"]?["uid"]?.stringValue ?? object.uid
    }
}

/// The claims of a ServiceAccount token: the bound-token form (`kubernetes.io` private
/// claim) and the legacy secret-based form (`kubernetes.io/serviceaccount/...` claims).
struct ServiceAccountClaims: JWTPayload {
    struct Reference: Codable, Sendable {
        var name: String?
        var uid: String?
    }
    struct Private: Codable, Sendable {
        var namespace: String?
        var serviceaccount: Reference?
        var pod: Reference?
        var node: Reference?
        var secret: Reference?
    }

    var iss: String?
    var sub: String?
    var aud: AudienceClaim?
    var exp: Double?
    var nbf: Double?
    var jti: String?
    var kubernetes: Private?
    var legacyNamespace: String?
    var legacyName: String?
    var legacyUID: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, nbf, jti
        case kubernetes = "kubernetes.io"
        case legacyNamespace = "kubernetes.io/serviceaccount/namespace"
        case legacyName = "kubernetes.io/serviceaccount/service-account.name"
        case legacyUID = "kubernetes.io/serviceaccount/service-account.uid"
    }

    /// Time and audience checks are made by the authenticator (with its clock).
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// `--service-account-key-file`: bearer tokens that are JWTs signed by one of the keys
/// (RSA or ECDSA public keys, PEM) authenticate as `system:serviceaccount:<ns>:<name>`
/// in `system:serviceaccounts` and `system:serviceaccounts:<ns>` (the apiserver's
/// ServiceAccount token authenticator):
/// - a token that is not a JWT, or whose issuer is not one of `issuers`, is left to the
///   other token authenticators;
/// - a bad signature, an expired token (one minute of leeway, as go-jose), a token not
///   yet valid, or one whose audiences miss `audiences` fails (401);
/// - the ServiceAccount, and the secret, pod or node a token is bound to, must still
///   exist with the token's uid (where that can be known, see ``ObjectPresence``).
///
/// At an edge the cloud's issuer keys (``ServiceAccountIssuerKeys``) verify tokens too;
/// the cloud's issuer (from its OpenID configuration) is then accepted, and is the
/// default audience when no `--api-audiences` and no `--service-account-issuer` are given.
public struct ServiceAccountTokenAuthenticator: TokenAuthenticator {
    /// `--service-account-key-file` keys (nil: none given).
    let keys: JWTKeyCollection?
    let issuers: Set<String>
    let audiences: Set<String>
    let objects: (any ServiceAccountObjects)?
    let upstream: (any ServiceAccountIssuerKeys)?
    let upstreamCache = IssuerKeyCache()
    let now: @Sendable () -> Date

    static let legacyIssuer = "kubernetes/serviceaccount"

    /// - Parameters:
    ///   - publicKeysPEM: PEM documents, each holding one or more RSA or ECDSA public keys.
    ///   - issuers: accepted `iss` values (the legacy issuer is always accepted); empty accepts any.
    ///   - audiences: accepted audiences; empty accepts any (kube-apiserver's default is the issuers).
    ///   - objects: where deleted ServiceAccounts and pods are detected; nil skips the lookup.
    ///   - upstream: an upstream issuer's keys (an edge's cloud); with it no key file is needed.
    public init(
        publicKeysPEM: [String], issuers: [String], audiences: [String] = [], objects: (any ServiceAccountObjects)?,
        upstream: (any ServiceAccountIssuerKeys)? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws(AuthConfigurationError) {
        let keys = JWTKeyCollection()
        var count = 0
        for pem in publicKeysPEM {
            for block in Self.pemBlocks(pem) {
                if let key = try? ES256PublicKey(pem: block) {
                    await keys.add(ecdsa: key, kid: JWKIdentifier(string: "es256-\(count)"))
                } else if let key = try? ES384PublicKey(pem: block) {
                    await keys.add(ecdsa: key, kid: JWKIdentifier(string: "es384-\(count)"))
                } else if let key = try? Insecure.RSA.PublicKey(pem: block) {
                    await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: "rs256-\(count)"))
                } else {
                    continue
                }
                count += 1
            }
        }
        if count == 0 && !publicKeysPEM.isEmpty {
            throw AuthConfigurationError("--service-account-key-file: no RSA or ECDSA public key found")
        }
        guard count > 0 || upstream != nil else {
            throw AuthConfigurationError("no ServiceAccount key: give --service-account-key-file")
        }
        self.keys = count > 0 ? keys : nil
        self.issuers = Set(issuers)
        self.audiences = Set(audiences)
        self.objects = objects
        self.upstream = upstream
        self.now = now
    }

    /// Reads the key files.
    public init(
        keyFiles: [String], issuers: [String], audiences: [String] = [], objects: (any ServiceAccountObjects)?,
        upstream: (any ServiceAccountIssuerKeys)? = nil
    ) async throws(AuthConfigurationError) {
        var pems: [String] = []
        for file in keyFiles {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AuthConfigurationError("cannot read --service-account-key-file \(goQuoted(file))")
            }
            pems.append(String(decoding: data, as: UTF8.self))
        }
        try await self.init(
            publicKeysPEM: pems, issuers: issuers, audiences: audiences, objects: objects, upstream: upstream)
    }

    /// The `-----BEGIN …-----`…`-----END …-----` blocks of a PEM text.
    static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if l.hasPrefix("-----BEGIN ") { current = [l] } else if !current.isEmpty { current.append(l) }
            if l.hasPrefix("-----END "), !current.isEmpty {
                blocks.append(current.joined(separator: "\n") + "\n")
                current = []
            }
        }
        return blocks
    }

    public func authenticate(token: String) async -> AuthenticationOutcome {
        // Not a JWT, or not of a trusted issuer: another authenticator's token.
        guard token.split(separator: ".", omittingEmptySubsequences: false).count == 3,
            let unverified = try? await (keys ?? JWTKeyCollection()).unverified(token, as: ServiceAccountClaims.self)
        else { return .notApplicable }
        let issuer = unverified.iss ?? ""
        var upstreamSet = await upstream?.keySet(refresh: false)
        let upstreamIssuer = upstreamSet?.issuer
        let trusted = issuers.union(upstreamIssuer.map { [$0] } ?? [])
        guard trusted.isEmpty || trusted.contains(issuer) || issuer == Self.legacyIssuer else { return .notApplicable }

        var verified: ServiceAccountClaims?
        if let keys, issuers.isEmpty || issuers.contains(issuer) || issuer == Self.legacyIssuer {
            verified = try? await keys.verify(token, as: ServiceAccountClaims.self, iteratingKeys: true)
        }
        if verified == nil, let upstream, issuer != Self.legacyIssuer {
            verified = await verifyUpstream(token, upstreamSet)
            if verified == nil {
                // A key the cloud added since the mirror was last read: re-read it (rate-limited).
                let fresh = await upstream.keySet(refresh: true)
                if fresh != upstreamSet {
                    upstreamSet = fresh
                    verified = await verifyUpstream(token, fresh)
                }
            }
        }
        guard let claims = verified else { return .failed("service account token: signature could not be verified") }
        let time = now().timeIntervalSince1970
        if let exp = claims.exp, time > exp + 60 { return .failed("service account token has expired") }
        if let nbf = claims.nbf, time < nbf - 60 {
            return .failed("service account token claims could not be validated: not valid yet")
        }
        // kube-apiserver's default audiences are its issuers; an edge's default is the cloud's issuer.
        let expected = audiences.isEmpty ? Set(upstreamSet?.issuer.map { [$0] } ?? []) : audiences
        if !expected.isEmpty, issuer != Self.legacyIssuer {
            let tokenAudiences = Set(claims.aud?.value ?? [])
            guard !tokenAudiences.isDisjoint(with: expected) else {
                return .failed(
                    "token audiences \(tokenAudiences.sorted()) is invalid for the target audiences \(expected.sorted())"
                )
            }
        }

        let namespace = claims.kubernetes?.namespace ?? claims.legacyNamespace ?? ""
        let name = claims.kubernetes?.serviceaccount?.name ?? claims.legacyName ?? ""
        let uid = claims.kubernetes?.serviceaccount?.uid ?? claims.legacyUID ?? ""
        guard !namespace.isEmpty, !name.isEmpty else {
            return .failed("service account token does not name a service account")
        }
        if let objects {
            switch await objects.presence("serviceaccounts", namespace: namespace, name: name, boundNode: nil) {
            case .absent: return .failed("service account \(namespace)/\(name) has been deleted")
            case .present(let stored) where !uid.isEmpty && stored != uid:
                return .failed("service account UID (\(stored)) does not match claim (\(uid))")
            case .present, .unknown: break
            }
            // The bound objects (claims.go `Validate`): a secret, a pod, or (without a pod) a node.
            let bound: [(String, String, ServiceAccountClaims.Reference?)] = [
                ("secrets", namespace, claims.kubernetes?.secret), ("pods", namespace, claims.kubernetes?.pod),
                ("nodes", "", claims.kubernetes?.pod == nil ? claims.kubernetes?.node : nil),
            ]
            for (resource, objectNamespace, reference) in bound {
                guard let reference, let objectName = reference.name else { continue }
                let node = resource == "pods" ? claims.kubernetes?.node?.name : nil
                switch await objects.presence(resource, namespace: objectNamespace, name: objectName, boundNode: node) {
                case .absent:
                    return .failed("service account token has been invalidated")
                case .present(let stored) where reference.uid != nil && reference.uid != stored:
                    let kind = ["secrets": "secret", "pods": "pod", "nodes": "node"][resource] ?? resource
                    return .failed(
                        "\(kind) UID (\(stored)) does not match service account \(kind) ref claim (\(reference.uid ?? ""))"
                    )
                case .present, .unknown:
                    break
                }
            }
        }
        var extra: [String: [String]] = [:]
        if let pod = claims.kubernetes?.pod {
            if let n = pod.name { extra["authentication.kubernetes.io/pod-name"] = [n] }
            if let u = pod.uid { extra["authentication.kubernetes.io/pod-uid"] = [u] }
        }
        if let node = claims.kubernetes?.node {
            if let n = node.name { extra["authentication.kubernetes.io/node-name"] = [n] }
            if let u = node.uid { extra["authentication.kubernetes.io/node-uid"] = [u] }
        }
        if let jti = claims.jti, !jti.isEmpty { extra[SystemUsers.credentialIDKey] = ["JTI=" + jti] }
        return .authenticated(
            UserInfo(
                name: SystemUsers.serviceAccountPrefix + namespace + ":" + name, uid: uid,
                groups: [SystemUsers.serviceAccountsGroup, SystemUsers.serviceAccountsGroup + ":" + namespace],
                extra: extra))
    }

    /// The claims of `token` if one of the upstream issuer's keys verifies it.
    func verifyUpstream(_ token: String, _ set: IssuerKeySet?) async -> ServiceAccountClaims? {
        guard let set, let keys = await upstreamCache.keys(for: set) else { return nil }
        return try? await keys.verify(token, as: ServiceAccountClaims.self, iteratingKeys: true)
    }
}
