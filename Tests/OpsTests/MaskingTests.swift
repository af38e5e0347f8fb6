import CaseModel
import Foundation
import Ops
import Store
import Testing

@Suite("Masking personal data")
struct MaskingTests {
    let envelope = Array("""
        {"specversion":"1.0","id":"e1","source":"urn:de:migration:abh:berlin","type":"de.migration.x.v1","subject":"abh.berlin:A-1",\
        "data":{"requester":"abh.berlin","person":{"familyName":"Muster","birthDate":"1990-01-01","nationalities":["163"],\
        "identifiers":{"azrNumber":"123456789012"}},"consultedAgencies":["bka","bfv"],"count":3,"urgent":true,"note":null}}
        """.utf8)

    @Test func hidesEveryDataValueButRoutingFields() throws {
        let masked = PersonalDataMask().masked(envelope)
        for secret in ["Muster", "1990-01-01", "163", "123456789012", "true", "3"] {
            #expect(!masked.contains("\"\(secret)\"") && !masked.contains(": \(secret)"), "\(secret) leaked")
        }
        for visible in ["abh.berlin:A-1", "\"requester\": \"abh.berlin\"", "\"bka\"", "\"familyName\": \"•••\"", "\"note\": null"] {
            #expect(masked.contains(visible), "\(visible) missing")
        }
        #expect(PersonalDataMask().masked([0xFF, 0x00]) == "(2 bytes, not JSON: hidden)")
    }

    @Test("every field the router routes on (a catalogue selectBy) stays visible: operators diagnose routing without personal data")
    func routingFieldsStayVisible() throws {
        let catalogue = try EventCatalogue(contentsOf: TestSchemas.directory.appendingPathComponent("catalogue.json"))
        let routingFields = Set(catalogue.entries.flatMap(\.routing).compactMap { $0.selectBy?.tokens.last { $0 != "*" } })
        #expect(routingFields.count > 10)
        #expect(routingFields.subtracting(PersonalDataMask().visibleDataMembers).isEmpty,
                "masked routing fields: \(routingFields.subtracting(PersonalDataMask().visibleDataMembers).sorted())")
    }

    @Test func masksDiffValuesByTheirPath() throws {
        let mask = PersonalDataMask()
        #expect(mask.masked(.string("Muster"), at: "/data/person/familyName") == .string("•••"))
        #expect(mask.masked(.string("abh.koeln"), at: "/data/requester") == .string("abh.koeln"))
        #expect(mask.masked(.array(["bka"]), at: "/data/consultedAgencies") == .array(["bka"]))
        #expect(mask.masked(.string("abh.berlin:A-2"), at: "/subject") == .string("abh.berlin:A-2"))
    }

    @Test func aViewIsMaskedUnlessRevealed() async throws {
        try await withSQLiteStore { store in
            let envelope = self.envelope
            let (id, _) = try await store.storeDeadLetter(
                try NewDeadLetter(body: envelope, properties: MessageProperties(messageID: "e1"), exchange: "case.dead", routingKey: "x"))
            let stored = try #require(try await store.deadLetter(id))
            let masked = DeadLetterView(stored, revealPersonalData: false)
            #expect(masked.personalDataMasked)
            #expect(!masked.body.contains("Muster"))
            let revealed = DeadLetterView(stored, revealPersonalData: true)
            #expect(revealed.body.contains("Muster"))
            #expect(masked.bodySHA256 == revealed.bodySHA256)
        }
    }
}
