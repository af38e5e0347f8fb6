import ArgumentParser
import Foundation
import Ops
import Store

/// `drehscheibe dead discard ID… --reason TEXT`.
struct DeadDiscardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard", abstract: "Discard dead letters for good; the reason is mandatory and audited.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "Dead-letter ids.") var ids: [Int64]
    @Option(help: "Why they are given up (required; recorded in the audit log).") var reason: String

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("name at least one dead letter") }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
    }

    func run() async throws {
        let logger = OpsCLI.logger("drehscheibe.dead")
        try await store.withHubStore(logger: logger) { store in
            let operations = try OpsCLI.operations(store: store, logger: logger)
            for id in ids {
                _ = try await operations.discard(DeadLetterID(id), reason: reason, by: OpsCLI.cliOperator)
                print("dead letter \(id) discarded")
            }
        }
    }
}
