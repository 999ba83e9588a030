import Crypto
import Foundation
import JWTKit
import KubeModel
import Synchronization
import Testing

@testable import Auth

/// ServiceAccount issuer discovery (what a standalone AKE serves) and tokens verified with
/// an upstream issuer's keys (what an edge does with the cloud's mirrored JWKS).
@Suite("ServiceAccount issuer keys")
struct ServiceAccountIssuerTests {
    static let issuer = "https://cloud.example:6443"
    static let now = ServiceAccountTokenTests.now

    /// The cloud's mirrored documents as an edge holds them; counts refresh requests.
    final class Mirror: ServiceAccountIssuerKeys {
        let held: Mutex<IssuerKeySet?>
        let afterRefresh: IssuerKeySet?
        let refreshes = Mutex(0)
        init(_ held: IssuerKeySet?, afterRefresh: IssuerKeySet? = nil) {
            self.held = Mutex(held)
            self.afterRefresh = afterRefresh
        }
        func keySet(refresh: Bool) async -> IssuerKeySet? {
            if refresh {
                refreshes.withLock { $0 += 1 }
                if let afterRefresh { held.withLock { $0 = afterRefresh } }
            }
            return held.withLock { $0 }
        }
    }

    /// What an edge knows of the objects (present, absent, or not synced at all).
    struct Presence: ServiceAccountObjects {
        var serviceAccount: ObjectPresence
        var pod: ObjectPresence
        var node: ObjectPresence = .unknown
        func uid(_ resource: String, namespace: String, name: String) async -> String? { nil }
        func presence(_ resource: String, namespace: String, name: String, boundNode: String?) async -> ObjectPresence {
            switch resource {
            case "pods": pod
            case "nodes": node
            default: serviceAccount
            }
        }
    }

    static func documents(_ key: ES256PrivateKey) throws -> (configuration: [UInt8], jwks: [UInt8]) {
        try #require(
            ServiceAccountIssuerDiscovery.documents(issuer: issuer, publicKeysPEM: [key.publicKey.pemRepresentation]))
    }

    /// A token as kube-apiserver signs it: `kid` is the key's id in the JWKS.
    static func token(_ key: ES256PrivateKey, claims: ServiceAccountClaims) async throws -> String {
        let pem = key.publicKey.pemRepresentation
        let der = try P256.Signing.PublicKey(pemRepresentation: pem).derRepresentation
        let kid = ServiceAccountIssuerDiscovery.keyID(der: [UInt8](der))
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }

    static func claims(aud: [String] = [issuer], iss: String = issuer) -> ServiceAccountClaims {
        var c = ServiceAccountTokenTests.claims(iss: iss, aud: aud)
        c.iss = iss
        return c
    }

    static func authenticator(
        _ upstream: any ServiceAccountIssuerKeys, objects: (any ServiceAccountObjects)? = nil
    ) async throws -> ServiceAccountTokenAuthenticator {
        try await ServiceAccountTokenAuthenticator(
            publicKeysPEM: [], issuers: [], audiences: [], objects: objects, upstream: upstream, now: { now })
    }

    @Test("the documents: kube-apiserver's OpenID configuration and a JWKS whose kid is the SHA-256 of the key's DER")
    func documents() throws {
        let key = ES256PrivateKey()
        let (configuration, jwks) = try Self.documents(key)
        let config = try JSONValue(parsing: configuration)
        #expect(config["issuer"]?.stringValue == Self.issuer)
        #expect(config["jwks_uri"]?.stringValue == "https://cloud.example:6443/openid/v1/jwks")
        #expect(config["response_types_supported"] == ["id_token"])
        #expect(config["subject_types_supported"] == ["public"])
        #expect(config["id_token_signing_alg_values_supported"] == ["ES256"])
        let set = try JSONValue(parsing: jwks)
        let entry = try #require(set["keys"]?.arrayValue?.first)
        let der = try P256.Signing.PublicKey(pemRepresentation: key.publicKey.pemRepresentation).derRepresentation
        let digest = Data(SHA256.hash(data: der)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(entry["kid"]?.stringValue == digest)
        #expect(entry["use"] == "sig")
        #expect(entry["kty"] == "EC")
        #expect(entry["crv"] == "P-256")
        #expect(entry["alg"] == "ES256")
        // Issuer discovery needs an https issuer without query or fragment, as in kube-apiserver.
        let pem = key.publicKey.pemRepresentation
        #expect(
            ServiceAccountIssuerDiscovery.documents(issuer: "kubernetes/serviceaccount", publicKeysPEM: [pem]) == nil)
        #expect(ServiceAccountIssuerDiscovery.documents(issuer: "http://cloud.example", publicKeysPEM: [pem]) == nil)
        #expect(
            ServiceAccountIssuerDiscovery.documents(issuer: "https://cloud.example?x=1", publicKeysPEM: [pem]) == nil)
    }

    @Test(
        "a cloud-issued token verifies with the mirrored keys; the mirrored issuer is trusted and the default audience")
    func upstreamToken() async throws {
        let key = ES256PrivateKey()
        let docs = try Self.documents(key)
        let mirror = Mirror(IssuerKeySet(configuration: docs.configuration, jwks: docs.jwks))
        let authenticator = try await Self.authenticator(mirror)
        guard
            case .authenticated(let user) = await authenticator.authenticate(
                token: try await Self.token(key, claims: Self.claims()))
        else {
            Issue.record("the cloud's token verifies")
            return
        }
        #expect(user.name == "system:serviceaccount:apps:builder")
        #expect(user.extra["authentication.kubernetes.io/node-name"] == ["edge-1"])
        // Another audience than the cloud's issuer (the default audience) fails.
        let audience = try await Self.token(key, claims: Self.claims(aud: ["vault"]))
        guard case .failed = await authenticator.authenticate(token: audience) else {
            Issue.record("a token for another audience fails")
            return
        }
        // Another issuer's token is not this authenticator's.
        let foreign = try await Self.token(key, claims: Self.claims(iss: "https://elsewhere"))
        #expect(await authenticator.authenticate(token: foreign) == .notApplicable)
    }

    @Test("a key the mirror does not hold yet: the keys are re-read once, then the token verifies")
    func rotatedKey() async throws {
        let old = ES256PrivateKey()
        let new = ES256PrivateKey()
        let before = try Self.documents(old)
        let after = try Self.documents(new)
        let mirror = Mirror(
            IssuerKeySet(configuration: before.configuration, jwks: before.jwks),
            afterRefresh: IssuerKeySet(configuration: after.configuration, jwks: after.jwks))
        let authenticator = try await Self.authenticator(mirror)
        guard
            case .authenticated = await authenticator.authenticate(
                token: try await Self.token(new, claims: Self.claims()))
        else {
            Issue.record("verifies after the refresh")
            return
        }
        #expect(mirror.refreshes.withLock { $0 } == 1)
        // A forged token (a key the cloud never had) still fails after the refresh.
        let forged = try await Self.token(ES256PrivateKey(), claims: Self.claims())
        #expect(
            await authenticator.authenticate(token: forged)
                == .failed("service account token: signature could not be verified"))
    }

    @Test("no keys mirrored (offline before the first contact): a cloud token cannot be verified")
    func nothingMirrored() async throws {
        let authenticator = try await Self.authenticator(Mirror(nil))
        let token = try await Self.token(ES256PrivateKey(), claims: Self.claims())
        #expect(
            await authenticator.authenticate(token: token)
                == .failed("service account token: signature could not be verified"))
    }

    @Test(
        "bound objects: a synced ServiceAccount or pod must match; absent where synced fails; not synced is unknown and passes"
    )
    func boundObjects() async throws {
        let key = ES256PrivateKey()
        let docs = try Self.documents(key)
        let set = IssuerKeySet(configuration: docs.configuration, jwks: docs.jwks)
        let token = try await Self.token(key, claims: Self.claims())
        let cases: [(ObjectPresence, ObjectPresence, String?)] = [
            (.present(uid: "sa-uid-1"), .present(uid: "pod-uid-1"), nil),
            (.unknown, .unknown, nil),
            (.absent, .unknown, "service account apps/builder has been deleted"),
            (.present(uid: "other"), .unknown, "service account UID (other) does not match claim (sa-uid-1)"),
            (.unknown, .absent, "service account token has been invalidated"),
            (
                .unknown, .present(uid: "recreated"),
                "pod UID (recreated) does not match service account pod ref claim (pod-uid-1)"
            ),
        ]
        // A token bound to a node only (no pod): the node must exist with its uid.
        var nodeBound = Self.claims()
        nodeBound.kubernetes?.pod = nil
        let nodeToken = try await Self.token(key, claims: nodeBound)
        for (node, failure) in [
            (ObjectPresence.present(uid: "n-1"), nil), (.absent, "service account token has been invalidated"),
            (.present(uid: "n-2"), "node UID (n-2) does not match service account node ref claim (n-1)"),
        ] {
            let authenticator = try await Self.authenticator(
                Mirror(set), objects: Presence(serviceAccount: .unknown, pod: .absent, node: node))
            let outcome = await authenticator.authenticate(token: nodeToken)
            if let failure {
                #expect(outcome == .failed(failure), "\(node)")
            } else if case .authenticated = outcome {
            } else {
                Issue.record("\(node): \(outcome)")
            }
        }
        for (serviceAccount, pod, failure) in cases {
            let authenticator = try await Self.authenticator(
                Mirror(set), objects: Presence(serviceAccount: serviceAccount, pod: pod))
            let outcome = await authenticator.authenticate(token: token)
            if let failure {
                #expect(outcome == .failed(failure), "\(serviceAccount) \(pod)")
            } else if case .authenticated = outcome {
            } else {
                Issue.record("\(serviceAccount) \(pod): \(outcome)")
            }
        }
    }
}
