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

    static func message(
        for deadline: Deadline, rules: DeadlineRules, catalogue: EventCatalogue, routerUser: String, now: Date
    ) -> Result<Message, Refusal> {
        guard let rule = rules.rule(deadline.rule) else { return .failure(.unknownRule(deadline.rule)) }
        guard let type = EventTypeName(rule.deemedEvent), let version = catalogue.version(of: type) else {
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
        let id = deadline.deemedOutcomeMessageID
        var envelope: JSONObject = [
            "specversion": "1.0",
            "id": .string(id),
            "source": "urn:de:migration:hub",
            "type": .string(type.full),
            "subject": .string(deadline.caseID),
            "time": .string(LegalPeriod.berlinTimestamp(now)),
            "datacontenttype": "application/json",
            "dataschema": .string(version.schemaID),
            "legalpurpose": .string(rule.citation),
        ]
        if UUID(uuidString: deadline.requestMessageID) != nil { envelope["causationid"] = .string(deadline.requestMessageID) }
        envelope["data"] = .object(data)
        let attributes: AMQPAttributes
        do {
            attributes = try CaseEvent(object: envelope).amqpAttributes
        } catch {
            return .failure(.unknownEvent(type.full))
        }
        var headers = FieldTable()
        for (key, value) in attributes.headers.sorted(by: { $0.key < $1.key }) { headers[key] = .string(value) }
        headers[HubHeader.sender] = "hub"
        let properties = BasicProperties(
            contentType: CaseEvent.contentType, headers: headers, deliveryMode: .persistent, correlationID: attributes.correlationID,
            messageID: id, timestamp: attributes.timestamp, type: type.full, userID: routerUser, appID: "drehscheibe-deadlines")
        return .success(Message(body: JSONValue.object(envelope).serialized(), properties: properties))
    }
}
