/// Something that happened to a connection, for monitoring and readiness checks.
public enum ConnectionEvent: Sendable {
    /// The broker stopped accepting publishes (memory or disk alarm). Publishes wait.
    case blocked(reason: String)
    case unblocked
    /// The connection was lost; unconfirmed publishes failed. Recovery starts if enabled.
    case disconnected(AMQPError)
    /// Reconnected: topology re-declared, channels re-opened, consumers resumed.
    case recovered
    /// Closed for good: by `close()` (nil) or because recovery gave up.
    case closed(AMQPError?)
}
