import Foundation

/// How full the queues the router writes to were when last looked at: each recipient's inbox
/// and the dead letters. A pure value; ``CapacityWatch`` fills it in.
///
/// Why the router must know: RabbitMQ rejects a publish to a full `reject-publish` queue only
/// towards a channel in confirm mode. The router delivers in AMQP transactions, and there the
/// broker drops such a message and the commit succeeds (BrokerLimitsTests shows it): an agency
/// whose adapter stopped consuming would lose every copy sent to it once its inbox holds
/// `max-length` (deploy/rabbitmq/definitions.json, 100,000) messages, and the senders would
/// believe them delivered. So the router publishes nothing into a queue at its high-water mark:
/// a copy for a full inbox is retried through the tiers like any transient failure (the other
/// recipients get theirs at once) and, should the inbox stay full, dead-lettered as
/// `delivery-failed` with a receipt for the sender; while the dead letters are full, the
/// commits wait. The high-water marks sit below the queues' limits by more than the router
/// can deliver between two looks (one second).
struct QueueCapacity: Sendable {
    /// Messages in an inbox at which it counts as full (``RouterConfiguration/inboxHighWater``).
    var inboxHighWater: Int
    /// Messages in `dead.letters` at which it counts as full.
    var deadLettersHighWater: Int
    var deadLetterQueue: String
    /// Messages per queue, as last seen; a queue not yet looked at is absent.
    private(set) var depths: [String: Int] = [:]

    init(inboxHighWater: Int, deadLettersHighWater: Int, deadLetterQueue: String = "dead.letters") {
        self.inboxHighWater = inboxHighWater
        self.deadLettersHighWater = deadLettersHighWater
        self.deadLetterQueue = deadLetterQueue
    }

    /// The queue behind a recipient: `case.deliver` binds `inbox.<agency>` with the agency id.
    static func inbox(of recipient: String) -> String { "inbox.\(recipient)" }

    mutating func record(_ queue: String, depth: Int) { depths[queue] = depth }

    /// True when the recipient's inbox was at its high-water mark when last seen.
    func isFull(recipient: String) -> Bool {
        (depths[Self.inbox(of: recipient)] ?? 0) >= inboxHighWater
    }

    /// True when a queue of the hub's own (the deadline notices) was at the inboxes' high-water
    /// mark when last seen.
    func isFull(queue: String) -> Bool { (depths[queue] ?? 0) >= inboxHighWater }

    var deadLettersFull: Bool { (depths[deadLetterQueue] ?? 0) >= deadLettersHighWater }

    /// Of `queues`, those never looked at.
    func unknown(_ queues: some Sequence<String>) -> [String] {
        Array(Set(queues.filter { depths[$0] == nil }))
    }

    /// The recipients of `recipients` whose inboxes are full.
    func full(_ recipients: some Sequence<String>) -> Set<String> {
        Set(recipients.filter(isFull(recipient:)))
    }
}
