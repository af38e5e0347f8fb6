import AMQP
import ArgumentParser
import Foundation

/// `drehscheibe consume`: reads raw messages from a queue for smoke tests.
struct Consume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Consume raw messages from a queue (smoke tests).")

    @OptionGroup var connection: ConnectionOptions
    @Option var queue: String
    @Option(help: "Stop after this many messages (0: run until interrupted).") var count = 1
    @Option var prefetch: UInt16 = 100
    @Flag(help: "Requeue instead of acknowledging (look, don't take).") var requeue = false
    @Flag(name: .customLong("show-body"), help: "Print bodies (they may hold personal data).") var showBody = false

    func run() async throws {
        let amqp = try await connection.connect(name: "drehscheibe consume")
        let channel = try await amqp.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(prefetch)
        let consumer = try await channel.consume(queue: queue)
        var seen = 0
        for try await delivery in consumer {
            seen += 1
            let p = delivery.properties
            var line = "#\(seen) tag=\(delivery.deliveryTag) redelivered=\(delivery.redelivered) exchange=\(delivery.exchange) routing-key=\(delivery.routingKey) bytes=\(delivery.body.count)"
            for (name, value) in [("message-id", p.messageID), ("type", p.type), ("user-id", p.userID), ("app-id", p.appID), ("correlation-id", p.correlationID)] {
                if let value { line += " \(name)=\(value)" }
            }
            print(line)
            if showBody { print(String(decoding: delivery.body, as: UTF8.self)) }
            if requeue { try delivery.reject(requeue: true) } else { try delivery.ack() }
            if count > 0, seen >= count { break }
        }
        try? await consumer.cancel()
        await amqp.close()
    }
}
