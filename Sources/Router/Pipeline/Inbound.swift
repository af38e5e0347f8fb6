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
