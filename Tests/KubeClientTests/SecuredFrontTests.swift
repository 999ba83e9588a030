import APIFront
import Auth
import Endpoint
import Foundation
import KubeModel
import Logging
import Projections
import Prometheus
import ServiceLifecycle
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The HTTP front with authentication and authorization on: the order of the checks and
/// the bodies a client sees (over plain HTTP here; tools/security_e2e.py covers TLS).
@Suite("Secured front")
struct SecuredFrontTests {
    static let tokens = """
        t-root,root,1,system:masters
        t-bob,bob,2
        t-sa,system:serviceaccount:apps:builder,3,system:serviceaccounts
        """

    static func withFront(
        anonymous: Bool = true, issuerDocuments: IssuerDocumentSource? = nil, _ body: (String) async throws -> Void
    ) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ake-secured-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logger = Logger(label: "secured-front-test")
        let catalog = ResourceCatalog.builtIn()
        let store = try ObjectStore(directory: dir, catalog: catalog, logger: logger)
        defer { store.close() }
        let endpoint = Endpoint(store: store, catalog: catalog, logger: logger)
        try await endpoint.bootstrap()
        var security = APISecurity(
            authentication: Authentication(
                authenticators: [BearerTokenAuthenticator([try TokenFileAuthenticator(csv: tokens)])],
                anonymous: anonymous),
            authorizer: AuthorizerChain.forModes(
                [.rbac], rbac: StaticRBACSource(BootstrapPolicy.snapshot), nodes: StoreNodeGraph(store: store)),
            readsClientCertificates: false)
        security.issuerDocuments = issuerDocuments
        let front = APIFront(
            endpoint: endpoint, catalog: catalog, configuration: APIFrontConfiguration(port: 0),
            registry: PrometheusCollectorRegistry(), security: security, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = front.application { _, port in continuation.yield(port) }
        let task = Task {
            try await ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
                .run()
        }
        defer { task.cancel() }
        var port = 0
        for await p in ports {
            port = p
            break
        }
        try await body("http://127.0.0.1:\(port)")
        task.cancel()
        _ = await task.result
    }

    static func request(
        _ url: String, token: String? = nil, method: String = "GET", body: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> (Int, String) {
        let (code, text, _) = try await response(url, token: token, method: method, body: body, headers: headers)
        return (code, text)
    }

    /// The status, body and response headers.
    static func response(
        _ url: String, token: String? = nil, method: String = "GET", body: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> (Int, String, [AnyHashable: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.cachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), http?.allHeaderFields ?? [:])
    }

    @Test("401 for a bad token, 403 before 404, allowed for system:masters")
    func pipeline() async throws {
        try await Self.withFront { base in
            let (badCode, badBody) = try await Self.request(base + "/api/v1/namespaces", token: "nope")
            #expect(badCode == 401)
            #expect(
                badBody
                    == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
            )
            let (bobCode, bobBody) = try await Self.request(
                base + "/api/v1/namespaces/default/configmaps", token: "t-bob")
            #expect(bobCode == 403)
            #expect(
                bobBody
                    == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps is forbidden: User \"bob\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"configmaps"},"code":403}"#
            )
            let (unknown, _) = try await Self.request(base + "/apis/example.com/v1/widgets", token: "t-bob")
            #expect(unknown == 403, "authorization comes before the 404 of an unknown resource")
            let (rootCode, _) = try await Self.request(base + "/api/v1/namespaces", token: "t-root")
            #expect(rootCode == 200)
            let (versionCode, _) = try await Self.request(base + "/version")
            #expect(versionCode == 200, "system:public-info-viewer lets anonymous read /version")
            let (apiCode, _) = try await Self.request(base + "/api")
            #expect(apiCode == 403, "discovery is for authenticated users")
            let (whoCode, who) = try await Self.request(
                base + "/apis/authentication.k8s.io/v1/selfsubjectreviews", token: "t-bob", method: "POST",
                body: #"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#)
            #expect(whoCode == 201)
            #expect(who.contains(#""userInfo":{"username":"bob","uid":"2","groups":["system:authenticated"]}"#))
        }
    }

    @Test("--anonymous-auth=false: no credentials is 401")
    func anonymousOff() async throws {
        try await Self.withFront(anonymous: false) { base in
            let (code, _) = try await Self.request(base + "/version")
            #expect(code == 401)
        }
    }

    @Test(
        "ServiceAccount issuer discovery: served with kube's content types and an ETag, for ServiceAccounts (bootstrap RBAC), 404 when not configured"
    )
    func issuerDiscovery() async throws {
        let jwks = #"{"keys":[{"use":"sig","kty":"EC","kid":"k","crv":"P-256","alg":"ES256","x":"x","y":"y"}]}"#
        let documents: IssuerDocumentSource = { path in
            switch path {
            case ServiceAccountIssuerDiscovery.jwksPath: Array(jwks.utf8)
            case ServiceAccountIssuerDiscovery.configurationPath: Array(#"{"issuer":"https://a.example"}"#.utf8)
            default: nil
            }
        }
        try await Self.withFront(issuerDocuments: documents) { base in
            let (code, body, headers) = try await Self.response(base + "/openid/v1/jwks", token: "t-root")
            #expect(code == 200)
            #expect(body == jwks)
            #expect(headers["Content-Type"] as? String == "application/jwk-set+json")
            let tag = try #require(headers["Etag"] as? String ?? headers["ETag"] as? String)
            let (cached, _, _) = try await Self.response(
                base + "/openid/v1/jwks", token: "t-root", headers: ["If-None-Match": tag])
            #expect(cached == 304)
            let (config, _, configHeaders) = try await Self.response(
                base + "/.well-known/openid-configuration", token: "t-root")
            #expect(config == 200)
            #expect(configHeaders["Content-Type"] as? String == "application/json")
            let (post, _) = try await Self.request(
                base + "/openid/v1/jwks", token: "t-root", method: "POST", body: "{}")
            #expect(post == 405)
            // Only ServiceAccounts are bound to system:service-account-issuer-discovery.
            let (bob, _) = try await Self.request(base + "/openid/v1/jwks", token: "t-bob")
            #expect(bob == 403)
            let (serviceAccount, _) = try await Self.request(base + "/openid/v1/jwks", token: "t-sa")
            #expect(serviceAccount == 200)
        }
        try await Self.withFront { base in
            let (code, _) = try await Self.request(base + "/openid/v1/jwks", token: "t-root")
            #expect(code == 404)
        }
    }
}
