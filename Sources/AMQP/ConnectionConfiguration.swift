/// Where and how to connect. Build one directly or from an `amqp[s]://` URL.
public struct ConnectionConfiguration: Sendable, Hashable {
    /// How the client authenticates.
    public enum Authentication: Sendable, Hashable {
        /// SASL PLAIN with user name and password.
        case plain(username: String, password: String)
        /// SASL EXTERNAL: the broker takes the identity from the TLS client certificate.
        case external

        var username: String? {
            if case .plain(let username, _) = self { return username }
            return nil
        }
    }

    /// Reconnect behaviour after a lost connection.
    public struct Recovery: Sendable, Hashable {
        public var enabled: Bool
        /// First wait before reconnecting; doubled after each failed attempt.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// Give up after this many failed attempts in a row (nil: never).
        public var maximumAttempts: Int?

        public init(
            enabled: Bool = true, initialBackoff: Duration = .milliseconds(100),
            maximumBackoff: Duration = .seconds(10), maximumAttempts: Int? = nil
        ) {
            self.enabled = enabled
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.maximumAttempts = maximumAttempts
        }

        public static let disabled = Recovery(enabled: false)
    }

    /// One broker node to connect to.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { "\(host):\(port)" }
    }

    public var host: String
    public var port: Int
    /// Further nodes of the same cluster (same users, virtual host and TLS trust): the client
    /// tries them in turn when it cannot connect to one, and after a lost connection starts with
    /// the node after the one it lost.
    public var alternateEndpoints: [Endpoint] = []

    /// Every node, ``host``:``port`` first.
    public var endpoints: [Endpoint] { [Endpoint(host: host, port: port)] + alternateEndpoints }
    public var virtualHost: String
    public var authentication: Authentication
    /// Non-nil for `amqps`.
    public var tls: TLSConfiguration?
    /// Seconds between heartbeats; 0 disables them (not recommended: dead peers go unnoticed).
    public var heartbeat: Int
    public var frameMax: Int
    public var channelMax: Int
    public var connectTimeout: Duration
    /// Shown in the management UI and `rabbitmqctl list_connections`.
    public var connectionName: String?
    public var recovery: Recovery
    /// How long a publish may wait while the broker blocks publishers (connection.blocked)
    /// before it fails with `.timeout`; nil waits as long as it takes.
    public var blockedPublishTimeout: Duration?

    public init(
        host: String = "localhost", port: Int? = nil, virtualHost: String = "/",
        authentication: Authentication = .plain(username: "guest", password: "guest"),
        tls: TLSConfiguration? = nil, heartbeat: Int = 30, frameMax: Int = 131_072, channelMax: Int = 2047,
        connectTimeout: Duration = .seconds(10), connectionName: String? = nil,
        recovery: Recovery = Recovery(), blockedPublishTimeout: Duration? = .seconds(30)
    ) {
        self.host = host
        self.port = port ?? (tls == nil ? 5672 : 5671)
        self.virtualHost = virtualHost
        self.authentication = authentication
        self.tls = tls
        self.heartbeat = heartbeat
        self.frameMax = frameMax
        self.channelMax = channelMax
        self.connectTimeout = connectTimeout
        self.connectionName = connectionName
        self.recovery = recovery
        self.blockedPublishTimeout = blockedPublishTimeout
    }
}
