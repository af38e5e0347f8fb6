import Foundation

/// The timeline of one case: what the router did with its messages, which of them were
/// dead-lettered, edited, replayed or discarded, and who did it.
public struct CaseTrace: Sendable, Hashable {
    public var caseID: String
    /// Oldest first.
    public var events: [TraceEvent]
}

/// One point on a case's timeline.
public struct TraceEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case received
        case delivered
        case deadLettered = "dead-lettered"
        case stored
        case edited
        case replayed
        case replayFailed = "replay-failed"
        case discarded
        /// A statutory period started (Fristbeginn): who must act, by when.
        case deadlineOpened = "deadline-opened"
        /// The actor answered within the period.
        case deadlineAnswered = "deadline-answered"
        /// The requester withdrew the request within the period: no outcome.
        case deadlineWithdrawn = "deadline-withdrawn"
        /// The period ended in silence; the hub published the deemed outcome (Fiktion).
        case deadlineDeemed = "deadline-deemed"
        /// Something about a deadline to look at: the sender's dueat disagrees with the hub's
        /// computation, or an answer came after the period ended.
        case deadlineWarning = "deadline-warning"
        /// Any other audited operator action on the case.
        case action
    }

    public var at: Date
    public var kind: Kind
    public var messageID: String?
    /// The dead letter it concerns, if any.
    public var deadLetterID: DeadLetterID?
    /// Who: `router`, an operator, or the sending agency.
    public var actor: String?
    /// One line saying what happened (no personal data).
    public var summary: String
}
