import ArgumentParser
import Auth
import Foundation
import KubeModel

/// `auth`: the cost of authentication + authorization of one request, for a client
/// certificate user and a token user, with 1,000 RoleBindings (and the bootstrap policy)
/// present — what the front adds to every request with `--authorization-mode=RBAC`.
struct AuthBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Authentication + RBAC authorization per request (µs) with 1,000 RoleBindings.")

    @Option(help: "Timed runs per measurement; the median is reported.")
    var runs = 7

    @Option(help: "Requests per run.")
    var requests = 2_000

    @Option(help: "RoleBindings present (spread over 100 namespaces).")
    var bindings = 1_000

    func run() async throws {
        var roles: [RBACRole] = []
        var roleBindings: [RBACBinding] = []
        for ns in 0..<100 {
            roles.append(
                RBACRole(
                    name: "reader", namespace: "ns-\(ns)",
                    rules: [
                        PolicyRule(
                            verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["pods", "configmaps"])
                    ]))
        }
        for i in 0..<bindings {
            roleBindings.append(
                RBACBinding(
                    name: "b-\(i)", namespace: "ns-\(i % 100)", roleKind: "Role", roleName: "reader",
                    subjects: [RBACSubject(kind: "User", name: "user-\(i)")]))
        }
        let bootstrap = BootstrapPolicy.snapshot
        let snapshot = RBACSnapshot(
            clusterRoles: Array(bootstrap.clusterRoles.values), roles: roles,
            clusterRoleBindings: bootstrap.clusterRoleBindings, roleBindings: roleBindings)
        let authorizer = AuthorizerChain.forModes([.rbac], rbac: StaticRBACSource(snapshot), nodes: NoNodes())

        let ca = try CertificateIssuer(commonName: "bench-ca", days: 1)
        let cert = try ca.client(user: "user-\(bindings - 1)", groups: ["dev"], days: 1)
        var csv = ""
        for i in 0..<bindings { csv += "token-\(i),user-\(i),\(i)\n" }
        let authentication = Authentication(
            authenticators: [
                X509ClientAuthenticator(roots: [ca.ca.certificate]),
                BearerTokenAuthenticator([try TokenFileAuthenticator(csv: csv)]),
            ], anonymous: true)
        let namespace = "ns-\((bindings - 1) % 100)"

        func measure(_ label: String, _ credentials: AuthenticationRequest) async throws {
            var perRequest: [Double] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                for _ in 0..<requests {
                    guard case .authenticated(let user) = await authentication.authenticate(credentials) else {
                        throw ValidationError("\(label): not authenticated")
                    }
                    let attributes = RequestAttributes.resolve(
                        user: user, method: "GET", path: "/api/v1/namespaces/\(namespace)/pods", query: [:])
                    guard await authorizer.authorize(attributes).allowed else {
                        throw ValidationError("\(label): not allowed")
                    }
                }
                let elapsed = ContinuousClock.now - start
                perRequest.append(
                    Double(elapsed.components.attoseconds) / 1e12 / Double(requests)
                        + Double(elapsed.components.seconds) * 1e6 / Double(requests))
            }
            perRequest.sort()
            print(String(format: "%@: %.1f µs per request (median of %d runs)", label, perRequest[runs / 2], runs))
        }
        try await measure("client certificate + RBAC", AuthenticationRequest(clientCertificates: [cert.certificate]))
        try await measure(
            "bearer token + RBAC", AuthenticationRequest(authorization: "Bearer token-\(bindings - 1)"))
    }
}

struct NoNodes: NodeGraphSource {
    func pods(boundTo node: String) async throws -> [JSONValue] { [] }
    func object(_ gvr: GroupVersionResource, namespace: String, name: String) async throws -> JSONValue? { nil }
}
