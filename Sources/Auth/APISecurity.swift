import KubeModel

/// What the HTTP front checks before it executes a request: who sent it
/// (``Authentication``) and whether they may (the authorizer chain of `--authorization-mode`).
public struct APISecurity: Sendable {
    public var authentication: Authentication
    public var authorizer: any Authorizer & RuleResolver
    /// Whether a client certificate is read from TLS connections (a `--client-ca-file` authenticator is present).
    public var readsClientCertificates: Bool
    /// With the Node authorizer: where ``NodeRestriction`` looks up pods.
    public var nodeRestriction: (any NodeGraphSource)?
    /// ServiceAccount issuer discovery (`/.well-known/openid-configuration`,
    /// `/openid/v1/jwks`); nil: not served (404).
    public var issuerDocuments: IssuerDocumentSource?

    public init(
        authentication: Authentication, authorizer: any Authorizer & RuleResolver, readsClientCertificates: Bool,
        nodeRestriction: (any NodeGraphSource)? = nil
    ) {
        self.authentication = authentication
        self.authorizer = authorizer
        self.readsClientCertificates = readsClientCertificates
        self.nodeRestriction = nodeRestriction
    }

    /// No credentials checked, everything allowed: every request is `system:anonymous`
    /// (AKE's loopback development default, and what in-process tests use).
    public static let open = APISecurity(
        authentication: Authentication(authenticators: [], anonymous: true), authorizer: AlwaysAllowAuthorizer(),
        readsClientCertificates: false)

    /// Whether this is ``open`` (the front then skips the per-request work).
    public var isOpen: Bool {
        authentication.authenticators.isEmpty && authentication.anonymous && authorizer is AlwaysAllowAuthorizer
    }
}
