import AMQP
import CaseModel
import Foundation
import Ops
import Store
import TestSupport
import Testing

/// Defence in depth against crash loops: whatever makes the router die on a message, the broker
/// stops handing it out after the delivery limit and the store keeps it with its own code.
@Suite("Crash loops end in the dead letters (real broker)", .serialized)
struct CrashLoopTests {
    @Test("a message the router takes again and again without settling is dead-lettered as delivery-limit, believed from the broker, replayable as its sender")
    func deliveryLimit() async throws {
        let vhost = try TestBroker.isolatedVirtualHost("crashloop")
        defer { TestBroker.deleteVirtualHost(vhost) }
        var envelope = try TestSchemas.validExample("visa.application-submitted.v1")
        let id = UUID().uuidString.lowercased()
        envelope["id"] = .string(id)
        let agency = AgencyID(urn: envelope["source"]!.stringValue!)!.rawValue
        let partner = try await Connection.connect(url: TestBroker.url(user: agency, vhost: vhost))
        try await partner.openChannel().publish(
            Message(body: JSONValue.object(envelope).serialized(), properties: BasicProperties(
                contentType: CaseEvent.contentType, headers: ["ce-subject": .string(envelope["subject"]!.stringValue!)], messageID: id,
                type: envelope["type"]!.stringValue!, userID: agency)),
            exchange: "case.ingress", routingKey: envelope["type"]!.stringValue!)
        await partner.close()
        let body = JSONValue.object(envelope).serialized()

        // A router that dies on the message each time: it takes it and goes away unsettled.
        let router = try await Connection.connect(url: TestBroker.url(user: "drehscheibe-router", vhost: vhost))
        let admin = try await Connection.connect(url: TestBroker.url(vhost: vhost))
        let inspect = try await admin.openChannel()
        var takes = 0
        while true {
            #expect(takes < 20, "the broker kept handing the message out")
            guard takes < 20 else { break }
            // The shard queues have a single active consumer: consume (basic.get is refused).
            let crashing = try await router.openChannel(publisherConfirms: false)
            let (deliveries, delivered) = AsyncStream<Void>.makeStream()
            for shard in 0..<4 {
                _ = try await crashing.consume(queue: "router.ingress.\(shard)", onDelivery: { _ in delivered.yield() }, onEnd: { _ in })
            }
            // After the last allowed delivery the broker dead-letters it (asynchronously):
            // then nothing comes any more.
            let came = (try? await withDeadline(.seconds(5), "the message coming again") {
                for await _ in deliveries { return true }
                return false
            }) ?? false
            try await crashing.close()
            guard came else { break }
            takes += 1
        }
        await router.close()
        // delivery-limit 5 in the router-ingress policy: the first delivery and five redeliveries.
        #expect(takes == 6)
        #expect(try await inspect.inspectQueue("dead.letters").messageCount == 1)

        try await withSQLiteStore { store in
            let events = StoredEvents()
            let consumer = DeadLetterConsumer(
                amqp: try ConnectionConfiguration(url: TestBroker.url(user: "drehscheibe-ops", vhost: vhost)), store: store,
                logger: quietLogger("test.consumer"), observe: events.record)
            let running = Task { try await consumer.run() }
            defer { running.cancel() }
            let stored = try await events.next()
            let letter = try #require(try await store.deadLetter(stored.id))
            #expect(letter.failure.errorCode == "delivery-limit")
            #expect(letter.failure.deadLetteredByBroker)
            #expect(letter.failure.reason?.contains("router.ingress.") == true)
            #expect(letter.origin == .broker)
            #expect(letter.sender == agency)
            #expect(letter.body == body)
            #expect(letter.isReplayable)
        }
        await admin.close()
    }
}
