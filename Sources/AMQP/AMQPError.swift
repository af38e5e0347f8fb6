/// An error from the AMQP client: a stable `code` plus the context the broker or librabbitmq
/// gave (reply code and text, the failing class and method, the library status).
///
/// The description names the code and that context but never message contents, so errors
/// can be logged without leaking personal data.
public struct AMQPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, opaque error kind. Compare with the static members; new kinds may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A dotted identifier such as `amqp.channel-closed`, stable across releases.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The URL or configuration is invalid.
        public static let invalidConfiguration = Code("amqp.invalid-configuration")
        /// TCP connect, DNS resolution or the AMQP handshake failed.
        public static let connectionFailed = Code("amqp.connection-failed")
        /// The broker refused the credentials (ACCESS_REFUSED during login).
        public static let authenticationFailed = Code("amqp.authentication-failed")
        /// TLS handshake or certificate verification failed.
        public static let tlsFailed = Code("amqp.tls-failed")
        /// The broker closed the connection (connection.close), e.g. 320 CONNECTION_FORCED.
        public static let connectionClosedByServer = Code("amqp.connection-closed-by-server")
        /// The broker closed a channel (channel.close), e.g. 404 NOT_FOUND, 406 PRECONDITION_FAILED.
        public static let channelClosedByServer = Code("amqp.channel-closed-by-server")
        /// The socket failed or missed heartbeats. Unconfirmed publishes may or may not have
        /// reached the broker: they are reported failed, never as sent.
        public static let connectionLost = Code("amqp.connection-lost")
        /// The connection is currently down (recovering) or closed.
        public static let notConnected = Code("amqp.not-connected")
        /// The channel was closed by this client or earlier by the broker.
        public static let channelClosed = Code("amqp.channel-closed")
        /// The broker negatively acknowledged a publish (basic.nack): it did not take it.
        public static let publishNacked = Code("amqp.publish-nacked")
        /// A mandatory publish could not be routed to any queue (basic.return).
        public static let messageReturned = Code("amqp.message-returned")
        /// The broker cancelled a consumer (queue deleted, node failure: basic.cancel).
        public static let consumerCancelled = Code("amqp.consumer-cancelled")
        /// An acknowledgement for a delivery from before a reconnect; the broker requeues it.
        public static let staleDelivery = Code("amqp.stale-delivery")
        /// The publish waited longer than allowed, e.g. while the broker blocked the connection.
        public static let timeout = Code("amqp.timeout")
        /// The broker blocks publishing on the connection (a resource alarm) and the call does
        /// not wait: nothing was sent.
        public static let blocked = Code("amqp.blocked")
        /// A protocol violation or an unexpected frame.
        public static let protocolError = Code("amqp.protocol-error")
        /// Any other librabbitmq status.
        public static let library = Code("amqp.library")
    }

    public var code: Code
    /// The AMQP reply code of a server close or return (e.g. 312 NO_ROUTE, 404, 406).
    public var replyCode: UInt16?
    /// The broker's reply text. It names queues, exchanges and users, never message contents.
    public var replyText: String?
    /// The AMQP method the error relates to, such as `queue.declare`.
    public var method: String?
    /// The channel number, when the error is channel-scoped.
    public var channel: UInt16?
    /// The librabbitmq status code (`amqp_status_enum`), when one was involved.
    public var libraryStatus: Int32?
    /// librabbitmq's text for `libraryStatus`.
    public var libraryMessage: String?
    /// A short note from the client saying what it was doing.
    public var context: String?

    public init(
        _ code: Code, replyCode: UInt16? = nil, replyText: String? = nil, method: String? = nil,
        channel: UInt16? = nil, libraryStatus: Int32? = nil, libraryMessage: String? = nil,
        context: String? = nil
    ) {
        self.code = code
        self.replyCode = replyCode
        self.replyText = replyText
        self.method = method
        self.channel = channel
        self.libraryStatus = libraryStatus
        self.libraryMessage = libraryMessage
        self.context = context
    }

    public var description: String {
        var parts = ["AMQPError(\(code.rawValue))"]
        if let context { parts.append(context) }
        if let replyCode { parts.append("reply \(replyCode)\(replyText.map { " \($0)" } ?? "")") }
        if let method { parts.append("method \(method)") }
        if let channel { parts.append("channel \(channel)") }
        if let libraryStatus {
            parts.append("librabbitmq \(libraryStatus)\(libraryMessage.map { " (\($0))" } ?? "")")
        }
        return parts.joined(separator: ": ")
    }
}
