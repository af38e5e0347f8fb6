import AMQP
import Foundation
import Store

/// Builds the message a replay publishes from a stored dead letter: the body (edited, if it
/// was edited) and the original properties, with the failure context taken off and the
/// replay marked.
///
/// - The message id stays: the router's dedupe and the recipients' deduplication recognise it.
/// - `user_id` becomes the publishing broker user (RabbitMQ refuses any other); the original
///   sender travels in `x-drehscheibe-sender`, which the router trusts from `drehscheibe-ops`
///   as a relay.
/// - `x-drehscheibe-replayed: "true"` and `x-drehscheibe-replay-id` say it is a replay.
/// - The failure headers (`x-drehscheibe-error-code` …), the retry bookkeeping and RabbitMQ's
///   `x-death` family are removed: the replay starts a fresh attempt.
public enum ReplayMessage {
    static let removedHeaders: Set<String> = [
        DeadLetterHeader.errorCode, DeadLetterHeader.errorDetail, DeadLetterHeader.stage, DeadLetterHeader.pointer,
        DeadLetterHeader.reason, DeadLetterHeader.attempts, DeadLetterHeader.firstFailure, DeadLetterHeader.lastFailure,
        DeadLetterHeader.originalExchange, DeadLetterHeader.originalRoutingKey, DeadLetterHeader.routerVersion,
        DeadLetterHeader.retryTier, DeadLetterHeader.replayed, DeadLetterHeader.replayID, DeadLetterHeader.death,
        DeadLetterHeader.deliveryCount, "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
    ]

    public static func make(_ payload: ReplayPayload, brokerUser: String) -> Message {
        let original = payload.properties
        var headers = (original.headers ?? []).filter { !removedHeaders.contains($0.name) }
        let sender = original.header(DeadLetterHeader.sender)?.stringValue
            ?? original.userID.flatMap { $0.hasPrefix("drehscheibe-") ? nil : $0 }
        headers.removeAll { $0.name == DeadLetterHeader.sender }
        if let sender { headers.append(Header(DeadLetterHeader.sender, .string(sender))) }
        headers.append(Header(DeadLetterHeader.replayed, .string("true")))
        headers.append(Header(DeadLetterHeader.replayID, .string(payload.jobID)))
        var properties = original
        properties.headers = headers
        properties.userID = brokerUser
        properties.deliveryMode = 2
        return Message(body: payload.body, properties: BasicProperties(properties))
    }
}
