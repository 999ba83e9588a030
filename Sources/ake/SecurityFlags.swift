import APIFront
import ArgumentParser
import Auth
import Endpoint
import KubeModel
import Logging
import Projections

/// `ake serve`'s security flags, named and meant as kube-apiserver's.
struct SecurityFlags: ParsableArguments {
    @Option(
        help:
            "PEM serving certificate (chain, leaf first); with --tls-private-key-file the server speaks HTTPS (TLS 1.2+). Re-read when it changes."
    )
    var tlsCertFile: String?

    @Option(help: "PEM private key of --tls-cert-file. Re-read when it changes.")
    var tlsPrivateKeyFile: String?

    @Option(
        help:
            "PEM CA bundle: a TLS client certificate signed by one of these CAs authenticates as its CommonName, with its Organizations as groups."
    )
    var clientCaFile: String?

    @Option(help: "CSV file of bearer tokens: token,user,uid[,\"group1,group2\"] per line.")
    var tokenAuthFile: String?

    @Option(help: "PEM file of public keys (RSA or ECDSA) that verify ServiceAccount bearer tokens (JWTs); repeatable.")
    var serviceAccountKeyFile: [String] = []

    @Option(help: "Issuer (iss) a ServiceAccount token must carry; repeatable. Without one, any issuer is accepted.")
    var serviceAccountIssuer: [String] = []

    @Option(help: "Audiences a ServiceAccount token must name one of; repeatable. Default: the issuers.")
    var apiAudiences: [String] = []

    @Option(help: "Check that the ServiceAccount (and pod) a token names still exist (true|false).")
    var serviceAccountLookup: Bool = true

    @Option(
        help: ArgumentHelp(
            "Allow requests without credentials, as system:anonymous in system:unauthenticated (true|false).",
            valueName: "bool"))
    var anonymousAuth: Bool = true

    @Option(
        help:
            "Ordered, comma-separated authorizers: AlwaysAllow, AlwaysDeny, RBAC, Node. The first allow or deny decides."
    )
    var authorizationMode = "AlwaysAllow"

    @Flag(help: "Serve on a non-loopback address without TLS, an authenticator and authorization (unsafe).")
    var insecureServeRemote = false

    func validate() throws {
        if (tlsCertFile == nil) != (tlsPrivateKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-private-key-file must be given together")
        }
        if clientCaFile != nil && tlsCertFile == nil {
            throw ValidationError("--client-ca-file needs TLS: add --tls-cert-file and --tls-private-key-file")
        }
        do {
            _ = try AuthorizationMode.parseList(authorizationMode)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The serving TLS configuration, if any.
    var servingTLS: ServingTLS? {
        guard let tlsCertFile, let tlsPrivateKeyFile else { return nil }
        return ServingTLS(
            certFile: tlsCertFile, keyFile: tlsPrivateKeyFile, requestClientCertificates: clientCaFile != nil)
    }

    /// Refuses an unsafe remote listener (see ``ServingPolicy``).
    func checkListener(host: String) throws {
        let modes = (try? AuthorizationMode.parseList(authorizationMode)) ?? [.alwaysAllow]
        if let problem = ServingPolicy.problem(
            host: host, tls: servingTLS != nil,
            authenticators: clientCaFile != nil || tokenAuthFile != nil || !serviceAccountKeyFile.isEmpty,
            anonymous: anonymousAuth, modes: modes), !insecureServeRemote
        {
            throw ValidationError(problem)
        }
    }

    /// The authenticators and the authorizer chain the flags describe.
    func security(store: ObjectStore) async throws -> APISecurity {
        var authenticators: [any RequestAuthenticator] = []
        do {
            if let clientCaFile { authenticators.append(try X509ClientAuthenticator(caFile: clientCaFile)) }
            var tokens: [any TokenAuthenticator] = []
            if let tokenAuthFile { tokens.append(try TokenFileAuthenticator(path: tokenAuthFile)) }
            if !serviceAccountKeyFile.isEmpty {
                tokens.append(
                    try await ServiceAccountTokenAuthenticator(
                        keyFiles: serviceAccountKeyFile, issuers: serviceAccountIssuer,
                        audiences: apiAudiences.isEmpty ? serviceAccountIssuer : apiAudiences,
                        objects: serviceAccountLookup ? StoreServiceAccountObjects(store: store) : nil))
            }
            if !tokens.isEmpty { authenticators.append(BearerTokenAuthenticator(tokens)) }
            let modes = try AuthorizationMode.parseList(authorizationMode)
            // Nothing to check (the development default): skip the per-request work.
            if authenticators.isEmpty && anonymousAuth && modes == [.alwaysAllow] { return .open }
            return APISecurity(
                authentication: Authentication(authenticators: authenticators, anonymous: anonymousAuth),
                authorizer: AuthorizerChain.forModes(modes, store: store),
                readsClientCertificates: clientCaFile != nil,
                nodeRestriction: modes.contains(.node) ? StoreNodeGraph(store: store) : nil)
        } catch {
            throw ValidationError(error.message)
        }
    }

    var usesRBAC: Bool {
        ((try? AuthorizationMode.parseList(authorizationMode)) ?? []).contains(.rbac)
    }
}

/// Creates the bootstrap ClusterRoles and ClusterRoleBindings that are missing (as
/// kube-apiserver's RBAC post-start hook does on a fresh cluster; existing ones are left
/// as the operator changed them).
func bootstrapRBAC(endpoint: Endpoint, logger: Logger) async {
    let pairs: [(String, [JSONValue])] = [
        ("clusterroles", BootstrapPolicy.clusterRoles), ("clusterrolebindings", BootstrapPolicy.clusterRoleBindings),
    ]
    for (resource, objects) in pairs {
        for object in objects {
            let request = APIRequest(
                verb: .create,
                resource: GroupVersionResource(group: "rbac.authorization.k8s.io", version: "v1", resource: resource),
                body: object.serialized(), contentType: "application/json", client: "ake-bootstrap")
            if case .response(let r) = await endpoint.handle(request), r.code != 201, r.code != 409 {
                logger.warning(
                    "bootstrap RBAC object not created",
                    metadata: [
                        "resource": "\(resource)", "name": "\(object["metadata"]?["name"]?.stringValue ?? "")",
                        "code": "\(r.code)",
                    ])
            }
        }
    }
}
