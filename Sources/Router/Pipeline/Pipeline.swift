import AMQP
import CaseModel
import Foundation

/// The router's decisions as pure functions: no I/O, no clock but the one passed in, no
/// state but the rules. The service around it does the AMQP and the ledger.
///
/// `admit` runs decode → authenticate → validate; the service then asks the ledger (dedupe);
/// `route` runs transform → route → project and returns the copies to deliver.
public struct Pipeline: Sendable {
    public var rules: RouterRules
    public var configuration: PipelineConfiguration

    public init(rules: RouterRules, configuration: PipelineConfiguration = PipelineConfiguration()) {
        self.rules = rules
        self.configuration = configuration
    }

    /// A message that passed decode, authenticate and validate.
    public struct Admitted: Sendable {
        public var event: CaseEvent
        public var type: EventTypeName
        public var context: MessageContext
        /// The body as the sender sent it: a copy that needs no change carries these bytes.
        public var body: [UInt8]
        /// The authenticated sender (`context.sender`), parsed once.
        public var sender: AgencyID
        /// The event's ``CaseModel/CaseEvent/amqpAttributes``, computed once (checked against
        /// the inbound properties, then carried by the copies).
        public var attributes: AMQPAttributes
    }

    /// One recipient copy, ready to publish.
    public struct Copy: Sendable {
        public var recipient: String
        public var projection: String
        public var type: String
        public var message: Message
    }

    /// The outcome of `route`: the copies, in recipient order.
    public struct Routed: Sendable {
        public var copies: [Copy]
        public var context: MessageContext
        /// Every recipient the rules chose (on a retry, copies go only to the pending ones).
        public var recipients: [String]
    }

    /// What can be read from the AMQP metadata alone, before decoding the body: the
    /// properties, and the hub's own headers as far as they are believed (``HubMarks``), or why
    /// the message is refused for its headers.
    public func context(of inbound: Inbound) -> (context: MessageContext, refusal: RouterFailure?) {
        var context = MessageContext(messageID: inbound.properties.messageID, eventType: inbound.properties.type)
        context.originalExchange = inbound.exchange
        context.originalRoutingKey = inbound.routingKey
        switch HubMarks.read(inbound, hubUsers: configuration.trustedRelays) {
        case .failure(let refusal):
            // The authenticated partner, so that it gets its receipt.
            context.sender = inbound.properties.userID.flatMap { AgencyID($0)?.rawValue }
            return (context, refusal)
        case .success(let marks):
            context.fromHub = inbound.properties.userID.map(configuration.trustedRelays.contains) ?? false
            context.replayed = marks.replayed
            context.attempts = marks.attempts
            context.firstFailure = marks.firstFailure
            context.pendingRecipients = marks.pendingRecipients
            if let exchange = marks.originalExchange { context.originalExchange = exchange }
            if let key = marks.originalRoutingKey { context.originalRoutingKey = key }
            return (context, nil)
        }
    }

    // MARK: - decode → authenticate → validate

    /// Returns the admitted message, or the failure; the context holds whatever could be
    /// learnt before the failure (for the dead letter, the receipt and the record).
    public func admit(_ inbound: Inbound) -> (result: Result<Admitted, RouterFailure>, context: MessageContext) {
        var (context, refusal) = context(of: inbound)
        if let refusal { return (.failure(refusal), context) }
        let result = admit(inbound, context: &context).map { event, type, sender, attributes in
            Admitted(event: event, type: type, context: context, body: inbound.body, sender: sender, attributes: attributes)
        }
        return (result, context)
    }

    func admit(_ inbound: Inbound, context: inout MessageContext) -> Result<(CaseEvent, EventTypeName, AgencyID, AMQPAttributes), RouterFailure> {
        // decode
        guard inbound.omittedBodyBytes == nil, inbound.body.count <= configuration.maximumBytes else {
            return .failure(RouterFailure(
                code: "too-large", detail: "message.too-large", stage: .decode,
                reason: "The message has \(inbound.bodyBytes) bytes; the hub accepts at most \(configuration.maximumBytes)."))
        }
        guard !inbound.headersTruncated else {
            return .failure(.malformed(
                "amqp.headers-too-deep", "The AMQP headers nest tables or arrays deeper than \(FieldTable.maximumNesting) levels; the hub does not hold them."))
        }
        guard let messageID = inbound.properties.messageID, !messageID.isEmpty else {
            return .failure(.malformed("amqp.missing-message-id", "The AMQP message_id property is missing; it must equal the envelope id."))
        }
        guard inbound.properties.contentType == CaseEvent.contentType else {
            return .failure(.malformed(
                "amqp.content-type", "The AMQP content_type must be \(CaseEvent.contentType) (structured CloudEvents)."))
        }
        let event: CaseEvent
        do {
            event = try CaseEvent.decode(inbound.body, limits: configuration.parserLimits)
        } catch {
            return .failure(.malformed(error.code.rawValue, "The body is not a readable CloudEvents envelope: \(error)", pointer: error.pointer.description))
        }
        context.eventType = event.type
        context.caseID = event.subject
        context.source = event.source
        guard event.id == messageID else {
            return .failure(.malformed("amqp.message-id-mismatch", "The AMQP message_id differs from the envelope id.", pointer: "/id"))
        }
        let type = event.eventType

        // authenticate
        let senderID: AgencyID
        switch authenticate(inbound, event: event, context: &context) {
        case .success(let sender): senderID = sender
        case .failure(let failure): return .failure(failure)
        }
        guard let entry = rules.catalogue.entry(named: type.name), entry.hasVersion(type.version) else {
            return .failure(RouterFailure(code: "unknown-type", detail: "catalogue.unknown-type", stage: .validate, pointer: "/type",
                                          reason: "The event type \(type.full) is not in the event catalogue."))
        }
        guard entry.producers.contains(where: { $0.matches(senderID) }) else {
            return .failure(.unauthorized(
                "auth.not-a-producer", "Agency \(senderID) may not emit \(type.name) (catalogue producers: \(entry.producers.map(\.description).joined(separator: ", "))).",
                incident: "unauthorized-event-type", pointer: "/type"))
        }
        let attributes = event.amqpAttributes
        let mismatched = event.mismatches(AMQPAttributes(inbound.properties), expected: attributes)
        guard mismatched.isEmpty else {
            return .failure(.malformed("amqp.attribute-mismatch", "AMQP properties contradict the envelope: \(mismatched.joined(separator: ", ")).", pointer: nil))
        }

        // validate
        let result = rules.schemas.validate(event)
        guard result.isValid else {
            let violations = result.errors.prefix(50).map {
                RouterFailure.Violation(instanceLocation: $0.instanceLocation.description, keyword: $0.keyword, message: $0.message)
            }
            let first = result.errors.first
            return .failure(RouterFailure(
                code: "invalid", detail: "schema.\(first?.keyword ?? "invalid")", stage: .validate, pointer: first?.instanceLocation.description,
                reason: "The message does not match the schema of \(type.full): \(result.errors.count) error(s); first: \(first?.message ?? "-")",
                violations: Array(violations)))
        }
        return .success((event, type, senderID, attributes))
    }

    /// The sender is the broker user RabbitMQ authenticated (user_id); a trusted relay (the
    /// router's own retries, the replay tool) vouches for the original sender in a header.
    /// The sender goes into the context as soon as it is known, so even a forged source gets
    /// its receipt and its incident report. Returns the sender, parsed once.
    func authenticate(_ inbound: Inbound, event: CaseEvent, context: inout MessageContext) -> Result<AgencyID, RouterFailure> {
        guard let userID = inbound.properties.userID, !userID.isEmpty else {
            return .failure(.unauthorized("auth.missing-user-id", "The AMQP user_id is missing: the hub cannot tell who sent this."))
        }
        let sender: AgencyID
        if context.fromHub {
            guard let relayed = inbound.properties.headers?[HubHeader.sender]?.stringValue.flatMap({ AgencyID($0) }) else {
                return .failure(.unauthorized("auth.relay-without-sender", "A relayed message lacks the \(HubHeader.sender) header."))
            }
            sender = relayed
        } else {
            guard let user = AgencyID(userID) else {
                return .failure(.unauthorized("auth.unknown-user", "The broker user \(userID) is not a partner agency."))
            }
            sender = user
        }
        context.sender = sender.rawValue
        guard let claimed = AgencyID(urn: event.source) else {
            return .failure(.unauthorized("auth.bad-source", "The source is not an agency URN urn:de:migration:<agency>.", pointer: "/source"))
        }
        guard claimed == sender else {
            return .failure(.unauthorized(
                "auth.source-mismatch", "The source names \(claimed) but the message was sent by \(sender).",
                incident: "forged-sender", pointer: "/source"))
        }
        return .success(sender)
    }

    // MARK: - transform → route → project

    public func route(_ admitted: Admitted) -> Result<Routed, RouterFailure> {
        var context = admitted.context
        let sender = admitted.sender.rawValue
        guard let entry = rules.catalogue.entry(named: admitted.type.name) else {
            return .failure(RouterFailure(code: "unknown-type", detail: "catalogue.unknown-type", stage: .route, reason: "The event type vanished from the catalogue."))
        }
        // transform: upcast older versions to the current one
        var event = admitted.event
        let upcast = admitted.type.version != entry.currentVersion
        if upcast {
            do {
                event = try rules.upcaster.upcast(event)
            } catch {
                return .failure(RouterFailure(
                    code: "transform-failed", detail: "transform.upcast", stage: .transform,
                    reason: "Upcasting \(admitted.type.full) to v\(entry.currentVersion) failed: \(error)"))
            }
        }
        let currentType = event.eventType

        // route
        // Rules that share a routing field split its values by pattern (e.g. requester → abh.*
        // or av.*); a value no rule claims, or a required field that is absent, is unroutable.
        var recipients: [String] = []
        var claimed: [String: Set<String>] = [:]
        var offered: [String: [JSONValue]] = [:]
        let envelopeValue = JSONValue.object(event.object)
        for rule in entry.routing {
            if let producers = rule.fromProducers, !producers.contains(where: { $0.matches(admitted.sender) }) { continue }
            guard let pointer = rule.selectBy else {
                // A fixed recipient; a wildcard without a field to select by chooses nobody.
                if let agency = rule.to.agency, !recipients.contains(agency.rawValue) { recipients.append(agency.rawValue) }
                continue
            }
            let key = pointer.description
            let values = offered[key] ?? rule.selectedValues(in: envelopeValue)
            offered[key] = values
            if values.isEmpty {
                if rule.optional { continue }
                return .failure(.unroutable("route.missing-field", "The routing field \(key) is missing; it names the recipient.", pointer: key))
            }
            for case .string(let text) in values {
                guard let agency = AgencyID(text), rule.to.matches(agency) else { continue }
                claimed[key, default: []].insert(text)
                if !recipients.contains(agency.rawValue) { recipients.append(agency.rawValue) }
            }
        }
        for (key, values) in offered {
            for value in values where !(value.stringValue.map { claimed[key, default: []].contains($0) } ?? false) {
                return .failure(.unroutable(
                    "route.bad-recipient", "The routing field \(key) names \(value.stringValue.map { "'\($0)'" } ?? "a non-string"), which no routing rule of \(currentType.name) accepts.",
                    pointer: key))
            }
        }
        guard !recipients.isEmpty else {
            return .failure(.unroutable("route.no-recipient", "No routing rule of \(currentType.name) chose a recipient."))
        }

        // project
        // A copy the rules leave whole carries the sender's own bytes (nothing re-encoded, and
        // the hub's cost does not grow with the body); each other projection's message is
        // built once, however many recipients share it.
        let targets = context.pendingRecipients.map { pending in recipients.filter(pending.contains) } ?? recipients
        // A retry or replay owed to recipients the rules no longer choose delivers nothing:
        // dead-letter it rather than acknowledge it with no copy.
        guard !targets.isEmpty else {
            return .failure(.unroutable(
                "route.pending-not-recipient",
                "The recipients this message is still owed to (\((context.pendingRecipients ?? []).sorted().joined(separator: ", "))) are not among those the routing rules of \(currentType.name) choose."))
        }
        // Keyed by the projection, nil for a whole copy: a rules file may name a projection
        // like its default ("full") without the two sharing a body.
        var messages: [String?: Message] = [:]
        var copies: [Copy] = []
        for recipient in targets {
            let projection = rules.projections.projection(for: recipient, type: currentType.name)
            let name = projection?.name ?? rules.projections.defaultName
            let message: Message
            if let known = messages[projection?.name] {
                message = known
            } else {
                let body = projection == nil && !upcast ? admitted.body : rules.projections.apply(projection, to: envelopeValue).serialized()
                let attributes = upcast ? event.amqpAttributes : admitted.attributes
                message = Message(body: body, properties: outputProperties(
                    event, attributes: attributes, type: currentType, sender: sender, projection: name, context: context))
                messages[projection?.name] = message
            }
            copies.append(Copy(recipient: recipient, projection: name, type: currentType.full, message: message))
        }
        context.eventType = currentType.full
        return .success(Routed(copies: copies, context: context, recipients: recipients))
    }

    func outputProperties(
        _ event: CaseEvent, attributes: AMQPAttributes, type: EventTypeName, sender: String, projection: String, context: MessageContext
    ) -> BasicProperties {
        var headers = FieldTable()
        for (key, value) in attributes.headers.sorted(by: { $0.key < $1.key }) { headers[key] = .string(value) }
        headers[HubHeader.sender] = .string(sender)
        headers[HubHeader.projection] = .string(projection)
        headers[HubHeader.routerVersion] = .string(configuration.routerVersion)
        if context.replayed { headers[HubHeader.replayed] = .string("true") }
        return BasicProperties(
            contentType: CaseEvent.contentType, headers: headers, deliveryMode: .persistent,
            correlationID: attributes.correlationID, messageID: event.id, timestamp: attributes.timestamp,
            type: type.full, userID: configuration.brokerUser, appID: "drehscheibe-router")
    }
}

/// Limits and identities the pipeline needs; configuration, not rules.
public struct PipelineConfiguration: Sendable {
    public var maximumBytes = 1 << 20
    public var parserLimits = JSONParser.Limits()
    /// The router's broker user: output copies carry it as user_id (RabbitMQ checks it).
    public var brokerUser = "drehscheibe-router"
    /// Broker users allowed to republish on behalf of an agency (with x-drehscheibe-sender).
    public var trustedRelays: Set<String> = ["drehscheibe-router", "drehscheibe-ops"]
    public var routerVersion = RouterVersion.current

    public init() {}
}

public enum RouterVersion {
    public static let current = "0.1.0"
}
