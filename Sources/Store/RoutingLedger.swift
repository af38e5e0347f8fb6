import Foundation

/// What the router records about one input message, in the same transaction as its dedupe
/// mark: the trace of a case and the audit chain are built from these records.
public struct RoutingRecord: Sendable, Hashable, Codable {
    /// One recipient copy the broker confirmed.
    public struct Delivery: Sendable, Hashable, Codable {
        /// Agency id of the recipient, e.g. `abh.berlin`.
        public var recipient: String
        /// Name of the data-minimisation projection applied for this recipient (Schemas/).
        public var projection: String
        /// The legal basis the grant names for this copy (a code of
        /// Schemas/codelists/legal-purpose.json, the copy's `legalpurpose`); nil in records
        /// written before grants named one.
        public var legalBasis: String?
        /// Event type with version as delivered (after upcasting), e.g. `de.migration.x.y.v2`.
        public var type: String

        public init(recipient: String, projection: String, legalBasis: String? = nil, type: String) {
            self.recipient = recipient
            self.projection = projection
            self.legalBasis = legalBasis
            self.type = type
        }
    }

    public enum Outcome: Sendable, Hashable, Codable {
        /// Every copy confirmed; the message id is now a duplicate for the dedupe stage.
        case delivered([Delivery])
        /// Sent to the dead-letter exchange; the id stays routable so a replay can succeed.
        case deadLettered(code: String, stage: String, reason: String)
    }

    /// The CloudEvents id, equal to the AMQP message_id.
    public var messageID: String
    /// Event type with version as received, when it could be read.
    public var eventType: String?
    /// The case id (CloudEvents `subject`), when it could be read.
    public var caseID: String?
    /// The envelope's `source` URN, when it could be read.
    public var source: String?
    /// The authenticated sender: the AMQP user_id RabbitMQ validated.
    public var sender: String?
    public var receivedAt: Date
    public var decidedAt: Date
    /// True when the message came back through a replay (header set by the replay tool).
    public var replayed: Bool
    public var outcome: Outcome

    public init(
        messageID: String, eventType: String?, caseID: String?, source: String?, sender: String?,
        receivedAt: Date, decidedAt: Date, replayed: Bool, outcome: Outcome
    ) {
        self.messageID = messageID
        self.eventType = eventType
        self.caseID = caseID
        self.source = source
        self.sender = sender
        self.receivedAt = receivedAt
        self.decidedAt = decidedAt
        self.replayed = replayed
        self.outcome = outcome
    }
}

/// A message as the dedupe knows it: its id within its case. A resend keeps both (the
/// envelope requires `subject`, the case id). Keyed this way the ledger finds a message through
/// the routing log's case index: one b-tree for the trace and the dedupe instead of a separate
/// table of ids, whose random keys cost a page write per routed message. An id a producer
/// reused for another case is routed, not dropped.
public struct DedupeKey: Sendable, Hashable {
    public var messageID: String
    public var caseID: String

    public init(messageID: String, caseID: String) {
        self.messageID = messageID
        self.caseID = caseID
    }
}

extension RoutingRecord {
    /// The dedupe key of a delivered record; nil for other outcomes and without a case id.
    public var deliveredKey: DedupeKey? {
        guard case .delivered = outcome, let caseID else { return nil }
        return DedupeKey(messageID: messageID, caseID: caseID)
    }
}

/// The router's persistent memory: which message ids were delivered already (dedupe across
/// restarts and router instances) and the record of every routing decision.
///
/// Implementations: SQLite (embedded default) and PostgreSQL (shared by several router
/// instances). Both must make `record` atomic: the dedupe marks and the records of one call
/// are committed together or not at all.
public protocol RoutingLedger: Sendable {
    /// The keys among `keys` whose earlier routing ended in `.delivered`.
    func deliveredAlready(_ keys: [DedupeKey]) async throws -> Set<DedupeKey>

    /// Commits the records of a batch: appends them to the routing log (whose delivered rows
    /// are the dedupe marks) and covers them with one hash-chained audit record (actor
    /// "router", action `route.recorded`; see the store's `RoutingDigest`).
    func record(_ records: [RoutingRecord]) async throws
}
