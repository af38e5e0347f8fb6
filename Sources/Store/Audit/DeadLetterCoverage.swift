import CaseModel
import Foundation

/// How the audit chain covers the dead letters, so that whoever writes the database cannot
/// change a message before it is replayed without `audit verify` noticing:
///
/// - storing one writes `dead-letter.stored` (in the same transaction) with the SHA-256 of its
///   body and of its stored properties (headers included: they name the sender a replay
///   speaks for);
/// - an edit's `dead-letter.edited` names the digests of the body before and after;
/// - each replay publish (`dead-letter.replayed`, `dead-letter.replay-failed`) names the
///   digest of the body it published and of the properties it started from.
///
/// `verify` follows each dead letter through its records — the body it had must be the one
/// the next edit started from and the next replay published — and compares the database's
/// rows (bodies, properties, edited bodies, edit rows) with the last digests the records give.
/// Dead letters stored before a store had this (schema 4, ``legacyMarker``) are counted, not
/// checked.
enum DeadLetterCoverage {
    static let stored = "dead-letter.stored"
    static let edited = "dead-letter.edited"
    static let replayed: Set<String> = ["dead-letter.replayed", "dead-letter.replay-failed"]
    /// Written once, by the migration to schema 4, into a store that held dead letters then:
    /// those (ids up to `lastDeadLetterID`, `deadLetters` of them) have no stored record.
    static let legacyMarker = "audit.coverage-started"

    /// The `dead-letter.stored` record's details.
    static func storedDetails(body: [UInt8], properties: String, messageID: String?, errorCode: String) -> JSONValue {
        [
            "bodySHA256": .string(ContentDigest.sha256(body)), "propertiesSHA256": .string(ContentDigest.sha256(Array(properties.utf8))),
            "messageID": messageID.map(JSONValue.string) ?? .null, "errorCode": .string(errorCode),
        ]
    }

    /// A dead letter's row, as digests.
    struct Row: Sendable {
        var id: Int64
        var body: String
        var properties: String
        var editedBody: String?
    }

    /// An edit's row, as a digest.
    struct EditRow: Sendable {
        var id: Int64
        var revision: Int64
        var body: String
    }

    struct Result {
        var problems: [AuditVerification.Problem] = []
        var deadLetters = 0
        var replayedBodies = 0
        var uncovered = 0
    }

    /// What the records say about one dead letter, in order.
    private struct Trail {
        var stored: (sequence: Int64, body: String, properties: String)?
        /// The body it has now by the records: stored, then each edit's result.
        var body: String?
        var lastEdit: (sequence: Int64, body: String)?
        var edits: [Int64: (sequence: Int64, body: String)] = [:]
    }

    static func verify(_ records: [AuditRecord], rows: [Row], edits: [EditRow]) -> Result {
        typealias Problem = AuditVerification.Problem
        var result = Result()
        var trails: [Int64: Trail] = [:]
        var legacy: (sequence: Int64, lastID: Int64, count: Int64)?
        var firstStored: Int64?
        for record in records {
            if record.action == legacyMarker {
                let details = (try? JSONValue(parsing: record.details)) ?? .null
                if legacy != nil || firstStored != nil {
                    result.problems.append(Problem(
                        kind: .changed, sequence: record.sequence,
                        message: "record #\(record.sequence) claims dead letters from before the audit covered them, after it already did: it was slipped in"))
                } else {
                    legacy = (
                        record.sequence, details["lastDeadLetterID"]?.numberValue?.int64Value ?? 0,
                        details["deadLetters"]?.numberValue?.int64Value ?? 0)
                }
                continue
            }
            guard record.subject.hasPrefix("dead-letter:"), let id = Int64(record.subject.dropFirst("dead-letter:".count)) else { continue }
            let action = record.action
            guard action == stored || action == edited || replayed.contains(action) else { continue }
            let details = (try? JSONValue(parsing: record.details)) ?? .null
            func digest(_ name: String) -> String? { details[name]?.stringValue }
            var trail = trails[id] ?? Trail()
            if action == stored {
                firstStored = firstStored ?? record.sequence
                if let earlier = trail.stored {
                    result.problems.append(Problem(
                        kind: .changed, sequence: record.sequence,
                        message: "record #\(record.sequence) stores dead letter \(id) again (record #\(earlier.sequence) stored it)"))
                } else if let body = digest("bodySHA256"), let properties = digest("propertiesSHA256") {
                    trail.stored = (record.sequence, body, properties)
                    trail.body = body
                }
            } else if action == edited {
                if let before = digest("bodySHA256Before"), let known = trail.body, before != known {
                    result.problems.append(Problem(
                        kind: .changed, sequence: record.sequence,
                        message: "dead letter \(id) was edited (record #\(record.sequence)) from a body no audited store or edit gave it: it was changed in the database before"))
                }
                if let after = digest("bodySHA256After") {
                    trail.body = after
                    trail.lastEdit = (record.sequence, after)
                    if let revision = details["revision"]?.numberValue?.int64Value { trail.edits[revision] = (record.sequence, after) }
                }
            } else {
                if let published = digest("bodySHA256"), let known = trail.body {
                    result.replayedBodies += 1
                    if published != known {
                        result.problems.append(Problem(
                            kind: .changed, sequence: record.sequence,
                            message: "dead letter \(id) was replayed (record #\(record.sequence)) with a body no audited store or edit gave it: it was changed in the database before the replay"))
                    }
                }
                if let properties = digest("propertiesSHA256"), let known = trail.stored?.properties, properties != known {
                    result.problems.append(Problem(
                        kind: .changed, sequence: record.sequence,
                        message: "dead letter \(id) was replayed (record #\(record.sequence)) with properties other than the stored ones: they were changed in the database before the replay"))
                }
            }
            trails[id] = trail
        }

        var seen: Set<Int64> = []
        for row in rows {
            seen.insert(row.id)
            let trail = trails[row.id]
            if let stored = trail?.stored {
                result.deadLetters += 1
                if row.body != stored.body {
                    result.problems.append(Problem(
                        kind: .changed, sequence: stored.sequence,
                        message: "the body of dead letter \(row.id) was changed in the database: it does not match record #\(stored.sequence)"))
                }
                if row.properties != stored.properties {
                    result.problems.append(Problem(
                        kind: .changed, sequence: stored.sequence,
                        message: "the properties of dead letter \(row.id) were changed in the database: they do not match record #\(stored.sequence)"))
                }
            } else if let legacy, row.id <= legacy.lastID {
                result.uncovered += 1
            } else {
                result.problems.append(Problem(
                    kind: .unaudited, sequence: 0,
                    message: "dead letter \(row.id) has no \(stored) record: it was written into the database directly"))
            }
            switch (row.editedBody, trail?.lastEdit) {
            case (nil, nil): break
            case (let edited?, let last?):
                if edited != last.body {
                    result.problems.append(Problem(
                        kind: .changed, sequence: last.sequence,
                        message: "the edited body of dead letter \(row.id) was changed in the database: it does not match record #\(last.sequence)"))
                }
            case (_?, nil):
                result.problems.append(Problem(
                    kind: .unaudited, sequence: 0,
                    message: "dead letter \(row.id) has an edited body no audited edit gave it: it was written into the database directly"))
            case (nil, let last?):
                result.problems.append(Problem(
                    kind: .removed, sequence: last.sequence,
                    message: "the edited body of dead letter \(row.id) (record #\(last.sequence)) was removed from the database"))
            }
        }
        if let legacy, Int64(result.uncovered) > legacy.count {
            result.problems.append(Problem(
                kind: .unaudited, sequence: legacy.sequence,
                message: "\(Int64(result.uncovered) - legacy.count) dead letter(s) with ids up to \(legacy.lastID) have no \(stored) record and were not there when the audit began covering dead letters (record #\(legacy.sequence))"))
        }
        for (id, trail) in trails.sorted(by: { $0.key < $1.key }) where !seen.contains(id) {
            if let stored = trail.stored {
                result.problems.append(Problem(
                    kind: .removed, sequence: stored.sequence,
                    message: "dead letter \(id) (record #\(stored.sequence)) was removed from the database"))
            }
        }

        var editRows: Set<[Int64]> = []
        for edit in edits {
            editRows.insert([edit.id, edit.revision])
            if let audited = trails[edit.id]?.edits[edit.revision] {
                if audited.body != edit.body {
                    result.problems.append(Problem(
                        kind: .changed, sequence: audited.sequence,
                        message: "revision \(edit.revision) of dead letter \(edit.id) was changed in the database: it does not match record #\(audited.sequence)"))
                }
            } else {
                result.problems.append(Problem(
                    kind: .unaudited, sequence: 0,
                    message: "revision \(edit.revision) of dead letter \(edit.id) has no \(edited) record: it was written into the database directly"))
            }
        }
        for (id, trail) in trails.sorted(by: { $0.key < $1.key }) where seen.contains(id) {
            for (revision, audited) in trail.edits.sorted(by: { $0.key < $1.key }) where !editRows.contains([id, revision]) {
                result.problems.append(Problem(
                    kind: .removed, sequence: audited.sequence,
                    message: "revision \(revision) of dead letter \(id) (record #\(audited.sequence)) was removed from the database"))
            }
        }
        return result
    }
}
