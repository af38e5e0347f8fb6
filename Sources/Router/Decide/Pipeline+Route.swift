import AMQP
import CaseModel
import Foundation

/// transform → route → project: the copies an admitted message becomes.
extension Pipeline {
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
        // Each copy gets what a grant allows its recipient (fail closed: no grant, no copy). A
        // copy whose grant keeps all data under the sender's own legal basis carries the
        // sender's bytes (nothing re-encoded, and the hub's cost does not grow with the body);
        // each other grant's message is built once, however many recipients share it.
        let targets = context.pendingRecipients.map { pending in recipients.filter(pending.contains) } ?? recipients
        // A retry or replay owed to recipients the rules no longer choose delivers nothing:
        // dead-letter it rather than acknowledge it with no copy.
        guard !targets.isEmpty else {
            return .failure(.unroutable(
                "route.pending-not-recipient",
                "The recipients this message is still owed to (\((context.pendingRecipients ?? []).sorted().joined(separator: ", "))) are not among those the routing rules of \(currentType.name) choose."))
        }
        var messages: [String: Message] = [:]
        var copies: [Copy] = []
        for recipient in targets {
            guard let projection = rules.projections.projection(for: recipient, type: currentType.name) else {
                return .failure(.unroutable(
                    "route.no-grant",
                    "No grant of rules/projections.json lets \(recipient) receive \(currentType.name): need-to-know fails closed."))
            }
            let message: Message
            if let known = messages[projection.name] {
                message = known
            } else {
                let untouched = projection.keepsAllData && !upcast && event.legalpurpose == projection.legalBasis
                let body = untouched ? admitted.body : rules.projections.apply(projection, to: envelopeValue).serialized()
                var attributes = upcast ? event.amqpAttributes : admitted.attributes
                attributes.headers["ce-legalpurpose"] = projection.legalBasis
                message = Message(body: body, properties: outputProperties(
                    event, attributes: attributes, type: currentType, sender: sender, projection: projection.name, context: context))
                messages[projection.name] = message
            }
            copies.append(Copy(
                recipient: recipient, projection: projection.name, legalBasis: projection.legalBasis, type: currentType.full, message: message))
        }
        context.eventType = currentType.full
        let deadlines = rules.deadlines.involved.contains(currentType.name)
            ? DeadlineInput(event: event, type: currentType, sender: sender, rules: rules.deadlines) : nil
        return .success(Routed(copies: copies, context: context, recipients: recipients, deadlines: deadlines))
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
