import AMQP
import CaseModel
import Foundation

extension DeadlineNotice {
    /// The notice as the router publishes it to the deadline queue, with the routed message's id
    /// (for the logs) and the router's user, which the deadline service checks.
    func message(about messageID: String?, routerUser: String, now: Date) -> Message {
        Message(body: serialized, properties: BasicProperties(
            contentType: Self.contentType, deliveryMode: .persistent, messageID: messageID.map { "deadline-notice:\($0.prefix(200))" },
            timestamp: now, userID: routerUser, appID: "drehscheibe-router"))
    }
}
