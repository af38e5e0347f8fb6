import Foundation

/// What is known about a message as it goes through the pipeline, for dead letters,
/// receipts, the routing record and logs. Holds identifiers only, never personal data.
public struct MessageContext: Sendable, Hashable {
    /// The AMQP message_id (equal to the envelope id once decoded).
    public var messageID: String?
    public var eventType: String?
    /// The CloudEvents subject: the case id.
    public var caseID: String?
    public var source: String?
    /// The authenticated sender agency (from user_id, or from a trusted relay's header).
    public var sender: String?
    public var replayed: Bool
    /// Delivery attempts so far (retries through the tiers count up).
    public var attempts: Int
    public var firstFailure: Date?
    /// On a retry: the recipients that still need their copy.
    public var pendingRecipients: Set<String>?
    /// True when one of the hub's own broker users published the message (a retry or replay):
    /// then its hub headers were believed (``HubMarks``).
    public var fromHub: Bool = false
    /// Where the message was first published: its own exchange and routing key, or on a retry
    /// or replay what the hub's headers say.
    public var originalExchange: String?
    public var originalRoutingKey: String?

    /// A delivery the hub itself owes to the recipients it names: its retry of copies held back
    /// for a full inbox, or an operator's replay of a copy that failed in one agency's inbox.
    /// The ledger may say the message was delivered (to the others, or to that agency, whose
    /// adapter then gave up on it), so such a message is not deduplicated by the router; the
    /// recipient's own dedupe by message id and the audit log cover one sent twice.
    public var isRedelivery: Bool { fromHub && pendingRecipients != nil }

    public init(
        messageID: String? = nil, eventType: String? = nil, caseID: String? = nil, source: String? = nil,
        sender: String? = nil, replayed: Bool = false, attempts: Int = 0, firstFailure: Date? = nil,
        pendingRecipients: Set<String>? = nil
    ) {
        self.messageID = messageID
        self.eventType = eventType
        self.caseID = caseID
        self.source = source
        self.sender = sender
        self.replayed = replayed
        self.attempts = attempts
        self.firstFailure = firstFailure
        self.pendingRecipients = pendingRecipients
    }
}
