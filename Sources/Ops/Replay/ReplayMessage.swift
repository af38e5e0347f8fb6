import AMQP
import CaseModel
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
        HubHeader.errorCode, HubHeader.errorDetail, HubHeader.stage, HubHeader.pointer,
        HubHeader.reason, HubHeader.attempts, HubHeader.firstFailure, HubHeader.lastFailure,
        HubHeader.originalExchange, HubHeader.originalRoutingKey, HubHeader.routerVersion,
        HubHeader.retryTier, HubHeader.replayed, HubHeader.replayID, HubHeader.death,
        HubHeader.deliveryCount, "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
    ]

    public static func make(_ payload: ReplayPayload, brokerUser: String) -> Message {
        let original = payload.properties
        var headers = (original.headers ?? []).filter { !removedHeaders.contains($0.name) }
        let sender = original.header(HubHeader.sender)?.stringValue
            ?? original.userID.flatMap { $0.hasPrefix("drehscheibe-") ? nil : $0 }
        headers.removeAll { $0.name == HubHeader.sender }
        if let sender { headers.append(Header(HubHeader.sender, .string(sender))) }
        headers.append(Header(HubHeader.replayed, .string("true")))
        headers.append(Header(HubHeader.replayID, .string(payload.jobID)))
        var properties = original
        properties.headers = headers
        properties.userID = brokerUser
        properties.deliveryMode = 2
        return Message(body: payload.body, properties: BasicProperties(properties))
    }
}
