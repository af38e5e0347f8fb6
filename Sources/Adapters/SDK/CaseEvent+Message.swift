import Foundation
import AMQP
import CaseModel

extension CaseEvent {
    /// The AMQP message an agency publishes for this event: the envelope bytes with properties
    /// mirroring it (``CaseEvent/amqpAttributes``: message_id, type, correlation_id, timestamp,
    /// content type, app_id and the `ce-*` headers, `ce-subject` being the key the router's
    /// shards hash on), delivery mode 2 and `user_id` = the agency's broker user, which
    /// RabbitMQ verifies and the router trusts as the authenticated sender.
    public func message(userID: String) -> Message {
        message(body: serialized(), userID: userID)
    }

    /// Like ``message(userID:)`` with the body as it was stored (the spool keeps exact bytes).
    func message(body: [UInt8], userID: String) -> Message {
        let attributes = amqpAttributes
        var headers = FieldTable()
        for (key, value) in attributes.headers.sorted(by: { $0.key < $1.key }) { headers[key] = .string(value) }
        let properties = BasicProperties(
            contentType: attributes.contentType, contentEncoding: attributes.contentEncoding, headers: headers,
            deliveryMode: .persistent, correlationID: attributes.correlationID, messageID: attributes.messageID,
            timestamp: attributes.timestamp, type: attributes.type, userID: userID, appID: attributes.appID)
        return Message(body: body, properties: properties)
    }
}
