import Foundation
import AMQP
import Logging
import ServiceLifecycle

/// Connecting to the hub's broker until it works: adapters start before the broker, survive
/// its restarts and keep their spool meanwhile. After the first connection the AMQP client
/// recovers by itself (reconnect, channels, consumers).
enum HubConnection {
    /// Connects, retrying with backoff until it succeeds or the task is cancelled (graceful
    /// shutdown cancels it). Every failure is logged with the redacted URL, never the password.
    static func connect(
        _ configuration: ConnectionConfiguration, backoff: Backoff, logger: Logger,
        onFailure: @Sendable (AMQPError) -> Void = { _ in }
    ) async throws -> Connection {
        var attempt = 0
        while true {
            try Task.checkCancellation()
            do {
                let connection = try await Connection.connect(configuration, logger: logger)
                if attempt > 0 { logger.info("connected to the hub", metadata: ["amqp.url": "\(configuration.redactedURL)"]) }
                return connection
            } catch {
                attempt += 1
                let amqp = error as? AMQPError ?? AMQPError(.connectionFailed, context: "\(error)")
                onFailure(amqp)
                let delay = backoff.delay(afterAttempt: attempt)
                logger.warning("cannot connect to the hub; retrying", metadata: [
                    "amqp.url": "\(configuration.redactedURL)", "amqp.error": "\(amqp)",
                    "adapter.retry.in": "\(delay)", "adapter.retry.attempt": "\(attempt)",
                ])
                try await Task.sleep(for: delay)
            }
        }
    }
}
