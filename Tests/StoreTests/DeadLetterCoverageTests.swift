import CaseModel
import Foundation
import Logging
import Store
import Testing

/// Storing, editing and replaying a dead letter leave digests in the audit chain, and
/// `verifyAudit` compares the database's rows with them: whoever writes the database cannot
/// change a message before a replay without it showing.
@Suite("Audit coverage of dead letters")
struct DeadLetterCoverageTests {
    func replay(_ store: HubStore, _ id: DeadLetterID) async throws -> ReplayPayload {
        let job = try await store.startReplay(ReplayRequest(selection: .ids([id]), actor: operatorAlice), runner: "r")
        let payload = try await store.beginReplayPublish(job.id, id, runner: "r")
        try await store.finishReplayPublish(payload, runner: "r", outcome: .published)
        return payload
    }

    func details(_ record: AuditRecord) throws -> JSONValue { try JSONValue(parsing: record.details) }

    @Test(arguments: Backend.allCases)
    func storingAuditsTheDigestsOnceAndReplaysNameThePublishedBody(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let letter = try makeDeadLetter()
            let (id, _) = try await store.storeDeadLetter(letter)
            // A redelivery stores nothing and records nothing.
            #expect(try await store.storeDeadLetter(letter).isNew == false)
            let stored = try await store.auditRecords()
            try #require(stored.map(\.action) == ["dead-letter.stored"])
            #expect(stored[0].subject == "dead-letter:\(id)")
            #expect(stored[0].actor == "dead-letter-consumer")
            let storedDetails = try details(stored[0])
            #expect(storedDetails["bodySHA256"]?.stringValue == ContentDigest.sha256(letter.body))
            #expect(storedDetails["propertiesSHA256"]?.stringValue?.count == 64)

            let payload = try await replay(store, id)
            let replayed = try #require(try await store.auditRecords().last(where: { $0.action == "dead-letter.replayed" }))
            #expect(try details(replayed)["bodySHA256"]?.stringValue == ContentDigest.sha256(payload.body))
            #expect(try details(replayed)["propertiesSHA256"] == storedDetails["propertiesSHA256"])

            let verification = try await store.verifyAudit()
            #expect(verification.isIntact, "\(verification.problems)")
            #expect(verification.deadLetters == 1)
            #expect(verification.replayedBodies == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aBodyChangedInTheDatabaseBeforeAReplayIsReported(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            let (id, _) = try await store.storeDeadLetter(try makeDeadLetter())
            let (other, _) = try await store.storeDeadLetter(try makeDeadLetter())
            // Someone with database access swaps the message (for `{}`).
            try fixture.tamper("UPDATE dead_letters SET body = \(fixture.bytes("7b7d")) WHERE id = \(id.rawValue)")
            let before = try await store.verifyAudit()
            #expect(before.problems.map(\.kind) == [.changed])
            #expect(before.problems.first?.message.contains("body of dead letter \(id)") == true)

            // The replay publishes what the database holds now; its record says so, and that
            // body is not the one stored.
            _ = try await replay(store, id)
            _ = try await replay(store, other)
            let after = try await store.verifyAudit()
            #expect(after.problems.map(\.kind) == [.changed, .changed])
            #expect(after.problems.contains { $0.message.contains("dead letter \(id) was replayed") })
            #expect(after.replayedBodies == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func changedPropertiesAndEditedBodiesAreReported(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            let (a, _) = try await store.storeDeadLetter(try makeDeadLetter())
            let (b, _) = try await store.storeDeadLetter(try makeDeadLetter())
            _ = try await store.edit(b, DeadLetterChange(
                body: Array(#"{"fixed":true}"#.utf8), patch: "[]", diff: "[]", paths: ["/fixed"],
                revalidation: .init(status: .valid, validator: "t"), baseRevision: 0), by: operatorAlice)
            #expect(try await store.verifyAudit().isIntact)

            // The sender a replay would speak for lives in the properties.
            try fixture.tamper("UPDATE dead_letters SET properties = REPLACE(properties, 'abh.berlin', 'bka') WHERE id = \(a.rawValue)")
            // The edited body a replay would publish, and the edit's own row.
            try fixture.tamper("UPDATE dead_letters SET edited_body = \(fixture.bytes("7b7d")) WHERE id = \(b.rawValue)")
            try fixture.tamper("UPDATE dead_letter_edits SET body = \(fixture.bytes("7b7d")) WHERE dead_letter_id = \(b.rawValue)")
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.changed, .changed, .changed])
            #expect(verification.problems.contains { $0.message.contains("properties of dead letter \(a)") })
            #expect(verification.problems.contains { $0.message.contains("edited body of dead letter \(b)") })
            #expect(verification.problems.contains { $0.message.contains("revision 1 of dead letter \(b)") })
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeadLetterWrittenIntoTheDatabaseDirectlyIsReported(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            let (id, _) = try await store.storeDeadLetter(try makeDeadLetter())
            try fixture.tamper("""
                INSERT INTO dead_letters (fingerprint, error_code, broker_dead_lettered, exchange, routing_key, received_at, body,
                    properties, state, revision, replay_count, updated_at)
                SELECT 'forged', error_code, broker_dead_lettered, exchange, routing_key, received_at, body, properties, state, revision,
                    replay_count, updated_at
                FROM dead_letters WHERE id = \(id.rawValue)
                """)
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.unaudited])
            #expect(verification.problems.first?.message.contains("written into the database directly") == true)
        }
    }

    /// A store that held dead letters before it audited them: the migration notes how many, and
    /// those are counted, not reported; one written in later without a record still is.
    @Test(arguments: Backend.allCases)
    func deadLettersFromBeforeTheCoverageAreCountedNotReported(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            _ = try await store.storeDeadLetter(try makeDeadLetter())
            // As a store of schema 3 would look: the dead letter without its record.
            try fixture.tamper("""
                DELETE FROM audit_log; UPDATE audit_head SET sequence = 0, hash = '\(String(repeating: "0", count: 64))';
                DELETE FROM schema_migrations WHERE version = 4
                """)
            try await HubStore.withStore(fixture.location, logger: Logger(label: "test.upgrade")) { upgraded in
                try await upgraded.migrate()
                let records = try await upgraded.auditRecords()
                #expect(records.map(\.action) == ["audit.coverage-started"])
                let verification = try await upgraded.verifyAudit()
                #expect(verification.isIntact, "\(verification.problems)")
                #expect(verification.uncoveredDeadLetters == 1)

                _ = try await upgraded.storeDeadLetter(try makeDeadLetter())
                try fixture.tamper("""
                    INSERT INTO dead_letters (fingerprint, error_code, broker_dead_lettered, exchange, routing_key, received_at, body,
                        properties, state, revision, replay_count, updated_at)
                    SELECT 'forged', error_code, broker_dead_lettered, exchange, routing_key, received_at, body, properties, state, revision,
                        replay_count, updated_at
                    FROM dead_letters ORDER BY id LIMIT 1
                    """)
                let forged = try await upgraded.verifyAudit()
                #expect(forged.problems.map(\.kind) == [.unaudited])
                #expect(forged.deadLetters == 1)
                #expect(forged.uncoveredDeadLetters == 1)
            }
        }
    }
}
