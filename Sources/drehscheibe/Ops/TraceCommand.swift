import ArgumentParser
import Ops
import Store

/// `drehscheibe trace CASE_ID`: the timeline of a case.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "The timeline of a case: received, delivered to whom with which projection, dead-lettered, edited, replayed.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "The case id (CloudEvents subject), e.g. av.istanbul:IST-2026-004711.") var caseID: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let logger = OpsCLI.logger("drehscheibe.trace")
        let trace = try await store.withHubStore(logger: logger) { store in
            try await OpsCLI.operations(store: store, logger: logger).trace(caseID, by: OpsCLI.cliOperator)
        }
        if json { return try OpsCLI.printJSON(API.Trace(trace)) }
        guard !trace.events.isEmpty else {
            print("nothing recorded for case \(caseID)")
            return
        }
        OpsCLI.printTable(
            ["TIME", "EVENT", "MESSAGE", "WHAT"],
            trace.events.map { [OpsCLI.time($0.at), $0.kind.rawValue, $0.messageID ?? "-", $0.summary] })
    }
}
