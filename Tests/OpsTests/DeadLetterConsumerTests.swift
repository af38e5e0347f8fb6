import CaseModel
import AMQP
import Foundation
import Ops
import Store
import Synchronization
import TestSupport
import Testing

/// Collects what the consumer reports, and lets a test wait for the n-th report.
final class StoredEvents: Sendable {
    private let events = Mutex<[DeadLetterConsumer.Stored]>([])
    private let continuation: AsyncStream<DeadLetterConsumer.Stored>.Continuation
    let stream: AsyncStream<DeadLetterConsumer.Stored>

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func record(_ event: DeadLetterConsumer.Stored) {
        events.withLock { $0.append(event) }
        continuation.yield(event)
    }

    func next(timeout: Duration = .seconds(30)) async throws -> DeadLetterConsumer.Stored {
        let stream = self.stream
        return try await withDeadline(timeout, "waiting for the dead-letter consumer") {
            for await event in stream { return event }
            throw TestTimeout(what: "the consumer stopped")
        }
    }
}

@Suite("Dead-letter consumer (real broker)", .serialized)
struct DeadLetterConsumerTests {
    @Test func storesADeadLetterOnceEvenWhenRedelivered() async throws {
        try await withSQLiteStore { store in
            let admin = try await connect()
            let key = uniqueName("dead")
            // A private queue bound to case.dead for this test's routing key only: the test
            // does not take dead letters other tests (or a running hub) are waiting for.
            let queue = try await TestQueue.bound(to: "case.dead", routingKey: key, on: admin)
            // The router's own broker user publishes dead letters (its user_id is what the store believes).
            let router = try await connect(as: "drehscheibe-router")
            let publishing = try await router.openChannel()
            defer { Task { await queue.cleanUp(); await admin.close(); await router.close() } }

            let message = routerDeadLetter(originalRoutingKey: key)
            try await publishing.publish(message, exchange: "case.dead", routingKey: key)

            // A consumer that committed the dead letter and died before its ack: take it
            // without acking, store it, close the channel; the broker redelivers it.
            let crashing = try await admin.openChannel(publisherConfirms: false)
            let first = try #require(try await crashing.get(queue: queue.name))
            let (firstID, firstIsNew) = try await store.storeDeadLetter(try NewDeadLetter(
                body: first.delivery.body, properties: MessageProperties(first.delivery.properties),
                exchange: first.delivery.exchange, routingKey: first.delivery.routingKey))
            #expect(firstIsNew)
            try await crashing.close()

            let events = StoredEvents()
            let consumer = DeadLetterConsumer(
                amqp: try amqpConfiguration(), store: store, configuration: .init(queue: queue.name), logger: quietLogger("test.consumer"),
                observe: events.record)
            let running = Task { try await consumer.run() }
            defer { running.cancel() }
            let seen = try await events.next()
            #expect(seen.redelivered)
            #expect(!seen.isNew)
            #expect(seen.id == firstID)
            #expect(seen.messageID == message.properties.messageID)
            #expect(try await store.deadLetters().total == 1)

            // A second, distinct dead letter is stored as new, byte for byte, with its context.
            let second = routerDeadLetter(originalRoutingKey: key, code: "expired")
            try await publishing.publish(second, exchange: "case.dead", routingKey: key)
            let stored = try await events.next()
            #expect(stored.isNew)
            let letter = try #require(try await store.deadLetter(stored.id))
            #expect(letter.body == second.body)
            #expect(letter.failure.errorCode == "expired")
            #expect(letter.failure.originalExchange == "case.deliver")
            #expect(letter.failure.originalRoutingKey == key)
            #expect(letter.sourceAgency == "abh.berlin")
            #expect(letter.caseID == "abh.berlin:AZ-2026-4711")
            #expect(letter.properties.header("x-drehscheibe-projection") == .string("ba-consent"))
            #expect(try await store.deadLetters().total == 2)
            // Everything was acknowledged: nothing is left in the queue.
            #expect(try await queue.channel.inspectQueue(queue.name).messageCount == 0)
        }
    }

    @Test func theOpsUserMayReadOnlyTheDeadLetterQueue() async throws {
        let ops = try await connect(as: "drehscheibe-ops")
        defer { Task { await ops.close() } }
        let channel = try await ops.openChannel(publisherConfirms: false)
        do {
            _ = try await channel.consume(queue: "inbox.bka")
            Issue.record("drehscheibe-ops could read inbox.bka")
        } catch let error as AMQPError {
            #expect(error.replyCode == 403)
        }
    }
}
