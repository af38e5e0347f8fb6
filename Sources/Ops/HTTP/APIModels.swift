import Foundation
import Store

/// JSON shapes of the operations API (documented in deploy/ops/README.md), also printed by
/// the CLI's `--json`.
public enum API {
    public struct Login: Decodable {
        public var name: String
        public var password: String
    }

    public struct SessionInfo: Encodable {
        public var name: String
        public var role: String
        public var csrfToken: String
        /// What this operator may do, so the dashboard shows only usable controls.
        public var permissions: [String]

        public init(_ session: Session) {
            name = session.operator.name
            role = session.operator.role.rawValue
            csrfToken = session.csrfToken
            permissions = Permission.allCases.filter { session.operator.role.may($0) }.map(\.rawValue)
        }
    }

    public struct DeadLetterRow: Encodable {
        public var id: Int64
        public var messageID: String?
        public var eventType: String?
        public var sourceAgency: String?
        public var caseID: String?
        public var errorCode: String
        public var stage: String?
        public var reason: String?
        public var attempts: Int?
        public var lastFailure: Date?
        public var receivedAt: Date
        public var state: String
        public var replayCount: Int

        public init(_ s: DeadLetterSummary) {
            id = s.id.rawValue
            messageID = s.messageID
            eventType = s.eventType
            sourceAgency = s.sourceAgency
            caseID = s.caseID
            errorCode = s.errorCode
            stage = s.stage
            reason = s.reason
            attempts = s.attempts
            lastFailure = s.lastFailure
            receivedAt = s.receivedAt
            state = s.state.rawValue
            replayCount = s.replayCount
        }
    }

    public struct DeadLetterList: Encodable {
        public var total: Int
        public var offset: Int
        public var limit: Int
        public var items: [DeadLetterRow]

        public init(_ page: DeadLetterPage) {
            total = page.total
            offset = page.offset
            limit = page.limit
            items = page.items.map(DeadLetterRow.init)
        }
    }

    public struct Discard: Decodable {
        public var reason: String
    }

    public struct Filter: Codable {
        public var errorCode: String?
        public var eventType: String?
        public var sourceAgency: String?
        public var caseID: String?
        public var states: [String]?
        public var from: Date?
        public var to: Date?

        public func storeFilter() throws -> DeadLetterFilter {
            DeadLetterFilter(
                errorCode: errorCode, eventType: eventType, sourceAgency: sourceAgency, caseID: caseID,
                states: try states?.map {
                    guard let state = DeadLetterState(rawValue: $0) else { throw OpsError(.invalidRequest, "unknown state \($0)") }
                    return state
                }, receivedFrom: from, receivedUntil: to)
        }
    }

    public struct ReplayStart: Decodable {
        /// Exactly these dead letters …
        public var ids: [Int64]?
        /// … or every replayable one matching this filter (`{}` for all).
        public var filter: Filter?
        /// `original` (default), `ingress` or `inbox:AGENCY`.
        public var target: String?
        public var rate: Double?
        public var reason: String?
        public var dryRun: Bool?
    }

    public struct Reason: Decodable {
        public var reason: String
    }

    public struct Job: Encodable {
        public var id: String
        public var createdAt: Date
        public var actor: String
        public var reason: String?
        public var target: String
        public var rate: Double?
        public var state: String
        public var total: Int
        public var remaining: Int
        public var counts: [String: Int]
        public var skipped: [Skip]
        public var finishedAt: Date?

        public init(_ job: ReplayJob) {
            id = job.id
            createdAt = job.createdAt
            actor = job.actor.name
            reason = job.reason
            target = job.target.description
            rate = job.rate
            state = job.state.rawValue
            total = job.total
            remaining = job.remaining
            counts = Dictionary(uniqueKeysWithValues: job.counts.map { ($0.key.rawValue, $0.value) })
            skipped = job.skipped.map { Skip(id: $0.id.rawValue, reason: $0.reason) }
            finishedAt = job.finishedAt
        }
    }

    public struct Skip: Encodable {
        public var id: Int64
        public var reason: String
    }

    public struct Plan: Encodable {
        public struct Entry: Encodable {
            public var id: Int64
            public var messageID: String?
            public var caseID: String?
            public var exchange: String
            public var routingKey: String
        }

        public var dryRun = true
        public var entries: [Entry]
        public var skipped: [Skip]

        public init(_ plan: ReplayPlan) {
            entries = plan.entries.map {
                Entry(id: $0.letter.id.rawValue, messageID: $0.letter.messageID, caseID: $0.letter.caseID,
                      exchange: $0.route.exchange, routingKey: $0.route.routingKey)
            }
            skipped = plan.skipped.map { Skip(id: $0.id.rawValue, reason: $0.reason) }
        }
    }

    public struct Trace: Encodable {
        public struct Event: Encodable {
            public var at: Date
            public var kind: String
            public var messageID: String?
            public var deadLetterID: Int64?
            public var actor: String?
            public var summary: String
        }

        public var caseID: String
        public var events: [Event]

        public init(_ trace: CaseTrace) {
            caseID = trace.caseID
            events = trace.events.map {
                Event(at: $0.at, kind: $0.kind.rawValue, messageID: $0.messageID, deadLetterID: $0.deadLetterID?.rawValue,
                      actor: $0.actor, summary: $0.summary)
            }
        }
    }

    public struct AuditRow: Encodable {
        public var sequence: Int64
        public var recordedAt: Date
        public var actor: String
        public var role: String
        public var action: String
        public var subject: String
        public var caseID: String?
        public var reason: String?
        public var details: String
        public var previousHash: String
        public var hash: String

        public init(_ r: AuditRecord) {
            sequence = r.sequence
            recordedAt = r.recordedAt
            actor = r.actor
            role = r.role
            action = r.action
            subject = r.subject
            caseID = r.caseID
            reason = r.reason
            details = r.details
            previousHash = r.previousHash
            hash = r.hash
        }
    }

    public struct Verification: Encodable {
        public struct Problem: Encodable {
            public var kind: String
            public var sequence: Int64
            public var message: String
        }

        public var intact: Bool
        public var records: Int
        /// Routing-log rows checked against their audit records.
        public var routingDecisions: Int
        public var lastSequence: Int64
        public var lastHash: String
        /// Dead letters checked against their stored digests; replayed bodies checked.
        public var deadLetters: Int
        public var replayedBodies: Int
        /// Dead letters older than the audit's coverage of them (not checked).
        public var uncoveredDeadLetters: Int
        /// The latest signed checkpoint the chain still reaches, if checkpoints were checked.
        public var checkpoint: Checkpoint?
        public var problems: [Problem]

        public struct Checkpoint: Encodable {
            public var sequence: Int64
            public var hash: String
            public var time: Date
            public var key: String
        }

        public init(_ v: AuditVerification) {
            intact = v.isIntact
            records = v.recordCount
            routingDecisions = v.routingDecisions
            lastSequence = v.lastSequence
            lastHash = v.lastHash
            deadLetters = v.deadLetters
            replayedBodies = v.replayedBodies
            uncoveredDeadLetters = v.uncoveredDeadLetters
            checkpoint = v.checkpoint.map { Checkpoint(sequence: $0.sequence, hash: $0.hash, time: $0.time, key: $0.keyID) }
            problems = v.problems.map { Problem(kind: $0.kind.rawValue, sequence: $0.sequence, message: $0.message) }
        }
    }
}
