import AMQP
import CaseModel
import Foundation
@testable import Router
import Testing
import TestSupport

/// The trust boundary for AMQP metadata, without a broker: a partner's headers are data, the
/// hub's headers are believed only from the hub's broker users, and no wire value traps.
@Suite("Trust boundary: headers and properties (pure, no broker)")
struct TrustBoundaryTests {
    let pipeline = Pipeline(rules: sharedRules)
    let routerUser = "drehscheibe-router"

    func run(_ inbound: Inbound) -> (Result<Pipeline.Routed, RouterFailure>, MessageContext) {
        let (admitted, context) = pipeline.admit(inbound)
        switch admitted {
        case .failure(let failure): return (.failure(failure), context)
        case .success(let value): return (pipeline.route(value), value.context)
        }
    }

    /// A message the router published itself (a retry), vouching for `sender`.
    func relayed(_ envelope: JSONObject, sender: String, headers: [(String, FieldValue)]) -> Inbound {
        inbound(envelope, userID: routerUser) { properties in
            properties.headers?[HubHeader.sender] = .string(sender)
            for (key, value) in headers { properties.headers?[key] = value }
        }.0
    }

    @Test("a partner cannot choose which recipients get a copy: x-drehscheibe-pending-recipients is refused, with a receipt and a BSI incident")
    func partnerCannotChooseRecipients() throws {
        let envelope = try example("security.check-requested.v1", "valid-visa.json")
        let (message, _) = inbound(envelope) { $0.headers?[HubHeader.pendingRecipients] = "bka" }
        let (result, context) = run(message)
        let failure = try #require(result.failureValue)
        #expect(failure.code == "unauthorized")
        #expect(failure.detail == "auth.reserved-header")
        #expect(failure.incident == "forged-hub-header")
        #expect(failure.reason.contains(HubHeader.pendingRecipients))
        #expect(context.sender == sender(of: envelope))
        let hub = HubEvents(catalogue: sharedRules.catalogue, routerUser: routerUser)
        #expect(hub.receipt(for: failure, inbound: message, context: context, now: Date())?.recipient == sender(of: envelope))
        let incident = try #require(hub.incident(for: failure, inbound: message, context: context, now: Date()))
        #expect(sharedRules.schemas.validate(try CaseEvent.decode(incident.body)).isValid)
    }

    @Test("every header of the hub's namespace, in any letter case, is refused from a partner", arguments: [
        HubHeader.sender, HubHeader.attempts, HubHeader.firstFailure, HubHeader.replayed, HubHeader.replayID, HubHeader.retryTier,
        HubHeader.originalRoutingKey, HubHeader.errorCode, "X-DREHSCHEIBE-SENDER", "x-drehscheibe-anything",
    ])
    func reservedNames(name: String) throws {
        let envelope = try example("visa.application-submitted.v1")
        let (message, _) = inbound(envelope) { $0.headers?[name] = "bva" }
        #expect(run(message).0.failureValue?.detail == "auth.reserved-header")
    }

    @Test("the headers RabbitMQ sets are ignored from a partner: a redelivered message with x-delivery-count and x-death routes as usual")
    func brokerHeadersIgnored() throws {
        let envelope = try example("visa.application-submitted.v1")
        let (message, _) = inbound(envelope) { properties in
            properties.headers?[HubHeader.deliveryCount] = .int64(3)
            properties.headers?[HubHeader.death] = .array([.table(["count": .int64(.max), "time": .timestamp(.max)])])
        }
        let (result, context) = run(message)
        #expect(try result.get().copies.count >= 2)
        #expect(context.attempts == 0)
        #expect(!context.fromHub)
    }

    @Test("the router's own retry may name the recipients still owed a copy, and its counters are bounded")
    func hubRetryBelieved() throws {
        let envelope = try example("security.check-requested.v1", "valid-visa.json")
        let all = try run(inbound(envelope).0).0.get().copies.map(\.recipient)
        #expect(all.count >= 3)
        let retry = relayed(envelope, sender: sender(of: envelope), headers: [
            (HubHeader.pendingRecipients, .string(all[1])), (HubHeader.attempts, .int64(.max)),
        ])
        let (result, context) = run(retry)
        #expect(try result.get().copies.map(\.recipient) == [all[1]])
        #expect(context.attempts == HubMarks.maximumAttempts)
        #expect(context.fromHub)
    }

    @Test("hub headers that are out of bounds are refused even from the hub's own users", arguments: [
        (HubHeader.pendingRecipients, FieldValue.string("bka,../../etc")),
        (HubHeader.pendingRecipients, FieldValue.string(Array(repeating: "bka", count: 65).joined(separator: ","))),
        (HubHeader.attempts, FieldValue.string("1")),
        (HubHeader.originalRoutingKey, FieldValue.string(String(repeating: "k", count: 256))),
        (HubHeader.sender, FieldValue.int64(1)),
    ])
    func hubHeadersBounded(name: String, value: FieldValue) throws {
        let envelope = try example("security.check-requested.v1", "valid-visa.json")
        let failure = try #require(run(relayed(envelope, sender: sender(of: envelope), headers: [(name, value)])).0.failureValue)
        #expect(["hub.bad-header", "auth.relay-without-sender"].contains(failure.detail), "\(failure.detail)")
    }

    @Test("a retry owed only to agencies the rules do not choose is dead-lettered, not acknowledged with no copy")
    func pendingNotRecipient() throws {
        let envelope = try example("visa.application-submitted.v1")
        let retry = relayed(envelope, sender: sender(of: envelope), headers: [(HubHeader.pendingRecipients, "bka")])
        #expect(run(retry).0.failureValue?.detail == "route.pending-not-recipient")
    }

    @Test("the dead letter of a partner's message carries none of its hub-namespace or CC/BCC headers, and its headers stay within one frame")
    func deadLetterHeaders() throws {
        let envelope = try example("visa.application-submitted.v1")
        let (message, _) = inbound(envelope) { properties in
            properties.headers?[HubHeader.sender] = "bka"
            properties.headers?[HubHeader.originalRoutingKey] = "forged"
            properties.headers?["CC"] = .array(["bka"])
            properties.headers?["x-large"] = .bytes([UInt8](repeating: 1, count: 120_000))
            properties.headers?["x-kept"] = "yes"
            properties.timestamp = Date(timeIntervalSince1970: 18_446_744_073_709_551_615)
            properties.expiration = "1"
        }
        let (result, context) = run(message)
        let failure = try #require(result.failureValue)
        let letter = DeadLetter.message(for: message, failure: failure, context: context, now: Date(), routerUser: routerUser)
        let headers = try #require(letter.properties.headers)
        #expect(headers[HubHeader.sender]?.stringValue == sender(of: envelope))
        #expect(headers[HubHeader.originalRoutingKey]?.stringValue == message.routingKey)
        #expect(headers["CC"] == nil)
        #expect(headers["x-large"] == nil)
        #expect(headers["x-kept"]?.stringValue == "yes")
        #expect((headers[HubHeader.omittedHeaderBytes]?.int64Value ?? 0) > 120_000)
        #expect(headers.encodedSize < 64 * 1024)
        #expect(letter.properties.expiration == nil)
        #expect(letter.body == message.body)
    }

    @Test("a body over the limit that the consumer did not hold is too-large, and its dead letter says how large it was")
    func omittedBody() throws {
        let envelope = try example("visa.application-submitted.v1")
        var (message, _) = inbound(envelope, body: [])
        message.omittedBodyBytes = 50 << 20
        let (result, context) = run(message)
        let failure = try #require(result.failureValue)
        #expect(failure.code == "too-large")
        #expect(failure.reason.contains("\(50 << 20)"))
        let letter = DeadLetter.message(for: message, failure: failure, context: context, now: Date(), routerUser: routerUser)
        #expect(letter.properties.headers?[HubHeader.bodyBytes]?.int64Value == 50 << 20)
    }

    @Test("generative: no header table or property set a partner can send traps the pipeline, changes the recipients or leaks into a dead letter")
    func generative() throws {
        var fuzz = WireFuzz(random: SeededGenerator())
        let seed = fuzz.random.reproduction
        let envelope = try example("security.check-requested.v1", "valid-visa.json")
        let expected = try run(inbound(envelope).0).0.get().copies.map(\.recipient)
        let retryPolicy = RetryPolicy()
        for round in 0..<2_000 {
            let (base, _) = inbound(envelope)
            let (properties, hubHeaders) = fuzz.properties(base.properties)
            var message = base
            message.properties = properties
            let (result, context) = run(message)
            switch result {
            case .success(let routed):
                #expect(!hubHeaders, "round \(round): a message with hub headers was routed; \(seed)")
                #expect(routed.copies.map(\.recipient) == expected, "round \(round): recipients changed; \(seed)")
            case .failure(let failure):
                if hubHeaders { #expect(failure.detail == "auth.reserved-header", "round \(round): \(failure.detail); \(seed)") }
                let letter = DeadLetter.message(for: message, failure: failure, context: context, now: Date(), routerUser: routerUser)
                let retry = retryPolicy.retryMessage(
                    for: message, failure: failure, context: context, tier: "5s", pending: [], now: Date(), routerUser: routerUser)
                for (output, isLetter) in [(letter, true), (retry, false)] {
                    let headers = output.properties.headers ?? FieldTable()
                    #expect(headers.encodedSize < 64 * 1024, "round \(round): \(headers.encodedSize) bytes of headers; \(seed)")
                    #expect(headers["CC"] == nil && headers["BCC"] == nil, "round \(round); \(seed)")
                    let sender = isLetter ? context.sender ?? message.properties.userID : context.sender
                    #expect(headers[HubHeader.sender]?.stringValue == sender, "round \(round); \(seed)")
                    #expect(headers[HubHeader.pendingRecipients] == nil, "round \(round); \(seed)")
                    #expect(output.properties.userID == routerUser)
                }
            }
        }
    }
}
