import AMQP
import CaseModel
import Foundation
@testable import Router
import Logging
import Store
import Synchronization
import Testing
import TestSupport

@Suite("Router against a real broker")
struct RouterIntegrationTests {
    @Test("delivers each recipient its projected copy, with confirms, and records the decision")
    func delivers() async throws {
        let ledger = MemoryLedger()
        let harness = try await RouterHarness(ledger: ledger)
        let bva = try await harness.connect(as: "bva")
        let envelope = try fresh("security.check-requested.v1", "valid-visa.json")
        try await harness.publish(try await bva.openChannel(), envelope)

        for agency in ["bka", "bfv", "bpol"] {
            let copy = try #require(try await harness.take(1, from: "inbox.\(agency)").first)
            #expect(copy.properties.messageID == envelope["id"]?.stringValue)
            #expect(copy.header(HubHeader.projection) == "security-consultation-73")
            #expect(copy.header(HubHeader.sender) == "bva")
            #expect(copy.properties.userID == "drehscheibe-router")
            #expect(copy.json?["data"]?["persons"]?.arrayValue?.isEmpty == false)
        }
        let record = try #require(ledger.records.first { $0.messageID == envelope["id"]?.stringValue })
        guard case .delivered(let deliveries) = record.outcome else { Issue.record("not delivered: \(record.outcome)"); return }
        #expect(Set(deliveries.map { $0.recipient }).isSuperset(of: ["bka", "bfv", "bpol"]))
        #expect(record.caseID == envelope["subject"]?.stringValue)
        await bva.close()
        try await harness.stop()
    }

    @Test("an invalid message is dead-lettered byte for byte with its context; the sender gets a receipt")
    func deadLetterAndReceipt() async throws {
        let harness = try await RouterHarness()
        let bva = try await harness.connect(as: "bva")
        let envelope = try fresh("security.check-requested.v1", "invalid-legal-basis.json")
        let body = JSONValue.object(envelope).serialized()
        try await harness.publish(try await bva.openChannel(), envelope, body: body)

        let dead = try #require(try await harness.take(1, from: "dead.letters").first)
        #expect(dead.body == body)
        #expect(dead.header(HubHeader.errorCode) == "invalid")
        #expect(dead.header(HubHeader.stage) == "validate")
        #expect(dead.header(HubHeader.pointer)?.hasPrefix("/data") == true)
        #expect(dead.header(HubHeader.sender) == "bva")
        #expect(dead.header(HubHeader.originalExchange) == "case.ingress")
        #expect(dead.header(HubHeader.originalRoutingKey) == envelope["type"]?.stringValue)
        #expect(dead.properties.messageID == envelope["id"]?.stringValue)
        #expect(dead.header(HubHeader.firstFailure) != nil && dead.header(HubHeader.reason) != nil)

        let receipt = try #require(try await harness.take(1, from: "inbox.bva").first)
        #expect(receipt.properties.type == "de.migration.message.rejected.v1")
        #expect(receipt.json?["data"]?["originalMessageId"]?.stringValue == envelope["id"]?.stringValue)
        #expect(receipt.json?["data"]?["errorCode"]?.stringValue == "invalid")
        await bva.close()
        try await harness.stop()
    }

    @Test("hostile input is dead-lettered with its specific code and the router keeps routing")
    func hostileInput() async throws {
        let harness = try await RouterHarness()
        let av = try await harness.connect(as: "av.istanbul")
        let channel = try await av.openChannel()
        let valid = try fresh("visa.application-submitted.v1")
        let cases: [(String, [UInt8]?, (inout BasicProperties) -> Void)] = [
            ("json.too-deep", Array(String(repeating: "[", count: 50_000).utf8), { _ in }),
            ("json.number-too-long", Array(("{\"n\":" + String(repeating: "7", count: 5_000) + "}").utf8), { _ in }),
            ("json.duplicate-key", Array(#"{"specversion":"1.0","specversion":"1.0"}"#.utf8), { _ in }),
            ("json.invalid-utf8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], { _ in }),
            ("message.too-large", [UInt8](repeating: 0x20, count: (1 << 20) + 10), { _ in }),
            ("amqp.missing-message-id", nil, { $0.messageID = nil }),
        ]
        for (_, body, edit) in cases {
            var envelope = valid
            envelope["id"] = .string(UUID().uuidString.lowercased())
            try await harness.publish(channel, envelope, body: body, edit: edit)
        }
        // A wrong user_id: RabbitMQ itself refuses it (the user is authenticated).
        await #expect(throws: AMQPError.self) {
            try await harness.publish(channel, valid) { $0.userID = "bka" }
        }
        // A valid message behind all of them still goes through.
        let after = try await av.openChannel()
        try await harness.publish(after, valid)

        let dead = try await harness.take(cases.count, from: "dead.letters")
        #expect(Set(dead.compactMap { $0.header(HubHeader.errorDetail) }) == Set(cases.map(\.0)))
        #expect(dead.first { $0.header(HubHeader.errorDetail) == "message.too-large" }?.header(HubHeader.errorCode) == "too-large")
        let delivered = try await harness.take(1, from: "inbox.bva")
        #expect(delivered.first?.properties.messageID == valid["id"]?.stringValue)
        await av.close()
        try await harness.stop()
    }

    @Test("a forged source is dead-lettered as unauthorized and reported to the BSI")
    func forgedSource() async throws {
        let harness = try await RouterHarness()
        let lagos = try await harness.connect(as: "av.lagos")
        let envelope = try fresh("visa.application-submitted.v1")  // source urn:de:migration:av:istanbul
        try await harness.publish(try await lagos.openChannel(), envelope) { $0.userID = "av.lagos" }
        let dead = try #require(try await harness.take(1, from: "dead.letters").first)
        #expect(dead.header(HubHeader.errorCode) == "unauthorized")
        #expect(dead.header(HubHeader.errorDetail) == "auth.source-mismatch")
        let incident = try #require(try await harness.take(1, from: "inbox.bsi").first)
        #expect(incident.properties.type == "de.migration.security.incident-reported.v1")
        #expect(incident.json?["data"]?["kind"]?.stringValue == "forged-sender")
        #expect(incident.json?["data"]?["authenticatedAgency"]?.stringValue == "av.lagos")
        let receipt = try #require(try await harness.take(1, from: "inbox.av.lagos").first)
        #expect(receipt.json?["data"]?["errorCode"]?.stringValue == "unauthorized")
        await lagos.close()
        try await harness.stop()
    }

    @Test("a message naming an office without an inbox is unroutable, never dropped")
    func unroutable() async throws {
        let harness = try await RouterHarness()
        let bpol = try await harness.connect(as: "bpol")
        var envelope = try fresh("asylum.seeker-registered.v2")
        guard case .object(var data) = envelope["data"]! else { return }
        data["responsibleOffice"] = "abh.nirgendwo"
        envelope["data"] = .object(data)
        envelope["source"] = "urn:de:migration:bpol"
        try await harness.publish(try await bpol.openChannel(), envelope)
        let dead = try #require(try await harness.take(1, from: "dead.letters").first)
        #expect(dead.header(HubHeader.errorCode) == "unroutable")
        #expect(dead.header(HubHeader.errorDetail) == "route.no-inbox")
        await bpol.close()
        try await harness.stop()
    }

    @Test("the same message id twice is delivered once (dedupe)")
    func dedupe() async throws {
        let harness = try await RouterHarness()
        let av = try await harness.connect(as: "av.istanbul")
        let channel = try await av.openChannel()
        let envelope = try fresh("visa.application-submitted.v1")
        try await harness.publish(channel, envelope)
        _ = try await harness.take(1, from: "inbox.bva")
        try await harness.publish(channel, envelope)
        let marker = try fresh("visa.application-submitted.v1")
        try await harness.publish(channel, marker)
        // The marker arrives after the duplicate was handled (one shard per case: same subject).
        let next = try await harness.take(1, from: "inbox.bva")
        #expect(next.first?.properties.messageID == marker["id"]?.stringValue)
        #expect(try await harness.depth("inbox.bva") == 0)
        await av.close()
        try await harness.stop()
    }

    /// RabbitMQ drops a transaction's publish to a full reject-publish queue without a word
    /// (BrokerLimitsTests): the router must hold copies for a full inbox back itself.
    @Test("copies for a full inbox are held back and retried, not dropped; the other recipient gets each once, at once")
    func fullInboxHoldsCopiesBack() async throws {
        // High water 2 in an inbox of 6: the router may deliver a few copies before its next
        // look (once a second, later on a loaded machine), never 4. Retries for a minute.
        let harness = try await RouterHarness(retry: RetryPolicy(tiers: ["5s"], maximumAttempts: 12), inboxHighWater: 2)
        _ = try TestBroker.rabbitmqctl(["-q", "set_policy", "-p", harness.vhost, "--apply-to", "queues", "--priority", "50",
                                        "small-bva", "^inbox\\.bva$", #"{"max-length":6,"overflow":"reject-publish"}"#])
        let av = try await harness.connect(as: "av.istanbul")
        let channel = try await av.openChannel()
        var ids: [String] = []
        for _ in 0..<10 {
            let envelope = try fresh("visa.application-submitted.v1")
            ids.append(envelope["id"]!.stringValue!)
            try await harness.publish(channel, envelope)
            // Each copy for aa arrives at once, whatever bva holds.
            _ = try await harness.take(1, from: "inbox.aa")
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(try await harness.depth("inbox.aa") == 0, "aa got a copy twice")
        // bva is full (its high water is 2): the rest wait in the retry tier, none was dropped.
        #expect(try await harness.depth("inbox.bva") <= 6)
        let bva = try await harness.take(10, from: "inbox.bva", timeout: .seconds(90))
        #expect(Set(bva.compactMap(\.properties.messageID)) == Set(ids))
        #expect(bva.count == 10)
        #expect(try await harness.depth("dead.letters") == 0)
        await av.close()
        try await harness.stop()
    }

    @Test("the broker closing the router's connection mid-flow loses nothing")
    func connectionClosedMidFlow() async throws {
        let ledger = MemoryLedger()
        let harness = try await RouterHarness(ledger: ledger)
        let av = try await harness.connect(as: "av.istanbul")
        let channel = try await av.openChannel()
        var ids: Set<String> = []
        for index in 0..<300 {
            let envelope = try fresh("visa.application-submitted.v1", subject: "av.istanbul:LOAD-\(index % 17)")
            ids.insert(envelope["id"]!.stringValue!)
            try await harness.publish(channel, envelope)
            if index == 120 { #expect(try TestBroker.closeConnections(named: harness.connectionName) == 1) }
        }
        // Duplicates are possible (copies confirmed just before the close); losses are not.
        var seen: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(60)
        while !ids.isSubset(of: seen), ContinuousClock.now < deadline {
            let batch = try await harness.take(min(50, max(1, try await harness.depth("inbox.bva"))), from: "inbox.bva", timeout: .seconds(20))
            seen.formUnion(batch.compactMap(\.properties.messageID))
        }
        #expect(ids.isSubset(of: seen), "lost \(ids.subtracting(seen).count)")
        await av.close()
        try await harness.stop()
    }

    @Test("a ledger that fails holds the router back at its backlog; once it writes again every delivery is recorded, none lost, none twice", .timeLimit(.minutes(3)))
    func ledgerOutage() async throws {
        let ledger = OutageLedger()
        let (lines, log) = AsyncStream<String>.makeStream()
        let logger = Logger(label: "test.router") { _ in LineCapture(lines: log) }
        let harness = try await RouterHarness(ledger: ledger, ledgerBacklog: 10, logger: logger)
        let av = try await harness.connect(as: "av.istanbul")
        let channel = try await av.openChannel()
        var ids: Set<String> = []
        for index in 0..<100 {
            let envelope = try fresh("visa.application-submitted.v1", subject: "av.istanbul:OUTAGE-\(index % 13)")
            ids.insert(envelope["id"]!.stringValue!)
            try await harness.publish(channel, envelope)
        }
        // The router says it holds commits back, while the ledger still fails.
        var said = lines.makeAsyncIterator()
        while let line = await said.next(), !line.contains("commits wait") {}
        #expect(ledger.failures > 0)
        ledger.recover()
        var seen: [String] = []
        while seen.count < ids.count {
            seen += try await harness.take(min(50, ids.count - seen.count), from: "inbox.bva", timeout: .seconds(60)).compactMap(\.properties.messageID)
        }
        #expect(Set(seen) == ids)
        #expect(seen.count == ids.count, "a copy was delivered twice")
        try await harness.stop()
        // Stopped: the ledger task wrote everything before the router returned.
        let recorded = ledger.records.map(\.messageID)
        #expect(Set(recorded) == ids)
        #expect(recorded.count == ids.count, "a decision was recorded twice")
        await av.close()
    }
}

/// A ledger whose writes fail until `recover()`: a store outage.
final class OutageLedger: RoutingLedger {
    struct Unavailable: Error {}
    private let memory = MemoryLedger()
    private let state = Mutex((down: true, failures: 0))

    func deliveredAlready(_ keys: [DedupeKey]) async throws -> Set<DedupeKey> { try await memory.deliveredAlready(keys) }

    func record(_ records: [RoutingRecord]) async throws {
        let down = state.withLock { state in
            if state.down { state.failures += 1 }
            return state.down
        }
        if down { throw Unavailable() }
        try await memory.record(records)
    }

    func recover() { state.withLock { $0.down = false } }
    var failures: Int { state.withLock { $0.failures } }
    var records: [RoutingRecord] { memory.records }
}

/// A log handler that hands each message to a stream, for tests that wait for what a service says.
struct LineCapture: LogHandler {
    let lines: AsyncStream<String>.Continuation
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { lines.yield("\(event.message)") }
}
