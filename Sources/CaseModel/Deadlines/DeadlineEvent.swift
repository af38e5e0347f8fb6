import Foundation

/// A deadline a request opened: who must act, by when, and what the deemed outcome needs.
public struct DeadlineOpening: Sendable, Hashable {
    /// `rule/requestMessageID/actor`: one deadline per rule, request and actor, whoever records it.
    public var id: String
    public var rule: String
    public var caseID: String
    public var requestMessageID: String
    /// The request's `data.requestId`, which its answer repeats.
    public var requestID: String?
    /// The agency that sent the request (and receives the deemed outcome).
    public var requester: String
    /// The agency that must act.
    public var actor: String
    /// When the hub received the request (the period starts the day after).
    public var received: Date
    /// The period's last instant.
    public var due: Date
    public var dueDate: CivilDate
    /// The request's identifiers the deemed outcome carries (`visaApplicationNumber`, …).
    public var identifiers: JSONObject
    /// The request's `dueat` as its sender claimed it; the hub's `due` is what counts.
    public var claimedDue: String?

    public init(
        rule: String, caseID: String, requestMessageID: String, requestID: String?, requester: String, actor: String, received: Date, due: Date,
        dueDate: CivilDate, identifiers: JSONObject = [:], claimedDue: String? = nil
    ) {
        self.id = "\(rule)/\(requestMessageID)/\(actor)"
        self.rule = rule
        self.caseID = caseID
        self.requestMessageID = requestMessageID
        self.requestID = requestID
        self.requester = requester
        self.actor = actor
        self.received = received
        self.due = due
        self.dueDate = dueDate
        self.identifiers = identifiers
        self.claimedDue = claimedDue
    }

    /// Whether the sender's `dueat` names another last day than the hub computed (or is not a
    /// date-time): reported as a warning in the case's trace, never a reason to refuse.
    public var claimedDueDisagrees: Bool {
        guard let claimedDue else { return false }
        guard let instant = Self.instant(claimedDue) else { return true }
        return CivilDate(instant) != dueDate
    }

    static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// An agency's message about a request it opened periods for: the actor's answer, which closes
/// the deadlines it had for that request, or the requester's withdrawal, which ends them all.
public struct DeadlineReply: Sendable, Hashable {
    public var caseID: String
    /// The request's `data.requestId`, which the reply repeats.
    public var requestID: String?
    /// The agency that sent it: for an answer it must be the deadline's actor, for a withdrawal
    /// the deadline's requester.
    public var sender: String
    /// The reply's message id and type, recorded with the deadline.
    public var messageID: String
    public var type: String
    /// The rules this type answers or withdraws.
    public var rules: [String]
    /// When the hub received it.
    public var received: Date

    public init(caseID: String, requestID: String?, sender: String, messageID: String, type: String, rules: [String], received: Date) {
        self.caseID = caseID
        self.requestID = requestID
        self.sender = sender
        self.messageID = messageID
        self.type = type
        self.rules = rules
        self.received = received
    }
}

/// The hub's deemed outcome of a deadline, as the router delivered it.
public struct DeadlineDeemed: Sendable, Hashable {
    /// The deadline's id (`rule/requestMessageID/actor`).
    public var deadlineID: String
    /// The deemed outcome's message id.
    public var messageID: String
    public var delivered: Date

    public init(deadlineID: String, messageID: String, delivered: Date) {
        self.deadlineID = deadlineID
        self.messageID = messageID
        self.delivered = delivered
    }
}

/// What a routed message does to deadlines.
public enum DeadlineEvent: Sendable, Hashable {
    case opened(DeadlineOpening)
    /// The actor answered (stopping the rules it names).
    case answered(DeadlineReply)
    /// The deemed outcome was delivered: recorded in the same broker transaction as its copies,
    /// so the store learns it even when the service that published it died before marking it
    /// (and does not publish it again once the lease ran out).
    case deemed(DeadlineDeemed)
    /// The requester withdrew its request.
    case withdrawn(DeadlineReply)
}

extension DeadlineRules {
    /// The request identifiers a deemed outcome carries, when the request has them.
    static let carriedIdentifiers = ["visaApplicationNumber", "caseFileNumber"]

    /// What `event` (versioned type `type`, from `sender`, delivered to `recipients`, received
    /// by the hub at `received`) opens or answers: a pure function of the rules.
    /// An actor who is not among `recipients` (its copy was held back) gets no deadline yet: it
    /// opens when the copy is delivered, since the period runs from the transmission.
    public func events(for event: CaseEvent, type: EventTypeName, sender: String, recipients: [String], received: Date) -> [DeadlineEvent] {
        guard involved.contains(type.name) else { return [] }
        let envelope = JSONValue.object(event.object)
        let data = event.object["data"]?.objectValue ?? [:]
        let requestID = data["requestId"]?.stringValue
        var result: [DeadlineEvent] = []
        if sender == AgencyID.hub.rawValue, rules.contains(where: { $0.deemedEvent == type.full }),
           let rule = data["rule"]?.stringValue, let request = data["requestMessageId"]?.stringValue, let actor = data["actor"]?.stringValue
        {
            result.append(.deemed(DeadlineDeemed(deadlineID: "\(rule)/\(request)/\(actor)", messageID: event.id, delivered: received)))
        }
        let stopped = rules.filter { $0.stoppedBy.contains(type.name) }.map(\.id)
        if !stopped.isEmpty {
            result.append(.answered(DeadlineReply(
                caseID: event.subject, requestID: requestID, sender: sender, messageID: event.id, type: type.full, rules: stopped, received: received)))
        }
        let withdrawn = rules.filter { $0.withdrawnBy.contains(type.name) }.map(\.id)
        if !withdrawn.isEmpty {
            result.append(.withdrawn(DeadlineReply(
                caseID: event.subject, requestID: requestID, sender: sender, messageID: event.id, type: type.full, rules: withdrawn, received: received)))
        }
        for rule in rules where rule.opensWith == type.name && (rule.when?.holds(in: envelope) ?? true) {
            let actors: [String]
            switch rule.actors {
            case .agency(let agency): actors = [agency]
            case .named(let pointer): actors = envelope[pointer: pointer]?.stringValue.flatMap { AgencyID($0)?.rawValue }.map { [$0] } ?? []
            case .recipients(let patterns): actors = recipients.filter { recipient in patterns.contains { $0.matches(recipient) } }
            }
            var identifiers: JSONObject = [:]
            for name in Self.carriedIdentifiers { if let value = data[name] { identifiers[name] = value } }
            for actor in actors where recipients.contains(actor) {
                let period = LegalPeriod.compute(rule, received: received, seat: seats.seat(of: actor), holidays: holidays)
                result.append(.opened(DeadlineOpening(
                    rule: rule.id, caseID: event.subject, requestMessageID: event.id, requestID: requestID, requester: sender, actor: actor,
                    received: received, due: period.due, dueDate: period.dueDate, identifiers: identifiers,
                    claimedDue: event.object["dueat"]?.stringValue.map { String($0.prefix(64)) })))
            }
        }
        return result
    }
}
