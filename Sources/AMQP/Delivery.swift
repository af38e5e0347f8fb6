/// A message delivered to a consumer (basic.deliver) or fetched with basic.get.
///
/// Acknowledge it exactly once with `ack()`, `nack(requeue:)` or `reject(requeue:)`. An
/// unacknowledged delivery is redelivered (with `redelivered == true`) when its channel or
/// connection goes away.
public struct Delivery: Sendable {
    public var message: Message
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    /// Empty for basic.get results.
    public var consumerTag: String
    /// The size of a body the client did not keep because it exceeded the channel's
    /// ``Channel/setMaximumBodyBytes(_:)``: the message's body is then empty. Nil normally.
    public var omittedBodyBytes: UInt64? = nil
    /// True when header values nested deeper than ``FieldTable/maximumNesting`` were left out
    /// (they read as `.void`): the headers are not what the publisher sent.
    public var headersTruncated = false
    let acknowledger: Acknowledger

    public var body: [UInt8] { message.body }
    public var properties: BasicProperties { message.properties }

    /// True once the delivery's channel was closed or re-opened (a reconnect): it can no
    /// longer be acknowledged, and the broker delivers the message again.
    public var isStale: Bool { acknowledger.isStale }

    /// Positive acknowledgement: the broker forgets the message.
    public func ack(multiple: Bool = false) throws {
        try acknowledger.send(.ack(multiple: multiple), tag: deliveryTag)
    }

    /// Negative acknowledgement. With `requeue: false` the queue's dead-letter exchange gets it.
    public func nack(multiple: Bool = false, requeue: Bool) throws {
        try acknowledger.send(.nack(multiple: multiple, requeue: requeue), tag: deliveryTag)
    }

    /// Reject this one delivery. With `requeue: false` the queue's dead-letter exchange gets it.
    public func reject(requeue: Bool) throws {
        try acknowledger.send(.reject(requeue: requeue), tag: deliveryTag)
    }
}

/// Routes an acknowledgement to the channel and connection incarnation a delivery came from.
struct Acknowledger: Sendable {
    enum Kind: Sendable {
        case ack(multiple: Bool)
        case nack(multiple: Bool, requeue: Bool)
        case reject(requeue: Bool)
    }

    let loop: ConnectionLoop
    let channel: UInt16
    /// Incremented each time the channel is (re)opened: tags of an older incarnation are void.
    let epoch: UInt64

    var isStale: Bool { loop.isStale(channel: channel, epoch: epoch) }

    func send(_ kind: Kind, tag: UInt64) throws {
        try loop.acknowledge(channel: channel, epoch: epoch, tag: tag, kind: kind)
    }
}
