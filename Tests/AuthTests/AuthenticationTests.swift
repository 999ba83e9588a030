import Foundation
import KubeModel
import Testing
import X509

@testable import Auth

/// The authenticators and the chain, as kube-apiserver's `--client-ca-file`,
/// `--token-auth-file` and `--anonymous-auth` behave.
@Suite("Authentication")
struct AuthenticationTests {
    static let tokenCSV = """
        t-alice,alice,1001,"dev,ops"
        t-bob,bob,1002
        ,empty,1003
        "t-q""uote",quoted,1004,
        """

    @Test("token file: columns, quoted groups, empty tokens skipped")
    func tokenFile() async throws {
        let tokens = try TokenFileAuthenticator(csv: Self.tokenCSV)
        #expect(
            await tokens.authenticate(token: "t-alice")
                == .authenticated(UserInfo(name: "alice", uid: "1001", groups: ["dev", "ops"])))
        #expect(await tokens.authenticate(token: "t-bob") == .authenticated(UserInfo(name: "bob", uid: "1002")))
        #expect(
            await tokens.authenticate(token: #"t-q"uote"#)
                == .authenticated(UserInfo(name: "quoted", uid: "1004", groups: [""])))
        #expect(await tokens.authenticate(token: "") == .notApplicable)
        #expect(await tokens.authenticate(token: "nope") == .notApplicable)
    }

    @Test("token file: fewer than three columns or a bare quote is an error")
    func tokenFileErrors() {
        #expect(throws: AuthConfigurationError.self) { try TokenFileAuthenticator(csv: "t,user\n", path: "f") }
        #expect(throws: AuthConfigurationError.self) { try TokenFileAuthenticator(csv: "t,us\"er,1\n", path: "f") }
    }

    struct BearerCase: Sendable, CustomTestStringConvertible {
        var header: String?
        var token: String?
        var testDescription: String { header ?? "nil" }
    }

    @Test(
        "bearer header parsing",
        arguments: [
            BearerCase(header: "Bearer abc", token: "abc"), BearerCase(header: "bearer abc", token: "abc"),
            BearerCase(header: "  Bearer abc  ", token: "abc"), BearerCase(header: "Bearer abc def", token: "abc"),
            BearerCase(header: "Bearer ", token: nil), BearerCase(header: "Basic abc", token: nil),
            BearerCase(header: "Bearer", token: nil), BearerCase(header: nil, token: nil),
        ])
    func bearer(_ c: BearerCase) {
        #expect(BearerTokenAuthenticator.bearerToken(c.header) == c.token)
    }

    static func chain(anonymous: Bool, roots: [Certificate] = []) throws -> Authentication {
        Authentication(
            authenticators: [
                X509ClientAuthenticator(roots: roots),
                BearerTokenAuthenticator([try TokenFileAuthenticator(csv: tokenCSV)]),
            ], anonymous: anonymous)
    }

    @Test("chain: a token user gets system:authenticated; anonymous only without credentials")
    func chainTokens() async throws {
        let on = try Self.chain(anonymous: true)
        #expect(
            await on.authenticate(AuthenticationRequest(authorization: "Bearer t-bob"))
                == .authenticated(UserInfo(name: "bob", uid: "1002", groups: ["system:authenticated"])))
        #expect(
            await on.authenticate(AuthenticationRequest())
                == .authenticated(UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])))
        #expect(
            await on.authenticate(AuthenticationRequest(authorization: "Bearer wrong"))
                == .failed("invalid bearer token"))
        #expect(
            await on.authenticate(AuthenticationRequest(authorization: "Basic eDp5"))
                == .authenticated(UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])))
        let off = try Self.chain(anonymous: false)
        #expect(await off.authenticate(AuthenticationRequest()) == .failed("no credentials"))
    }

    @Test("client certificates: CN is the user, O the groups; other CAs, expired and server-only certificates fail")
    func clientCertificates() async throws {
        let ca = try CertificateIssuer(commonName: "test-ca", days: 30)
        let other = try CertificateIssuer(commonName: "other-ca", days: 30)
        let chain = try Self.chain(anonymous: true, roots: [ca.ca.certificate])

        let admin = try ca.client(user: "root", groups: ["system:masters", "ops"], days: 1)
        guard
            case .authenticated(let user) = await chain.authenticate(
                AuthenticationRequest(clientCertificates: [admin.certificate]))
        else {
            Issue.record("a certificate of the CA authenticates")
            return
        }
        #expect(user.name == "root")
        #expect(user.groups == ["system:masters", "ops", "system:authenticated"])
        #expect(user.extra[SystemUsers.credentialIDKey]?.first?.hasPrefix("X509SHA256=") == true)

        let stranger = try other.client(user: "root", groups: ["system:masters"], days: 1)
        guard case .failed = await chain.authenticate(AuthenticationRequest(clientCertificates: [stranger.certificate]))
        else {
            Issue.record("a certificate of another CA is a failure (401), not anonymous")
            return
        }
        let expired = try ca.client(user: "old", groups: [], days: 1, now: Date() - 10 * 86400)
        guard case .failed = await chain.authenticate(AuthenticationRequest(clientCertificates: [expired.certificate]))
        else {
            Issue.record("an expired certificate fails")
            return
        }
        let server = try ca.server(commonName: "srv", hosts: ["localhost"], days: 1)
        guard case .failed = await chain.authenticate(AuthenticationRequest(clientCertificates: [server.certificate]))
        else {
            Issue.record("a serverAuth-only certificate is not a client credential")
            return
        }
        // A failed certificate does not stop a valid token (the union tries every authenticator).
        #expect(
            await chain.authenticate(
                AuthenticationRequest(clientCertificates: [stranger.certificate], authorization: "Bearer t-bob"))
                == .authenticated(UserInfo(name: "bob", uid: "1002", groups: ["system:authenticated"])))
    }

    @Test("a certificate without CommonName is no credential")
    func noCommonName() async throws {
        let ca = try CertificateIssuer(commonName: "test-ca", days: 30)
        let nameless = try ca.client(user: "", groups: ["g"], days: 1)
        #expect(X509ClientAuthenticator.user(from: nameless.certificate) == .notApplicable)
    }

    @Test("the CA file is read again when it changes")
    func caReload() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ake-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try CertificateIssuer(commonName: "first", days: 30)
        let second = try CertificateIssuer(commonName: "second", days: 30)
        let file = dir.appendingPathComponent("ca.crt").path
        try first.ca.certificatePEM.write(toFile: file, atomically: true, encoding: .utf8)
        let x509 = try X509ClientAuthenticator(caFile: file)
        let cert = try second.client(user: "u", groups: [], days: 1)
        guard case .failed = await x509.authenticate(AuthenticationRequest(clientCertificates: [cert.certificate]))
        else {
            Issue.record("not yet trusted")
            return
        }
        try (first.ca.certificatePEM + second.ca.certificatePEM).write(toFile: file, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1100))
        guard
            case .authenticated = await x509.authenticate(AuthenticationRequest(clientCertificates: [cert.certificate]))
        else {
            Issue.record("trusted after the file changed")
            return
        }
    }

    @Test("safe default: beyond loopback needs TLS, an authenticator and authorization")
    func servingPolicy() {
        #expect(
            ServingPolicy.problem(
                host: "127.0.0.1", tls: false, authenticators: false, anonymous: true, modes: [.alwaysAllow]) == nil)
        #expect(
            ServingPolicy.problem(
                host: "::1", tls: false, authenticators: false, anonymous: true, modes: [.alwaysAllow]) == nil)
        let open = ServingPolicy.problem(
            host: "0.0.0.0", tls: false, authenticators: false, anonymous: true, modes: [.alwaysAllow])
        #expect(open?.contains("--tls-cert-file") == true)
        #expect(open?.contains("--client-ca-file") == true)
        #expect(open?.contains("--insecure-serve-remote") == true)
        #expect(
            ServingPolicy.problem(host: "0.0.0.0", tls: true, authenticators: true, anonymous: true, modes: [.rbac])
                == nil)
        #expect(
            ServingPolicy.problem(
                host: "10.0.0.1", tls: true, authenticators: true, anonymous: false, modes: [.alwaysAllow]) == nil)
        #expect(
            ServingPolicy.problem(
                host: "10.0.0.1", tls: true, authenticators: true, anonymous: true, modes: [.alwaysAllow]) != nil)
    }
}
