import CaseModel
import Foundation
import Store
import Testing

@Suite("Dead-letter store")
struct DeadLetterStoreTests {
    @Test(arguments: Backend.allCases)
    func keepsBodyPropertiesAndHeadersExactly(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            // Not UTF-8, with NUL bytes: a malformed message must come back byte for byte.
            let body: [UInt8] = [0x7B, 0x00, 0xFF, 0xFE, 0x22, 0x80, 0x0A]
            let nested: [Header] = [Header("queue", .string("inbox.bka")), Header("count", .int64(3))]
            let letter = try makeDeadLetter(body: body, extraHeaders: [
                Header("x-int8", .int8(-8)), Header("x-uint16", .uint16(65535)), Header("x-float", .float(1.5)),
                Header("x-double", .double(-0.1)), Header("x-decimal", .decimal(scale: 2, value: 1234)),
                Header("x-bytes", .bytes([0, 1, 255])), Header("x-raw", .rawString([0xC3, 0x28])),
                Header("x-timestamp", .timestamp(1_772_355_600)), Header("x-table", .table(nested)),
                Header("x-array", .array([.bool(true), .void, .string("ä")])),
            ])
            let (id, isNew) = try await store.storeDeadLetter(letter)
            #expect(isNew)
            let stored = try #require(try await store.deadLetter(id))
            #expect(stored.body == body)
            #expect(stored.properties == letter.properties)
            #expect(stored.state == .new)
            #expect(stored.messageID == letter.messageID)
            #expect(stored.eventType == "de.migration.employment.consent-requested.v1")
            #expect(stored.failure.errorCode == "invalid")
            #expect(stored.failure.stage == "validate")
            #expect(stored.failure.pointer == "/data/person/birthDate")
            #expect(stored.failure.attempts == 1)
            #expect(stored.failure.firstFailure == Date(timeIntervalSince1970: 1_772_355_601.25))
            #expect(stored.failure.originalExchange == "case.ingress")
            #expect(stored.failure.routerVersion == "1.0.0")
            #expect(stored.sourceAgency == "abh.berlin")
            // The body is not JSON, so no case id can be read from it.
            #expect(stored.caseID == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func readsIdentifiersFromTheEnvelope(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (id, _) = try await store.storeDeadLetter(try makeDeadLetter(caseID: "bamf:A-26-0004711", sender: "bamf"))
            let stored = try #require(try await store.deadLetter(id))
            #expect(stored.caseID == "bamf:A-26-0004711")
            #expect(stored.sourceAgency == "bamf")
        }
    }

    @Test(arguments: Backend.allCases)
    func storesARedeliveredDeadLetterOnce(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let letter = try makeDeadLetter()
            let first = try await store.storeDeadLetter(letter)
            // A quorum queue adds x-delivery-count when it redelivers.
            var properties = letter.properties
            properties.headers?.append(Header("x-delivery-count", .int64(1)))
            let redelivered = try NewDeadLetter(
                body: letter.body, properties: properties, exchange: letter.exchange, routingKey: letter.routingKey)
            let second = try await store.storeDeadLetter(redelivered)
            #expect(second.id == first.id)
            #expect(!second.isNew)
            #expect(try await store.deadLetters().total == 1)

            // The same message failing again later is a new dead letter.
            var again = letter.properties
            again.headers?.removeAll { $0.name == "x-drehscheibe-last-failure" }
            again.headers?.append(Header("x-drehscheibe-last-failure", .string("2026-03-02T09:00:00Z")))
            let later = try await store.storeDeadLetter(
                try NewDeadLetter(body: letter.body, properties: again, exchange: letter.exchange, routingKey: letter.routingKey))
            #expect(later.isNew)
            #expect(try await store.deadLetters().total == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordsWhatTheBrokerDeadLetteredByItsXDeath(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let death: HeaderValue = .array([.table([
                Header("count", .int64(10)), Header("reason", .string("delivery_limit")), Header("queue", .string("inbox.bka")),
                Header("time", .timestamp(1_772_355_600)), Header("exchange", .string("case.deliver")),
                Header("routing-keys", .array([.string("bka")])),
            ])])
            // A copy the router delivered to bka, which bka's adapter never settled.
            let properties = MessageProperties(
                headers: [Header("x-drehscheibe-sender", .string("abh.berlin")), Header("x-death", death)], deliveryMode: 2, messageID: "m-1",
                userID: "drehscheibe-router")
            let (id, _) = try await store.storeDeadLetter(
                try NewDeadLetter(body: Array("{}".utf8), properties: properties, exchange: "case.dead", routingKey: "bka"))
            let stored = try #require(try await store.deadLetter(id))
            #expect(stored.failure.errorCode == "delivery-limit")
            #expect(stored.failure.errorDetail == "broker.delivery_limit")
            #expect(stored.failure.deadLetteredByBroker)
            #expect(stored.failure.attempts == 10)
            #expect(stored.failure.originalExchange == "case.deliver")
            #expect(stored.failure.originalRoutingKey == "bka")
            #expect(stored.failure.reason?.contains("inbox.bka") == true)
            #expect(stored.origin == .router)
            #expect(stored.sender == "abh.berlin")
        }
    }

    @Test(arguments: Backend.allCases)
    func filtersAndPages(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let base = Date(timeIntervalSince1970: 1_772_000_000)
            var ids: [DeadLetterID] = []
            for index in 0..<7 {
                let letter = try makeDeadLetter(
                    caseID: index < 3 ? "abh.berlin:A-1" : "bamf:B-2",
                    type: index.isMultiple(of: 2) ? "de.migration.asylum.decision-issued.v1" : "de.migration.visa.application-submitted.v1",
                    code: index < 5 ? "invalid" : "unroutable", sender: index < 4 ? "abh.berlin" : "bamf",
                    receivedAt: base.addingTimeInterval(Double(index) * 60))
                ids.append(try await store.storeDeadLetter(letter).id)
            }
            let all = try await store.deadLetters(limit: 3)
            #expect(all.total == 7)
            // Newest first.
            #expect(all.items.map(\.id) == [ids[6], ids[5], ids[4]])
            let second = try await store.deadLetters(offset: 3, limit: 3)
            #expect(second.items.map(\.id) == [ids[3], ids[2], ids[1]])

            #expect(try await store.deadLetters(matching: .init(errorCode: "unroutable")).items.map(\.id) == [ids[6], ids[5]])
            #expect(try await store.deadLetters(matching: .init(caseID: "abh.berlin:A-1")).total == 3)
            #expect(try await store.deadLetters(matching: .init(sourceAgency: "bamf")).total == 3)
            #expect(try await store.deadLetters(matching: .init(eventType: "de.migration.asylum.decision-issued.v1")).total == 4)
            let window = DeadLetterFilter(receivedFrom: base.addingTimeInterval(60), receivedUntil: base.addingTimeInterval(180))
            #expect(try await store.deadLetters(matching: window).items.map(\.id) == [ids[2], ids[1]])
            let combined = DeadLetterFilter(errorCode: "invalid", sourceAgency: "bamf")
            #expect(try await store.deadLetters(matching: combined).items.map(\.id) == [ids[4]])
            #expect(try await store.deadLetters(matching: .init(states: [.discarded])).total == 0)
            await #expect(throws: StoreError.self) { try await store.deadLetters(limit: 0) }
        }
    }

    @Test(arguments: Backend.allCases)
    func editsKeepHistoryAndNeedTheCurrentRevision(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let letter = try makeDeadLetter()
            let (id, _) = try await store.storeDeadLetter(letter)
            let fixed = Array(#"{"fixed":true}"#.utf8)
            let change = DeadLetterChange(
                body: fixed, patch: #"[{"op":"replace","path":"/data/person/birthDate","value":"1990-01-02"}]"#,
                diff: #"[{"op":"replace","path":"/data/person/birthDate"}]"#, paths: ["/data/person/birthDate"],
                revalidation: Revalidation(status: .valid, validator: "test"), baseRevision: 0)
            let edited = try await store.edit(id, change, by: operatorAlice, reason: "typo in the birth date")
            #expect(edited.state == .edited)
            #expect(edited.revision == 1)
            #expect(edited.body == letter.body)
            #expect(edited.editedBody == fixed)
            #expect(edited.effectiveBody == fixed)
            #expect(edited.isReplayable)
            #expect(edited.edits.count == 1)
            #expect(edited.edits[0].actor == operatorAlice)
            #expect(edited.edits[0].reason == "typo in the birth date")

            // An edit made on an older revision is refused.
            await #expect(throws: StoreError.self) { try await store.edit(id, change, by: operatorAlice) }

            var invalid = change
            invalid.baseRevision = 1
            invalid.revalidation = Revalidation(status: .invalid, validator: "test", problems: ["/data: required"])
            let broken = try await store.edit(id, invalid, by: operatorAlice)
            #expect(broken.revision == 2)
            #expect(!broken.isReplayable)
            #expect(broken.edits.map(\.revision) == [1, 2])

            let records = try await store.auditRecords()
            #expect(records.filter { $0.action == "dead-letter.edited" }.count == 2)
            // The audit names paths, never values.
            #expect(records.allSatisfy { !$0.details.contains("1990-01-02") })
        }
    }

    @Test(arguments: Backend.allCases)
    func discardNeedsAReasonAndEndsTheLetter(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (id, _) = try await store.storeDeadLetter(try makeDeadLetter())
            await #expect(throws: StoreError.self) { try await store.discard(id, reason: "  ", by: operatorAlice) }
            let discarded = try await store.discard(id, reason: "test message from the adapter team", by: operatorAlice)
            #expect(discarded.state == .discarded)
            #expect(discarded.discardReason == "test message from the adapter team")
            await #expect(throws: StoreError.self) { try await store.discard(id, reason: "again", by: operatorAlice) }
            let change = DeadLetterChange(body: [], patch: "[]", diff: "[]", paths: [], revalidation: .init(status: .valid, validator: "t"), baseRevision: 0)
            await #expect(throws: StoreError.self) { try await store.edit(id, change, by: operatorAlice) }
            let audit = try await store.auditRecords().last
            #expect(audit?.action == "dead-letter.discarded")
            #expect(audit?.reason == "test message from the adapter team")
            #expect(audit?.actor == "alice")
            #expect(try await store.deadLetterCounts()[.discarded] == 1)
        }
    }
}
