import ArgumentParser
import Foundation
import Ops
import Store

/// `drehscheibe audit …`: the hash-chained audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and verify the audit log.", subcommands: [AuditVerifyCommand.self, AuditListCommand.self, AuditCheckpointCommand.self])
}

/// `drehscheibe audit verify`: exit status 1 when the chain is broken.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain, the latest signed checkpoint and the dead letters; name every changed, removed or reordered record.",
        discussion: """
            Checks the chain against the latest checkpoint in --audit-checkpoints signed with the public key \
            (--checkpoint-public-key, else the one next to the key): someone who rewrote the database, hashes and \
            all, no longer reaches its hash. Records after it are only as safe as the database. Without a public key \
            no checkpoint is checked (and it says so). Also compares every dead letter, edit and replayed body with \
            the digests their audit records name. Prints the last record's SEQUENCE:HASH; --anchor takes one noted \
            elsewhere earlier.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var checkpoints: CheckpointOptions
    @Option(help: "The public key checkpoints must be signed with (a checkpoint.pub kept in deploy configuration; default: $DREHSCHEIBE_AUDIT_CHECKPOINT_KEY, else the one next to the key).")
    var checkpointPublicKey: String?
    @Option(help: "SEQUENCE:HASH noted from an earlier verify.") var anchor: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let anchor = try anchor.map { text in
            do { return try AuditAnchor(parsing: text) } catch { throw ValidationError("--anchor is SEQUENCE:SHA256HEX") }
        }
        let pinned = try (checkpointPublicKey ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_AUDIT_CHECKPOINT_KEY"]).map { path in
            do {
                return try AuditCheckpointPublicKey(fileText: try String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw ValidationError("--checkpoint-public-key \(path): \(error)")
            }
        }
        let files = checkpoints.files
        let logger = OpsCLI.logger("drehscheibe.audit")
        let verification = try await store.withHubStore(logger: logger) { store in
            try await OpsCLI.operations(store: store, checkpoints: files, checkpointKey: pinned, logger: logger)
                .verifyAudit(anchor: anchor, by: OpsCLI.cliOperator)
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
            if let checkpoint = verification.checkpoint {
                print("  signed checkpoint reached: #\(checkpoint.sequence) of \(OpsCLI.time(checkpoint.time)) (key \(checkpoint.keyID)); \(verification.lastSequence - checkpoint.sequence) record(s) after it are not yet signed")
            } else if pinned == nil, (try? files.publicKey()) == nil {
                print("  no signed checkpoint checked: no public key at \(files.publicKeyFile.path) (ops serve makes one; or pass --checkpoint-public-key)")
            }
            if verification.uncoveredDeadLetters > 0 {
                print("  \(verification.uncoveredDeadLetters) dead letter(s) were stored before the audit covered them: their bodies are not checked")
            }
        }
        if !verification.isIntact { throw ExitCode(1) }
    }
}

/// `drehscheibe audit checkpoint`: signs the chain's end now (what `ops serve` does every minute).
struct AuditCheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign the audit chain's last record into the checkpoints file (the key is made on first use).",
        discussion: """
            Refuses (exit status 1) when the chain no longer continues the latest checkpoint. ops serve signs one at start, \
            every --audit-checkpoint-interval while the chain grows, and at shutdown.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var checkpoints: CheckpointOptions

    func run() async throws {
        let files = checkpoints.files
        let outcome = try await store.withHubStore(logger: OpsCLI.logger("drehscheibe.audit")) { store in
            try await files.writeCheckpoint(of: store)
        }
        switch outcome {
        case .signed(let checkpoint):
            print("signed checkpoint #\(checkpoint.sequence):\(checkpoint.hash) (key \(checkpoint.keyID)) into \(files.checkpointsFile.path)")
        case .unchanged(let checkpoint):
            print("the chain has not grown since checkpoint #\(checkpoint.sequence); nothing signed")
        case .refused(let problems):
            print("NOT signed: the chain does not continue the latest checkpoint:")
            for problem in problems { print("  [\(problem.kind.rawValue)] \(problem.message)") }
            throw ExitCode(1)
        }
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
