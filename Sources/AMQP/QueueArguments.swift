/// Typed builders for the `x-` arguments RabbitMQ reads on queue declaration.
public struct QueueArguments: Sendable, Hashable {
    public enum QueueType: String, Sendable { case classic, quorum, stream }
    public enum Overflow: String, Sendable {
        case dropHead = "drop-head"
        case rejectPublish = "reject-publish"
        case rejectPublishDeadLetter = "reject-publish-dlx"
    }
    public enum DeadLetterStrategy: String, Sendable {
        case atMostOnce = "at-most-once"
        /// Quorum queues only (RabbitMQ 3.10+): the dead letter is not lost if the target is down.
        case atLeastOnce = "at-least-once"
    }

    public var type: QueueType?
    public var deadLetterExchange: String?
    public var deadLetterRoutingKey: String?
    public var deadLetterStrategy: DeadLetterStrategy?
    /// Quorum queues: after this many redeliveries a message is dead-lettered (poison message).
    public var deliveryLimit: Int?
    public var messageTTL: Int?
    public var maxLength: Int?
    public var maxLengthBytes: Int?
    public var overflow: Overflow?
    public var singleActiveConsumer: Bool?
    /// Anything else, merged last.
    public var extra: FieldTable

    public init(
        type: QueueType? = nil, deadLetterExchange: String? = nil, deadLetterRoutingKey: String? = nil,
        deadLetterStrategy: DeadLetterStrategy? = nil, deliveryLimit: Int? = nil, messageTTL: Int? = nil,
        maxLength: Int? = nil, maxLengthBytes: Int? = nil, overflow: Overflow? = nil,
        singleActiveConsumer: Bool? = nil, extra: FieldTable = [:]
    ) {
        self.type = type
        self.deadLetterExchange = deadLetterExchange
        self.deadLetterRoutingKey = deadLetterRoutingKey
        self.deadLetterStrategy = deadLetterStrategy
        self.deliveryLimit = deliveryLimit
        self.messageTTL = messageTTL
        self.maxLength = maxLength
        self.maxLengthBytes = maxLengthBytes
        self.overflow = overflow
        self.singleActiveConsumer = singleActiveConsumer
        self.extra = extra
    }

    /// The field table sent with queue.declare.
    public var table: FieldTable {
        var table = FieldTable()
        if let type { table["x-queue-type"] = .string(type.rawValue) }
        if let deadLetterExchange { table["x-dead-letter-exchange"] = .string(deadLetterExchange) }
        if let deadLetterRoutingKey { table["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
        if let deadLetterStrategy { table["x-dead-letter-strategy"] = .string(deadLetterStrategy.rawValue) }
        if let deliveryLimit { table["x-delivery-limit"] = .int64(Int64(deliveryLimit)) }
        if let messageTTL { table["x-message-ttl"] = .int64(Int64(messageTTL)) }
        if let maxLength { table["x-max-length"] = .int64(Int64(maxLength)) }
        if let maxLengthBytes { table["x-max-length-bytes"] = .int64(Int64(maxLengthBytes)) }
        if let overflow { table["x-overflow"] = .string(overflow.rawValue) }
        if let singleActiveConsumer { table["x-single-active-consumer"] = .bool(singleActiveConsumer) }
        for (key, value) in extra { table[key] = value }
        return table
    }
}
