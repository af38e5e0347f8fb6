import CaseModel
import Crypto
import Foundation

/// The audit log's hash chain: each record's hash covers its fields and the previous record's
/// hash, so changing, removing or reordering a record breaks the chain at that record.
enum AuditChain {
    /// The "previous hash" of the first record.
    static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 over a length-prefixed encoding of every field (unambiguous: no field can run
    /// into the next), versioned so the format can change without breaking old records.
    static func hash(
        sequence: Int64, recordedAt: Int64, actor: String, role: String, action: String, subject: String,
        caseID: String?, reason: String?, details: String, previousHash: String
    ) -> String {
        var hasher = SHA256()
        // Straight from the strings' storage: the router hashes one record per routed message,
        // and copying every field into arrays (plus the prefix's interpolation) was most of it.
        func update(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        func field(_ value: String?) {
            guard let value else {
                update("n;")
                return
            }
            update("s")
            update(String(value.utf8.count))
            update(":")
            update(value)
            update(";")
        }
        field("drehscheibe.audit.v1")
        field(String(sequence))
        field(String(recordedAt))
        field(actor)
        field(role)
        field(action)
        field(subject)
        field(caseID)
        field(reason)
        field(details)
        field(previousHash)
        return ContentDigest.hex(hasher.finalize())
    }

    static func hash(of record: AuditRecord, asSequence sequence: Int64? = nil) -> String {
        hash(
            sequence: sequence ?? record.sequence, recordedAt: record.recordedAt.milliseconds, actor: record.actor,
            role: record.role, action: record.action, subject: record.subject, caseID: record.caseID, reason: record.reason,
            details: record.details, previousHash: record.previousHash)
    }

    /// Checks records in sequence order against each other, the head the store keeps, and an
    /// optional anchor noted outside the store.
    ///
    /// A record whose hash does not match is reported as moved when it matches under another
    /// nearby sequence number (records were swapped), else as changed. A gap in the numbers,
    /// or a record whose previous hash is not its predecessor's, means records were removed.
    ///
    /// `routing` is what the routing log holds per audit record (see ``RoutingDigest``): each
    /// `route.recorded` record must find exactly its rows there, and no rows may name another.
    static func verify(
        _ records: [AuditRecord], head: (sequence: Int64, hash: String)?, anchor: AuditAnchor?,
        routing: [Int64: RoutingDigest.Batch] = [:]
    ) -> AuditVerification {
        typealias Problem = AuditVerification.Problem
        var problems: [Problem] = []
        var expected: Int64 = 1
        var previousHash = genesis
        var previousSequence: Int64 = 0
        // A record after a changed or moved one cannot link to it; that is reported once, there.
        var previousReported = false
        var previousShift: Int64?
        let storedHashes = Set(records.map(\.hash))
        for record in records {
            var reported = false
            if record.sequence > expected {
                let range = record.sequence - 1 == expected ? "#\(expected) was" : "#\(expected)–#\(record.sequence - 1) were"
                problems.append(Problem(
                    kind: .removed, sequence: expected,
                    message: "record \(range) removed: #\(record.sequence) follows #\(previousSequence)"))
                reported = true
            }
            var shift: Int64?
            if hash(of: record) != record.hash {
                if let origin = originalSequence(of: record) {
                    shift = origin - record.sequence
                    if shift == previousShift {
                        // The same renumbering as the record before: reported there.
                    } else if record.previousHash != genesis && !storedHashes.contains(record.previousHash) {
                        problems.append(Problem(
                            kind: .removed, sequence: record.sequence,
                            message: "record #\(record.sequence) was written as #\(origin): the record before it was removed and the rest renumbered"))
                    } else {
                        problems.append(Problem(
                            kind: .reordered, sequence: record.sequence,
                            message: "record #\(record.sequence) was written as #\(origin): records were reordered"))
                    }
                } else {
                    problems.append(Problem(
                        kind: .changed, sequence: record.sequence,
                        message: "record #\(record.sequence) was changed: its content does not match its hash"))
                }
                reported = true
            } else if !reported && !previousReported && record.previousHash != previousHash {
                problems.append(Problem(
                    kind: .removed, sequence: record.sequence,
                    message: "record #\(record.sequence) does not continue the chain after #\(previousSequence): a record between them was removed or replaced"))
                reported = true
            }
            previousReported = reported
            previousShift = shift
            previousHash = record.hash
            previousSequence = record.sequence
            expected = record.sequence + 1
        }
        if let head {
            if head.sequence > previousSequence {
                let range = head.sequence == previousSequence + 1 ? "#\(head.sequence) was" : "#\(previousSequence + 1)–#\(head.sequence) were"
                problems.append(Problem(
                    kind: .truncated, sequence: previousSequence + 1,
                    message: "record \(range) removed from the end: the head names #\(head.sequence), the log ends at #\(previousSequence)"))
            } else if head.sequence == previousSequence, head.hash != previousHash {
                problems.append(Problem(
                    kind: .headMismatch, sequence: head.sequence,
                    message: "the head's hash does not match record #\(head.sequence)"))
            } else if head.sequence < previousSequence {
                problems.append(Problem(
                    kind: .headMismatch, sequence: head.sequence,
                    message: "records after the head (#\(head.sequence)) were added outside the store"))
            }
        }
        if let anchor {
            if let record = records.first(where: { $0.sequence == anchor.sequence }) {
                if record.hash != anchor.hash {
                    problems.append(Problem(
                        kind: .headMismatch, sequence: anchor.sequence,
                        message: "record #\(anchor.sequence) does not have the anchored hash: the chain was rewritten"))
                }
            } else {
                problems.append(Problem(
                    kind: .truncated, sequence: anchor.sequence,
                    message: "the anchored record #\(anchor.sequence) is missing"))
            }
        }
        problems += verifyRouting(records, routing: routing)
        var verification = AuditVerification(recordCount: records.count, lastSequence: previousSequence, lastHash: previousHash, problems: problems)
        verification.routingDecisions = routing.values.reduce(0) { $0 + $1.rows }
        return verification
    }

    /// Compares each `route.recorded` record's count and digest with the routing-log rows that
    /// name it; rows naming any other record were added.
    private static func verifyRouting(_ records: [AuditRecord], routing: [Int64: RoutingDigest.Batch]) -> [AuditVerification.Problem] {
        var problems: [AuditVerification.Problem] = []
        var covered: Set<Int64> = []
        for record in records where record.action == RoutingDigest.action {
            covered.insert(record.sequence)
            let details = (try? JSONValue(parsing: record.details)) ?? .null
            guard let rows = details["decisions"]?.numberValue?.int64Value, let digest = details["digest"]?.stringValue else {
                problems.append(.init(kind: .changed, sequence: record.sequence, message: "record #\(record.sequence) does not say which routing decisions it covers"))
                continue
            }
            let found = routing[record.sequence] ?? RoutingDigest.Batch(rows: 0, digest: "")
            if found.rows < rows {
                problems.append(.init(
                    kind: .removed, sequence: record.sequence,
                    message: "\(rows - Int64(found.rows)) of the \(rows) routing decisions of record #\(record.sequence) were removed from the routing log"))
            } else if found.rows > rows {
                problems.append(.init(
                    kind: .changed, sequence: record.sequence,
                    message: "\(Int64(found.rows) - rows) routing decision(s) were added to the routing log under record #\(record.sequence), which covers \(rows)"))
            } else if found.digest != digest {
                problems.append(.init(
                    kind: .changed, sequence: record.sequence,
                    message: "routing decisions of record #\(record.sequence) were changed in the routing log: they do not match its digest"))
            }
        }
        for sequence in routing.keys.sorted() where !covered.contains(sequence) {
            problems.append(.init(
                kind: .changed, sequence: sequence,
                message: "\(routing[sequence]!.rows) routing decision(s) in the routing log name record #\(sequence), which records no routing decisions"))
        }
        return problems
    }

    /// The first reason why `records` (in order, from `checkpoint`'s record on; from the first
    /// record without one) do not continue the checkpoint up to their end; nil when they do.
    static func continuation(of checkpoint: AuditCheckpoint?, in records: [AuditRecord]) -> AuditVerification.Problem? {
        typealias Problem = AuditVerification.Problem
        var expected = checkpoint?.sequence ?? 1
        var previousHash: String? = checkpoint == nil ? genesis : nil
        if let checkpoint, checkpoint.sequence == 0 {
            // The empty chain's checkpoint: the records must start from the beginning.
            guard checkpoint.hash == genesis else {
                return Problem(kind: .headMismatch, sequence: 0, message: "the checkpoint of \(checkpoint.time) signs an empty chain with a hash that is not the genesis")
            }
            expected = 1
            previousHash = genesis
        } else if let checkpoint, records.first?.sequence != checkpoint.sequence {
            return Problem(kind: .truncated, sequence: checkpoint.sequence, message: "the checkpointed record #\(checkpoint.sequence) is missing")
        }
        for record in records {
            guard record.sequence == expected else {
                return Problem(kind: .removed, sequence: expected, message: "record #\(expected) is missing: #\(record.sequence) follows #\(expected - 1)")
            }
            guard hash(of: record) == record.hash else {
                return Problem(kind: .changed, sequence: record.sequence, message: "record #\(record.sequence) was changed: its content does not match its hash")
            }
            if let previousHash, record.previousHash != previousHash {
                return Problem(kind: .removed, sequence: record.sequence, message: "record #\(record.sequence) does not continue the chain after #\(expected - 1)")
            }
            if let checkpoint, record.sequence == checkpoint.sequence, record.hash != checkpoint.hash {
                return Problem(
                    kind: .headMismatch, sequence: record.sequence,
                    message: "record #\(record.sequence) no longer has the hash signed in the checkpoint of \(checkpoint.time): the chain was rewritten")
            }
            previousHash = record.hash
            expected += 1
        }
        return nil
    }

    /// Checks the chain against the latest signed checkpoint: it must exist, nothing after it
    /// in the file may be unsigned, and the chain must still have its hash at its sequence.
    static func verify(_ records: [AuditRecord], against evidence: AuditCheckpointEvidence) -> [AuditVerification.Problem] {
        typealias Problem = AuditVerification.Problem
        var problems: [Problem] = []
        if evidence.rejectedAfterLatest > 0 {
            problems.append(Problem(
                kind: .checkpoint, sequence: evidence.latest?.sequence ?? 0,
                message: "\(evidence.rejectedAfterLatest) line(s) at the end of \(evidence.source) are not checkpoints signed by key \(evidence.publicKey.id): damaged, forged or another key's"))
        }
        guard let checkpoint = evidence.latest else {
            problems.append(Problem(
                kind: .checkpoint, sequence: 0,
                message: "\(evidence.source) holds no checkpoint signed by key \(evidence.publicKey.id): they were removed, or none was written yet (drehscheibe audit checkpoint)"))
            return problems
        }
        // Records are in sequence order; a rewritten log may hold a number twice.
        let matching = records.filter { $0.sequence == checkpoint.sequence }
        if checkpoint.sequence == 0 {
            // Signed while the chain was empty: it reaches that from any state but a forged signature.
            if checkpoint.hash != genesis {
                problems.append(Problem(
                    kind: .headMismatch, sequence: 0,
                    message: "the checkpoint of \(checkpoint.time) signs an empty chain with a hash that is not the genesis"))
            }
        } else if matching.isEmpty {
            problems.append(Problem(
                kind: .truncated, sequence: checkpoint.sequence,
                message: "record #\(checkpoint.sequence), signed in the checkpoint of \(checkpoint.time), is missing: the log was cut back"))
        } else if !matching.contains(where: { $0.hash == checkpoint.hash }) {
            problems.append(Problem(
                kind: .headMismatch, sequence: checkpoint.sequence,
                message: "record #\(checkpoint.sequence) does not have the hash signed in the checkpoint of \(checkpoint.time): the chain was rewritten"))
        }
        return problems
    }

    /// The sequence number under which the record's hash matches, searched nearby: a record
    /// moved by an intruder keeps the number it was hashed with inside its hash.
    private static func originalSequence(of record: AuditRecord) -> Int64? {
        let window: Int64 = 1000
        for distance in 1...window {
            for candidate in [record.sequence - distance, record.sequence + distance] where candidate > 0 {
                if hash(of: record, asSequence: candidate) == record.hash { return candidate }
            }
        }
        return nil
    }
}
