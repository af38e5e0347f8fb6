import AMQP
import CaseModel
import Foundation
import Store

/// Builds the message a replay publishes from a stored dead letter: the body (edited, if it
/// was edited) and the original properties, with every hub and broker header taken off and
/// the replay marked. A replay never bypasses the router: it always goes to `case.ingress`.
///
/// - The message id stays: the router's dedupe and the recipients' deduplication recognise it.
/// - `user_id` becomes the publishing broker user (RabbitMQ refuses any other); the sender
///   travels in `x-drehscheibe-sender`, which the router believes from `drehscheibe-ops` as a
///   relay. It is the sender the store vouches for (``Store/ReplayPayload/sender``: the
///   router's own record, or the `user_id` RabbitMQ verified), never a header of the letter.
/// - `x-drehscheibe-replayed: "true"` and `x-drehscheibe-replay-id` say it is a replay.
/// - The letter's own `x-drehscheibe-*` headers (failure context, retry bookkeeping, the copy's
///   projection), RabbitMQ's `x-death` family and `CC`/`BCC` are removed: the replay starts a
///   fresh attempt, and nothing a sender wrote into them travels as the hub's word.
/// - A copy that failed in an agency's inbox is sent with `x-drehscheibe-pending-recipients`
///   naming that agency (``Store/ReplayRoute/recipient``): the router validates, projects and
///   delivers it again, to that recipient only.
public enum ReplayMessage {
    public static func make(_ payload: ReplayPayload, brokerUser: String) -> Message {
        let original = payload.properties
        var headers = (original.headers ?? []).filter {
            !HubHeader.isReserved($0.name) && !HubHeader.isBrokerSet($0.name) && !HubHeader.senderSelected.contains($0.name)
        }
        if let sender = payload.sender { headers.append(Header(HubHeader.sender, .string(sender))) }
        headers.append(Header(HubHeader.replayed, .string("true")))
        headers.append(Header(HubHeader.replayID, .string(payload.jobID)))
        if let recipient = payload.route.recipient { headers.append(Header(HubHeader.pendingRecipients, .string(recipient))) }
        var properties = original
        properties.headers = headers
        properties.userID = brokerUser
        properties.deliveryMode = 2
        properties.expiration = nil
        return Message(body: payload.body, properties: BasicProperties(properties))
    }
}
