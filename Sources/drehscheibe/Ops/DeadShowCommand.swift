import CaseModel
import ArgumentParser
import Foundation
import Ops
import Store

/// `drehscheibe dead show ID`: failure context, properties and headers, body, history.
struct DeadShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one dead letter: failure context, headers, the body pretty-printed, its history.",
        discussion: "Personal data in the body is masked unless --show-personal-data is given; showing it is audited.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "The dead letter's id (from dead list).") var id: Int64
    @Flag(name: .customLong("show-personal-data"), help: "Show the body unmasked (recorded in the audit log).") var showPersonalData = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let logger = OpsCLI.logger("drehscheibe.dead")
        let view = try await store.withHubStore(logger: logger) { store in
            try await OpsCLI.operations(store: store, logger: logger)
                .deadLetter(DeadLetterID(id), revealPersonalData: showPersonalData, by: OpsCLI.cliOperator)
        }
        if json { return try OpsCLI.printJSON(view) }
        print("Dead letter \(view.id) · \(view.state.rawValue)\(view.replayable ? " · replayable" : "")")
        let f = view.failure
        let facts: [(String, String?)] = [
            ("error", f.errorCode + (f.errorDetail.map { " (\($0))" } ?? "")), ("stage", f.stage), ("pointer", f.pointer), ("reason", f.reason),
            ("attempts", f.attempts.map(String.init)), ("first failure", f.firstFailure.map(OpsCLI.time)),
            ("last failure", f.lastFailure.map(OpsCLI.time)),
            ("originally to", f.originalExchange.map { "\($0) → \(f.originalRoutingKey ?? "-")" }), ("router version", f.routerVersion),
            ("dead-lettered by", f.deadLetteredByBroker ? "RabbitMQ (x-death)" : "the router"),
            ("written by", view.origin == .unknown ? "not the hub: not believed, cannot be replayed" : view.origin.rawValue),
            ("sender (vouched)", view.sender ?? "-"),
            ("message id", view.messageID), ("event type", view.eventType), ("source agency", view.sourceAgency), ("case", view.caseID),
            ("received", OpsCLI.time(view.receivedAt)), ("replays", String(view.replayCount)), ("discarded because", view.discardReason),
            ("revalidation", view.revalidation.map { "\($0.status.rawValue) by \($0.validator)\($0.problems.isEmpty ? "" : ": " + $0.problems.joined(separator: "; "))" }),
        ]
        for case (let name, let value?) in facts { print("  \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(value)") }
        print("\nProperties and headers:")
        let p = view.properties
        let properties: [(String, String?)] = [
            ("content_type", p.contentType), ("content_encoding", p.contentEncoding), ("message_id", p.messageID), ("type", p.type),
            ("user_id", p.userID), ("app_id", p.appID), ("correlation_id", p.correlationID), ("timestamp", p.timestamp.map(OpsCLI.time)),
            ("delivery_mode", p.deliveryMode.map(String.init)),
        ]
        for case (let name, let value?) in properties { print("  \(name): \(value)") }
        for header in p.headers { print("  \(header.name) (\(header.type)): \(header.value)") }
        print("\nBody (\(view.bodyBytes) bytes, \(view.bodyFormat), sha256 \(view.bodySHA256))\(view.edited ? ", as edited" : ""):")
        print(view.body)
        if view.personalDataMasked { print("(personal data masked as •••; --show-personal-data shows it, and is audited)") }
        if !view.edits.isEmpty || !view.replays.isEmpty { print("\nHistory:") }
        for edit in view.edits {
            print("  \(OpsCLI.time(edit.editedAt)) edit \(edit.revision) by \(edit.actor) (\(edit.role))\(edit.reason.map { ": \($0)" } ?? ""); revalidation \(edit.revalidation.status.rawValue)")
            for change in edit.changes { print("      \(change.kind) \(change.path): \(change.before ?? "–") → \(change.after ?? "–")") }
        }
        for replay in view.replays {
            print("  \(OpsCLI.time(replay.updatedAt)) replay \(replay.replayID) to \(replay.exchange) → \(replay.routingKey): \(replay.state)\(replay.outcome.map { " (\($0))" } ?? "")")
        }
    }
}
