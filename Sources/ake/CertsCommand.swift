import ArgumentParser
import Auth

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `ake certs`: the files of a quick secure start — a CA, a serving certificate, an admin
/// client certificate in `system:masters`, and a kubeconfig that uses them.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Create a CA, a server certificate, client certificates and kubeconfigs for a secure `ake serve`.",
        discussion: """
            Writes into --dir (existing CA and server files are kept): ca.crt/ca.key, server.crt/server.key \
            (for --hosts), and for the client (--client, default admin) <client>.crt/<client>.key and \
            <client>.kubeconfig. Then serve with:
              ake serve --tls-cert-file DIR/server.crt --tls-private-key-file DIR/server.key \\
                --client-ca-file DIR/ca.crt --authorization-mode RBAC
            and use KUBECONFIG=DIR/admin.kubeconfig.
            """)

    @Option(help: "Directory for the files (created if missing).")
    var dir = "./ake-certs"

    @Option(help: "The address `ake serve --listen` uses, host:port (the kubeconfig's server).")
    var listen = "127.0.0.1:10550"

    @Option(help: "Comma-separated DNS names and IP addresses of the server certificate.")
    var hosts = "127.0.0.1,localhost,::1"

    @Option(help: "File name stem of the client certificate and kubeconfig.")
    var client = "admin"

    @Option(help: "The client's user name (certificate CommonName); defaults to ake-admin for admin, else to --client.")
    var user: String?

    @Option(help: "A group of the client (certificate Organization); repeatable. Default for admin: system:masters.")
    var group: [String] = []

    @Option(help: "Validity of new certificates in days.")
    var days = 365

    func validate() throws {
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen must be host:port") }
        guard days > 0 else { throw ValidationError("--days must be positive") }
        guard !client.isEmpty, !client.contains("/") else { throw ValidationError("--client must be a file name stem") }
    }

    func run() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func path(_ name: String) -> String { dir + "/" + name }
        func read(_ name: String) -> String? {
            fm.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
        }
        func write(_ name: String, _ text: String, secret: Bool = false) throws {
            let attributes: [FileAttributeKey: Any] = [.posixPermissions: secret ? 0o600 : 0o644]
            guard fm.createFile(atPath: path(name), contents: Data(text.utf8), attributes: attributes) else {
                throw ValidationError("cannot write \(path(name))")
            }
            print("wrote \(path(name))")
        }

        let issuer: CertificateIssuer
        if let caCert = read("ca.crt"), let caKey = read("ca.key") {
            issuer = try CertificateIssuer(certificatePEM: caCert, privateKeyPEM: caKey)
        } else {
            issuer = try CertificateIssuer(commonName: "ake-ca", days: max(days, 3650))
            try write("ca.crt", issuer.ca.certificatePEM)
            try write("ca.key", issuer.ca.privateKeyPEM, secret: true)
        }
        if read("server.crt") == nil || read("server.key") == nil {
            let hostList = hosts.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }
            let server = try issuer.server(commonName: "ake", hosts: hostList, days: days)
            try write("server.crt", server.certificatePEM)
            try write("server.key", server.privateKeyPEM, secret: true)
        }
        let isAdmin = client == "admin"
        let userName = user ?? (isAdmin ? "ake-admin" : client)
        let groups = group.isEmpty && isAdmin ? [SystemUsers.privilegedGroup] : group
        let issued = try issuer.client(user: userName, groups: groups, days: days)
        try write(client + ".crt", issued.certificatePEM)
        try write(client + ".key", issued.privateKeyPEM, secret: true)

        guard let address = ListenAddress(listen) else { throw ValidationError("--listen must be host:port") }
        let host = address.host == "0.0.0.0" || address.host == "::" ? "127.0.0.1" : address.host
        let server = "https://\(host.contains(":") ? "[\(host)]" : host):\(address.port)"
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        try write(
            client + ".kubeconfig",
            """
            apiVersion: v1
            kind: Config
            clusters:
            - name: ake
              cluster:
                server: \(server)
                certificate-authority-data: \(b64(issuer.ca.certificatePEM))
            users:
            - name: \(userName)
              user:
                client-certificate-data: \(b64(issued.certificatePEM))
                client-key-data: \(b64(issued.privateKeyPEM))
            contexts:
            - name: ake
              context:
                cluster: ake
                user: \(userName)
                namespace: default
            current-context: ake

            """, secret: true)
    }
}
