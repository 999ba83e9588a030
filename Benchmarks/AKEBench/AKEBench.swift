import ArgumentParser

/// Benchmarks, apart from the tests. Run with `tools/bench.sh` (release build).
@main
struct AKEBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ake-bench",
        abstract: "AKE benchmarks; each prints medians over several runs.",
        subcommands: [
            KubeClientBench.self,
            JSONBench.self,
            EventLogBench.self,
            ProjectionsBench.self,
            AuthBench.self,
            AdmissionBench.self,
        ]
    )
}
