import Foundation
import JWTKit
import KubeModel
import Testing

@testable import Auth

/// ServiceAccount JWTs verified with `--service-account-key-file` keys.
@Suite("ServiceAccount tokens")
struct ServiceAccountTokenTests {
    struct Objects: ServiceAccountObjects {
        func uid(_ resource: String, namespace: String, name: String) async -> String? {
            switch (resource, namespace, name) {
            case ("serviceaccounts", "apps", "builder"): "sa-uid-1"
            case ("pods", "apps", "web-1"): "pod-uid-1"
            default: nil
            }
        }
    }

    static let issuer = "https://kubernetes.default.svc.cluster.local"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func claims(
        iss: String = issuer, aud: [String] = [issuer], exp: Double = 1_800_003_600, name: String = "builder",
        uid: String = "sa-uid-1", pod: String? = "web-1"
    ) -> ServiceAccountClaims {
        ServiceAccountClaims(
            iss: iss, sub: "system:serviceaccount:apps:\(name)", aud: AudienceClaim(value: aud), exp: exp,
            nbf: 1_799_999_000, jti: "j-1",
            kubernetes: .init(
                namespace: "apps", serviceaccount: .init(name: name, uid: uid),
                pod: pod.map { .init(name: $0, uid: "pod-uid-1") }, node: .init(name: "edge-1", uid: "n-1")))
    }

    static func sign(_ claims: ServiceAccountClaims, with key: ES256PrivateKey) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key)
        return try await keys.sign(claims)
    }

    static func authenticator(_ key: ES256PrivateKey) async throws -> ServiceAccountTokenAuthenticator {
        try await ServiceAccountTokenAuthenticator(
            publicKeysPEM: [key.publicKey.pemRepresentation], issuers: [issuer], audiences: [issuer],
            objects: Objects(),
            now: { now })
    }

    @Test("a valid token is the ServiceAccount user")
    func valid() async throws {
        let key = ES256PrivateKey()
        let token = try await Self.sign(Self.claims(), with: key)
        let authenticator = try await Self.authenticator(key)
        let outcome = await authenticator.authenticate(token: token)
        #expect(
            outcome
                == .authenticated(
                    UserInfo(
                        name: "system:serviceaccount:apps:builder", uid: "sa-uid-1",
                        groups: ["system:serviceaccounts", "system:serviceaccounts:apps"],
                        extra: [
                            "authentication.kubernetes.io/pod-name": ["web-1"],
                            "authentication.kubernetes.io/pod-uid": ["pod-uid-1"],
                            "authentication.kubernetes.io/node-name": ["edge-1"],
                            "authentication.kubernetes.io/node-uid": ["n-1"],
                            "authentication.kubernetes.io/credential-id": ["JTI=j-1"],
                        ])))
    }

    @Test("expired (beyond a minute of leeway), garbled, wrong key, wrong audience, deleted objects fail")
    func failures() async throws {
        let key = ES256PrivateKey()
        let authenticator = try await Self.authenticator(key)
        let expired = try await Self.sign(Self.claims(exp: 1_800_000_000 - 61), with: key)
        #expect(await authenticator.authenticate(token: expired) == .failed("service account token has expired"))
        let leeway = try await Self.sign(Self.claims(exp: 1_800_000_000 - 30), with: key)
        guard case .authenticated = await authenticator.authenticate(token: leeway) else {
            Issue.record("within the leeway")
            return
        }
        let good = try await Self.sign(Self.claims(), with: key)
        var parts = good.split(separator: ".").map(String.init)
        parts[2] = String(parts[2].reversed())
        guard case .failed = await authenticator.authenticate(token: parts.joined(separator: ".")) else {
            Issue.record("a garbled signature fails")
            return
        }
        let wrongKey = try await Self.sign(Self.claims(), with: ES256PrivateKey())
        guard case .failed = await authenticator.authenticate(token: wrongKey) else {
            Issue.record("another key's token fails")
            return
        }
        let audience = try await Self.sign(Self.claims(aud: ["other"]), with: key)
        guard case .failed = await authenticator.authenticate(token: audience) else {
            Issue.record("a token for another audience fails")
            return
        }
        let deleted = try await Self.sign(Self.claims(name: "gone"), with: key)
        #expect(
            await authenticator.authenticate(token: deleted) == .failed("service account apps/gone has been deleted"))
        let recreated = try await Self.sign(Self.claims(uid: "old-uid"), with: key)
        #expect(
            await authenticator.authenticate(token: recreated)
                == .failed("service account UID (sa-uid-1) does not match claim (old-uid)"))
    }

    @Test("not a JWT, or another issuer's: left to other authenticators")
    func notOurs() async throws {
        let key = ES256PrivateKey()
        let authenticator = try await Self.authenticator(key)
        #expect(await authenticator.authenticate(token: "t-alice") == .notApplicable)
        #expect(await authenticator.authenticate(token: "a.b.c") == .notApplicable)
        let foreign = try await Self.sign(Self.claims(iss: "https://elsewhere"), with: key)
        #expect(await authenticator.authenticate(token: foreign) == .notApplicable)
    }

    @Test("in the chain an invalid token is 401, never anonymous")
    func inChain() async throws {
        let key = ES256PrivateKey()
        let chain = Authentication(
            authenticators: [BearerTokenAuthenticator([try await Self.authenticator(key)])], anonymous: true)
        let expired = try await Self.sign(Self.claims(exp: 1), with: key)
        #expect(
            await chain.authenticate(AuthenticationRequest(authorization: "Bearer " + expired))
                == .failed("service account token has expired"))
    }
}
