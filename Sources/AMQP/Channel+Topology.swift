/// Exchange types RabbitMQ ships (plus plugins such as the consistent-hash exchange).
public struct ExchangeType: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public static let direct = ExchangeType(rawValue: "direct")
    public static let topic = ExchangeType(rawValue: "topic")
    public static let fanout = ExchangeType(rawValue: "fanout")
    public static let headers = ExchangeType(rawValue: "headers")
    /// `rabbitmq_consistent_hash_exchange`: shards by a hash of the routing key (or of the
    /// header named by the `hash-header` argument).
    public static let consistentHash = ExchangeType(rawValue: "x-consistent-hash")
}

extension Channel {
    /// Declares an exchange (exchange.declare); recorded and re-declared after a reconnect.
    public func declareExchange(
        _ name: String, type: ExchangeType, durable: Bool = true, autoDelete: Bool = false,
        isInternal: Bool = false, arguments: FieldTable = [:]
    ) async throws {
        try await call(.exchangeDeclare(
            name: name, type: type.rawValue, passive: false, durable: durable, autoDelete: autoDelete,
            isInternal: isInternal, arguments: arguments))
    }

    /// Checks that an exchange exists; throws `.channelClosedByServer` (404) if not.
    public func checkExchange(_ name: String) async throws {
        try await call(.exchangeDeclare(
            name: name, type: "", passive: true, durable: false, autoDelete: false, isInternal: false, arguments: [:]))
    }

    public func deleteExchange(_ name: String, ifUnused: Bool = false) async throws {
        try await call(.exchangeDelete(name: name, ifUnused: ifUnused))
    }

    /// Routes messages from `source` to the exchange `destination` (a RabbitMQ extension).
    public func bindExchange(_ destination: String, to source: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        try await call(.exchangeBind(destination: destination, source: source, routingKey: routingKey, arguments: arguments))
    }

    public func unbindExchange(_ destination: String, from source: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        try await call(.exchangeUnbind(destination: destination, source: source, routingKey: routingKey, arguments: arguments))
    }

    /// Declares a queue (queue.declare); recorded and re-declared after a reconnect.
    /// Pass an empty name for a server-named queue (not recovered: its name changes).
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: QueueArguments = QueueArguments()
    ) async throws -> QueueState {
        try await declareQueue(name, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments.table)
    }

    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false, arguments: FieldTable
    ) async throws -> QueueState {
        let reply = try await call(.queueDeclare(
            name: name, passive: false, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments))
        return try Self.queueState(reply, method: "queue.declare")
    }

    /// Passive declare: the queue's ready-message and consumer counts, or `.channelClosedByServer`
    /// (404) if it does not exist. Changes nothing.
    public func inspectQueue(_ name: String) async throws -> QueueState {
        let reply = try await call(.queueDeclare(
            name: name, passive: true, durable: false, exclusive: false, autoDelete: false, arguments: [:]))
        return try Self.queueState(reply, method: "queue.declare")
    }

    /// Deletes a queue; returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) async throws -> UInt32 {
        try Self.count(try await call(.queueDelete(name: name, ifUnused: ifUnused, ifEmpty: ifEmpty)))
    }

    /// Removes all ready messages; returns how many.
    @discardableResult
    public func purgeQueue(_ name: String) async throws -> UInt32 {
        try Self.count(try await call(.queuePurge(name: name)))
    }

    public func bindQueue(_ queue: String, to exchange: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        try await call(.queueBind(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments))
    }

    public func unbindQueue(_ queue: String, from exchange: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        try await call(.queueUnbind(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments))
    }

    private static func queueState(_ reply: ServerMethod, method: String) throws -> QueueState {
        guard case .queueDeclareOK(let queue, let messages, let consumers) = reply else {
            throw AMQPError(.protocolError, method: method, context: "unexpected reply")
        }
        return QueueState(name: queue, messageCount: messages, consumerCount: consumers)
    }

    private static func count(_ reply: ServerMethod) throws -> UInt32 {
        guard case .messageCount(let count) = reply else { throw AMQPError(.protocolError, context: "unexpected reply") }
        return count
    }
}
