import ArgumentParser
import Foundation
import Store

/// `drehscheibe deadline list`: the periods the hub keeps, from the store, the earliest end first.
struct DeadlineList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the statutory periods the hub keeps: open, answered, deeming, deemed.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Only this state: open, answered, deeming, deemed.") var state: String?
    @Option(name: .customLong("case"), help: "Only this case id.") var caseID: String?
    @Option(help: "Only periods this agency must act in.") var actor: String?
    @Option(help: "At most this many (default 100).") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let state = try self.state.map { text in
            guard let state = Deadline.State(rawValue: text) else {
                throw ValidationError("--state must be one of \(Deadline.State.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return state
        }
        let filter = DeadlineFilter(state: state, caseID: caseID, actor: actor, limit: limit)
        let deadlines = try await store.withHubStore(logger: OpsCLI.logger("drehscheibe.deadline")) { try await $0.deadlines(filter) }
        if json { return try OpsCLI.printJSON(deadlines) }
        guard !deadlines.isEmpty else {
            print("no deadlines")
            return
        }
        OpsCLI.printTable(
            ["LAST DAY", "STATE", "RULE", "ACTOR", "REQUESTER", "CASE", "NOTE"],
            deadlines.map { deadline in
                var notes: [String] = []
                if let claimed = deadline.claimedDue { notes.append("sender's dueat \(claimed) disagrees") }
                if deadline.lateAnswerMessageID != nil { notes.append("answered late") }
                if let message = deadline.deemedMessageID { notes.append("deemed outcome \(message)") }
                return [deadline.dueDate, deadline.state.rawValue, deadline.rule, deadline.actor, deadline.requester, deadline.caseID, notes.joined(separator: "; ")]
            })
    }
}
