import CaseModel
import AMQP
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Store

/// Drains the dead-letter queue into the store. Each delivery is acknowledged only after the
/// store committed it; a delivery seen again (the ack was lost, the connection dropped) is
/// recognised by its fingerprint and not stored twice.
///
/// Runs as broker user `drehscheibe-ops`, which may read `dead.letters` and nothing else.
public struct DeadLetterConsumer: Service {
    public struct Configuration: Sendable {
        public var queue: String
        /// Unacknowledged deliveries in flight; each waits for one store commit.
        public var prefetch: UInt16
        /// Store attempts per delivery before the service gives up (and the broker keeps the message).
        public var storeAttempts: Int

        public init(queue: String = "dead.letters", prefetch: UInt16 = 20, storeAttempts: Int = 6) {
            self.queue = queue
            self.prefetch = prefetch
            self.storeAttempts = storeAttempts
        }
    }

    /// What became of one delivery.
    public struct Stored: Sendable {
        public var id: DeadLetterID
        /// False when it was stored already (a redelivery).
        public var isNew: Bool
        public var redelivered: Bool
        public var messageID: String?
    }

    let amqp: ConnectionConfiguration
    let store: HubStore
    let configuration: Configuration
    let logger: Logger
    let observe: @Sendable (Stored) -> Void
    let readiness: ReadinessFlag?
    let onConsuming: @Sendable () -> Void
    let storedCounter: Counter
    let duplicateCounter: Counter

    /// - Parameters:
    ///   - readiness: set while consuming, for `/readyz`.
    ///   - onConsuming: called once the consumer is registered with the broker.
    ///   - observe: called after each acknowledgement (tests and progress reporting).
    public init(
        amqp: ConnectionConfiguration, store: HubStore, configuration: Configuration = Configuration(), logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory, readiness: ReadinessFlag? = nil,
        onConsuming: @escaping @Sendable () -> Void = {}, observe: @escaping @Sendable (Stored) -> Void = { _ in }
    ) {
        self.readiness = readiness
        self.onConsuming = onConsuming
        self.amqp = amqp
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.observe = observe
        self.storedCounter = Counter(label: "drehscheibe_dead_letters_stored_total", factory: metrics)
        self.duplicateCounter = Counter(label: "drehscheibe_dead_letters_redelivered_total", factory: metrics)
    }

    public func run() async throws {
        let connection = try await Connection.connect(amqp, logger: logger)
        do {
            let channel = try await connection.openChannel(publisherConfirms: false)
            try await channel.setPrefetch(configuration.prefetch)
            let consumer = try await channel.consume(queue: configuration.queue)
            logger.info("consuming dead letters", metadata: ["amqp.queue": "\(configuration.queue)"])
            readiness?.set(true)
            defer { readiness?.set(false) }
            onConsuming()
            // On graceful shutdown the consumer is cancelled between deliveries: the one being
            // stored is finished and acknowledged, the unacknowledged rest goes back to the queue.
            for try await delivery in consumer.cancelOnGracefulShutdown() {
                try await handle(delivery)
            }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    func handle(_ delivery: Delivery) async throws {
        let letter = try NewDeadLetter(
            body: delivery.body, properties: MessageProperties(delivery.properties), exchange: delivery.exchange,
            routingKey: delivery.routingKey, receivedAt: Date())
        let (id, isNew) = try await storeRetrying(letter)
        do {
            try delivery.ack()
        } catch let error as AMQPError where error.code == .staleDelivery {
            // The connection was replaced meanwhile: the broker redelivers it and the store
            // recognises it then.
            logger.debug("dead letter stored but its delivery is stale", metadata: ["dead_letter.id": "\(id)"])
            return
        }
        (isNew ? storedCounter : duplicateCounter).increment()
        // Ids and codes only: the body and the reason could hold more than they should.
        logger.info(isNew ? "dead letter stored" : "dead letter seen again, kept once", metadata: [
            "dead_letter.id": "\(id)", "dead_letter.error_code": "\(letter.failure.errorCode)",
            "dead_letter.stage": "\(letter.failure.stage ?? "-")", "amqp.message_id": "\(letter.messageID ?? "-")",
        ])
        observe(Stored(id: id, isNew: isNew, redelivered: delivery.redelivered, messageID: letter.messageID))
    }

    /// The store may be briefly unavailable (PostgreSQL failover, SQLite busy): retry with
    /// backoff while the delivery stays unacknowledged, then give up and let the service fail.
    private func storeRetrying(_ letter: NewDeadLetter) async throws -> (id: DeadLetterID, isNew: Bool) {
        var delay = Duration.milliseconds(200)
        for attempt in 1... {
            do {
                return try await store.storeDeadLetter(letter)
            } catch {
                guard attempt < configuration.storeAttempts else { throw error }
                logger.warning("storing a dead letter failed; retrying", metadata: [
                    "store.error": "\(error)", "retry.attempt": "\(attempt)",
                ])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
        fatalError("unreachable")
    }
}
