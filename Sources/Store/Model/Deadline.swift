import CaseModel
import Crypto
import Foundation

/// A statutory period the hub keeps (Frist), as the store holds it: opened when the router
/// delivered a request to the agency that must act, closed by that agency's answer, or ended
/// by the hub's deemed-outcome event (Fiktion) when the period ran out in silence.
public struct Deadline: Sendable, Hashable, Codable {
    /// Where a deadline stands.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Running: no answer yet, the period not over.
        case open
        /// The actor answered within the period.
        case answered
        /// The period ended; a deadline service claimed it and publishes the deemed outcome.
        case deeming
        /// The deemed outcome was published (and confirmed by the broker).
        case deemed
        /// The requester withdrew the request within the period: no outcome.
        case withdrawn
    }

    /// `rule/requestMessageID/actor`.
    public var id: String
    public var rule: String
    public var caseID: String
    public var requestMessageID: String
    public var requestID: String?
    /// The agency that sent the request.
    public var requester: String
    /// The agency that must act.
    public var actor: String
    public var received: Date
    public var due: Date
    /// The period's last day (`YYYY-MM-DD`).
    public var dueDate: String
    /// The request's `dueat` as its sender claimed it, when it differs from the hub's computation
    /// (the trace's warning); nil when it agrees or was not given.
    public var claimedDue: String?
    /// The request identifiers a deemed outcome repeats, as a JSON object.
    public var identifiers: String
    public var state: State
    /// The message that closed it: the actor's answer, or the requester's withdrawal.
    public var answerMessageID: String?
    public var answerType: String?
    public var answeredAt: Date?
    /// An answer that arrived after the period ended: recorded, but the deemed outcome stands.
    public var lateAnswerMessageID: String?
    public var claimedBy: String?
    public var claimedAt: Date?
    public var deemedMessageID: String?
    public var deemedAt: Date?

    public init(
        id: String, rule: String, caseID: String, requestMessageID: String, requestID: String?, requester: String, actor: String,
        received: Date, due: Date, dueDate: String, claimedDue: String? = nil, identifiers: String = "{}", state: State,
        answerMessageID: String? = nil, answerType: String? = nil, answeredAt: Date? = nil, lateAnswerMessageID: String? = nil,
        claimedBy: String? = nil, claimedAt: Date? = nil, deemedMessageID: String? = nil, deemedAt: Date? = nil
    ) {
        self.id = id
        self.rule = rule
        self.caseID = caseID
        self.requestMessageID = requestMessageID
        self.requestID = requestID
        self.requester = requester
        self.actor = actor
        self.received = received
        self.due = due
        self.dueDate = dueDate
        self.claimedDue = claimedDue
        self.identifiers = identifiers
        self.state = state
        self.answerMessageID = answerMessageID
        self.answerType = answerType
        self.answeredAt = answeredAt
        self.lateAnswerMessageID = lateAnswerMessageID
        self.claimedBy = claimedBy
        self.claimedAt = claimedAt
        self.deemedMessageID = deemedMessageID
        self.deemedAt = deemedAt
    }

    /// The message id of this deadline's deemed outcome: derived from the deadline, so a service
    /// that publishes it again after a crash publishes a duplicate the router drops.
    public var deemedOutcomeMessageID: String { Self.deemedOutcomeMessageID(id) }

    public static func deemedOutcomeMessageID(_ deadlineID: String) -> String {
        var bytes = Array(SHA256.hash(data: Array("drehscheibe.deadline.deemed:\(deadlineID)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0f) | 0x80 // RFC 9562 version 8 (custom)
        bytes[8] = (bytes[8] & 0x3f) | 0x80 // variant
        let hex = ContentDigest.hex(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}

/// Which deadlines a listing shows.
public struct DeadlineFilter: Sendable, Hashable {
    public var state: Deadline.State?
    public var caseID: String?
    public var actor: String?
    public var limit: Int

    public init(state: Deadline.State? = nil, caseID: String? = nil, actor: String? = nil, limit: Int = 100) {
        self.state = state
        self.caseID = caseID
        self.actor = actor
        self.limit = limit
    }
}
