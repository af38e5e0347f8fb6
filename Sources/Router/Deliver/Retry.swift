import AMQP
import CaseModel
import Foundation

/// Transient failures go through TTL queues (retry tiers) that dead-letter back to
/// case.ingress with the original routing key: waits grow with each attempt, up to a maximum
/// number of attempts, then the message is dead-lettered as delivery-failed.
public struct RetryPolicy: Sendable, Hashable {
    /// Tier names, selected by the `x-drehscheibe-retry-tier` header on case.retry.
    public var tiers: [String]
    /// Attempts in all (the first delivery counts); the last failure is dead-lettered.
    public var maximumAttempts: Int

    public init(tiers: [String] = ["5s", "30s", "5m"], maximumAttempts: Int = 5) {
        self.tiers = tiers
        self.maximumAttempts = maximumAttempts
    }

    /// The tier for the retry after `attempts` failed attempts, or nil when they are used up.
    public func tier(afterAttempts attempts: Int) -> String? {
        guard attempts < maximumAttempts, attempts >= 1, !tiers.isEmpty else { return nil }
        return tiers[min(attempts - 1, tiers.count - 1)]
    }

    /// The message to publish to case.retry: the original, plus attempts, the tier and the
    /// recipients still owed a copy; the router vouches for the sender.
    public func retryMessage(
        for inbound: Inbound, failure: RouterFailure, context: MessageContext, tier: String, pending: [String],
        now: Date, routerUser: String
    ) -> Message {
        var properties = inbound.properties
        var headers = inbound.carriedHeaders(fromHub: context.fromHub)
        let formatter = ISO8601DateFormatter()
        headers[HubHeader.retryTier] = .string(tier)
        headers[HubHeader.attempts] = .int64(Int64(context.attempts + 1))
        headers[HubHeader.stage] = .string(failure.stage.rawValue)
        headers[HubHeader.reason] = .string(failure.reason)
        headers[HubHeader.errorDetail] = .string(failure.detail)
        headers[HubHeader.firstFailure] = .string(formatter.string(from: context.firstFailure ?? now))
        headers[HubHeader.lastFailure] = .string(formatter.string(from: now))
        headers[HubHeader.pendingRecipients] = pending.isEmpty ? nil : .string(pending.joined(separator: ","))
        headers[HubHeader.originalExchange] = .string(context.originalExchange ?? inbound.exchange)
        headers[HubHeader.originalRoutingKey] = .string(context.originalRoutingKey ?? inbound.routingKey)
        headers[HubHeader.sender] = context.sender.map(FieldValue.string)
        properties.headers = headers
        properties.userID = routerUser
        properties.deliveryMode = .persistent
        // The tier's queue sets the wait; a sender's own expiry must not cut it short.
        properties.expiration = nil
        return Message(body: inbound.body, properties: properties)
    }
}
