import AMQP
import CaseModel
import Foundation

/// decode → authenticate → validate: whether a message is admitted, and what is known of it.
extension Pipeline {
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
}
