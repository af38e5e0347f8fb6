import AMQP
import CaseModel
import Foundation
@testable import Router
import Testing

/// The dead-letter contract: one FailureContext, written by the router, read back by the store.
@Suite("Failure context (the dead-letter contract, pure)")
struct FailureContextTests {
    func read(_ headers: FieldTable) -> FailureContext {
        FailureContext { name in
            switch headers[name] {
            case .string(let text)?: .text(text)
            case let value?: value.int64Value.map(FailureContext.HeaderField.integer)
            case nil: nil
            }
        }
    }

    @Test("what is written as headers reads back the same")
    func roundTrip() {
        let context = FailureContext(
            errorCode: "invalid", errorDetail: "schema.required", stage: "validate", pointer: "/data/person", reason: "missing",
            attempts: 2, firstFailure: Date(timeIntervalSince1970: 1_772_355_600.125), lastFailure: Date(timeIntervalSince1970: 1_772_355_601),
            originalExchange: "case.ingress", originalRoutingKey: "de.migration.x.v1", routerVersion: "0.1.0")
        let fields = context.headerFields
        #expect(FailureContext { name in fields.first { $0.name == name }?.value } == context)
        #expect(Set(fields.map(\.name)).isSubset(of: [
            HubHeader.errorCode, HubHeader.errorDetail, HubHeader.stage, HubHeader.pointer, HubHeader.reason, HubHeader.attempts,
            HubHeader.firstFailure, HubHeader.lastFailure, HubHeader.originalExchange, HubHeader.originalRoutingKey, HubHeader.routerVersion,
        ]))
    }

    @Test("the router's dead letter carries the failure as the store reads it")
    func routerWritesTheContract() throws {
        let envelope = try example("security.check-requested.v1", "invalid-legal-basis.json")
        let (message, _) = inbound(envelope)
        let (result, context) = Pipeline(rules: sharedRules).admit(message)
        guard case .failure(let failure) = result else { Issue.record("admitted"); return }
        let now = Date(timeIntervalSince1970: 1_772_355_600)
        let letter = DeadLetter.message(for: message, failure: failure, context: context, now: now, routerUser: "drehscheibe-router")
        let stored = read(try #require(letter.properties.headers))
        #expect(stored.errorCode == failure.code)
        #expect(stored.errorDetail == failure.detail)
        #expect(stored.stage == failure.stage.rawValue)
        #expect(stored.pointer == failure.pointer)
        #expect(stored.reason == failure.reason)
        #expect(stored.attempts == 1)
        #expect(stored.firstFailure == now && stored.lastFailure == now)
        #expect(stored.originalExchange == "case.ingress")
        #expect(stored.originalRoutingKey == message.routingKey)
    }
}
