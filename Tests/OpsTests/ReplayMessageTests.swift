import AMQP
import Foundation
import Ops
import Store
import Testing

@Suite("Replayed messages")
struct ReplayMessageTests {
    @Test func keepTheIdMarkTheReplayAndDropTheFailure() throws {
        let original = routerDeadLetter(messageID: "m-42", sender: "av.istanbul", originalRoutingKey: "ba")
        var properties = MessageProperties(original.properties)
        properties.userID = "drehscheibe-router"
        properties.headers?.append(Header("x-death", .array([.table([Header("count", .int64(1))])])))
        properties.headers?.append(Header("x-delivery-count", .int64(2)))
        properties.headers?.append(Header("x-custom", .int16(7)))
        let payload = ReplayPayload(
            jobID: "job-1", deadLetterID: DeadLetterID(1), messageID: "m-42", body: original.body, properties: properties,
            route: ReplayRoute(exchange: "case.deliver", routingKey: "ba"), attempt: 1)
        let message = ReplayMessage.make(payload, brokerUser: "drehscheibe-ops")
        let headers = try #require(message.properties.headers)
        #expect(message.body == original.body)
        #expect(message.properties.messageID == "m-42")
        #expect(message.properties.userID == "drehscheibe-ops")
        #expect(message.properties.type == original.properties.type)
        #expect(message.properties.deliveryMode == .persistent)
        #expect(headers["x-drehscheibe-replayed"] == .string("true"))
        #expect(headers["x-drehscheibe-replay-id"] == .string("job-1"))
        #expect(headers["x-drehscheibe-sender"] == .string("av.istanbul"))
        #expect(headers["x-drehscheibe-projection"] == .string("ba-consent"))
        #expect(headers["x-custom"] == .int16(7))
        for removed in ["x-drehscheibe-error-code", "x-drehscheibe-attempts", "x-drehscheibe-last-failure", "x-death", "x-delivery-count"] {
            #expect(headers[removed] == nil, "\(removed) kept")
        }
    }

    @Test func takeTheSenderFromTheOriginalUser() {
        let payload = ReplayPayload(
            jobID: "j", deadLetterID: DeadLetterID(1), messageID: "m", body: [],
            properties: MessageProperties(headers: [], messageID: "m", userID: "bamf"), route: ReplayRoute(exchange: "e", routingKey: "k"),
            attempt: 1)
        let headers = ReplayMessage.make(payload, brokerUser: "drehscheibe-ops").properties.headers
        #expect(headers?["x-drehscheibe-sender"] == .string("bamf"))
    }
}
