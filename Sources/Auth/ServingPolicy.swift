import Projections

/// The safe default for where AKE listens: on a loopback address anything goes (the
/// development default); beyond loopback the server must speak TLS, authenticate
/// (`--client-ca-file` or `--token-auth-file`) and not let anonymous users do
/// everything (anonymous off, or an authorization mode other than AlwaysAllow).
public enum ServingPolicy {
    /// Whether `host` is a loopback address or `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Why serving on `host` with these settings is refused, nil when it is fine.
    public static func problem(
        host: String, tls: Bool, authenticators: Bool, anonymous: Bool, modes: [AuthorizationMode]
    ) -> String? {
        guard !isLoopback(host) else { return nil }
        var missing: [String] = []
        if !tls { missing.append("--tls-cert-file and --tls-private-key-file") }
        if !authenticators { missing.append("--client-ca-file or --token-auth-file") }
        if anonymous && modes.allSatisfy({ $0 == .alwaysAllow }) {
            missing.append("--authorization-mode=RBAC (or --anonymous-auth=false)")
        }
        guard !missing.isEmpty else { return nil }
        return "refusing to serve on \(host) beyond loopback without TLS, authentication and authorization: add "
            + missing.joined(separator: "; ") + " (or pass --insecure-serve-remote to serve anyway)"
    }
}

extension AuthorizerChain {
    /// The chain kube-apiserver builds for `--authorization-mode`: `system:masters` is
    /// allowed first, whatever the modes; then each mode in the order given. RBAC reads
    /// the store's objects.
    public static func forModes(_ modes: [AuthorizationMode], store: ObjectStore) -> AuthorizerChain {
        forModes(modes, rbac: StoreRBACSource(store: store), nodes: StoreNodeGraph(store: store))
    }

    /// The same chain over given sources (tests).
    public static func forModes(
        _ modes: [AuthorizationMode], rbac: any RBACObjectSource, nodes: any NodeGraphSource
    ) -> AuthorizerChain {
        var authorizers: [any Authorizer & RuleResolver] = [PrivilegedGroupsAuthorizer()]
        for mode in modes {
            switch mode {
            case .alwaysAllow: authorizers.append(AlwaysAllowAuthorizer())
            case .alwaysDeny: authorizers.append(AlwaysDenyAuthorizer())
            case .rbac: authorizers.append(RBACAuthorizer(source: rbac))
            case .node: authorizers.append(NodeAuthorizer(graph: nodes))
            }
        }
        return AuthorizerChain(authorizers)
    }
}
