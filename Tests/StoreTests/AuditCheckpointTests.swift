import CaseModel
import Foundation
@testable import Store
import Testing

@Suite("Signed audit checkpoints")
struct AuditCheckpointTests {
    func appendFive(_ store: HubStore) async throws {
        for index in 1...5 {
            try await store.appendAudit(AuditEntry(
                actor: operatorAlice, action: "dead-letter.discarded", subject: "dead-letter:\(index)", reason: "reason \(index)"))
        }
    }

    /// A fresh checkpoints directory, removed afterwards.
    func withFiles<T>(_ body: (AuditCheckpointFiles) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-checkpoints-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(AuditCheckpointFiles(directory: directory.appendingPathComponent("audit")))
    }

    /// What an intruder with write access to the database does: changes record `from` and
    /// recomputes every hash from there on, and the head, so the chain checks out again.
    func rewriteChain(_ store: HubStore, _ fixture: StoreFixture, from sequence: Int64) async throws {
        var records = try await store.auditRecords(limit: 10_000)
        var previousHash = records.first(where: { $0.sequence == sequence - 1 })?.hash ?? AuditChain.genesis
        var statements = ["DELETE FROM audit_log WHERE sequence >= \(sequence);"]
        for index in records.indices where records[index].sequence >= sequence {
            if records[index].sequence == sequence { records[index].reason = "nothing happened here" }
            records[index].previousHash = previousHash
            records[index].hash = AuditChain.hash(of: records[index])
            previousHash = records[index].hash
            let r = records[index]
            func text(_ value: String?) -> String { value.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" } ?? "NULL" }
            statements.append("""
                INSERT INTO audit_log (sequence, recorded_at, actor, role, action, subject, case_id, reason, details, previous_hash, hash)
                VALUES (\(r.sequence), \(r.recordedAt.milliseconds), \(text(r.actor)), \(text(r.role)), \(text(r.action)), \(text(r.subject)),
                \(text(r.caseID)), \(text(r.reason)), \(text(r.details)), \(text(r.previousHash)), \(text(r.hash)));
                """)
        }
        statements.append("UPDATE audit_head SET sequence = \(records.last!.sequence), hash = '\(previousHash)' WHERE id = 1;")
        try fixture.tamper(statements.joined(separator: "\n"))
    }

    @Test(arguments: Backend.allCases)
    func aChainRewrittenWithFreshHashesNoLongerReachesTheSignedCheckpoint(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await withFiles { files in
                try await appendFive(store)
                guard case .signed(let checkpoint) = try await files.writeCheckpoint(of: store) else {
                    Issue.record("no checkpoint signed")
                    return
                }
                #expect(checkpoint.sequence == 5)
                let before = try await store.verifyAudit(checkpoint: try files.evidence()!)
                #expect(before.isIntact)
                #expect(before.checkpoint == checkpoint)

                try await rewriteChain(store, fixture, from: 3)
                // The chain alone cannot tell: every hash was recomputed.
                #expect(try await store.verifyAudit().isIntact)
                // The checkpoint, signed with a key the database does not hold, can.
                let after = try await store.verifyAudit(checkpoint: try files.evidence()!)
                #expect(after.problems.map(\.kind) == [.headMismatch])
                #expect(after.problems.first?.sequence == 5)
                #expect(after.problems.first?.message.contains("rewritten") == true)
                #expect(after.checkpoint == nil)
                // And the next checkpoint does not bless the rewritten chain.
                guard case .refused(let problems) = try await files.writeCheckpoint(of: store) else {
                    Issue.record("the rewritten chain was signed")
                    return
                }
                #expect(problems.first?.kind == .headMismatch)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aLogCutBackBelowTheCheckpointIsCaught(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await withFiles { files in
                try await appendFive(store)
                try await files.writeCheckpoint(of: store)
                try fixture.tamper("DELETE FROM audit_log WHERE sequence >= 4; UPDATE audit_head SET sequence = 3, hash = (SELECT hash FROM audit_log WHERE sequence = 3)")
                #expect(try await store.verifyAudit().isIntact)
                let verification = try await store.verifyAudit(checkpoint: try files.evidence()!)
                #expect(verification.problems.map(\.kind) == [.truncated])
                #expect(verification.problems.first?.sequence == 5)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func signsOnlyWhenTheChainGrewAndContinuesTheLastCheckpoint(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            try await withFiles { files in
                // An empty chain is signed as #0, so a checkpoint exists from the start.
                guard case .signed(let empty) = try await files.writeCheckpoint(of: store) else { throw FixtureError(message: "not signed") }
                #expect(empty.sequence == 0)
                #expect(try await store.verifyAudit(checkpoint: try files.evidence()!).checkpoint == empty)
                try await appendFive(store)
                guard case .signed(let first) = try await files.writeCheckpoint(of: store) else { throw FixtureError(message: "not signed") }
                #expect(try await files.writeCheckpoint(of: store) == .unchanged(first))
                try await store.appendAudit(AuditEntry(actor: operatorAlice, action: "test.more", subject: "x"))
                guard case .signed(let second) = try await files.writeCheckpoint(of: store) else { throw FixtureError(message: "not signed") }
                #expect(second.sequence == 6)
                let lines = try String(contentsOf: files.checkpointsFile, encoding: .utf8).split(separator: "\n")
                #expect(lines.count == 3)
                #expect(try files.latest(signedBy: try #require(try files.publicKey())).checkpoint == second)
            }
        }
    }

    @Test func theKeyIsMadeOnceWithMode0600AndALooseOneIsRefused() async throws {
        try await withFiles { files in
            let key = try files.signingKey()
            #expect(try files.signingKey().publicKey == key.publicKey)
            #expect(try FileManager.default.attributesOfItem(atPath: files.keyFile.path)[.posixPermissions] as? Int == 0o600)
            #expect(try FileManager.default.attributesOfItem(atPath: files.directory.path)[.posixPermissions] as? Int == 0o700)
            #expect(try files.publicKey() == key.publicKey)
            // The public key file holds no secret, the key file nothing but the key.
            #expect(try String(contentsOf: files.publicKeyFile, encoding: .utf8).hasPrefix("ed25519:"))

            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: files.keyFile.path)
            #expect { try files.signingKey() } throws: { ($0 as? StoreError)?.code == .checkpointFiles }
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: files.keyFile.path)

            // A public key that is not the key's (swapped by someone) is refused too.
            try Data(AuditCheckpointKey().publicKey.fileText.utf8).write(to: files.publicKeyFile)
            #expect { try files.signingKey() } throws: { ($0 as? StoreError)?.code == .checkpointFiles }
        }
    }

    @Test func forgedDamagedOrMissingCheckpointsAreReported() async throws {
        try await withFiles { files in
            let key = try files.signingKey()
            let record = AuditRecord(
                sequence: 1, recordedAt: Date(milliseconds: 1_000), actor: "a", role: "r", action: "x", subject: "s", caseID: nil, reason: nil,
                details: "{}", previousHash: AuditChain.genesis, hash: "")
            var signed = record
            signed.hash = AuditChain.hash(of: record)
            let records = [signed]

            // No checkpoint although the key exists: removed, or never written.
            var evidence = try files.evidence()!
            #expect(AuditChain.verify(records, against: evidence).map(\.kind) == [.checkpoint])

            let good = try key.sign(sequence: 1, hash: signed.hash)
            try files.append(good)
            evidence = try files.evidence()!
            #expect(AuditChain.verify(records, against: evidence).isEmpty)

            // A line signed by another key, one with a changed sequence, and garbage.
            try files.append(try AuditCheckpointKey().sign(sequence: 1, hash: signed.hash))
            var changed = try key.sign(sequence: 1, hash: signed.hash)
            changed.sequence = 2
            try files.append(changed)
            let handle = try FileHandle(forWritingTo: files.checkpointsFile)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("not a checkpoint\n".utf8))
            try handle.close()
            evidence = try files.evidence()!
            #expect(evidence.latest == good)
            #expect(evidence.rejectedAfterLatest == 3)
            #expect(AuditChain.verify(records, against: evidence).map(\.kind) == [.checkpoint])

            // Pinned to another key, nothing in the file counts.
            let other = try #require(try files.evidence(pinnedKey: AuditCheckpointKey().publicKey))
            #expect(other.latest == nil)
        }
    }

    @Test func checkpointLinesRoundTripAndTheSignatureCoversEveryField() throws {
        let key = AuditCheckpointKey()
        let checkpoint = try key.sign(sequence: 42, hash: String(repeating: "ab", count: 32), at: Date(milliseconds: 1_772_355_600_123))
        #expect(AuditCheckpoint(line: checkpoint.line) == checkpoint)
        #expect(key.publicKey.isValid(checkpoint))
        for change in [
            { (c: inout AuditCheckpoint) in c.sequence += 1 }, { $0.hash = String(repeating: "cd", count: 32) },
            { $0.time = $0.time.addingTimeInterval(1) },
        ] {
            var forged = checkpoint
            change(&forged)
            #expect(!key.publicKey.isValid(forged))
        }
        #expect(AuditCheckpoint(line: "{\"sequence\":1}") == nil)
        #expect(try AuditCheckpointKey(fileText: key.fileText).publicKey == key.publicKey)
        #expect(try AuditCheckpointPublicKey(fileText: key.publicKey.fileText) == key.publicKey)
    }
}
