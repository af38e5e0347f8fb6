import Adapters
import AMQP
import CaseModel
import Foundation
import Router
import Store
import Testing
import TestSupport

/// The broker-outage part of the conformance suite, for every agency's adapter.
@Suite("Adapter conformance: broker outages", .serialized)
struct ConformanceOutageTests {
    /// Every agency kind that sends, with the example it sends.
    static let senders: [String] = ConformanceTests.kinds.filter { kind in
        contract.catalogue.entries.contains { $0.producers.contains { $0.kind == kind } }
    }

    @Test("a document dropped while the broker is unreachable is spooled and delivered once after recovery", arguments: senders)
    func publishDuringOutage(_ kind: String) async throws {
        let path = try #require(ConformanceTests.files("valid-").first { $0.hasPrefix("\(kind)/") })
        let agency = try ConformanceTests.agency(for: path)
        let document = try ConformanceTests.document(path)
        let hub = try await Hub()
        let root = temporaryDirectory("outage-\(agency)")
        defer { try? FileManager.default.removeItem(at: root) }

        // The broker is away (nothing listens on port 1): the document is taken and spooled.
        let offline = try await RunningAdapter(agency, hub: hub, root: root, brokerPort: 1)
        let accepted = offline.adapter.dropFolder.events()
        let attempts = offline.adapter.publisher.events()
        try offline.desk.drop(document, name: "document")
        let intake = try await first(accepted) { _ in true }
        guard case .accepted(_, let events) = intake else { throw TestFailure("\(path) was not accepted: \(intake)") }
        _ = try await first(attempts) { if case .connectFailed = $0 { true } else { false } }
        #expect(offline.adapter.publisher.spool.entries.map(\.messageID) == events.map(\.id))
        try await offline.stop()

        // Back online (a restart with the right port): the spool is drained.
        let online = try await RunningAdapter(agency, hub: hub, root: root)
        #expect(online.adapter.publisher.spool.count == events.count)
        for event in events {
            let record = try await hub.decision(about: event.id)
            guard case .delivered(let deliveries) = record.outcome else { throw TestFailure("\(event.id) not delivered: \(record.outcome)") }
            for recipient in Set(deliveries.map(\.recipient)) {
                let copies = try await hub.take(1, from: "inbox.\(recipient)")
                #expect(copies.map(\.properties.messageID) == [event.id])
                #expect(try await hub.depth("inbox.\(recipient)") == 0, "one copy only")
            }
        }
        // Each id was decided once, and nothing else reached any inbox.
        for event in events { #expect(hub.ledger.records.filter { $0.messageID == event.id }.count == 1) }
        #expect(online.adapter.publisher.spool.count == 0)
        try await online.stop()
        try await hub.stop()
    }

    @Test("the inbox connection force-closed: routed events are written to the outbox once after recovery", arguments: ConformanceTests.kinds)
    func consumeDuringOutage(_ kind: String) async throws {
        let agency = ConformanceTests.defaultAgency[kind] ?? kind
        // An event this agency receives, from the contract's examples.
        let type = try #require(contract.catalogue.entries.first { $0.isConsumer(AgencyID(agency)!) && $0.name != "de.migration.message.rejected" })
        let folder = type.current.type.shortName
        let event = try fresh(try canonicalExample(folder))
        let hub = try await Hub(router: false)
        let adapter = try await RunningAdapter(agency, hub: hub)
        defer { adapter.remove() }
        let written = adapter.adapter.outbox.written()
        try await eventually("\(agency) consumes its inbox") { adapter.adapter.consumer.isConsuming }
        let closed = try TestBroker.closeConnections(named: adapter.connectionName + " inbox")
        #expect(closed == 1)
        try await hub.publish(InboxConsumerTests.routed(event), exchange: "case.deliver", routingKey: agency)
        let output = try await first(written, timeout: .seconds(60)) { $0.event.id == event.id }
        let files = try FileManager.default.contentsOfDirectory(atPath: adapter.adapter.configuration.outbox.path).filter { $0.contains(event.id) }
        #expect(files == [output.file.lastPathComponent])
        #expect(try await hub.depth(AgencyID(agency)!.inboxQueue) == 0)
        try await adapter.stop()
        try await hub.stop()
    }
}
