import CaseModel
import Foundation
import Logging
import Store

/// What operators do with dead letters, replays, traces and the audit log, with role checks.
/// The CLI and the HTTP API both go through here.
///
/// Every state-changing attempt leaves an audit record: an allowed one that succeeds is
/// recorded by the store together with the change; one the role does not allow is recorded
/// as `access.refused`; one that fails (a conflict, a patch that does not apply) as
/// `<action>.failed`. Reading personal data is recorded too (`dead-letter.disclosed`).
public struct Operations: Sendable {
    public let store: HubStore
    public let revalidator: any Revalidator
    public let mask: PersonalDataMask
    public let topology: ReplayTopology
    /// Where signed checkpoints of the audit chain are kept (nil: none are checked).
    public let checkpoints: AuditCheckpointFiles?
    /// The public key checkpoints must be signed with; nil: the one next to the key.
    public let checkpointKey: AuditCheckpointPublicKey?
    let logger: Logger

    public init(
        store: HubStore, revalidator: any Revalidator, mask: PersonalDataMask = PersonalDataMask(),
        topology: ReplayTopology = .standard, checkpoints: AuditCheckpointFiles? = nil, checkpointKey: AuditCheckpointPublicKey? = nil,
        logger: Logger
    ) {
        self.store = store
        self.revalidator = revalidator
        self.mask = mask
        self.topology = topology
        self.checkpoints = checkpoints
        self.checkpointKey = checkpointKey
        self.logger = logger
    }

    // MARK: - Access

    /// Throws `.forbidden` (and audits the refusal) unless the operator's role allows it.
    public func require(
        _ permission: Permission, by op: Operator, attempting action: String, on subject: String, caseID: String? = nil
    ) async throws {
        guard !op.role.may(permission) else { return }
        try await store.appendAudit(AuditEntry(
            actor: op.actor, action: "access.refused", subject: subject, caseID: caseID,
            reason: "role \(op.role.rawValue) may not \(permission.rawValue) (needs \(permission.minimumRole.rawValue))",
            details: ["attempted": .string(action), "permission": .string(permission.rawValue)]))
        logger.notice("operator action refused", metadata: [
            "operator.name": "\(op.name)", "operator.role": "\(op.role.rawValue)", "ops.action": "\(action)", "ops.subject": "\(subject)",
        ])
        throw OpsError(.forbidden, "\(op.name) (\(op.role.rawValue)) may not \(permission.rawValue): that needs the role \(permission.minimumRole.rawValue)")
    }

    /// Runs a state-changing action; a failure is audited as `<action>.failed` and rethrown.
    func attempt<T: Sendable>(
        _ action: String, by op: Operator, on subject: String, caseID: String? = nil, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as OpsError where error.code == .forbidden {
            throw error
        } catch {
            _ = try? await store.appendAudit(AuditEntry(
                actor: op.actor, action: "\(action).failed", subject: subject, caseID: caseID, reason: Self.reason(of: error)))
            throw error
        }
    }

    /// The error's context without the underlying database error (which is for logs).
    static func reason(of error: any Error) -> String {
        switch error {
        case let error as StoreError: "\(error.code): \(error.context)"
        case let error as OpsError: "\(error.code): \(error.context)"
        case let error as JSONPatchError: "patch: \(error.message)"
        default: String(describing: type(of: error))
        }
    }

    // MARK: - Dead letters

    public func deadLetters(matching filter: DeadLetterFilter, offset: Int = 0, limit: Int = 50, by op: Operator) async throws -> DeadLetterPage {
        try await require(.viewDeadLetters, by: op, attempting: "dead-letter.list", on: "dead-letters")
        return try await store.deadLetters(matching: filter, offset: offset, limit: limit)
    }

    /// One dead letter; with `revealPersonalData` (replayer and up) the body unmasked, which is audited.
    public func deadLetter(_ id: DeadLetterID, revealPersonalData: Bool = false, by op: Operator) async throws -> DeadLetterView {
        try await require(.viewDeadLetters, by: op, attempting: "dead-letter.show", on: "dead-letter:\(id)")
        guard let letter = try await store.deadLetter(id) else { throw StoreError(.notFound, "dead letter \(id) does not exist") }
        if revealPersonalData {
            try await require(.viewPersonalData, by: op, attempting: "dead-letter.disclose", on: "dead-letter:\(id)", caseID: letter.caseID)
            try await store.appendAudit(AuditEntry(
                actor: op.actor, action: "dead-letter.disclosed", subject: "dead-letter:\(id)", caseID: letter.caseID,
                details: ["messageID": letter.messageID.map(JSONValue.string) ?? .null]))
        }
        return DeadLetterView(letter, revealPersonalData: revealPersonalData, mask: mask)
    }

    /// Applies an RFC 6902 patch to the body replays would publish, revalidates the result and
    /// records the edit with its diff. A result that fails revalidation is kept (so it can be
    /// fixed further) but cannot be replayed.
    public func edit(_ id: DeadLetterID, patch: JSONPatch, reason: String?, by op: Operator) async throws -> DeadLetter {
        try await require(.edit, by: op, attempting: "dead-letter.edit", on: "dead-letter:\(id)")
        return try await attempt("dead-letter.edit", by: op, on: "dead-letter:\(id)") {
            guard let letter = try await store.deadLetter(id) else { throw StoreError(.notFound, "dead letter \(id) does not exist") }
            let document: JSONValue
            do {
                document = try JSONParser().parse(letter.effectiveBody)
            } catch let error as JSONParseError {
                throw OpsError(.editFailed, "dead letter \(id) is not JSON (\(error.code.rawValue)); it cannot be patched")
            }
            let patched: JSONValue
            do {
                patched = try patch.applied(to: document)
            } catch let error as JSONPatchError {
                throw OpsError(.editFailed, "the patch does not apply to dead letter \(id): \(error.message)")
            }
            let body = patched.serialized()
            let diff = JSONDiff(from: document, to: patched)
            guard !diff.changes.isEmpty else { throw OpsError(.invalidRequest, "the patch changes nothing") }
            let change = DeadLetterChange(
                body: body, patch: patch.json.serializedString(), diff: diff.json.serializedString(), paths: patch.changedPaths,
                revalidation: revalidator.revalidate(body), baseRevision: letter.revision)
            return try await store.edit(id, change, by: op.actor, reason: reason)
        }
    }

    /// Discards a dead letter for good (admin); the reason is mandatory.
    public func discard(_ id: DeadLetterID, reason: String, by op: Operator) async throws -> DeadLetter {
        try await require(.discard, by: op, attempting: "dead-letter.discard", on: "dead-letter:\(id)")
        return try await attempt("dead-letter.discard", by: op, on: "dead-letter:\(id)") {
            try await store.discard(id, reason: reason, by: op.actor)
        }
    }

    // MARK: - Replays

    /// What a replay would do; audited as a dry run.
    public func planReplay(_ request: ReplayRequest, by op: Operator) async throws -> ReplayPlan {
        try await require(.replay, by: op, attempting: "replay.dry-run", on: "replay")
        let plan = try await store.planReplay(request)
        try await store.appendAudit(AuditEntry(
            actor: op.actor, action: "replay.dry-run", subject: "replay", reason: request.reason,
            details: [
                "items": .number(JSONNumber(plan.entries.count)), "skipped": .number(JSONNumber(plan.skipped.count)),
                "target": .string(request.target.description),
            ]))
        return plan
    }

    /// Starts a replay held by `runner`; a `Replayer` then publishes it.
    public func startReplay(_ request: ReplayRequest, runner: String, by op: Operator) async throws -> ReplayJob {
        try await require(.replay, by: op, attempting: "replay.start", on: "replay")
        return try await attempt("replay.start", by: op, on: "replay") {
            try await store.startReplay(request, runner: runner)
        }
    }

    public func resumeReplay(_ jobID: String, runner: String, staleAfter: Duration = .seconds(60), by op: Operator) async throws -> ReplayJob {
        try await require(.replay, by: op, attempting: "replay.resume", on: "replay:\(jobID)")
        return try await attempt("replay.resume", by: op, on: "replay:\(jobID)") {
            try await store.resumeReplay(jobID, runner: runner, by: op.actor, staleAfter: staleAfter)
        }
    }

    public func abandonReplay(_ jobID: String, reason: String, by op: Operator) async throws -> ReplayJob {
        try await require(.abandonReplay, by: op, attempting: "replay.abandon", on: "replay:\(jobID)")
        return try await attempt("replay.abandon", by: op, on: "replay:\(jobID)") {
            try await store.abandonReplay(jobID, by: op.actor, reason: reason)
        }
    }

    public func replayJobs(limit: Int = 20, by op: Operator) async throws -> [ReplayJob] {
        try await require(.viewDeadLetters, by: op, attempting: "replay.list", on: "replay")
        return try await store.replayJobs(limit: limit)
    }

    public func replayJob(_ id: String, by op: Operator) async throws -> ReplayJob {
        try await require(.viewDeadLetters, by: op, attempting: "replay.show", on: "replay:\(id)")
        guard let job = try await store.replayJob(id) else { throw StoreError(.notFound, "replay \(id) does not exist") }
        return job
    }

    // MARK: - Trace and audit

    public func trace(_ caseID: String, by op: Operator) async throws -> CaseTrace {
        try await require(.viewTrace, by: op, attempting: "trace", on: "case:\(caseID)", caseID: caseID)
        return try await store.trace(caseID: caseID)
    }

    /// The statutory periods the hub keeps, the earliest end first (case metadata, no personal
    /// data: who must act for whom, by when).
    public func deadlines(_ filter: DeadlineFilter, by op: Operator) async throws -> [Deadline] {
        try await require(.viewTrace, by: op, attempting: "deadlines", on: "deadlines", caseID: filter.caseID)
        return try await store.deadlines(filter)
    }

    public func auditRecords(after sequence: Int64, limit: Int, by op: Operator) async throws -> [AuditRecord] {
        try await require(.viewAudit, by: op, attempting: "audit.read", on: "audit")
        return try await store.auditRecords(after: sequence, limit: limit)
    }

    /// Verifies the chain, against the latest signed checkpoint when there is a checkpoint
    /// public key (pinned, or next to the key); the verification itself is audited (with its
    /// result).
    public func verifyAudit(anchor: AuditAnchor? = nil, by op: Operator) async throws -> AuditVerification {
        try await require(.viewAudit, by: op, attempting: "audit.verify", on: "audit")
        let evidence = try checkpoints.flatMap { try $0.evidence(pinnedKey: checkpointKey) }
            ?? checkpointKey.map { AuditCheckpointEvidence(publicKey: $0, latest: nil, rejectedAfterLatest: 0, source: "(no checkpoints directory)") }
        let verification = try await store.verifyAudit(anchor: anchor, checkpoint: evidence)
        try await store.appendAudit(AuditEntry(
            actor: op.actor, action: "audit.verified", subject: "audit",
            details: [
                "intact": .bool(verification.isIntact), "records": .number(JSONNumber(verification.recordCount)),
                "lastSequence": .number(JSONNumber(verification.lastSequence)), "lastHash": .string(verification.lastHash),
                "problems": .number(JSONNumber(verification.problems.count)),
                "checkpointSequence": verification.checkpoint.map { .number(JSONNumber($0.sequence)) } ?? .null,
            ]))
        return verification
    }
}
