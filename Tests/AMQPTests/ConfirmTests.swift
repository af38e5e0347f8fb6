import AMQP
import Foundation
import Testing

@Suite("Publisher confirms")
struct ConfirmTests {
    @Test("10,000 confirmed publishes are all consumed, none duplicated")
    func tenThousand() async throws {
        let connection = try await connect()
        let publisher = try await connection.openChannel()
        let consumerChannel = try await connection.openChannel(publisherConfirms: false)
        let queue = uniqueName("tenk")
        try await publisher.declareQueue(queue, durable: true, arguments: QueueArguments(type: .quorum))

        let total = 10_000
        let batches = stride(from: 0, to: total, by: 500).map { start in
            (start..<min(start + 500, total)).map { index in
                OutgoingMessage(
                    exchange: "", routingKey: queue,
                    message: Message("message \(index)", properties: BasicProperties(messageID: "m-\(index)")))
            }
        }
        // Several batches in flight at once: confirms arrive with multiple=true across them.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in batches {
                group.addTask {
                    let results = await publisher.publish(contentsOf: batch)
                    for result in results { try result.get() }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await publisher.inspectQueue(queue).messageCount == UInt32(total))

        try await consumerChannel.setPrefetch(500)
        let consumer = try await consumerChannel.consume(queue: queue)
        let deliveries = try await consumer.take(total, timeout: .seconds(120))
        let ids = deliveries.compactMap(\.properties.messageID)
        #expect(ids.count == total)
        #expect(Set(ids).count == total)
        #expect(Set(ids) == Set((0..<total).map { "m-\($0)" }))
        try await consumer.cancel()
        try await publisher.deleteQueue(queue)
        await connection.close()
    }

    @Test("a nack (max-length 1, reject-publish) throws and the message is not reported as sent")
    func nackThrows() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("full")
        try await channel.declareQueue(
            queue, durable: false, exclusive: true, arguments: QueueArguments(maxLength: 1, overflow: .rejectPublish))
        try await channel.publish(Message("first"), exchange: "", routingKey: queue)
        let error = await #expect(throws: AMQPError.self) {
            try await channel.publish(Message("second"), exchange: "", routingKey: queue)
        }
        #expect(error?.code == .publishNacked)
        // The channel stays usable and the queue holds only the first message.
        let state = try await channel.inspectQueue(queue)
        #expect(state.messageCount == 1)
        let got = try #require(try await channel.get(queue: queue, autoAck: true))
        #expect(got.delivery.body == Array("first".utf8))
        await connection.close()
    }

    @Test("an unroutable mandatory publish throws with NO_ROUTE; a routable one in the same batch succeeds")
    func unroutableMandatory() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let exchange = uniqueName("ex")
        let queue = uniqueName("routed")
        try await channel.declareExchange(exchange, type: .direct, durable: false, autoDelete: true)
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.bindQueue(queue, to: exchange, routingKey: "known")

        let results = await channel.publish(contentsOf: [
            OutgoingMessage(exchange: exchange, routingKey: "known", message: Message("a"), mandatory: true),
            OutgoingMessage(exchange: exchange, routingKey: "unknown", message: Message("b"), mandatory: true),
            OutgoingMessage(exchange: exchange, routingKey: "known", message: Message("c"), mandatory: true),
        ])
        #expect((try? results[0].get()) != nil)
        #expect((try? results[2].get()) != nil)
        guard case .failure(let error) = results[1] else {
            Issue.record("the unroutable publish was reported as sent")
            return
        }
        #expect(error.code == .messageReturned)
        #expect(error.replyCode == 312)
        #expect(try await channel.inspectQueue(queue).messageCount == 2)

        // Without mandatory, an unroutable message is confirmed (and dropped) by the broker.
        try await channel.publish(Message("d"), exchange: exchange, routingKey: "unknown")
        await connection.close()
    }

    @Test("a user_id that differs from the login user is refused with a clear error")
    func forgedUserID() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("userid")
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        let error = await #expect(throws: AMQPError.self) {
            try await channel.publish(
                Message("forged", properties: BasicProperties(userID: "abh.berlin")), exchange: "", routingKey: queue)
        }
        #expect(error?.code == .channelClosedByServer)
        #expect(error?.replyCode == 406)
        #expect(error?.replyText?.contains("user_id") == true)
        // The channel is gone, the connection is not.
        await #expect(throws: AMQPError.self) { try await channel.inspectQueue(queue) }
        let fresh = try await connection.openChannel()
        #expect(try await fresh.inspectQueue(queue).messageCount == 0)
        try await fresh.deleteQueue(queue)
        await connection.close()
    }
}
