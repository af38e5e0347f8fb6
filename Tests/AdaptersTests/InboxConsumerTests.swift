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

    @Test("a failing handler is retried with backoff, then dead-lettered with its error and acknowledged")
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
        _ = try await first(events) { if case .deadLettered(event.id, _) = $0 { true } else { false } }
        #expect(handler.calls.withLock { $0 } == [event.id, event.id, event.id])

        let dead = try #require(try await hub.take(1, from: "dead.letters").first)
        let headers = dead.properties.headers ?? [:]
        #expect(dead.body == message.body, "the original, byte for byte")
        #expect(dead.routingKey == event.type)
        #expect(dead.properties.messageID == event.id)
        #expect(dead.properties.userID == "abh.berlin")
        #expect(headers["x-drehscheibe-error-code"]?.stringValue == "handler-failed")
        #expect(headers["x-drehscheibe-stage"]?.stringValue == "consume")
        #expect(headers["x-drehscheibe-reason"]?.stringValue == "case system unavailable (HTTP 503)")
        #expect(headers["x-drehscheibe-attempts"]?.int64Value == 3)
        #expect(headers["x-drehscheibe-first-failure"]?.stringValue != nil && headers["x-drehscheibe-last-failure"]?.stringValue != nil)
        #expect(headers["x-drehscheibe-original-exchange"]?.stringValue == "case.deliver")
        #expect(headers["x-drehscheibe-original-routing-key"]?.stringValue == "abh.berlin")
        #expect(try await hub.depth("inbox.abh.berlin") == 0, "acknowledged")
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
