import AMQP
import CaseModel
import Foundation
import Logging
@testable import Router
import Store
import Synchronization
import TestSupport
import Testing

/// Statutory periods end to end: a real broker, a real SQLite store, the router with two
/// deadline services beside it whose clocks the test moves ahead.
@Suite("Deadlines end to end (real broker and store)", .serialized)
struct DeadlineIntegrationTests {
    /// A clock the test can move ahead, shared by the services.
    final class MovableClock: Sendable {
        private let offset = Mutex<TimeInterval>(0)
        func move(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
        var clock: DeadlineClock { DeadlineClock { [self] in Date().addingTimeInterval(offset.withLock { $0 }) } }
    }

    /// Polls the store until `condition` holds (the store has no change feed to wait on).
    func until(_ what: String, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await withDeadline(.seconds(30), what) {
            while try await !condition() { try await Task.sleep(for: .milliseconds(50)) }
        }
    }

    func request(_ n: Int) throws -> JSONObject {
        var envelope = try fresh("employment.consent-requested.v1", subject: "av.neu-delhi:NDE-2026-91\(n)\(UUID().uuidString.prefix(4).lowercased())")
        var data = try #require(envelope["data"]?.objectValue)
        data["requestId"] = .string(UUID().uuidString.lowercased())
        envelope["data"] = .object(data)
        return envelope
    }

    @Test("silence becomes a deemed consent, once, to the requester and the BA; an answer in time or a withdrawal stops it")
    func silenceBecomesDeemedConsentOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deadlines-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let logger = Logger(label: "test.deadlines")
        try await HubStore.withStore(.sqlite(path: path), logger: logger) { store in
            let time = MovableClock()
            // Two services: only one may publish each outcome.
            let hub = try await RouterHarness(prefix: "deadlines", ledger: store, deadlineServices: [time.clock, time.clock])
            // A notice the router did not write is refused into the dead letters, and the service
            // goes on (it once acknowledged the refused delivery again and lost its channel).
            let admin = try await hub.admin()
            try await admin.openChannel().publish(
                Message(body: DeadlineNotice(events: []).serialized, properties: BasicProperties(contentType: DeadlineNotice.contentType, messageID: "forged")),
                exchange: "", routingKey: "hub.deadlines")
            #expect(try await hub.take(1, from: "dead.letters").first?.properties.messageID == "forged")
            await admin.close()
            let mission = try await hub.connect(as: "av.neu-delhi")
            let ba = try await hub.connect(as: "ba")
            let requests = try (0..<4).map(request)
            let missionChannel = try await mission.openChannel()
            for envelope in requests { try await hub.publish(missionChannel, envelope) }
            #expect(try await hub.take(4, from: "inbox.ba").count == 4)
            try await until("four deadlines open") { try await store.deadlines(DeadlineFilter(state: .open)).count == 4 }
            let open = try await store.deadlines(DeadlineFilter())
            #expect(open.allSatisfy { $0.rule == "beschv-36-2-fast-track" && $0.actor == "ba" && $0.requester == "av.neu-delhi" })
            #expect(open.allSatisfy { $0.due > Date().addingTimeInterval(6 * 86_400) })

            // The BA decides the first request within the period.
            var decision = try fresh("employment.consent-decided.v1", subject: requests[0]["subject"]?.stringValue)
            var data = try #require(decision["data"]?.objectValue)
            data["requestId"] = requests[0]["data"]?.objectValue?["requestId"] ?? .null
            decision["data"] = .object(data)
            try await hub.publish(try await ba.openChannel(), decision)
            #expect(try await hub.take(1, from: "inbox.av.neu-delhi").first?.properties.type == "de.migration.employment.consent-decided.v1")
            try await until("the first deadline answered") { try await store.deadlines(DeadlineFilter(state: .answered)).count == 1 }

            // The mission withdraws the fourth request; the BA is told.
            var withdrawal = try fresh("case.request-withdrawn.v1", "valid-visa-consent-av-lagos.json", subject: requests[3]["subject"]?.stringValue)
            withdrawal["source"] = "urn:de:migration:av:neu-delhi"
            var withdrawn = try #require(withdrawal["data"]?.objectValue)
            withdrawn["requestId"] = requests[3]["data"]?.objectValue?["requestId"] ?? .null
            withdrawn["requestMessageId"] = requests[3]["id"] ?? .null
            withdrawn["requestType"] = "de.migration.employment.consent-requested"
            withdrawn["requester"] = "av.neu-delhi"
            withdrawn["addressees"] = ["ba"]
            withdrawal["data"] = .object(withdrawn)
            withdrawal["causationid"] = requests[3]["id"]
            try await hub.publish(missionChannel, withdrawal)
            #expect(try await hub.take(1, from: "inbox.ba").first?.properties.type == "de.migration.case.request-withdrawn.v1")
            try await until("the fourth deadline withdrawn") { try await store.deadlines(DeadlineFilter(state: .withdrawn)).count == 1 }

            // Three weeks on: the other two periods have ended in silence.
            time.move(by: 21 * 86_400)
            let deemed = try await hub.take(2, from: "inbox.av.neu-delhi")
            #expect(deemed.allSatisfy { $0.properties.type == "de.migration.employment.consent-deemed.v1" })
            #expect(deemed.allSatisfy { $0.header(HubHeader.sender) == "hub" })
            let answeredIDs = Set(deemed.compactMap { $0.json?[pointer: JSONPointer("/data/requestId")!]?.stringValue })
            let silentIDs = Set(requests[1...2].compactMap { $0["data"]?.objectValue?["requestId"]?.stringValue })
            #expect(answeredIDs == silentIDs)
            try await until("two deadlines deemed") { try await store.deadlines(DeadlineFilter(state: .deemed)).count == 2 }
            let marked = try await store.deadlines(DeadlineFilter(state: .deemed))
            #expect(Set(deemed.compactMap(\.properties.messageID)) == Set(marked.map(\.deemedOutcomeMessageID)))
            #expect(Set(marked.compactMap(\.deemedMessageID)) == Set(marked.map(\.deemedOutcomeMessageID)))
            // The silent actor learns of it as well.
            #expect(try await hub.take(2, from: "inbox.ba").allSatisfy { $0.properties.type == "de.migration.employment.consent-deemed.v1" })
            // Once: neither the second service nor a second round publishes it again.
            await #expect(throws: TestBrokerError.self) { _ = try await hub.take(1, from: "inbox.av.neu-delhi", timeout: .seconds(3)) }
            #expect(try await store.deadlines(DeadlineFilter(state: .answered)).count == 1)
            #expect(try await store.deadlines(DeadlineFilter(state: .withdrawn)).count == 1)
            let audit = try await store.auditRecords()
            #expect(audit.filter { $0.action == "deadline.deemed" }.count == 2)
            await mission.close()
            await ba.close()
            try await hub.stop()
        }
    }
}
