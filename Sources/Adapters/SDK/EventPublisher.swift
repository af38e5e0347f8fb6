import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes an agency's canonical events to the hub with publisher confirms, surviving
/// broker outages (the outbox pattern).
///
/// ``publish(_:)`` only writes the event to the durable ``Spool`` and returns; ``run()`` (a
/// swift-service-lifecycle `Service`) drains the spool in order to exchange `case.ingress`
/// with the routing key = the versioned event type, and removes an entry only once the broker
/// confirmed it. When the broker is away the entries wait; after a restart whatever is left is
/// sent again. Confirms are all-or-nothing per prefix: when one message of a batch fails, it
/// and everything after it stay in the spool and are resent in order, so a resent message may
/// reach the router twice, which deduplicates by message id.
///
/// ```swift
/// let publisher = try EventPublisher(configuration: .init(agency: agency, connection: amqp),
///                                    spool: Spool(directory: state.appendingPathComponent("spool")),
///                                    logger: logger)
/// try publisher.publish(event)        // durable when it returns
/// let group = ServiceGroup(services: [publisher], logger: logger)
/// ```
public final class EventPublisher: Service, Sendable {
    /// Where and as whom to publish.
    public struct Configuration: Sendable {
        /// The publishing agency; its id is the broker user and the event `source`.
        public var agency: AgencyID
        /// How to reach the broker, authenticating as the agency's broker user.
        public var connection: ConnectionConfiguration
        /// The AMQP `user_id` on every message; RabbitMQ refuses any but the login user.
        public var brokerUser: String
        /// The hub's ingress exchange.
        public var exchange: String
        /// Messages handed to the broker before their confirms are awaited.
        public var batchSize: Int
        /// Waits between failed connection or publish attempts.
        public var backoff: Backoff

        public init(
            agency: AgencyID, connection: ConnectionConfiguration, brokerUser: String? = nil,
            exchange: String = "case.ingress", batchSize: Int = 64, backoff: Backoff = Backoff()
        ) {
            self.agency = agency
            self.connection = connection
            self.brokerUser = brokerUser ?? agency.rawValue
            self.exchange = exchange
            self.batchSize = max(1, batchSize)
            self.backoff = backoff
        }
    }

    /// What the publisher did, for monitoring, tests and the demo.
    public enum Event: Sendable {
        /// Connected to the broker.
        case connected
        /// Could not connect; it retries with backoff.
        case connectFailed(AMQPError)
        /// The broker confirmed the event; it left the spool.
        case sent(messageID: String)
        /// Publishing failed; the event stays in the spool and is sent again.
        case publishFailed(messageID: String, AMQPError)
    }

    public let configuration: Configuration
    public let spool: Spool
    private let logger: Logger
    private let notifications = Notifications<Event>()

    public init(configuration: Configuration, spool: Spool, logger: Logger) {
        self.configuration = configuration
        self.spool = spool
        var logger = logger
        logger[metadataKey: "adapter.agency"] = "\(configuration.agency)"
        self.logger = logger
    }

    /// Spools events for publishing, in order. Returns once they are durable; the broker gets
    /// them as soon as it can (see ``events()`` for `sent`).
    @discardableResult
    public func publish(contentsOf events: [CaseEvent]) throws(AdapterError) -> [Spool.Entry] {
        let entries = try spool.append(contentsOf: events)
        for event in events {
            logger.debug("event spooled", metadata: ["message.id": "\(event.id)", "message.type": "\(event.type)", "case.id": "\(event.subject)"])
        }
        return entries
    }

    /// Spools one event; see ``publish(contentsOf:)``.
    @discardableResult
    public func publish(_ event: CaseEvent) throws(AdapterError) -> Spool.Entry {
        try publish(contentsOf: [event])[0]
    }

    /// What happens from now on.
    public func events() -> AsyncStream<Event> { notifications.subscribe() }

    /// Drains the spool until graceful shutdown (or cancellation). A batch in flight when
    /// shutdown begins is completed; entries not yet confirmed stay in the spool, which is then
    /// closed (its lock released) for the next start. List the publisher first in the service
    /// group, so the intakes that append to the spool stop before it.
    public func run() async throws {
        defer {
            notifications.finish()
            spool.close()
        }
        do {
            try await cancelWhenGracefulShutdown { try await self.drain() }
        } catch is CancellationError {
            // Graceful shutdown or cancellation: the spool keeps what is left.
        }
        logger.info("publisher stopped", metadata: ["adapter.spool.pending": "\(spool.count)"])
    }

    private func drain() async throws {
        let wakeups = spool.appended()
        var wakeup = wakeups.makeAsyncIterator()
        var connection: Connection?
        var channel: Channel?
        var failures = 0
        do {
            while !Task.isCancelled {
                let batch = spool.first(configuration.batchSize)
                if batch.isEmpty {
                    // Appends after the subscription are buffered, so none is missed.
                    guard await wakeup.next() != nil else { break }
                    continue
                }
                if connection == nil {
                    connection = try await HubConnection.connect(
                        configuration.connection, backoff: configuration.backoff, logger: logger,
                        onFailure: { [notifications] in notifications.yield(.connectFailed($0)) })
                    notifications.yield(.connected)
                }
                do {
                    if channel == nil { channel = try await connection!.openChannel(publisherConfirms: true) }
                    if try await send(batch, on: channel!) == batch.count {
                        failures = 0
                        continue
                    }
                } catch let error as AMQPError {
                    // A closed channel is replaced; a lost connection recovers by itself.
                    if [.channelClosed, .channelClosedByServer].contains(error.code) { channel = nil }
                    logger.warning("publishing failed; the spool keeps the events", metadata: ["amqp.error": "\(error)"])
                }
                failures += 1
                try await Task.sleep(for: configuration.backoff.delay(afterAttempt: failures))
            }
        } catch {
            await connection?.close()
            throw error
        }
        await connection?.close()
    }

    /// Publishes a batch pipelined on one confirm channel and removes the confirmed prefix.
    /// Returns how many entries left the spool; throws the first failure's error when the
    /// channel itself is unusable.
    private func send(_ batch: [Spool.Entry], on channel: Channel) async throws -> Int {
        var messages: [OutgoingMessage] = []
        var readable: [Spool.Entry] = []
        for entry in batch {
            do {
                let body = try spool.body(of: entry)
                let event = try CaseEvent.decode(body)
                messages.append(OutgoingMessage(
                    exchange: configuration.exchange, routingKey: event.type,
                    message: event.message(body: body, userID: configuration.brokerUser)))
                readable.append(entry)
            } catch {
                // Entries are written atomically, so this is damage on disk: keep it for an
                // operator and go on with the rest.
                logger.error("damaged spool entry moved aside", metadata: ["adapter.spool.file": "\(entry.file.lastPathComponent)", "adapter.error": "\(error)"])
                try spool.quarantine(entry)
                return 0
            }
        }
        let outcomes = await channel.publish(contentsOf: messages)
        var confirmed = 0
        var failure: AMQPError?
        for outcome in outcomes {
            if case .failure(let error) = outcome {
                failure = error
                break
            }
            confirmed += 1
        }
        try spool.remove(readable.prefix(confirmed))
        for entry in readable.prefix(confirmed) {
            notifications.yield(.sent(messageID: entry.messageID))
            logger.info("event published", metadata: ["message.id": "\(entry.messageID)"])
        }
        if let failure {
            notifications.yield(.publishFailed(messageID: readable[confirmed].messageID, failure))
            throw failure
        }
        return confirmed
    }
}
