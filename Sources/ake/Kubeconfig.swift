import ArgumentParser

/// `ake kubeconfig`: prints a kubeconfig for clients that need one, for the plain-HTTP development
/// default (`ake certs` writes client-certificate kubeconfigs for a secured server).
struct Kubeconfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a kubeconfig that points at an `ake serve` listen address.")

    @Option(help: "The address `ake serve --listen` uses, host:port.")
    var listen = "127.0.0.1:10550"

    @Option(help: "Name of the cluster, user and context in the kubeconfig.")
    var name = "ake"

    @Option(help: "Default namespace of the context.")
    var namespace = "default"

    func validate() throws {
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen must be host:port") }
    }

    func run() throws {
        guard let address = ListenAddress(listen) else { throw ValidationError("--listen must be host:port") }
        // A wildcard bind address is reached through loopback.
        let host = address.host == "0.0.0.0" || address.host == "::" ? "127.0.0.1" : address.host
        let server = "http://\(host.contains(":") ? "[\(host)]" : host):\(address.port)"
        print(
            """
            apiVersion: v1
            kind: Config
            clusters:
            - name: \(name)
              cluster:
                server: \(server)
            users:
            - name: \(name)
              user: {}
            contexts:
            - name: \(name)
              context:
                cluster: \(name)
                user: \(name)
                namespace: \(namespace)
            current-context: \(name)
            """)
    }
}
