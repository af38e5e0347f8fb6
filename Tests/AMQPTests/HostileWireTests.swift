import AMQP
import Foundation
import Testing

/// Values a hostile publisher can put on the wire: the client decodes, holds and republishes
/// them without trapping, and refuses to hold bodies over a consumer's limit.
@Suite("Hostile wire values against a real broker")
struct HostileWireTests {
    @Test("extreme timestamps and numbers are received and republished without trapping")
    func extremes() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("extremes")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        let headers: FieldTable = [
            "huge": .double(.greatestFiniteMagnitude), "tiny": .float(.leastNonzeroMagnitude), "ts": .timestamp(.max), "dec": .decimal(scale: 255, value: .max),
            "min": .int64(.min), "void": .void, "deep": .array([.table(["x": .array([.array([.void])])])]),
        ]
        // 2^64 - 1 seconds: a Date that does not fit back into UInt64 when rounded through Double.
        let properties = BasicProperties(headers: headers, timestamp: Date(timeIntervalSince1970: 18_446_744_073_709_551_615), userID: nil)
        try await channel.publish(Message(body: [1], properties: properties), exchange: "", routingKey: queue)
        let first = try #require(try await channel.get(queue: queue, autoAck: true))
        // Republish exactly what arrived (as the router does with a dead letter): no trap.
        try await channel.publish(first.delivery.message, exchange: "", routingKey: queue)
        let second = try #require(try await channel.get(queue: queue, autoAck: true))
        #expect(second.delivery.properties.timestamp?.timeIntervalSince1970 == 18_446_744_073_709_551_615)
        #expect(second.delivery.properties.headers?["ts"] == .timestamp(.max))
        #expect(second.delivery.properties.headers?["min"] == .int64(.min))
        await connection.close()
    }

    @Test("NaN and infinite floats never reach a queue: RabbitMQ closes the publisher's connection (a premise of the hub's threat model)", arguments: [
        FieldValue.double(.nan), .double(.infinity), .float(-.infinity),
    ])
    func nonFiniteRefused(value: FieldValue) async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("nan")
        try await channel.declareQueue(queue, durable: false)
        await #expect(throws: AMQPError.self) {
            try await channel.publish(Message(body: [1], properties: BasicProperties(headers: ["x": value])), exchange: "", routingKey: queue)
        }
        await connection.close()
        let observer = try await connect()
        let inspect = try await observer.openChannel()
        #expect(try await inspect.get(queue: queue) == nil)
        _ = try await inspect.deleteQueue(queue)
        await observer.close()
    }

    @Test("a channel's body limit: a larger body is dropped frame by frame, not held, and the next message arrives whole")
    func bodyLimit() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("limit")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        let large = [UInt8](repeating: 7, count: 3 * 131_072 + 5)
        try await channel.publish(Message(body: large, properties: BasicProperties(messageID: "large")), exchange: "", routingKey: queue)
        try await channel.publish(Message(body: [1, 2, 3], properties: BasicProperties(messageID: "small")), exchange: "", routingKey: queue)
        let consumerChannel = try await connection.openChannel()
        try await consumerChannel.setMaximumBodyBytes(100_000)
        let deliveries = try await consumerChannel.consume(queue: queue).take(2)
        #expect(deliveries.map(\.properties.messageID) == ["large", "small"])
        #expect(deliveries[0].body.isEmpty)
        #expect(deliveries[0].omittedBodyBytes == UInt64(large.count))
        #expect(deliveries[1].body == [1, 2, 3])
        #expect(deliveries[1].omittedBodyBytes == nil)
        await connection.close()
    }
}

extension HostileWireTests {
    /// Kept for the life of the test process: freeing a value nested this deep recurses as
    /// deep, past a concurrency thread's stack (the client never holds one; see below).
    nonisolated(unsafe) static var keptAlive: [FieldValue] = []

    @Test("headers nested as deep as one frame allows are received without trapping, cut at the client's nesting limit", arguments: [10, 1_000, 20_000])
    func deepNesting(depth: Int) async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("deep")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        var value = FieldValue.void
        for level in 0..<depth { value = level % 2 == 0 ? .array([value]) : .table(["t": value]) }
        let message = Message(body: [1], properties: BasicProperties(headers: ["deep": value], messageID: "deep"))
        Self.keptAlive.append(value)
        try await channel.publish(message, exchange: "", routingKey: queue)
        try await channel.publish(Message(body: [2], properties: BasicProperties(messageID: "next")), exchange: "", routingKey: queue)
        let deliveries = try await channel.consume(queue: queue).take(2)
        #expect(deliveries.map(\.properties.messageID) == ["deep", "next"])
        #expect(deliveries[0].headersTruncated == (depth >= FieldTable.maximumNesting))
        #expect(!deliveries[1].headersTruncated)
        var levels = 0
        var current = deliveries[0].properties.headers?["deep"]
        while let value = current {
            switch value {
            case .array(let inner): current = inner.first
            case .table(let inner): current = inner["t"]
            default: current = nil; continue
            }
            levels += 1
        }
        #expect(levels == min(depth, FieldTable.maximumNesting - 1))
        await connection.close()
    }
}
