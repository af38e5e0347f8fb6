import Adapters
import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

@Suite("SDK: consuming the inbox", .serialized)
struct InboxConsumerTests {
    /// Counts calls and fails the first `failures` of them.
    final class Handler: InboxHandler, Sendable {
        let failures: Int
        let calls = Mutex<[String]>([])
        let rejections = Mutex<[Rejection]>([])

        init(failures: Int) { self.failures = failures }

        struct Failure: Error, CustomStringConvertible {
            var description: String { "case system unavailable (HTTP 503)" }
        }

        func handle(_ event: CaseEvent, context: DeliveryContext) async throws {
            let count = calls.withLock { calls -> Int in
                calls.append(event.id)
                return calls.count
            }
            if count <= failures { throw Failure() }
        }

        func onRejected(_ rejection: Rejection, context: DeliveryContext) async throws {
            rejections.withLock { $0.append(rejection) }
        }
    }

    struct Consumer {
        let consumer: InboxConsumer
        let group: ServiceGroup
        let task: Task<Void, any Error>

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await task.value
        }
    }

    static func start(_ agency: String, hub: Hub, handler: Handler, state: URL, attempts: Int = 3) throws -> Consumer {
        let consumer = InboxConsumer(
            configuration: .init(
                agency: AgencyID(agency)!, connection: try hub.connection(as: agency), maximumAttempts: attempts,
                retryBackoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(100))),
            handled: try HandledMessages(file: state.appendingPathComponent("handled.log")), handler: handler,
            logger: Logger(label: "test.consumer"))
        let group = ServiceGroup(services: [consumer], logger: Logger(label: "test"))
        return Consumer(consumer: consumer, group: group, task: Task { try await group.run() })
    }

    /// A routed copy as the router delivers it (published by the test's admin, so without
    /// the router's user_id).
    static func routed(_ event: CaseEvent) -> Message {
        var message = event.message(userID: "drehscheibe-router")
        message.properties.userID = nil
        message.properties.headers?["x-drehscheibe-sender"] = .string(event.sourceAgency?.rawValue ?? "hub")
        message.properties.headers?["x-drehscheibe-projection"] = "full"
        return message
    }

    /// The most recent `x-death` entry (RabbitMQ lists it first).
    static func latestDeath(_ headers: FieldTable) -> FieldTable? {
        guard case .array(let entries)? = headers["x-death"], case .table(let entry)? = entries.first else { return nil }
        return entry
    }

    @Test("a failing handler is retried with backoff, then rejected: the broker dead-letters the original with x-death (rejected, inbox.<agency>)")
    func deadLetter() async throws {
        let hub = try await Hub(router: false)
        let state = temporaryDirectory("consumer")
        defer { try? FileManager.default.removeItem(at: state) }
        let handler = Handler(failures: .max)
        let consumer = try Self.start("abh.berlin", hub: hub, handler: handler, state: state, attempts: 3)
        let events = consumer.consumer.events()
        let event = try fresh(try canonicalExample("asylum.decision-issued.v1"))
        let message = Self.routed(event)
        try await hub.publish(message, exchange: "case.deliver", routingKey: "abh.berlin")
        let rejected = try await first(events) { if case .deadLettered(event.id, _) = $0 { true } else { false } }
        guard case .deadLettered(_, let reason) = rejected else { return }
        #expect(reason == "case system unavailable (HTTP 503)", "the handler's reason is in the adapter's events (and log)")
        #expect(handler.calls.withLock { $0 } == [event.id, event.id, event.id])

        let dead = try #require(try await hub.take(1, from: "dead.letters").first)
        let headers = dead.properties.headers ?? [:]
        #expect(dead.body == message.body, "the original, byte for byte")
        #expect(dead.exchange == "case.dead")
        #expect(dead.routingKey == "abh.berlin", "the broker keeps the original routing key")
        #expect(dead.properties.messageID == event.id)
        #expect(headers["x-drehscheibe-error-code"] == nil, "the adapter adds no failure context: it cannot publish to case.dead")
        let death = try #require(Self.latestDeath(headers))
        #expect(death["reason"]?.stringValue == "rejected")
        #expect(death["queue"]?.stringValue == "inbox.abh.berlin")
        #expect(death["exchange"]?.stringValue == "case.deliver")
        guard case .array(let keys)? = death["routing-keys"] else { throw TestFailure("x-death has no routing-keys") }
        #expect(keys.first?.stringValue == "abh.berlin")
        #expect(try await hub.depth("inbox.abh.berlin") == 0, "settled")
        try await consumer.stop()
        try await hub.stop()
    }

    @Test("an undecodable delivery is rejected at once, without calling the handler, and dead-lettered by the broker")
    func undecodable() async throws {
        let hub = try await Hub(router: false)
        let state = temporaryDirectory("consumer")
        defer { try? FileManager.default.removeItem(at: state) }
        let handler = Handler(failures: 0)
        let consumer = try Self.start("abh.berlin", hub: hub, handler: handler, state: state, attempts: 3)
        let events = consumer.consumer.events()
        let id = UUID().uuidString.lowercased()
        try await hub.publish(
            Message(body: Array("not an envelope".utf8), properties: BasicProperties(messageID: id)), exchange: "case.deliver", routingKey: "abh.berlin")
        _ = try await first(events) { if case .deadLettered(id, _) = $0 { true } else { false } }
        let dead = try #require(try await hub.take(1, from: "dead.letters").first)
        #expect(dead.body == Array("not an envelope".utf8))
        #expect(Self.latestDeath(dead.properties.headers ?? [:])?["reason"]?.stringValue == "rejected")
        #expect(handler.calls.withLock { $0.isEmpty })
        try await consumer.stop()
        try await hub.stop()
    }

    @Test("a handler that recovers within its attempts handles the message once; no dead letter")
    func recovers() async throws {
        let hub = try await Hub(router: false)
        let state = temporaryDirectory("consumer")
        defer { try? FileManager.default.removeItem(at: state) }
        let handler = Handler(failures: 2)
        let consumer = try Self.start("abh.berlin", hub: hub, handler: handler, state: state, attempts: 3)
        let events = consumer.consumer.events()
        let event = try fresh(try canonicalExample("asylum.decision-issued.v1"))
        try await hub.publish(Self.routed(event), exchange: "case.deliver", routingKey: "abh.berlin")
        _ = try await first(events) { if case .handled(event.id, _) = $0 { true } else { false } }
        #expect(handler.calls.withLock { $0.count } == 3)
        #expect(try await hub.depth("dead.letters") == 0)
        try await consumer.stop()
        try await hub.stop()
    }

    @Test("a message id handled before is acknowledged without handling, also after a restart")
    func duplicates() async throws {
        let hub = try await Hub(router: false)
        let state = temporaryDirectory("consumer")
        defer { try? FileManager.default.removeItem(at: state) }
        let handler = Handler(failures: 0)
        let event = try fresh(try canonicalExample("asylum.decision-issued.v1"))
        do {
            let consumer = try Self.start("abh.berlin", hub: hub, handler: handler, state: state)
            let events = consumer.consumer.events()
            try await hub.publish(Self.routed(event), exchange: "case.deliver", routingKey: "abh.berlin")
            _ = try await first(events) { if case .handled(event.id, _) = $0 { true } else { false } }
            try await hub.publish(Self.routed(event), exchange: "case.deliver", routingKey: "abh.berlin")
            _ = try await first(events) { if case .duplicate(event.id) = $0 { true } else { false } }
            try await consumer.stop()
        }
        let restarted = try Self.start("abh.berlin", hub: hub, handler: handler, state: state)
        let events = restarted.consumer.events()
        try await hub.publish(Self.routed(event), exchange: "case.deliver", routingKey: "abh.berlin")
        _ = try await first(events) { if case .duplicate(event.id) = $0 { true } else { false } }
        #expect(handler.calls.withLock { $0 } == [event.id])
        #expect(try await hub.depth("inbox.abh.berlin") == 0)
        try await restarted.stop()
        try await hub.stop()
    }

    @Test("a message.rejected receipt reaches onRejected with the original id, code and reason")
    func rejection() async throws {
        let hub = try await Hub(router: false)
        let state = temporaryDirectory("consumer")
        defer { try? FileManager.default.removeItem(at: state) }
        let handler = Handler(failures: 0)
        let consumer = try Self.start("abh.koeln", hub: hub, handler: handler, state: state)
        let events = consumer.consumer.events()
        let receipt = try fresh(try canonicalExample("message.rejected.v1"))
        try await hub.publish(Self.routed(receipt), exchange: "case.deliver", routingKey: "abh.koeln")
        _ = try await first(events) { if case .handled(receipt.id, _) = $0 { true } else { false } }
        let rejection = try #require(handler.rejections.withLock { $0.first })
        #expect(rejection.originalMessageID == "38ec609c-de37-50da-814a-411e2bb6e642")
        #expect(rejection.errorCode == "invalid" && rejection.stage == "validate")
        #expect(rejection.pointer == "/data/person/identifiers/azrNumber")
        #expect(rejection.errors.map(\.keyword) == ["pattern"])
        #expect(handler.calls.withLock { $0.isEmpty }, "receipts do not go to handle(_:)")
        try await consumer.stop()
        try await hub.stop()
    }
}
