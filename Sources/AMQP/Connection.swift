import Logging

/// A connection to a RabbitMQ broker over TCP or TLS, with automatic recovery.
///
/// Threading: the librabbitmq handle belongs to one dedicated thread owned by the
/// connection; every `Channel` call is handed to that thread and awaited. Channels are cheap:
/// use one per concern (one for publishing, one per consumer) so that a channel error, which
/// closes only that channel, does not take the others down.
///
/// Recovery: when the connection is lost, unconfirmed publishes fail with `.connectionLost`
/// (never reported as sent), and the connection reconnects with exponential backoff,
/// re-declares the exchanges, queues and bindings declared through it, re-opens its channels
/// with their confirm mode and prefetch, and resumes consumers. Deliveries from before the
/// loss can no longer be acknowledged (`.staleDelivery`): the broker redelivers them.
public final class Connection: Sendable {
    let loop: ConnectionLoop
    public var configuration: ConnectionConfiguration { loop.configuration }

    private init(loop: ConnectionLoop) { self.loop = loop }

    /// Connects and logs in. Throws `AMQPError` with `.connectionFailed`,
    /// `.authenticationFailed` or `.tlsFailed` and the broker's or the library's context.
    public static func connect(
        _ configuration: ConnectionConfiguration, logger: Logger = Logger(label: "drehscheibe.amqp")
    ) async throws -> Connection {
        Connection(loop: try await ConnectionLoop.start(configuration: configuration, logger: logger))
    }

    /// Connects to an `amqp[s]://user:pass@host:port/vhost` URL.
    public static func connect(url: String, logger: Logger = Logger(label: "drehscheibe.amqp")) async throws -> Connection {
        try await connect(ConnectionConfiguration(url: url), logger: logger)
    }

    deinit { loop.requestShutdown() }

    /// Opens a channel. With `publisherConfirms` (the default) every publish returns only once
    /// the broker has taken responsibility for the message.
    public func openChannel(publisherConfirms: Bool = true) async throws -> Channel {
        Channel(loop: loop, number: try await loop.openChannel(publisherConfirms: publisherConfirms), connection: self)
    }

    /// True while connected (false while recovering or after close).
    public var isConnected: Bool { loop.isConnected }

    /// Connection events, from now on. Several subscribers may listen.
    public func events() -> AsyncStream<ConnectionEvent> { loop.events() }

    /// Closes cleanly (connection.close). Unconfirmed publishes fail; consumers finish.
    public func close() async { await loop.shutdown() }
}
