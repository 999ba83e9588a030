import JWTKit
import KubeModel
import Projections

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Looks up the objects a ServiceAccount token names (`--service-account-lookup`).
public protocol ServiceAccountObjects: Sendable {
    /// The uid of a stored object, nil when it does not exist.
    func uid(_ resource: String, namespace: String, name: String) async -> String?
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
/// - the ServiceAccount (and the pod of a pod-bound token) must still exist with the
///   token's uid.
public struct ServiceAccountTokenAuthenticator: TokenAuthenticator {
    let keys: JWTKeyCollection
    let issuers: Set<String>
    let audiences: Set<String>
    let objects: (any ServiceAccountObjects)?
    let now: @Sendable () -> Date

    static let legacyIssuer = "kubernetes/serviceaccount"

    /// - Parameters:
    ///   - publicKeysPEM: PEM documents, each holding one or more RSA or ECDSA public keys.
    ///   - issuers: accepted `iss` values (the legacy issuer is always accepted); empty accepts any.
    ///   - audiences: accepted audiences; empty accepts any (kube-apiserver's default is the issuers).
    ///   - objects: where deleted ServiceAccounts and pods are detected; nil skips the lookup.
    public init(
        publicKeysPEM: [String], issuers: [String], audiences: [String] = [], objects: (any ServiceAccountObjects)?,
        now: @escaping @Sendable () -> Date = { Date() }
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
        guard count > 0 else {
            throw AuthConfigurationError("--service-account-key-file: no RSA or ECDSA public key found")
        }
        self.keys = keys
        self.issuers = Set(issuers)
        self.audiences = Set(audiences)
        self.objects = objects
        self.now = now
    }

    /// Reads the key files.
    public init(
        keyFiles: [String], issuers: [String], audiences: [String] = [], objects: (any ServiceAccountObjects)?
    ) async throws(AuthConfigurationError) {
        var pems: [String] = []
        for file in keyFiles {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AuthConfigurationError("cannot read --service-account-key-file \(goQuoted(file))")
            }
            pems.append(String(decoding: data, as: UTF8.self))
        }
        try await self.init(publicKeysPEM: pems, issuers: issuers, audiences: audiences, objects: objects)
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
            let unverified = try? await keys.unverified(token, as: ServiceAccountClaims.self)
        else { return .notApplicable }
        let issuer = unverified.iss ?? ""
        guard issuers.isEmpty || issuers.contains(issuer) || issuer == Self.legacyIssuer else { return .notApplicable }

        let claims: ServiceAccountClaims
        do {
            claims = try await keys.verify(token, as: ServiceAccountClaims.self, iteratingKeys: true)
        } catch {
            return .failed("service account token: signature could not be verified")
        }
        let time = now().timeIntervalSince1970
        if let exp = claims.exp, time > exp + 60 { return .failed("service account token has expired") }
        if let nbf = claims.nbf, time < nbf - 60 {
            return .failed("service account token claims could not be validated: not valid yet")
        }
        if !audiences.isEmpty, issuer != Self.legacyIssuer {
            let tokenAudiences = Set(claims.aud?.value ?? [])
            guard !tokenAudiences.isDisjoint(with: audiences) else {
                return .failed(
                    "token audiences \(tokenAudiences.sorted()) is invalid for the target audiences \(audiences.sorted())"
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
            guard let stored = await objects.uid("serviceaccounts", namespace: namespace, name: name) else {
                return .failed("service account \(namespace)/\(name) has been deleted")
            }
            if !uid.isEmpty && stored != uid {
                return .failed("service account UID (\(stored)) does not match claim (\(uid))")
            }
            if let pod = claims.kubernetes?.pod, let podName = pod.name {
                guard let podUID = await objects.uid("pods", namespace: namespace, name: podName) else {
                    return .failed("pod \(namespace)/\(podName) has been deleted")
                }
                if let claimed = pod.uid, claimed != podUID {
                    return .failed("pod UID (\(podUID)) does not match claim (\(claimed))")
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
}
