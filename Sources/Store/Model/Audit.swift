import CaseModel
import Foundation

/// An entry to append to the audit log: who did what to which subject, and why.
///
/// Never put personal data here: the log is append-only and kept for good. Name paths, ids,
/// codes and counts, not field values.
public struct AuditEntry: Sendable {
    public var actor: AuditActor
    /// A dotted verb such as `dead-letter.replayed` or `route.recorded`.
    public var action: String
    /// What it was done to: `dead-letter:42`, `message:<id>`, `replay:<id>`, `session`.
    public var subject: String
    /// The case it concerns, so `trace` finds it.
    public var caseID: String?
    /// The operator's reason, or the refusal's.
    public var reason: String?
    /// Further facts as a JSON object.
    public var details: JSONValue

    public init(
        actor: AuditActor, action: String, subject: String, caseID: String? = nil, reason: String? = nil,
        details: JSONValue = .object(JSONObject())
    ) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.caseID = caseID
        self.reason = reason
        self.details = details
    }
}

/// One record of the audit log, as stored: the entry, its place in the chain, and its hash.
public struct AuditRecord: Sendable, Hashable {
    public var sequence: Int64
    public var recordedAt: Date
    public var actor: String
    public var role: String
    public var action: String
    public var subject: String
    public var caseID: String?
    public var reason: String?
    /// The details as stored (JSON text); the hash covers this text.
    public var details: String
    /// SHA-256 (hex) of the previous record; 64 zeros for the first.
    public var previousHash: String
    /// SHA-256 (hex) of this record's fields and `previousHash`.
    public var hash: String
}

/// The result of `audit verify`.
public struct AuditVerification: Sendable, Hashable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable {
            /// A record's content no longer matches its hash, or routing decisions it covers were
            /// changed or added to (or rows name a record that covers none).
            case changed
            /// Records are missing from the middle (a gap, or the chain skips them), or routing
            /// decisions a record covers are missing from the routing log.
            case removed
            /// A record sits at another place than it was written at.
            case reordered
            /// Records are missing from the end (the head names more).
            case truncated
            /// The head, an anchor or a signed checkpoint does not match the records.
            case headMismatch = "head-mismatch"
            /// A signed checkpoint is missing, malformed or not signed by the checkpoint key.
            case checkpoint
            /// A dead letter or edit is in the database without the audit record that storing
            /// or editing it writes, or a record names one that is gone.
            case unaudited
        }

        public var kind: Kind
        /// The sequence number the problem is at (0 when no record is concerned, e.g. a dead
        /// letter without any).
        public var sequence: Int64
        public var message: String
        public var description: String { message }
    }

    /// Records read.
    public var recordCount: Int
    /// Routing-log rows checked against the records that cover them (`route.recorded`).
    public var routingDecisions = 0
    /// Dead letters whose stored body and properties were checked against their
    /// `dead-letter.stored` records (and edits against theirs).
    public var deadLetters = 0
    /// Replay publishes whose body digest was checked against the body the chain says the
    /// dead letter had then.
    public var replayedBodies = 0
    /// Dead letters stored before the chain covered them (a store older than that): not checked.
    public var uncoveredDeadLetters = 0
    /// The latest signed checkpoint, when one was checked and the chain still reaches it.
    public var checkpoint: AuditCheckpoint?
    public var lastSequence: Int64
    /// The hash of the last record: keep it elsewhere (an anchor) to detect a rewritten chain.
    public var lastHash: String
    public var problems: [Problem]

    public var isIntact: Bool { problems.isEmpty }
}

/// A sequence number and hash noted earlier (e.g. printed by a previous `audit verify`).
public struct AuditAnchor: Sendable, Hashable {
    public var sequence: Int64
    public var hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// `SEQUENCE:HASH`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let sequence = Int64(parts[0]), parts[1].utf8.count == 64 else {
            throw StoreError.invalidArgument("an anchor is SEQUENCE:SHA256HEX")
        }
        self.init(sequence: sequence, hash: parts[1].lowercased())
    }
}
