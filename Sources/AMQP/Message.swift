/// A message to publish: body bytes and properties.
public struct Message: Sendable, Hashable {
    public var body: [UInt8]
    public var properties: BasicProperties

    public init(body: [UInt8], properties: BasicProperties = BasicProperties()) {
        self.body = body
        self.properties = properties
    }

    public init(_ text: String, properties: BasicProperties = BasicProperties()) {
        self.init(body: Array(text.utf8), properties: properties)
    }
}

/// A message the broker returned as unroutable (basic.return) or handed out by basic.get.
public struct ReturnedMessage: Sendable, Hashable {
    public var replyCode: UInt16
    public var replyText: String
    public var exchange: String
    public var routingKey: String
    public var message: Message
}

/// A message fetched with basic.get. Acknowledge it like a delivery.
public struct GetResult: Sendable {
    public var delivery: Delivery
    /// Messages left in the queue after this one.
    public var messageCount: UInt32
}
