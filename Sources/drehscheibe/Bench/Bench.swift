import ArgumentParser

/// `drehscheibe bench <name>`: measurements that print progress, a table for a person and, as
/// the last line, one JSON object of the figures so scripts can compare runs.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark (build with -c release).",
        subcommands: [
            BenchAMQP.self,
            BenchLedger.self,
            BenchNeighbour.self,
            BenchRouter.self,
            BenchValidate.self,
        ]
    )
}
