import AMQP
import CaseModel
import Foundation

/// Builds the dead letter for a failed message: the original body byte for byte and the
/// original properties, plus the failure context (``CaseModel/FailureContext``, the one contract
/// the store reads back) as x-drehscheibe-* headers (Schemas/asyncapi.yaml).
/// The sender's own headers travel as ``Inbound/carriedHeaders(fromHub:)`` leaves them; a body
/// too large to hold is not carried (``HubHeader/bodyBytes`` says how large it was).
///
/// The original user_id cannot stay (RabbitMQ only lets the router publish with its own), so
/// the authenticated sender moves to `x-drehscheibe-sender`.
public enum DeadLetter {
    public static func message(
        for inbound: Inbound, failure: RouterFailure, context: MessageContext, now: Date, routerUser: String,
        routerVersion: String = RouterVersion.current
    ) -> Message {
        var properties = inbound.properties
        var headers = inbound.carriedHeaders(fromHub: context.fromHub)
        let written = FailureContext(
            errorCode: failure.code, errorDetail: failure.detail, stage: failure.stage.rawValue, pointer: failure.pointer, reason: failure.reason,
            // The attempts before this one, and this one. Bounded (HubMarks.maximumAttempts): no overflow.
            attempts: context.attempts + 1, firstFailure: context.firstFailure ?? now, lastFailure: now,
            originalExchange: context.originalExchange ?? inbound.exchange, originalRoutingKey: context.originalRoutingKey ?? inbound.routingKey,
            routerVersion: routerVersion)
        for (name, value) in written.headerFields {
            switch value {
            case .text(let text): headers[name] = .string(text)
            case .integer(let number): headers[name] = .int64(number)
            }
        }
        if let omitted = inbound.omittedBodyBytes { headers[HubHeader.bodyBytes] = .int64(Int64(clamping: omitted)) }
        // The authenticated sender; before authentication, the partner's verified user_id (a
        // hub user's relayed sender is not known to be valid yet, so then none).
        headers[HubHeader.sender] = (context.sender ?? (context.fromHub ? nil : inbound.properties.userID)).map(FieldValue.string)
        headers[HubHeader.retryTier] = nil
        headers[HubHeader.pendingRecipients] = nil
        if !failure.violations.isEmpty {
            headers[HubHeader.violations] = .array(failure.violations.prefix(20).map {
                .table(["instanceLocation": .string($0.instanceLocation), "keyword": .string($0.keyword), "message": .string($0.message)])
            })
        }
        properties.headers = headers
        properties.userID = routerUser
        properties.deliveryMode = .persistent
        // A dead letter must not expire in the dead-letter queue.
        properties.expiration = nil
        return Message(body: inbound.body, properties: properties)
    }
}
