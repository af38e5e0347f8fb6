import Foundation

/// What the router tells the deadline service about one routed message, on the hub's own
/// queue `hub.deadlines`: the deadlines it opened and the answers it delivered.
///
/// Published in the same broker transaction as the message's copies, so a request is never
/// delivered without its deadline being owed (nor a deadline opened for a copy that was not
/// delivered): the routing ledger, by contrast, is written after the commit and may lose its
/// last records to a `kill -9`. Only the router's broker user can write the queue, and the
/// service believes a notice only from that user.
public struct DeadlineNotice: Sendable, Hashable {
    public var events: [DeadlineEvent]

    public init(events: [DeadlineEvent]) { self.events = events }

    /// Version of the wire form; a service that reads another refuses the notice.
    public static let version = 1
    public static let contentType = "application/vnd.drehscheibe.deadline-notice+json"

    public var json: JSONValue {
        .object(["version": .number(JSONNumber(Self.version)), "events": .array(events.map(\.json))])
    }

    public var serialized: [UInt8] { json.serialized() }

    /// Reads a notice; nil when it is not one of this version.
    public init?(bytes: [UInt8]) {
        guard let value = try? JSONValue(parsing: bytes), let object = value.objectValue,
              object["version"]?.numberValue?.int64Value == Int64(Self.version),
              let list = object["events"]?.arrayValue
        else { return nil }
        var events: [DeadlineEvent] = []
        for item in list {
            guard let event = DeadlineEvent(json: item) else { return nil }
            events.append(event)
        }
        self.events = events
    }
}

extension DeadlineEvent {
    var json: JSONValue {
        switch self {
        case .opened(let opening):
            var object: JSONObject = [
                "kind": "opened", "rule": .string(opening.rule), "caseId": .string(opening.caseID),
                "requestMessageId": .string(opening.requestMessageID), "requester": .string(opening.requester), "actor": .string(opening.actor),
                "received": .number(JSONNumber(opening.received.epochMilliseconds)), "due": .number(JSONNumber(opening.due.epochMilliseconds)),
                "dueDate": .string(opening.dueDate.description), "identifiers": .object(opening.identifiers),
            ]
            if let requestID = opening.requestID { object["requestId"] = .string(requestID) }
            if let claimed = opening.claimedDue { object["claimedDue"] = .string(claimed) }
            return .object(object)
        case .answered(let reply):
            return reply.json(kind: "answered")
        case .withdrawn(let reply):
            return reply.json(kind: "withdrawn")
        case .deemed(let deemed):
            return .object([
                "kind": "deemed", "deadlineId": .string(deemed.deadlineID), "messageId": .string(deemed.messageID),
                "delivered": .number(JSONNumber(deemed.delivered.epochMilliseconds)),
            ])
        }
    }

    init?(json: JSONValue) {
        guard let object = json.objectValue else { return nil }
        func text(_ key: String) -> String? { object[key]?.stringValue }
        func instant(_ key: String) -> Date? { object[key]?.numberValue?.int64Value.map { Date(epochMilliseconds: $0) } }
        switch text("kind") {
        case "opened":
            guard let rule = text("rule"), let caseID = text("caseId"), let request = text("requestMessageId"), let requester = text("requester"),
                  let actor = text("actor"), let received = instant("received"), let due = instant("due"),
                  let dueDate = text("dueDate").flatMap(CivilDate.init)
            else { return nil }
            self = .opened(DeadlineOpening(
                rule: rule, caseID: caseID, requestMessageID: request, requestID: text("requestId"), requester: requester, actor: actor,
                received: received, due: due, dueDate: dueDate, identifiers: object["identifiers"]?.objectValue ?? [:], claimedDue: text("claimedDue")))
        case "answered":
            guard let reply = DeadlineReply(json: object) else { return nil }
            self = .answered(reply)
        case "withdrawn":
            guard let reply = DeadlineReply(json: object) else { return nil }
            self = .withdrawn(reply)
        case "deemed":
            guard let id = text("deadlineId"), let messageID = text("messageId"), let delivered = instant("delivered") else { return nil }
            self = .deemed(DeadlineDeemed(deadlineID: id, messageID: messageID, delivered: delivered))
        default:
            return nil
        }
    }
}

extension DeadlineReply {
    func json(kind: String) -> JSONValue {
        var object: JSONObject = [
            "kind": .string(kind), "caseId": .string(caseID), "sender": .string(sender), "messageId": .string(messageID),
            "type": .string(type), "rules": .array(rules.map { .string($0) }), "received": .number(JSONNumber(received.epochMilliseconds)),
        ]
        if let requestID { object["requestId"] = .string(requestID) }
        return .object(object)
    }

    init?(json object: JSONObject) {
        guard let caseID = object["caseId"]?.stringValue, let sender = object["sender"]?.stringValue,
              let messageID = object["messageId"]?.stringValue, let type = object["type"]?.stringValue,
              let rules = object["rules"]?.arrayValue?.compactMap(\.stringValue),
              let received = object["received"]?.numberValue?.int64Value.map({ Date(epochMilliseconds: $0) })
        else { return nil }
        self.init(
            caseID: caseID, requestID: object["requestId"]?.stringValue, sender: sender, messageID: messageID, type: type, rules: rules,
            received: received)
    }
}

extension Date {
    /// Milliseconds since 1970, as the notices carry instants; saturating (never traps).
    public var epochMilliseconds: Int64 {
        let value = (timeIntervalSince1970 * 1000).rounded()
        if value.isNaN { return 0 }
        if value >= 9_223_372_036_854_775_807.0 { return .max }
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(value)
    }

    public init(epochMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(epochMilliseconds) / 1000) }
}
