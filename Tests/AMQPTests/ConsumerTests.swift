import AMQP
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite("Consumers")
struct ConsumerTests {
    @Test("deliveries of a consumer that dies without acking are redelivered with redelivered=true")
    func redeliveryAfterDeath() async throws {
        let queue = uniqueName("redeliver")
        let setup = try await connect()
        let admin = try await setup.openChannel()
        try await admin.declareQueue(queue, durable: true, arguments: QueueArguments(type: .quorum))
        for index in 0..<5 { try await admin.publish(Message("m\(index)"), exchange: "", routingKey: queue) }

        // The doomed consumer takes all five and acknowledges none, then its connection dies.
        let doomed = try await connect(recovery: .disabled)
        let doomedChannel = try await doomed.openChannel(publisherConfirms: false)
        try await doomedChannel.setPrefetch(10)
        let first = try await doomedChannel.consume(queue: queue).take(5, ack: false)
        #expect(first.allSatisfy { !$0.redelivered })
        await doomed.close()

        let survivorChannel = try await setup.openChannel(publisherConfirms: false)
        let second = try await survivorChannel.consume(queue: queue).take(5)
        #expect(second.allSatisfy { $0.redelivered })
        #expect(Set(second.map(\.body)) == Set(first.map(\.body)))
        try await admin.deleteQueue(queue)
        await setup.close()
    }

    @Test("nack with requeue hands the message back; reject without requeue drops it")
    func nackAndReject() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("nack")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.publish(Message("again"), exchange: "", routingKey: queue)
        let consumer = try await channel.consume(queue: queue)
        var iterator = consumer.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        try first.nack(requeue: true)
        let second = try #require(try await iterator.next())
        #expect(second.redelivered)
        #expect(second.body == first.body)
        try second.reject(requeue: false)
        try await consumer.cancel()
        #expect(try await channel.inspectQueue(queue).messageCount == 0)
        await connection.close()
    }

    @Test("a server-side consumer cancel (queue deleted) ends the sequence with consumerCancelled")
    func serverCancel() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let other = try await connection.openChannel()
        let queue = uniqueName("cancel")
        try await channel.declareQueue(queue, durable: false)
        let consumer = try await channel.consume(queue: queue)
        let ended = Task { () -> AMQPError? in
            do {
                for try await _ in consumer {}
                return nil
            } catch {
                return error as? AMQPError
            }
        }
        try await other.deleteQueue(queue)
        let error = try await withDeadline(.seconds(20), "the cancel notification") { await ended.value }
        #expect(error?.code == .consumerCancelled)
        await connection.close()
    }

    @Test("passive declare reports message and consumer counts; a missing queue is a 404")
    func passiveDeclare() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("passive")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        for _ in 0..<3 { try await channel.publish(Message("x"), exchange: "", routingKey: queue) }
        let consumerChannel = try await connection.openChannel()
        try await consumerChannel.setPrefetch(1)
        let consumer = try await consumerChannel.consume(queue: queue)
        var iterator = consumer.makeAsyncIterator()
        _ = try await iterator.next()  // one unacknowledged: not counted as ready
        let state = try await channel.inspectQueue(queue)
        #expect(state.messageCount == 2)
        #expect(state.consumerCount == 1)

        let error = await #expect(throws: AMQPError.self) { try await channel.inspectQueue(uniqueName("missing")) }
        #expect(error?.code == .channelClosedByServer)
        #expect(error?.replyCode == 404)
        #expect(error?.method == "queue.declare")
        await connection.close()
    }

    @Test("topology: exchange-to-exchange binding, unbind and purge")
    func topology() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let source = uniqueName("src")
        let destination = uniqueName("dst")
        let queue = uniqueName("q")
        try await channel.declareExchange(source, type: .topic, durable: false)
        try await channel.declareExchange(destination, type: .fanout, durable: false, autoDelete: true)
        try await channel.checkExchange(source)
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.bindExchange(destination, to: source, routingKey: "de.#")
        try await channel.bindQueue(queue, to: destination, routingKey: "")
        try await channel.publish(Message("1"), exchange: source, routingKey: "de.migration.x", mandatory: true)
        try await channel.publish(Message("2"), exchange: source, routingKey: "de.migration.y", mandatory: true)
        #expect(try await channel.purgeQueue(queue) == 2)
        try await channel.unbindExchange(destination, from: source, routingKey: "de.#")
        let error = await #expect(throws: AMQPError.self) {
            try await channel.publish(Message("3"), exchange: source, routingKey: "de.migration.z", mandatory: true)
        }
        #expect(error?.code == .messageReturned)
        try await channel.deleteExchange(source)
        await #expect(throws: AMQPError.self) { try await channel.checkExchange(source) }
        await connection.close()
    }
}

/// What a handler consumer was given, for the test to wait on.
private final class Received: Sendable {
    let state = Mutex<(bodies: [String], ends: [String])>(([], []))
    let changed = AsyncStream<Void>.makeStream()

    func deliver(_ delivery: Delivery) {
        state.withLock { $0.bodies.append(String(decoding: delivery.body, as: UTF8.self)) }
        try? delivery.ack()
        changed.continuation.yield()
    }

    func end(_ error: (any Error)?) {
        state.withLock { $0.ends.append(error.map { "\(($0 as? AMQPError)?.code.rawValue ?? "\($0)")" } ?? "nil") }
        changed.continuation.yield()
    }

    /// Waits (on the notifications, no polling) until `condition` holds.
    func wait(until condition: @Sendable ((bodies: [String], ends: [String])) -> Bool) async {
        if state.withLock({ condition($0) }) { return }
        for await _ in changed.stream where state.withLock({ condition($0) }) { return }
    }
}

@Suite("Consumers with handlers")
struct HandlerConsumerTests {
    @Test("deliveries reach the handler in order; a cancel ends it once with nil, a deleted queue with consumerCancelled")
    func handlerConsumer() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("handler")
        try await channel.declareQueue(queue, durable: false)
        let received = Received()
        let subscription = try await channel.consume(queue: queue, onDelivery: received.deliver, onEnd: received.end)
        for index in 0..<200 { try await channel.publish(Message("m\(index)"), exchange: "", routingKey: queue) }
        try await withDeadline(.seconds(20), "200 deliveries") { await received.wait { $0.bodies.count == 200 } }
        #expect(received.state.withLock { $0.bodies } == (0..<200).map { "m\($0)" })
        try await subscription.cancel()
        try await withDeadline(.seconds(20), "the end") { await received.wait { !$0.ends.isEmpty } }
        // Closing the channel afterwards does not end it a second time.
        try await channel.close()
        #expect(received.state.withLock { $0.ends } == ["nil"])
        #expect(try await connection.openChannel().inspectQueue(queue).messageCount == 0)

        let other = try await connection.openChannel()
        let second = Received()
        _ = try await other.consume(queue: queue, onDelivery: second.deliver, onEnd: second.end)
        try await connection.openChannel().deleteQueue(queue)
        try await withDeadline(.seconds(20), "the cancel notification") { await second.wait { !$0.ends.isEmpty } }
        #expect(second.state.withLock { $0.ends } == ["amqp.consumer-cancelled"])
        await connection.close()
    }
}
