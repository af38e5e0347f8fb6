import AMQP
import CaseModel
import Foundation
import Store

/// The event the hub publishes when a period ended in silence (Fiktion): consent deemed given,
/// no objection. A pure function of the deadline, its rule and the time; the message goes to the
/// router's ingress as sender `hub`, so it is validated, routed by the catalogue (to the
/// requester and the silent actor), recorded and traced like any other message.
///
/// It carries references, never personal data: the requester knows the person from its own
/// request (Art. 5 Abs. 1 lit. c DSGVO). Its message id derives from the deadline
/// (``Store/Deadline/deemedOutcomeMessageID``), so a second publication is a duplicate the
/// router drops.
enum DeemedOutcome {
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case unknownRule(String)
        case unknownEvent(String)
        case noRequestID

        var description: String {
            switch self {
            case .unknownRule(let rule): "the rule \(rule) is no longer in rules/deadlines.json"
            case .unknownEvent(let type): "the catalogue lacks the deemed event \(type)"
            case .noRequestID: "the request had no data.requestId to refer to"
            }
        }
    }

    static func message(for deadline: Deadline, rules: DeadlineRules, hub: HubEvents, now: Date) -> Result<Message, Refusal> {
        guard let rule = rules.rule(deadline.rule) else { return .failure(.unknownRule(deadline.rule)) }
        guard let type = EventTypeName(rule.deemedEvent), hub.catalogue.version(of: type) != nil else {
            return .failure(.unknownEvent(rule.deemedEvent))
        }
        guard let requestID = deadline.requestID else { return .failure(.noRequestID) }
        var data: JSONObject = [
            "requestId": .string(requestID),
            "requestMessageId": .string(deadline.requestMessageID),
            "requestedBy": .string(deadline.requester),
            "actor": .string(deadline.actor),
            "rule": .string(rule.id),
            "legalBasis": .string(rule.citation),
            "received": .string(LegalPeriod.berlinTimestamp(deadline.received)),
            "lastDay": .string(deadline.dueDate),
            "periodEnded": .string(LegalPeriod.berlinTimestamp(deadline.due)),
        ]
        if let identifiers = try? JSONValue(parsing: deadline.identifiers).objectValue {
            for (key, value) in identifiers { data[key] = value }
        }
        guard let message = hub.event(
            type: type.name, subject: deadline.caseID, causation: deadline.requestMessageID, data: data, now: now,
            id: deadline.deemedOutcomeMessageID, legalPurpose: rule.citation)
        else { return .failure(.unknownEvent(type.full)) }
        return .success(message)
    }
}
