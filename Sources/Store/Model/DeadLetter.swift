import CaseModel
import Foundation

/// The store's id of a dead letter (a small number operators can type: `dead show 42`).
public struct DeadLetterID: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try Int64(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try rawValue.encode(to: encoder) }
}

/// Where a dead letter is in its life.
///
/// `new` → (`edited` →)* `replaying` → `replayed`; `new` or `edited` → `discarded`.
/// `replaying` means a replay job holds it; a failed or abandoned replay puts it back.
public enum DeadLetterState: String, Sendable, Hashable, Codable, CaseIterable {
    case new
    case edited
    case replaying
    case replayed
    case discarded
}

/// One stored dead letter with its history.
public struct DeadLetter: Sendable, Hashable {
    public var id: DeadLetterID
    public var messageID: String?
    public var eventType: String?
    public var sourceAgency: String?
    public var caseID: String?
    public var failure: FailureContext
    /// Who wrote it: what decides whether its failure context is believed and it may be replayed.
    public var origin: DeadLetterOrigin
    /// The agency the hub vouches for as the original sender; a replay speaks for it alone.
    public var sender: String?
    public var exchange: String
    public var routingKey: String
    public var receivedAt: Date
    /// The body as received, byte for byte; never changed.
    public var body: [UInt8]
    /// The AMQP properties and headers as received.
    public var properties: MessageProperties
    /// The body after the latest edit, nil if never edited.
    public var editedBody: [UInt8]?
    public var state: DeadLetterState
    /// The outcome of revalidating the latest edit, nil if never edited.
    public var revalidation: Revalidation?
    /// Incremented by every edit (an edit names the revision it applies to).
    public var revision: Int
    public var replayCount: Int
    public var lastReplayID: String?
    public var lastReplayedAt: Date?
    public var discardReason: String?
    public var updatedAt: Date
    public var edits: [DeadLetterEdit]
    public var replays: [ReplayItem]

    /// What a replay publishes: the edited body if there is one, else the original.
    public var effectiveBody: [UInt8] { editedBody ?? body }

    /// True when a replay may take it: written by the hub with a sender it vouches for, and new,
    /// or edited with the edit passing revalidation.
    public var isReplayable: Bool {
        guard origin != .unknown, sender != nil else { return false }
        return switch state {
        case .new: true
        case .edited: revalidation?.status == .valid
        case .replaying, .replayed, .discarded: false
        }
    }
}

/// A dead letter in a list: what the browser and `dead list` show, without body or history.
public struct DeadLetterSummary: Sendable, Hashable {
    public var id: DeadLetterID
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
    public var state: DeadLetterState
    public var replayCount: Int
}

/// Which dead letters to list or replay. Empty members do not filter.
public struct DeadLetterFilter: Sendable, Hashable, Codable {
    public var errorCode: String?
    public var eventType: String?
    public var sourceAgency: String?
    public var caseID: String?
    public var messageID: String?
    public var states: [DeadLetterState]?
    /// Received at or after.
    public var receivedFrom: Date?
    /// Received before.
    public var receivedUntil: Date?

    public init(
        errorCode: String? = nil, eventType: String? = nil, sourceAgency: String? = nil, caseID: String? = nil,
        messageID: String? = nil, states: [DeadLetterState]? = nil, receivedFrom: Date? = nil, receivedUntil: Date? = nil
    ) {
        self.errorCode = errorCode
        self.eventType = eventType
        self.sourceAgency = sourceAgency
        self.caseID = caseID
        self.messageID = messageID
        self.states = states
        self.receivedFrom = receivedFrom
        self.receivedUntil = receivedUntil
    }

    /// The `WHERE` clause (or empty) and its arguments.
    func whereClause() -> SQL {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        func equal(_ column: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            conditions.append("\(column) = ?")
            binds.append(.text(value))
        }
        equal("error_code", errorCode)
        equal("event_type", eventType)
        equal("source_agency", sourceAgency)
        equal("case_id", caseID)
        equal("message_id", messageID)
        if let states, !states.isEmpty {
            conditions.append("state IN (\(SQL.placeholders(states.count)))")
            binds += states.map { .text($0.rawValue) }
        }
        if let receivedFrom {
            conditions.append("received_at >= ?")
            binds.append(.init(receivedFrom))
        }
        if let receivedUntil {
            conditions.append("received_at < ?")
            binds.append(.init(receivedUntil))
        }
        return SQL(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), binds)
    }
}

/// One page of a listing, newest first.
public struct DeadLetterPage: Sendable, Hashable {
    public var items: [DeadLetterSummary]
    /// How many match the filter in all.
    public var total: Int
    public var offset: Int
    public var limit: Int
}
