import AMQP
import Foundation
import Ops
import Store
import Testing

@Suite("Replayed messages")
struct ReplayMessageTests {
    @Test("a replayed copy keeps its id, marks the replay, drops every hub and broker header, and goes through the router to its one recipient")
    func keepTheIdMarkTheReplayAndDropTheFailure() throws {
        let original = routerDeadLetter(messageID: "m-42", sender: "av.istanbul", originalRoutingKey: "ba")
        var properties = MessageProperties(original.properties)
        properties.userID = "drehscheibe-router"
        properties.headers?.append(Header("x-death", .array([.table([Header("count", .int64(1))])])))
        properties.headers?.append(Header("x-delivery-count", .int64(2)))
        properties.headers?.append(Header("x-custom", .int16(7)))
        properties.headers?.append(Header("CC", .array([.string("bka")])))
        let payload = ReplayPayload(
            jobID: "job-1", deadLetterID: DeadLetterID(1), messageID: "m-42", body: original.body, properties: properties,
            route: ReplayRoute(exchange: "case.ingress", routingKey: try #require(original.properties.type), recipient: "ba"), attempt: 1,
            sender: "av.istanbul")
        let message = ReplayMessage.make(payload, brokerUser: "drehscheibe-ops")
        let headers = try #require(message.properties.headers)
        #expect(message.body == original.body)
        #expect(message.properties.messageID == "m-42")
        #expect(message.properties.userID == "drehscheibe-ops")
        #expect(message.properties.type == original.properties.type)
        #expect(message.properties.deliveryMode == BasicProperties.DeliveryMode.persistent)
        #expect(headers["x-drehscheibe-replayed"] == FieldValue.string("true"))
        #expect(headers["x-drehscheibe-replay-id"] == FieldValue.string("job-1"))
        #expect(headers["x-drehscheibe-sender"] == FieldValue.string("av.istanbul"))
        #expect(headers["x-drehscheibe-pending-recipients"] == FieldValue.string("ba"))
        #expect(headers["x-custom"] == FieldValue.int16(7))
        for removed in [
            "x-drehscheibe-error-code", "x-drehscheibe-attempts", "x-drehscheibe-last-failure", "x-drehscheibe-projection", "x-death",
            "x-delivery-count", "CC",
        ] {
            #expect(headers[removed] == nil, "\(removed) kept")
        }
    }

    @Test("the sender comes from the store's vouched sender, never from a header of the letter")
    func senderFromTheStoreOnly() {
        let forged = MessageProperties(headers: [Header("x-drehscheibe-sender", .string("bka"))], messageID: "m", userID: "bamf")
        let payload = ReplayPayload(
            jobID: "j", deadLetterID: DeadLetterID(1), messageID: "m", body: [], properties: forged,
            route: ReplayRoute(exchange: "case.ingress", routingKey: "k"), attempt: 1, sender: "bamf")
        let message = ReplayMessage.make(payload, brokerUser: "drehscheibe-ops")
        #expect(message.properties.headers?["x-drehscheibe-sender"] == FieldValue.string("bamf"))
        #expect(message.properties.headers?["x-drehscheibe-pending-recipients"] == nil)
        let unknown = ReplayPayload(
            jobID: "j", deadLetterID: DeadLetterID(1), messageID: "m", body: [], properties: forged,
            route: ReplayRoute(exchange: "case.ingress", routingKey: "k"), attempt: 1, sender: nil)
        #expect(ReplayMessage.make(unknown, brokerUser: "drehscheibe-ops").properties.headers?["x-drehscheibe-sender"] == nil)
    }
}
