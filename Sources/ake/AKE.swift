import ArgumentParser

/// The `ake` command line: the server and the tools that work on its data.
@main
struct AKE: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ake",
        abstract: "AKE, the Autonomic Kube-API Endpoint: a Kubernetes API endpoint for edge nodes.",
        version: "0.1.0",
        subcommands: [
            Serve.self, StatusCommand.self, ConfigCommand.self, Kubeconfig.self, CertsCommand.self, LogCommand.self,
            ReplayCommand.self, BackupCommand.self, CompactDBCommand.self, PendingCommand.self,
        ]
    )
}
