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
