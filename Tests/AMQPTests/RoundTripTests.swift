import AMQP
import Foundation
import Testing

@Suite("Round trip against a real broker")
struct RoundTripTests {
    @Test("every property and header survives byte for byte")
    func everyPropertySurvives() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("roundtrip")
        try await channel.declareQueue(queue, durable: false, exclusive: true)

        let nested: FieldTable = [
            "level": .int32(2),
            "deeper": .table(["ok": .bool(false), "list": .array([.string("x"), .int64(-1)])]),
        ]
        let headers: FieldTable = [
            "string": .string("Grüße aus Köln — ÄÖÜß 漢字 🚀"),
            "bool": .bool(true),
            "int8": .int8(-8),
            "int16": .int16(-1600),
            "int32": .int32(-320_000),
            "int64": .int64(Int64.max),
            "double": .double(3.141592653589793),
            "float": .float(1.5),
            "decimal": .decimal(scale: 2, value: 12345),
            "timestamp": .timestamp(1_700_000_000),
            "bytes": .bytes([0, 1, 2, 0xFF, 0xFE, 0x80]),
            "void": .void,
            "array": .array([.int32(1), .string("zwei"), .table(["drei": .bool(true)]), .array([.bytes([9])])]),
            "nested": .table(nested),
        ]
        let properties = BasicProperties(
            contentType: "application/cloudevents+json", contentEncoding: "identity", headers: headers,
            deliveryMode: .persistent, priority: 7, correlationID: "corr-1", replyTo: "reply.queue",
            expiration: "600000", messageID: "8c1b6a1e-2f1e-4c55-9d5b-7f1f3a0c2d11",
            timestamp: Date(timeIntervalSince1970: 1_717_171_717), type: "de.migration.visa.application-submitted.v1",
            userID: "drehscheibe-admin", appID: "round-trip-test", clusterID: nil)
        var body = Array("{\"name\":\"Ünal\"}".utf8)
        body += (0...255).map { UInt8($0) }  // every byte value, including NUL and invalid UTF-8
        let message = Message(body: body, properties: properties)

        try await channel.publish(message, exchange: "", routingKey: queue)
        let got = try #require(try await channel.get(queue: queue))
        try got.delivery.ack()

        #expect(got.delivery.body == body)
        #expect(got.delivery.routingKey == queue)
        #expect(got.delivery.properties == properties)
        #expect(got.delivery.properties.headers == headers)
        #expect(got.messageCount == 0)
        await connection.close()
    }

    @Test("an empty body and absent properties stay absent")
    func emptyBody() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("empty")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.publish(Message(body: [], properties: BasicProperties(deliveryMode: nil)), exchange: "", routingKey: queue)
        let got = try #require(try await channel.get(queue: queue, autoAck: true))
        #expect(got.delivery.body.isEmpty)
        #expect(got.delivery.properties == BasicProperties(deliveryMode: nil))
        #expect(try await channel.get(queue: queue) == nil)
        await connection.close()
    }

    @Test("a body larger than one frame is split and reassembled")
    func largeBody() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("large")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        let body = (0..<(3 * 131_072 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await channel.publish(Message(body: body), exchange: "", routingKey: queue)
        let consumer = try await channel.consume(queue: queue)
        let deliveries = try await consumer.take(1)
        #expect(deliveries.first?.body == body)
        await connection.close()
    }
}
