import AMQP
import CaseModel
import Foundation
@testable import Router
import Testing

@Suite("Pipeline stages (pure, no broker)")
struct PipelineTests {
    let pipeline = Pipeline(rules: sharedRules)

    func run(_ inbound: Inbound) -> (Result<Pipeline.Routed, RouterFailure>, MessageContext) {
        let (admitted, context) = pipeline.admit(inbound)
        switch admitted {
        case .failure(let failure): return (.failure(failure), context)
        case .success(let value): return (pipeline.route(value), value.context)
        }
    }

    @Test("every valid example of the catalogue is admitted and routed to at least one recipient")
    func everyValidExampleRoutes() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: schemasDirectory.appendingPathComponent("examples").path).sorted()
        var routed = 0
        for folder in folders {
            let files = try FileManager.default.contentsOfDirectory(atPath: schemasDirectory.appendingPathComponent("examples/\(folder)").path)
            for file in files.sorted() where file.hasPrefix("valid-") {
                let envelope = try example(folder, file)
                // Hub events are the router's own output, not input from agencies.
                if sender(of: envelope) == "hub" { continue }
                let (result, _) = run(inbound(envelope).0)
                switch result {
                case .success(let value):
                    #expect(!value.copies.isEmpty, "\(folder)/\(file)")
                    routed += 1
                case .failure(let failure):
                    Issue.record("\(folder)/\(file): \(failure.code) \(failure.detail): \(failure.reason)")
                }
            }
        }
        #expect(routed >= 18)
    }

    @Test("each copy is valid against the current schema of its type after projection")
    func projectedCopiesStayValid() throws {
        for folder in ["security.check-requested.v1", "employment.consent-requested.v1", "asylum.seeker-registered.v2", "visa.application-submitted.v1"] {
            let (result, _) = run(inbound(try example(folder)).0)
            let routed = try result.get()
            for copy in routed.copies {
                let event = try CaseEvent.decode(copy.message.body)
                let validation = sharedRules.schemas.validate(event)
                #expect(validation.isValid, "\(folder) → \(copy.recipient) (\(copy.projection)): \(validation.errors.map(\.message))")
            }
        }
    }

    @Test("§ 73 AufenthG projection: security agencies get applicant, inviter, guarantors, no AZR number; the register gets all")
    func securityProjection() throws {
        var envelope = try example("security.check-requested.v1", "valid-visa.json")
        // Add a spouse (not named by § 73) with an AZR number to the persons.
        guard case .object(var data) = envelope["data"]!, case .array(var persons) = data["persons"]! else { Issue.record("shape"); return }
        var spouse = persons[0].objectValue!
        spouse["role"] = "spouse"
        spouse["familyName"] = "Ehepartner"
        var identifiers = spouse["identifiers"]?.objectValue ?? [:]
        identifiers["azrNumber"] = "100166902432"
        spouse["identifiers"] = .object(identifiers)
        persons.append(.object(spouse))
        data["persons"] = .array(persons)
        envelope["data"] = .object(data)

        let routed = try run(inbound(envelope).0).0.get()
        let byRecipient = Dictionary(uniqueKeysWithValues: routed.copies.map { ($0.recipient, $0) })
        #expect(Set(byRecipient.keys).isSuperset(of: ["bka", "bfv", "bpol"]))
        for agency in ["bka", "bfv", "bpol"] {
            let copy = try #require(byRecipient[agency])
            #expect(copy.projection == "security-consultation-73")
            let sent = try JSONValue(parsing: copy.message.body)
            let roles = sent["data"]?["persons"]?.arrayValue?.compactMap { $0["role"]?.stringValue } ?? []
            #expect(!roles.contains("spouse"))
            #expect(roles.allSatisfy { ["applicant", "inviter", "guarantor"].contains($0) })
            #expect(!String(decoding: copy.message.body, as: UTF8.self).contains("azrNumber"))
            #expect(copy.message.properties.headers?[HubHeader.projection] == .string("security-consultation-73"))
        }
    }

    @Test("v1 is upcast through v2 to v3 before delivery; the copy is a valid v3 event")
    func upcast() throws {
        let envelope = try example("asylum.seeker-registered.v1")
        let routed = try run(inbound(envelope).0).0.get()
        for copy in routed.copies {
            #expect(copy.type == "de.migration.asylum.seeker-registered.v3")
            let event = try CaseEvent.decode(copy.message.body)
            #expect(event.eventType.version == 3)
            #expect(sharedRules.schemas.validate(event).isValid)
            #expect(copy.message.properties.type == "de.migration.asylum.seeker-registered.v3")
        }
        #expect(routed.context.eventType == "de.migration.asylum.seeker-registered.v3")
    }

    @Test("content routing: the responsible foreigners' office in the data selects its inbox")
    func contentRouting() throws {
        var envelope = try example("asylum.seeker-registered.v2")
        guard case .object(var data) = envelope["data"]! else { return }
        data["responsibleOffice"] = "abh.muenchen"
        envelope["data"] = .object(data)
        let recipients = try run(inbound(envelope).0).0.get().copies.map(\.recipient)
        #expect(recipients.contains("abh.muenchen"))
        #expect(!recipients.contains { $0.hasPrefix("abh.") && $0 != "abh.muenchen" })
    }

    @Test("a registration before allocation: no responsible office yet; the BAMF gets the police's registrations, not its own")
    func registrationBeforeAllocation() throws {
        let fromPolice = try example("asylum.seeker-registered.v3", "valid-lpol-by-without-office.json")
        #expect(fromPolice["data"]?["responsibleOffice"] == nil)
        let recipients = try run(inbound(fromPolice, userID: "lpol.by").0).0.get().copies.map(\.recipient)
        #expect(Set(recipients) == ["bva", "bamf", "ae.by", "bka"])
        var fromBAMF = fromPolice
        fromBAMF["source"] = "urn:de:migration:bamf"
        let own = try run(inbound(fromBAMF, userID: "bamf").0).0.get().copies.map(\.recipient)
        #expect(Set(own) == ["bva", "ae.by", "bka"])
        let centre = try example("asylum.seeker-registered.v3", "valid-bpol-reception-centre-ae-by.json")
        #expect(try run(inbound(centre, userID: "bpol").0).0.get().copies.map(\.recipient).contains("ae.by"))
    }

    @Test("a refusal of entry goes to the mission that issued the visa, not to the Foreign Office; without a German visa to the register only")
    func refusalToTheIssuingMission() throws {
        let holder = try example("border.entry-refused.v2", "valid-visa-annulled-av-istanbul.json")
        let routed = try run(inbound(holder, userID: "bpol").0).0.get()
        #expect(Set(routed.copies.map(\.recipient)) == ["bva", "av.istanbul"])
        let mission = try #require(routed.copies.first { $0.recipient == "av.istanbul" })
        #expect(mission.legalBasis == "Art. 34 VO (EG) 810/2009")
        let copy = try CaseEvent.decode(mission.message.body)
        #expect(copy.data["travelDocument"] == nil)
        #expect(copy.data["visaIssuedBy"] == "av.istanbul")
        let withoutVisa = try example("border.entry-refused.v2", "valid-airport-without-visa.json")
        #expect(try run(inbound(withoutVisa, userID: "bpol").0).0.get().copies.map(\.recipient) == ["bva"])
        let v1 = try example("border.entry-refused.v1", "valid-airport.json")
        #expect(try run(inbound(v1, userID: "bpol").0).0.get().copies.map(\.recipient) == ["bva"])
    }

    @Test("a forged source is unauthorized and a security incident")
    func forgedSource() throws {
        let envelope = try example("visa.application-submitted.v1")
        let (result, context) = run(inbound(envelope, userID: "av.lagos").0)
        let failure = try #require(result.failureValue)
        #expect(failure.code == "unauthorized")
        #expect(failure.detail == "auth.source-mismatch")
        #expect(failure.incident == "forged-sender")
        #expect(context.sender == "av.lagos")
    }

    @Test("an agency that is not a producer of the type is unauthorized")
    func notAProducer() throws {
        var envelope = try example("visa.application-submitted.v1")
        envelope["source"] = "urn:de:migration:bka"
        let failure = try #require(run(inbound(envelope, userID: "bka").0).0.failureValue)
        #expect(failure.detail == "auth.not-a-producer")
    }

    @Test("a missing user_id, message id or wrong content type is refused with its own code")
    func amqpMetadata() throws {
        let envelope = try example("visa.application-submitted.v1")
        #expect(run(inbound(envelope) { $0.userID = nil }.0).0.failureValue?.detail == "auth.missing-user-id")
        #expect(run(inbound(envelope) { $0.messageID = nil }.0).0.failureValue?.detail == "amqp.missing-message-id")
        #expect(run(inbound(envelope) { $0.contentType = "application/json" }.0).0.failureValue?.detail == "amqp.content-type")
        #expect(run(inbound(envelope) { $0.messageID = "other" }.0).0.failureValue?.detail == "amqp.message-id-mismatch")
    }

    @Test("hostile bodies are malformed with the parser's specific code", arguments: [
        ("deep", String(repeating: "[", count: 100_000), "json.too-deep"),
        ("number", "{\"n\":" + String(repeating: "9", count: 10_000) + "}", "json.number-too-long"),
        ("duplicate", #"{"id":"a","id":"b"}"#, "json.duplicate-key"),
        ("truncated", #"{"specversion":"1.0""#, "json.unexpected-end"),
    ])
    func hostile(name: String, body: String, detail: String) throws {
        let envelope = try example("visa.application-submitted.v1")
        let failure = try #require(run(inbound(envelope, body: Array(body.utf8)).0).0.failureValue)
        #expect(failure.code == "malformed")
        #expect(failure.detail == detail)
    }

    @Test("invalid UTF-8 and oversize bodies")
    func bytes() throws {
        let envelope = try example("visa.application-submitted.v1")
        var body = JSONValue.object(envelope).serialized()
        body.insert(contentsOf: [0x22, 0xC3, 0x28, 0x22, 0x2C], at: 1)  // "\xC3(" as a bogus key start
        #expect(run(inbound(envelope, body: body).0).0.failureValue?.detail == "json.invalid-utf8")
        let huge = [UInt8](repeating: 0x20, count: (1 << 20) + 1)
        #expect(run(inbound(envelope, body: huge).0).0.failureValue?.code == "too-large")
    }

    @Test("invalid examples are refused as invalid, with the violations for the receipt")
    func invalidExample() throws {
        let envelope = try example("security.check-requested.v1", "invalid-legal-basis.json")
        let failure = try #require(run(inbound(envelope).0).0.failureValue)
        #expect(failure.code == "invalid")
        #expect(failure.stage == .validate)
        #expect(!failure.violations.isEmpty)
        #expect(failure.pointer?.hasPrefix("/data") == true)
    }

    @Test("receipts and incidents the hub emits are valid against their own schemas and carry no data")
    func hubEvents() throws {
        let envelope = try example("security.check-requested.v1", "invalid-legal-basis.json")
        let (message, _) = inbound(envelope)
        let (result, context) = run(message)
        let failure = try #require(result.failureValue)
        let hub = HubEvents(catalogue: sharedRules.catalogue, routerUser: "drehscheibe-router")
        let receipt = try #require(hub.receipt(for: failure, inbound: message, context: context, now: Date()))
        #expect(receipt.recipient == "bva")
        let event = try CaseEvent.decode(receipt.message.body)
        let validation = sharedRules.schemas.validate(event)
        #expect(validation.isValid, "\(validation.errors.map { "\($0.instanceLocation): \($0.message)" })")
        let text = String(decoding: receipt.message.body, as: UTF8.self)
        #expect(!text.contains("familyName") && !text.contains("Aydın"))

        let forged = try example("visa.application-submitted.v1")
        let (forgedMessage, _) = inbound(forged, userID: "av.lagos")
        let (forgedResult, forgedContext) = run(forgedMessage)
        let forgedFailure = try #require(forgedResult.failureValue)
        let incident = try #require(hub.incident(for: forgedFailure, inbound: forgedMessage, context: forgedContext, now: Date()))
        let incidentEvent = try CaseEvent.decode(incident.body)
        #expect(sharedRules.schemas.validate(incidentEvent).isValid)
    }

    @Test("a retry delivers only to the recipients still pending")
    func pendingRecipients() throws {
        let envelope = try example("security.check-requested.v1", "valid-visa.json")
        let all = try run(inbound(envelope).0).0.get().copies.map(\.recipient)
        #expect(all.count >= 3)
        // Believed only from the router's own user (its retries), which vouches for the sender.
        let (retry, _) = inbound(envelope, userID: "drehscheibe-router") { properties in
            properties.headers?[HubHeader.sender] = .string(sender(of: envelope))
            properties.headers?[HubHeader.pendingRecipients] = .string(all[1])
        }
        #expect(try run(retry).0.get().copies.map(\.recipient) == [all[1]])
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
