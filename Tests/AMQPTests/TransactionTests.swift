import AMQP
import Foundation
import Testing
import TestSupport

@Suite("Transactions")
struct TransactionTests {
    /// Two quorum queues (the hub's queue type) and a transactional channel consuming the first.
    struct Pair {
        let connection: Connection
        let channel: Channel
        let admin: Channel
        let input: String
        let output: String
        let consumer: Consumer

        init(name: String = "amqp-test-\(UUID().uuidString.prefix(8))") async throws {
            connection = try await connect(name, recovery: .init(initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(200)))
            admin = try await connection.openChannel()
            input = uniqueName("tx-in")
            output = uniqueName("tx-out")
            var quorum = QueueArguments()
            quorum.type = .quorum
            try await admin.declareQueue(input, arguments: quorum)
            try await admin.declareQueue(output, arguments: quorum)
            channel = try await connection.openChannel(publisherConfirms: false)
            try await channel.selectTransactions()
            try await channel.setPrefetch(10)
            consumer = try await channel.consume(queue: input)
        }

        func remove() async {
            _ = try? await admin.deleteQueue(input)
            _ = try? await admin.deleteQueue(output)
            await connection.close()
        }
    }

    @Test("publishes and acknowledgements take effect together on commit", .timeLimit(.minutes(1)))
    func commitMovesMessages() async throws {
        let pair = try await Pair()
        for index in 0..<5 { try await pair.admin.publish(Message("m\(index)"), exchange: "", routingKey: pair.input) }
        let deliveries = try await pair.consumer.take(5, ack: false)
        let copies = deliveries.map { OutgoingMessage(exchange: "", routingKey: pair.output, message: $0.message, mandatory: true) }
        let returned = try await pair.channel.commit(publishing: copies, acknowledging: deliveries)
        #expect(returned.isEmpty)
        #expect(try await pair.admin.inspectQueue(pair.output).messageCount == 5)
        // Acknowledged: closing the consuming channel requeues nothing.
        try await pair.channel.close()
        #expect(try await pair.admin.inspectQueue(pair.input).messageCount == 0)
        await pair.remove()
    }

    @Test("an unroutable mandatory message comes back from the commit; the rest took effect", .timeLimit(.minutes(1)))
    func returnedOnCommit() async throws {
        let pair = try await Pair()
        try await pair.admin.publish(Message("m"), exchange: "", routingKey: pair.input)
        let delivery = try await pair.consumer.take(1, ack: false)
        let returned = try await pair.channel.commit(publishing: [
            OutgoingMessage(exchange: "", routingKey: pair.output, message: delivery[0].message, mandatory: true),
            OutgoingMessage(exchange: "", routingKey: uniqueName("nowhere"), message: Message("lost?", properties: BasicProperties(messageID: "x-1")), mandatory: true),
        ], acknowledging: delivery)
        #expect(returned.map(\.message.properties.messageID) == ["x-1"])
        #expect(returned.first?.replyCode == 312)
        #expect(try await pair.admin.inspectQueue(pair.output).messageCount == 1)
        await pair.remove()
    }

    @Test("a delivery from before a reconnect is refused and nothing is published; it comes again", .timeLimit(.minutes(1)))
    func staleDeliveryRefused() async throws {
        let name = "amqp-test-\(UUID().uuidString.prefix(8))"
        let pair = try await Pair(name: name)
        try await pair.admin.publish(Message("m", properties: BasicProperties(messageID: "stale-1")), exchange: "", routingKey: pair.input)
        var iterator = pair.consumer.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(try TestBroker.closeConnections(named: name) == 1)
        // The consumer resumes after recovery and the broker redelivers the unacknowledged message.
        let again = try #require(try await iterator.next())
        #expect(again.redelivered)
        #expect(again.properties.messageID == "stale-1")
        await #expect {
            _ = try await pair.channel.commit(
                publishing: [OutgoingMessage(exchange: "", routingKey: pair.output, message: first.message)], acknowledging: [first])
        } throws: { ($0 as? AMQPError)?.code == .staleDelivery }
        #expect(try await pair.admin.inspectQueue(pair.output).messageCount == 0)
        // The redelivered one commits normally.
        _ = try await pair.channel.commit(
            publishing: [OutgoingMessage(exchange: "", routingKey: pair.output, message: again.message)], acknowledging: [again])
        #expect(try await pair.admin.inspectQueue(pair.output).messageCount == 1)
        await pair.remove()
    }

    @Test("a confirm channel cannot use transactions")
    func confirmChannelRefused() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel(publisherConfirms: true)
        await #expect {
            try await channel.selectTransactions()
        } throws: { ($0 as? AMQPError)?.code == .invalidConfiguration }
        await connection.close()
    }
}
