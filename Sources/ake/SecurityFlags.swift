import APIFront
import ArgumentParser
import Auth
import Endpoint
import KubeModel
import Logging
import Projections
import Sync

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `ake serve`'s security flags, named and meant as kube-apiserver's. Each is also a
/// config file key of the same name; as for the other serve flags, none has a default
/// here (a flag overrides the file, which overrides the default of
/// `ServeConfiguration.specs`), and the values used are the resolved ones
/// (``SecuritySettings``).
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

    @Option(
        help:
            "Issuer (iss) a ServiceAccount token must carry; repeatable. Without one, any issuer is accepted (at an edge: the cloud's, from its /.well-known/openid-configuration)."
    )
    var serviceAccountIssuer: [String] = []

    @Option(help: "Audiences a ServiceAccount token must name one of; repeatable. Default: the issuers.")
    var apiAudiences: [String] = []

    @Option(
        help: ArgumentHelp(
            "Check that the ServiceAccount (and pod) a token names still exist (true|false). Default: true.",
            valueName: "bool"))
    var serviceAccountLookup: String?

    @Option(
        help: ArgumentHelp(
            "Allow requests without credentials, as system:anonymous in system:unauthenticated (true|false). Default: true.",
            valueName: "bool"))
    var anonymousAuth: String?

    @Option(
        help:
            "Ordered, comma-separated authorizers: AlwaysAllow, AlwaysDeny, RBAC, Node. The first allow or deny decides. Default: AlwaysAllow."
    )
    var authorizationMode: String?

    @Flag(
        help:
            "Serve on a non-loopback address without TLS, an authenticator and authorization (unsafe). In the config file: insecure-serve-remote: true."
    )
    var insecureServeRemote = false

    /// The flags given on the command line, by config key.
    var given: [String: SettingValue] {
        var flags: [String: SettingValue] = [:]
        let scalars: [(String, String?)] = [
            ("tls-cert-file", tlsCertFile), ("tls-private-key-file", tlsPrivateKeyFile),
            ("client-ca-file", clientCaFile), ("token-auth-file", tokenAuthFile),
            ("service-account-lookup", serviceAccountLookup), ("anonymous-auth", anonymousAuth),
            ("authorization-mode", authorizationMode),
        ]
        for (key, value) in scalars { flags[key] = value.map(SettingValue.scalar) }
        let lists: [(String, [String])] = [
            ("service-account-key-file", serviceAccountKeyFile), ("service-account-issuer", serviceAccountIssuer),
            ("api-audiences", apiAudiences),
        ]
        for (key, values) in lists where !values.isEmpty { flags[key] = .list(values) }
        // A flag without a value: only its presence is a setting (`false` is the file's or the default).
        if insecureServeRemote { flags["insecure-serve-remote"] = .scalar("true") }
        return flags
    }

    /// The keys of `ServeConfiguration.specs` these flags add, with their defaults.
    static let specs: [SettingSpec] = [
        SettingSpec("tls-cert-file", nil),
        SettingSpec("tls-private-key-file", nil),
        SettingSpec("client-ca-file", nil),
        SettingSpec("token-auth-file", nil),
        SettingSpec(list: "service-account-key-file"),
        SettingSpec(list: "service-account-issuer"),
        SettingSpec(list: "api-audiences"),
        SettingSpec("service-account-lookup", "true"),
        SettingSpec("anonymous-auth", "true"),
        SettingSpec("authorization-mode", "AlwaysAllow"),
        SettingSpec("insecure-serve-remote", "false"),
    ]
}

/// The resolved security settings (flags > config file > defaults), checked once.
struct SecuritySettings: Sendable {
    var tlsCertFile: String?
    var tlsPrivateKeyFile: String?
    var clientCaFile: String?
    var tokenAuthFile: String?
    var serviceAccountKeyFile: [String]
    var serviceAccountIssuer: [String]
    var apiAudiences: [String]
    var serviceAccountLookup: Bool
    var anonymousAuth: Bool
    var modes: [AuthorizationMode]
    var insecureServeRemote: Bool

    init(_ config: ServeConfiguration) throws {
        func bool(_ key: String) throws -> Bool {
            switch config.string(key) {
            case nil: return false
            case let text?:
                // Go's strconv.ParseBool, as kube-apiserver's flags take them.
                if ["1", "t", "T", "TRUE", "true", "True"].contains(text) { return true }
                if ["0", "f", "F", "FALSE", "false", "False"].contains(text) { return false }
                throw ConfigError(description: "\(config.origin(key)): \"\(text)\" is not true or false")
            }
        }
        tlsCertFile = config.string("tls-cert-file")
        tlsPrivateKeyFile = config.string("tls-private-key-file")
        clientCaFile = config.string("client-ca-file")
        tokenAuthFile = config.string("token-auth-file")
        serviceAccountKeyFile = config.list("service-account-key-file")
        serviceAccountIssuer = config.list("service-account-issuer")
        apiAudiences = config.list("api-audiences")
        serviceAccountLookup = try bool("service-account-lookup")
        anonymousAuth = try bool("anonymous-auth")
        insecureServeRemote = try bool("insecure-serve-remote")
        do {
            modes = try AuthorizationMode.parseList(config.string("authorization-mode") ?? "AlwaysAllow")
        } catch {
            throw ConfigError(description: "\(config.origin("authorization-mode")): \(error.message)")
        }
        if (tlsCertFile == nil) != (tlsPrivateKeyFile == nil) {
            throw ConfigError(description: "--tls-cert-file and --tls-private-key-file must be given together")
        }
        if clientCaFile != nil && tlsCertFile == nil {
            throw ConfigError(description: "--client-ca-file needs TLS: add --tls-cert-file and --tls-private-key-file")
        }
    }

    /// The serving TLS configuration, if any.
    var servingTLS: ServingTLS? {
        guard let tlsCertFile, let tlsPrivateKeyFile else { return nil }
        return ServingTLS(
            certFile: tlsCertFile, keyFile: tlsPrivateKeyFile, requestClientCertificates: clientCaFile != nil)
    }

    /// Refuses an unsafe remote listener (see ``ServingPolicy``). An edge verifies the
    /// cloud's ServiceAccount tokens, so it has an authenticator.
    func checkListener(host: String, edge: Bool) throws {
        if let problem = ServingPolicy.problem(
            host: host, tls: servingTLS != nil,
            authenticators: clientCaFile != nil || tokenAuthFile != nil || !serviceAccountKeyFile.isEmpty || edge,
            anonymous: anonymousAuth, modes: modes), !insecureServeRemote
        {
            throw ValidationError(problem)
        }
    }

    /// The authenticators, the authorizer chain and the issuer documents the settings
    /// describe. At an edge the cloud's ServiceAccount issuer keys verify tokens too
    /// (unless nothing is checked at all: the loopback development default).
    func security(store: ObjectStore, edge: EdgeSync?) async throws -> APISecurity {
        var authenticators: [any RequestAuthenticator] = []
        do {
            if let clientCaFile { authenticators.append(try X509ClientAuthenticator(caFile: clientCaFile)) }
            var tokens: [any TokenAuthenticator] = []
            if let tokenAuthFile { tokens.append(try TokenFileAuthenticator(path: tokenAuthFile)) }
            let nothingElse = authenticators.isEmpty && tokens.isEmpty && serviceAccountKeyFile.isEmpty
            let open = nothingElse && anonymousAuth && modes == [.alwaysAllow]
            let upstream = open ? nil : edge.map(EdgeIssuerKeys.init)
            if !serviceAccountKeyFile.isEmpty || upstream != nil {
                let objects: (any ServiceAccountObjects)? =
                    if !serviceAccountLookup { nil } else if let edge {
                        EdgeServiceAccountObjects(store: store, edge: edge)
                    } else { StoreServiceAccountObjects(store: store) }
                tokens.append(
                    try await ServiceAccountTokenAuthenticator(
                        keyFiles: serviceAccountKeyFile, issuers: serviceAccountIssuer,
                        audiences: apiAudiences.isEmpty ? serviceAccountIssuer : apiAudiences,
                        objects: objects, upstream: upstream))
            }
            if !tokens.isEmpty { authenticators.append(BearerTokenAuthenticator(tokens)) }
            // Nothing to check (the development default): skip the per-request work.
            if open { return .open }
            var security = APISecurity(
                authentication: Authentication(authenticators: authenticators, anonymous: anonymousAuth),
                authorizer: AuthorizerChain.forModes(modes, store: store),
                readsClientCertificates: clientCaFile != nil,
                nodeRestriction: modes.contains(.node) ? StoreNodeGraph(store: store) : nil)
            security.issuerDocuments = try issuerDocuments(edge: edge)
            return security
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// What `/.well-known/openid-configuration` and `/openid/v1/jwks` answer: standalone,
    /// the documents of the first `--service-account-issuer` and the key files (when the
    /// issuer is an https URL, as kube-apiserver requires); at an edge, the cloud's mirror.
    func issuerDocuments(edge: EdgeSync?) throws(AuthConfigurationError) -> IssuerDocumentSource? {
        if let edge {
            return { path in await edge.serviceAccountIssuerDocument(path: path) }
        }
        guard let issuer = serviceAccountIssuer.first, !serviceAccountKeyFile.isEmpty else { return nil }
        var pems: [String] = []
        for file in serviceAccountKeyFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AuthConfigurationError("cannot read --service-account-key-file \(file)")
            }
            pems.append(String(decoding: data, as: UTF8.self))
        }
        guard let documents = ServiceAccountIssuerDiscovery.documents(issuer: issuer, publicKeysPEM: pems) else {
            return nil
        }
        return { path in
            switch path {
            case ServiceAccountIssuerDiscovery.configurationPath: documents.configuration
            case ServiceAccountIssuerDiscovery.jwksPath: documents.jwks
            default: nil
            }
        }
    }

    var usesRBAC: Bool { modes.contains(.rbac) }
}

/// The cloud's ServiceAccount issuer keys, as the edge mirrors them.
struct EdgeIssuerKeys: ServiceAccountIssuerKeys {
    let edge: EdgeSync
    func keySet(refresh: Bool) async -> IssuerKeySet? {
        let (configuration, jwks) = await edge.serviceAccountIssuer(refresh: refresh)
        return IssuerKeySet(configuration: configuration, jwks: jwks)
    }
}

/// An edge's view of the objects a token names: what it holds is checked; an object it
/// does not hold is absent only when a synced scope covers where it would be (all of its
/// namespace's objects of that kind, or for a pod-bound token the pods of the token's
/// node); otherwise it cannot be known here (``ObjectPresence/unknown``).
struct EdgeServiceAccountObjects: ServiceAccountObjects {
    let store: ObjectStore
    let edge: EdgeSync

    func uid(_ resource: String, namespace: String, name: String) async -> String? {
        await StoreServiceAccountObjects(store: store).uid(resource, namespace: namespace, name: name)
    }

    func presence(_ resource: String, namespace: String, name: String, boundNode: String?) async -> ObjectPresence {
        if let uid = await uid(resource, namespace: namespace, name: name) { return .present(uid: uid) }
        let gvr = GroupVersionResource(group: "", version: "v1", resource: resource)
        if edge.isCovered(ScopeSelector(resource: gvr, namespace: namespace)) { return .absent }
        if resource == "pods", let boundNode,
            edge.isCovered(
                ScopeSelector(resource: gvr, namespace: namespace, fieldSelector: "spec.nodeName=\(boundNode)"))
        {
            return .absent
        }
        return .unknown
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
