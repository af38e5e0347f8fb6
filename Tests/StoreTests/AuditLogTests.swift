import CaseModel
import Foundation
import Logging
import Store
import Testing

@Suite("Audit log")
struct AuditLogTests {
    func appendFive(_ store: HubStore) async throws {
        for index in 1...5 {
            try await store.appendAudit(AuditEntry(
                actor: operatorAlice, action: "dead-letter.discarded", subject: "dead-letter:\(index)", caseID: "abh.berlin:A-1",
                reason: "reason \(index)", details: ["index": .number(JSONNumber(index))]))
        }
    }

    @Test(arguments: Backend.allCases)
    func chainsRecords(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            try await appendFive(store)
            let records = try await store.auditRecords()
            #expect(records.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(records[0].previousHash == String(repeating: "0", count: 64))
            for (previous, record) in zip(records, records.dropFirst()) { #expect(record.previousHash == previous.hash) }
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact)
            #expect(verification.recordCount == 5)
            #expect(verification.lastHash == records[4].hash)
            #expect(try await store.verifyAudit(anchor: AuditAnchor(sequence: 3, hash: records[2].hash)).isIntact)
        }
    }

    @Test(arguments: Backend.allCases)
    func theDatabaseRefusesChanges(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await appendFive(store)
            #expect(try !fixture.outsideStatement("UPDATE audit_log SET actor = 'mallory' WHERE sequence = 2").ok)
            #expect(try !fixture.outsideStatement("DELETE FROM audit_log WHERE sequence = 2").ok)
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test(arguments: Backend.allCases)
    func detectsAChangedRecord(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await appendFive(store)
            try fixture.tamper("UPDATE audit_log SET reason = 'nothing to see' WHERE sequence = 3")
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.changed])
            #expect(verification.problems.first?.sequence == 3)
            #expect(verification.problems.first?.message.contains("#3") == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func detectsARemovedRecord(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await appendFive(store)
            try fixture.tamper("DELETE FROM audit_log WHERE sequence = 2")
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.removed])
            #expect(verification.problems.first?.sequence == 2)

            // Renumbering the rest to close the gap does not hide it.
            try fixture.tamper("UPDATE audit_log SET sequence = -(sequence - 1) WHERE sequence > 2; UPDATE audit_log SET sequence = -sequence WHERE sequence < 0")
            let renumbered = try await store.verifyAudit()
            #expect(renumbered.problems.first?.kind == .removed)
            #expect(renumbered.problems.first?.sequence == 2)
            #expect(renumbered.problems.first?.message.contains("renumbered") == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func detectsReorderedRecords(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await appendFive(store)
            try fixture.tamper("""
                UPDATE audit_log SET sequence = -3 WHERE sequence = 3;
                UPDATE audit_log SET sequence = 3 WHERE sequence = 4;
                UPDATE audit_log SET sequence = 4 WHERE sequence = -3;
                """)
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.reordered, .reordered])
            #expect(verification.problems.map(\.sequence) == [3, 4])
            #expect(verification.problems[0].message.contains("written as #4"))
        }
    }

    @Test(arguments: Backend.allCases)
    func detectsRecordsRemovedFromTheEnd(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await appendFive(store)
            let anchor = try await store.verifyAudit()
            try fixture.tamper("DELETE FROM audit_log WHERE sequence >= 4")
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.truncated])
            #expect(verification.problems.first?.sequence == 4)

            // Even with the head rewritten too, the anchor noted earlier catches it.
            try fixture.tamper("UPDATE audit_head SET sequence = 3, hash = (SELECT hash FROM audit_log WHERE sequence = 3)")
            #expect(try await store.verifyAudit().isIntact)
            let anchored = try await store.verifyAudit(anchor: AuditAnchor(sequence: anchor.lastSequence, hash: anchor.lastHash))
            #expect(anchored.problems.map(\.kind) == [.truncated])
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentAppendsFromTwoProcessesKeepOneChain(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            // A second store on the same database stands in for the other process (router or hub instance).
            try await HubStore.withStore(fixture.location, logger: Logger(label: "test.second")) { other in
                // Eight appends in flight (four per writer) interleave the two writers; forty at
                // once only queue up behind the database's single write lock, and on a loaded
                // machine the last of them waited out SQLite's busy timeout.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<40 {
                        if index >= 8 { try await group.next() }
                        let target = index.isMultiple(of: 2) ? store : other
                        group.addTask {
                            try await target.appendAudit(AuditEntry(actor: operatorAlice, action: "test.append", subject: "n:\(index)"))
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact)
            #expect(verification.recordCount == 40)
            #expect(verification.lastSequence == 40)
        }
    }
}
