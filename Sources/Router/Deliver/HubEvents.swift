import AMQP
import CaseModel
import Foundation

/// Events the hub itself emits (source `urn:de:migration:hub`): the receipt that tells a
/// sender its message was rejected (cf. XÖV "ReturnToSender"), and security incidents for
/// the BSI. Both carry identifiers and reasons only, never the rejected message's data.
public struct HubEvents: Sendable {
    public var catalogue: EventCatalogue
    public var routerUser: String
    public var routerVersion: String

    public init(catalogue: EventCatalogue, routerUser: String, routerVersion: String = RouterVersion.current) {
        self.catalogue = catalogue
        self.routerUser = routerUser
        self.routerVersion = routerVersion
    }

    static let rejected = "de.migration.message.rejected"
    /// The sender the hub's own events (deemed outcomes) carry; it has no inbox.
    static let hubSender = AgencyID.hub.rawValue
    static let incident = "de.migration.security.incident-reported"

    /// The message.rejected receipt for the sender's inbox, or nil when the sender is unknown
    /// (then nobody could be told and the dead letter alone records it).
    public func receipt(for failure: RouterFailure, inbound: Inbound, context: MessageContext, now: Date) -> (recipient: String, message: Message)? {
        guard let sender = context.sender ?? inbound.properties.userID.flatMap({ AgencyID.isValid($0) ? $0 : nil }), sender != Self.hubSender
        else { return nil }
        var data: JSONObject = [
            "originalMessageId": .string(context.messageID ?? "unknown"),
            "originalSender": .string(sender),
            "originalRoutingKey": .string(String(inbound.routingKey.prefix(256))),
            "errorCode": .string(failure.code),
            "stage": .string(failure.stage.rawValue),
            "reason": .string(String(failure.reason.prefix(1000))),
            "attempts": .number(JSONNumber(context.attempts + 1)),
            "firstFailureAt": .string(Self.timestamp(context.firstFailure ?? now)),
            "routerVersion": .string(routerVersion),
        ]
        if let type = context.eventType { data["originalType"] = .string(String(type.prefix(256))) }
        if let pointer = failure.pointer { data["pointer"] = .string(pointer) }
        if !failure.violations.isEmpty {
            data["errors"] = .array(failure.violations.prefix(50).map {
                .object(["instanceLocation": .string($0.instanceLocation), "keyword": .string($0.keyword), "message": .string(String($0.message.prefix(500)))])
            })
        }
        let subject = context.caseID.flatMap { Self.isCaseID($0) ? $0 : nil } ?? "hub:\(context.messageID.flatMap { Self.safeReference($0) } ?? "unknown")"
        guard let message = event(type: Self.rejected, subject: subject, causation: context.messageID, data: data, now: now) else { return nil }
        return (sender, message)
    }

    /// A security.incident-reported event for the BSI, when the failure is one.
    public func incident(for failure: RouterFailure, inbound: Inbound, context: MessageContext, now: Date) -> Message? {
        guard let kind = failure.incident else { return nil }
        var data: JSONObject = [
            "incidentId": .string(UUID().uuidString.lowercased()),
            "kind": .string(kind),
            "severity": .string(Self.severity(kind)),
            "detectedAt": .string(Self.timestamp(now)),
            "stage": .string(failure.stage.rawValue),
            "messageIds": .array([.string(String((context.messageID ?? "unknown").prefix(256)))]),
            "occurrences": 1,
            "firstSeenAt": .string(Self.timestamp(now)),
            "description": .string(failure.reason),
            "routerVersion": .string(routerVersion),
        ]
        if let sender = context.sender ?? inbound.properties.userID, AgencyID.isValid(sender) { data["authenticatedAgency"] = .string(sender) }
        if let source = context.source { data["claimedSource"] = .string(String(source.prefix(256))) }
        if let type = context.eventType { data["eventType"] = .string(String(type.prefix(256))) }
        return event(type: Self.incident, subject: "hub:incident-\(Self.safeReference(context.messageID ?? "unknown") ?? "unknown")", causation: context.messageID, data: data, now: now)
    }

    /// One incident for several of the same kind from the same sender that ``IncidentBudget``
    /// held back: how many, when the first and the last were seen, up to 100 message ids.
    func incidentSummary(_ report: IncidentBudget.Report, now: Date) -> Message? {
        let kind = report.key.kind
        var data: JSONObject = [
            "incidentId": .string(UUID().uuidString.lowercased()),
            "kind": .string(kind),
            "severity": .string(Self.severity(kind)),
            "detectedAt": .string(Self.timestamp(now)),
            "stage": .string(Stage.authenticate.rawValue),
            "messageIds": .array(report.messageIDs.prefix(IncidentBudget.maximumMessageIDs).map { .string(String($0.prefix(256))) }),
            "occurrences": .number(JSONNumber(report.occurrences)),
            "firstSeenAt": .string(Self.timestamp(report.firstSeen)),
            "description": .string(
                "\(report.occurrences) more incident(s) of this kind\(report.key.sender.map { " from \($0)" } ?? ""), summarised: the hub reports the first of a minute singly. Each message concerned is a dead letter of its own."),
            "routerVersion": .string(routerVersion),
        ]
        if let last = report.lastSeen { data["lastSeenAt"] = .string(Self.timestamp(last)) }
        if let sender = report.key.sender, AgencyID.isValid(sender) { data["authenticatedAgency"] = .string(sender) }
        let reference = Self.safeReference(report.messageIDs.first ?? "unknown") ?? "unknown"
        return event(type: Self.incident, subject: "hub:incident-\(reference)", causation: nil, data: data, now: now)
    }

    /// The initial rating of an incident kind (Schemas/codelists/incident-kind.json).
    static func severity(_ kind: String) -> String {
        ["forged-sender", "forged-hub-header", "signature-invalid"].contains(kind) ? "high" : "medium"
    }

    /// An event of the hub's own (source `urn:de:migration:hub`, sender `hub`) in the current
    /// version of `name`; nil when the catalogue lacks the type. A new id unless `id` is given
    /// (a deemed outcome's id derives from its deadline).
    func event(
        type name: String, subject: String, causation: String?, data: JSONObject, now: Date, id: String? = nil, legalPurpose: String? = nil
    ) -> Message? {
        guard let entry = catalogue.entry(named: name) else { return nil }
        let version = entry.current
        let id = id ?? UUID().uuidString.lowercased()
        // Whole seconds: the envelope's `time` and the AMQP timestamp (whole seconds on the wire)
        // must name the same instant, or the router refuses the event as an attribute mismatch
        // when it comes back through the ingress (a deemed outcome does).
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let type = version.type.full
        var envelope: JSONObject = [
            "specversion": "1.0",
            "id": .string(id),
            "source": "urn:de:migration:hub",
            "type": .string(type),
            "subject": .string(subject),
            "time": .string(Self.timestamp(now)),
            "datacontenttype": "application/json",
            "dataschema": .string(version.schemaID),
        ]
        if let causation, UUID(uuidString: causation) != nil { envelope["causationid"] = .string(causation) }
        if let legalPurpose { envelope["legalpurpose"] = .string(legalPurpose) }
        envelope["data"] = .object(data)
        var headers = FieldTable()
        headers[HubHeader.sender] = .string(Self.hubSender)
        headers[HubHeader.routerVersion] = .string(routerVersion)
        headers["ce-subject"] = .string(subject)
        headers["ce-source"] = "urn:de:migration:hub"
        if let legalPurpose { headers["ce-legalpurpose"] = .string(legalPurpose) }
        let properties = BasicProperties(
            contentType: CaseEvent.contentType, headers: headers, deliveryMode: .persistent, correlationID: subject,
            messageID: id, timestamp: now, type: type, userID: routerUser, appID: "drehscheibe-router")
        return Message(body: JSONValue.object(envelope).serialized(), properties: properties)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func isCaseID(_ value: String) -> Bool {
        value.count <= 120 && value.range(of: #"^[a-z]+(\.[a-z0-9-]+)?:[A-Za-z0-9]([A-Za-z0-9._/-]{0,78}[A-Za-z0-9])?$"#, options: .regularExpression) != nil
    }

    /// A message id reduced to what may stand in a case reference or dead-letter id.
    static func safeReference(_ value: String) -> String? {
        let cleaned = String(value.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" }.prefix(60))
        return cleaned.isEmpty ? nil : cleaned
    }
}
