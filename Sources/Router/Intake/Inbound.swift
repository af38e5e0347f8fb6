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
    /// The size of a body too large to hold (the consumer dropped it as it arrived; `body` is
    /// empty). Nil when `body` is the whole body.
    public var omittedBodyBytes: UInt64?
    /// True when the consumer left out header values nested deeper than AMQP's
    /// `FieldTable.maximumNesting`.
    public var headersTruncated = false

    public init(
        body: [UInt8], properties: BasicProperties, exchange: String, routingKey: String, redelivered: Bool, receivedAt: Date,
        omittedBodyBytes: UInt64? = nil
    ) {
        self.body = body
        self.properties = properties
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.receivedAt = receivedAt
        self.omittedBodyBytes = omittedBodyBytes
    }

    public init(_ delivery: Delivery, receivedAt: Date = Date()) {
        self.init(
            body: delivery.body, properties: delivery.properties, exchange: delivery.exchange,
            routingKey: delivery.routingKey, redelivered: delivery.redelivered, receivedAt: receivedAt,
            omittedBodyBytes: delivery.omittedBodyBytes)
        headersTruncated = delivery.headersTruncated
    }

    /// The body's size in bytes, also when it was too large to hold.
    public var bodyBytes: UInt64 { omittedBodyBytes ?? UInt64(body.count) }
}
