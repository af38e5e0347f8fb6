import AMQP
import Foundation

/// A message as it reached the router: body bytes and AMQP metadata. The pipeline reads it;
/// it never changes it (dead letters carry it byte for byte).
public struct Inbound: Sendable {
    public var body: [UInt8]
    public var properties: BasicProperties
    public var exchange: String
    public var routingKey: String
    public var redelivered: Bool
    public var receivedAt: Date

    public init(body: [UInt8], properties: BasicProperties, exchange: String, routingKey: String, redelivered: Bool, receivedAt: Date) {
        self.body = body
        self.properties = properties
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.receivedAt = receivedAt
    }

    public init(_ delivery: Delivery, receivedAt: Date = Date()) {
        self.init(
            body: delivery.body, properties: delivery.properties, exchange: delivery.exchange,
            routingKey: delivery.routingKey, redelivered: delivery.redelivered, receivedAt: receivedAt)
    }

    func header(_ name: String) -> String? { properties.headers?[name]?.stringValue }
}

/// Header names the router reads and writes (documented in Schemas/asyncapi.yaml).
public enum RouterHeader {
    public static let errorCode = "x-drehscheibe-error-code"
    public static let errorDetail = "x-drehscheibe-error-detail"
    public static let stage = "x-drehscheibe-stage"
    public static let pointer = "x-drehscheibe-pointer"
    public static let reason = "x-drehscheibe-reason"
    public static let attempts = "x-drehscheibe-attempts"
    public static let firstFailure = "x-drehscheibe-first-failure"
    public static let lastFailure = "x-drehscheibe-last-failure"
    public static let originalExchange = "x-drehscheibe-original-exchange"
    public static let originalRoutingKey = "x-drehscheibe-original-routing-key"
    public static let routerVersion = "x-drehscheibe-router-version"
    /// The authenticated sender, carried when a trusted relay (the router's retries, the
    /// replay tool) republishes a message under its own broker user.
    public static let sender = "x-drehscheibe-sender"
    public static let projection = "x-drehscheibe-projection"
    /// Selects the retry queue on the case.retry headers exchange. Not `x-` prefixed: a
    /// headers exchange ignores x- headers when matching.
    public static let retryTier = "drehscheibe-retry-tier"
    /// Recipients still owed a copy, on a retry after some copies were confirmed.
    public static let pendingRecipients = "x-drehscheibe-pending-recipients"
    public static let replayed = "x-drehscheibe-replayed"
    public static let replayID = "x-drehscheibe-replay-id"
}
