import ArgumentParser
import Foundation
import Ops
import Store

/// `drehscheibe dead list`: dead letters, newest first, filtered and paged.
struct DeadListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List dead letters, newest first.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var filters: DeadLetterFilterOptions
    @Option(help: "Only in these states (comma-separated): new, edited, replaying, replayed, discarded.") var state: String?
    @Option(help: "Page number, from 1.") var page = 1
    @Option(name: .customLong("per-page")) var perPage = 50
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard page >= 1, (1...1000).contains(perPage) else { throw ValidationError("--page ≥ 1 and --per-page 1…1000") }
        let states = try state.map { try $0.split(separator: ",").map { text in
            guard let state = DeadLetterState(rawValue: String(text)) else { throw ValidationError("unknown state \(text)") }
            return state
        } }
        let filter = try filters.filter(states: states)
        let logger = OpsCLI.logger("drehscheibe.dead")
        let result = try await store.withHubStore(logger: logger) { store in
            try await OpsCLI.operations(store: store, logger: logger)
                .deadLetters(matching: filter, offset: (page - 1) * perPage, limit: perPage, by: OpsCLI.cliOperator)
        }
        if json { return try OpsCLI.printJSON(API.DeadLetterList(result)) }
        OpsCLI.printTable(
            ["ID", "RECEIVED", "ERROR", "STAGE", "EVENT TYPE", "FROM", "CASE", "STATE"],
            result.items.map {
                [String($0.id.rawValue), OpsCLI.time($0.receivedAt), $0.errorCode, $0.stage ?? "-", $0.eventType ?? "-",
                 $0.sourceAgency ?? "-", $0.caseID ?? "-", $0.state.rawValue]
            })
        let last = min(result.offset + result.limit, result.total)
        print(result.total == 0 ? "(none)" : "(\(result.offset + 1)–\(last) of \(result.total); page \(page) of \((result.total + perPage - 1) / perPage))")
    }
}
