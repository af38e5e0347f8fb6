/// The AMQP header names the hub itself reads and writes, next to the CloudEvents `ce-*`
/// attributes (Schemas/asyncapi.yaml documents them). One list for the router, the adapters
/// and the dead-letter store: a name kept in several copies drifts (a replay once failed to
/// strip the retry tier because one copy spelled it with an `x-` prefix).
public enum HubHeader {
    // MARK: Failure context, on dead letters and retries

    /// A code of Schemas/codelists/error-code.json (malformed, unauthorized, invalid, ...).
    public static let errorCode = "x-drehscheibe-error-code"
    /// The finer-grained reason code, e.g. `auth.source-mismatch`.
    public static let errorDetail = "x-drehscheibe-error-detail"
    /// The router stage (decode ... deliver), or `consume` for an adapter's handler.
    public static let stage = "x-drehscheibe-stage"
    /// JSON pointer into the envelope where the first error is.
    public static let pointer = "x-drehscheibe-pointer"
    /// Human-readable reason, without personal data.
    public static let reason = "x-drehscheibe-reason"
    public static let attempts = "x-drehscheibe-attempts"
    public static let firstFailure = "x-drehscheibe-first-failure"
    public static let lastFailure = "x-drehscheibe-last-failure"
    public static let originalExchange = "x-drehscheibe-original-exchange"
    public static let originalRoutingKey = "x-drehscheibe-original-routing-key"
    public static let routerVersion = "x-drehscheibe-router-version"
    /// The agency whose handler gave up on a message (its user_id says the same, verified).
    public static let consumer = "x-drehscheibe-consumer"
    /// Recipients still owed a copy, on a retry after some copies were confirmed, or the one
    /// recipient an operator's replay of a failed inbox copy is for.
    public static let pendingRecipients = "x-drehscheibe-pending-recipients"
    /// The schema violations of an invalid message (an array of tables, at most 20).
    public static let violations = "x-drehscheibe-violations"
    /// The size in bytes of a body the router refused without holding it (`too-large`): the
    /// dead letter then carries no body.
    public static let bodyBytes = "x-drehscheibe-body-bytes"
    /// How many bytes of the sender's own headers a dead letter or retry left out because
    /// they exceeded what the hub carries on (``carriedHeaderBytes``).
    public static let omittedHeaderBytes = "x-drehscheibe-omitted-header-bytes"
    /// Selects the retry queue on the case.retry headers exchange. Not `x-` prefixed: a
    /// headers exchange ignores x- headers when matching.
    public static let retryTier = "drehscheibe-retry-tier"

    // MARK: On deliveries

    /// The authenticated sender: set on every routed copy, and carried when a trusted relay
    /// (the router's retries, the replay tool) republishes under its own broker user.
    public static let sender = "x-drehscheibe-sender"
    /// The projection applied for this recipient (data minimisation).
    public static let projection = "x-drehscheibe-projection"
    public static let replayed = "x-drehscheibe-replayed"
    public static let replayID = "x-drehscheibe-replay-id"

    // MARK: Set by RabbitMQ

    /// Set by RabbitMQ when it dead-letters a message itself.
    public static let death = "x-death"
    /// Added by quorum queues on redelivery; not part of a message's identity.
    public static let deliveryCount = "x-delivery-count"
    /// The summary headers RabbitMQ adds next to `x-death` when it dead-letters a message.
    public static let deathSummaries = [
        "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
    ]

    // MARK: Sender-selected distribution (RabbitMQ)

    /// RabbitMQ routes a published message to the routing keys in these headers as well: an
    /// instruction, never carried on from a partner's message.
    public static let senderSelected = ["CC", "BCC"]

    // MARK: The trust boundary

    /// True for a name in the hub's namespace (`x-drehscheibe-*`, `drehscheibe-*`, in any case):
    /// believed only from the hub's own broker users, refused from a partner.
    public static func isReserved(_ name: String) -> Bool {
        let lower = name.prefix(32).lowercased()
        return lower.hasPrefix("x-drehscheibe-") || lower.hasPrefix("drehscheibe-")
    }

    /// True for a header RabbitMQ itself writes when it dead-letters or redelivers a message.
    /// From a partner these are ignored: nothing the hub decides about a partner's message
    /// depends on them.
    public static func isBrokerSet(_ name: String) -> Bool {
        name == death || name == deliveryCount || deathSummaries.contains(name)
    }

    /// At most this many bytes of a sender's own headers (as AMQP encodes them) travel on in a
    /// dead letter or retry: the hub adds its failure context, and the whole must stay below
    /// the broker's frame size (128 KiB), or the hub's own publish would fail.
    public static let carriedHeaderBytes = 32 * 1024
}
