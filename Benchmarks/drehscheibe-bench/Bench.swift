import ArgumentParser

/// `drehscheibe-bench <name>`: measurements (and the chaos suite's fault drill) that print progress, a table for a person and, as
/// the last line, one JSON object of the figures so scripts can compare runs. An executable of
/// its own beside the product (like swift-nio's Benchmarks/): the shipped `drehscheibe` links
/// none of it. `scripts/bench NAME` builds both in release mode and runs it.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drehscheibe-bench",
        abstract: "Benchmarks of Drehscheibe against baselines measured in the same run (build with -c release).",
        subcommands: [
            BenchAMQP.self,
            BenchChaos.self,
            BenchLedger.self,
            BenchNeighbour.self,
            BenchRouter.self,
            BenchValidate.self,
        ]
    )
}
