import ArgumentParser
import Ops
import Store

/// `drehscheibe audit …`: the hash-chained audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and verify the audit log.", subcommands: [AuditVerifyCommand.self, AuditListCommand.self])
}

/// `drehscheibe audit verify`: exit status 1 when the chain is broken.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain and the dead letters; name every changed, removed or reordered record.",
        discussion: """
            Prints the last record's SEQUENCE:HASH. Keep it somewhere else (a ticket, a second system) and pass it as \
            --anchor next time: that also catches a chain rewritten from the anchor on, which the chain alone cannot.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "SEQUENCE:HASH noted from an earlier verify.") var anchor: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let anchor = try anchor.map { text in
            do { return try AuditAnchor(parsing: text) } catch { throw ValidationError("--anchor is SEQUENCE:SHA256HEX") }
        }
        let logger = OpsCLI.logger("drehscheibe.audit")
        let verification = try await store.withHubStore(logger: logger) { store in
            try await OpsCLI.operations(store: store, logger: logger).verifyAudit(anchor: anchor, by: OpsCLI.cliOperator)
        }
        if json {
            try OpsCLI.printJSON(API.Verification(verification))
        } else {
            if verification.isIntact {
                print("audit log intact: \(verification.recordCount) records, covering \(verification.routingDecisions) routing decisions and \(verification.deadLetters) dead letters (\(verification.replayedBodies) replayed bodies); anchor \(verification.lastSequence):\(verification.lastHash)")
            } else {
                print("audit log BROKEN (\(verification.problems.count) problem(s) in \(verification.recordCount) records):")
                for problem in verification.problems { print("  [\(problem.kind.rawValue)] \(problem.message)") }
            }
            if verification.uncoveredDeadLetters > 0 {
                print("  \(verification.uncoveredDeadLetters) dead letter(s) were stored before the audit covered them: their bodies are not checked")
            }
        }
        if !verification.isIntact { throw ExitCode(1) }
    }
}

/// `drehscheibe audit list`.
struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Print audit records in order.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Start after this sequence number.") var after: Int64 = 0
    @Option var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let logger = OpsCLI.logger("drehscheibe.audit")
        let records = try await store.withHubStore(logger: logger) { store in
            try await OpsCLI.operations(store: store, logger: logger).auditRecords(after: after, limit: limit, by: OpsCLI.cliOperator)
        }
        if json { return try OpsCLI.printJSON(records.map(API.AuditRow.init)) }
        OpsCLI.printTable(
            ["#", "TIME", "ACTOR", "ACTION", "SUBJECT", "REASON"],
            records.map { [String($0.sequence), OpsCLI.time($0.recordedAt), "\($0.actor) (\($0.role))", $0.action, $0.subject, $0.reason ?? ""] })
    }
}
