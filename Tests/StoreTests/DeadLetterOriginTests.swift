import CaseModel
import Foundation
import Store
import Testing

/// Who wrote a dead letter decides what the store believes of it (pure, no database).
@Suite("Dead-letter origin: what the store believes from whom")
struct DeadLetterOriginTests {
    let forgedContext: [Header] = [
        Header("x-drehscheibe-error-code", .string("invalid")), Header("x-drehscheibe-sender", .string("bka")),
        Header("x-drehscheibe-original-exchange", .string("case.deliver")), Header("x-drehscheibe-original-routing-key", .string("bfv")),
    ]

    func death(queue: String, reason: String) -> Header {
        Header("x-death", .array([.table([
            Header("count", .int64(.max)), Header("reason", .string(reason)), Header("queue", .string(queue)),
            Header("time", .timestamp(.max)), Header("exchange", .string("case.ingress")),
            Header("routing-keys", .array([.string("de.migration.visa.application-submitted.v1")])),
        ])]))
    }

    @Test("the router's own letter: its failure context and the sender it names are believed")
    func router() {
        let properties = MessageProperties(headers: forgedContext, userID: "drehscheibe-router")
        let (origin, failure, sender) = DeadLetterOrigin.classify(properties, routerUser: "drehscheibe-router")
        #expect(origin == .router)
        #expect(failure.errorCode == "invalid")
        #expect(sender == "bka")
    }

    @Test("a partner's message RabbitMQ dead-lettered from a hub queue: x-death is believed, the partner's own hub headers are not")
    func brokerDeadLettered() {
        let properties = MessageProperties(
            headers: forgedContext + [death(queue: "router.ingress.2", reason: "delivery_limit")], userID: "av.istanbul")
        let (origin, failure, sender) = DeadLetterOrigin.classify(properties, routerUser: "drehscheibe-router")
        #expect(origin == .broker)
        #expect(failure.errorCode == "delivery-limit")
        #expect(failure.originalExchange == "case.ingress")
        #expect(failure.attempts == Int.max)
        #expect(sender == "av.istanbul")
    }

    @Test("anything else is not believed and names no sender", arguments: [
        MessageProperties(headers: [Header("x-drehscheibe-error-code", .string("invalid")), Header("x-drehscheibe-sender", .string("bka"))], userID: "drehscheibe-admin"),
        MessageProperties(headers: [Header("x-drehscheibe-sender", .string("bka"))], userID: nil),
        MessageProperties(headers: [Header("x-death", .array([.table([Header("queue", .string("some.other")), Header("reason", .string("expired"))])]))], userID: "bka"),
        MessageProperties(headers: [Header("x-death", .string("not an array"))], userID: "bka"),
    ])
    func unknown(properties: MessageProperties) {
        let (origin, failure, sender) = DeadLetterOrigin.classify(properties, routerUser: "drehscheibe-router")
        #expect(origin == .unknown)
        #expect(failure.errorCode == "not-from-hub")
        #expect(sender == nil)
    }
}
