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
    /// Recipients still owed a copy, on a retry after some copies were confirmed.
    public static let pendingRecipients = "x-drehscheibe-pending-recipients"
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
}
