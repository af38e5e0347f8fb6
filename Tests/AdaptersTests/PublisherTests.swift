import Adapters
import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Router
import Store
import Testing
import TestSupport

@Suite("SDK: publishing through the spool", .serialized)
struct PublisherTests {
    static func publisher(_ agency: String, hub: Hub, spool directory: URL, port: Int? = nil, name: String? = nil) throws -> EventPublisher {
        var connection = try hub.connection(as: agency, name: name)
        if let port { connection.port = port }
        return EventPublisher(
            configuration: .init(agency: AgencyID(agency)!, connection: connection, backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(400))),
            spool: try Spool(directory: directory), logger: Logger(label: "test.publisher"))
    }

    static func run(_ service: some Service) -> (ServiceGroup, Task<Void, any Error>) {
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        return (group, Task { try await group.run() })
    }

    @Test("publishes to case.ingress with AMQP properties mirroring the envelope, confirmed, then leaves the spool")
    func properties() async throws {
        let hub = try await Hub(router: false)
        let directory = temporaryDirectory("publisher")
        defer { try? FileManager.default.removeItem(at: directory) }
        let event = try fresh(try canonicalExample("case.file-requested.v1"))
        let publisher = try Self.publisher("abh.berlin", hub: hub, spool: directory)
        let sent = publisher.events()
        try publisher.publish(event)
        #expect(publisher.spool.count == 1)
        let (group, task) = Self.run(publisher)
        _ = try await first(sent) { if case .sent(event.id) = $0 { true } else { false } }
        #expect(publisher.spool.count == 0)

        // Without a router the message waits in one of the shard queues.
        var delivery: Delivery?
        for shard in 0..<4 where delivery == nil {
            if try await hub.depth("router.ingress.\(shard)") > 0 { delivery = try await hub.take(1, from: "router.ingress.\(shard)").first }
        }
        let message = try #require(delivery)
        let properties = message.properties
        #expect(message.body == event.serialized())
        #expect(message.exchange == "case.ingress" && message.routingKey == event.type)
        #expect(properties.messageID == event.id)
        #expect(properties.type == event.type)
        #expect(properties.contentType == "application/cloudevents+json")
        #expect(properties.userID == "abh.berlin")
        #expect(properties.appID == event.source)
        #expect(properties.correlationID == event.correlationid)
        #expect(properties.deliveryMode == .persistent)
        #expect(properties.timestamp.map { Int($0.timeIntervalSince1970) } == event.timestamp.map { Int($0.timeIntervalSince1970) })
        #expect(properties.headers?["ce-subject"]?.stringValue == event.subject)
        #expect(properties.headers?["ce-source"]?.stringValue == event.source)
        #expect(properties.headers?["ce-dataschema"]?.stringValue == event.dataschema)
        await group.triggerGracefulShutdown()
        try await task.value
        try await hub.stop()
    }

    @Test("broker unreachable: the event waits in the spool; after a restart with the right port it is delivered once")
    func restartAfterOutage() async throws {
        let hub = try await Hub()
        let directory = temporaryDirectory("publisher")
        defer { try? FileManager.default.removeItem(at: directory) }
        let event = try fresh(try canonicalExample("case.file-requested.v1"))
        do {
            // Port 1: nothing listens, as when the broker is down.
            let unreachable = try Self.publisher("abh.berlin", hub: hub, spool: directory, port: 1)
            let events = unreachable.events()
            try unreachable.publish(event)
            let (group, task) = Self.run(unreachable)
            _ = try await first(events) { if case .connectFailed = $0 { true } else { false } }
            await group.triggerGracefulShutdown()
            try await task.value
            #expect(unreachable.spool.entries.map(\.messageID) == [event.id])
        }
        let publisher = try Self.publisher("abh.berlin", hub: hub, spool: directory)
        #expect(publisher.spool.count == 1)
        let sent = publisher.events()
        let (group, task) = Self.run(publisher)
        _ = try await first(sent) { if case .sent(event.id) = $0 { true } else { false } }
        let copy = try #require(try await hub.take(1, from: "inbox.abh.koeln").first)
        #expect(copy.properties.messageID == event.id)
        let record = try await hub.decision(about: event.id)
        guard case .delivered(_) = record.outcome else { throw TestFailure("not delivered: \(record.outcome)") }
        #expect(try await hub.depth("inbox.abh.koeln") == 0)
        #expect(publisher.spool.count == 0)
        await group.triggerGracefulShutdown()
        try await task.value
        try await hub.stop()
    }

    @Test("connections force-closed while publishing: every event reaches the recipient exactly once, in order")
    func forcedCloses() async throws {
        let hub = try await Hub()
        let directory = temporaryDirectory("publisher")
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = "test-publisher-\(UUID().uuidString.prefix(8))"
        let publisher = try Self.publisher("abh.berlin", hub: hub, spool: directory, name: name)
        let template = try canonicalExample("case.file-requested.v1")
        let events = try (0..<40).map { _ in try fresh(template) }
        let outcomes = publisher.events()
        let (group, task) = Self.run(publisher)
        let failures = Atomic<Int>(0)
        let watcher = Task {
            var sent = Set<String>()
            for await outcome in outcomes {
                switch outcome {
                case .sent(let id): sent.insert(id)
                case .publishFailed, .connectFailed: failures.add(1, ordering: .relaxed)
                case .connected: break
                }
                if sent.count == events.count { return sent }
            }
            return sent
        }
        for (index, event) in events.enumerated() {
            try publisher.publish(event)
            if index % 8 == 4 { _ = try TestBroker.closeConnections(named: name) }
            try await Task.sleep(for: .milliseconds(15))
        }
        let sent = await watcher.value
        #expect(sent == Set(events.map(\.id)))
        let copies = try await hub.take(events.count, from: "inbox.abh.koeln", timeout: .seconds(60))
        #expect(copies.compactMap(\.properties.messageID) == events.map(\.id), "once each, in spool order")
        // Resends (if any) were recognised: nothing more arrives.
        for event in events { _ = try await hub.decision(about: event.id) }
        #expect(try await hub.depth("inbox.abh.koeln") == 0)
        await group.triggerGracefulShutdown()
        try await task.value
        try await hub.stop()
    }
}
