import CaseModel
import Foundation
import Testing

@Suite("Event catalogue and agency ids")
struct CatalogueTests {
    static func catalogue() throws -> EventCatalogue {
        try EventCatalogue(contentsOf: Contract.directory.appendingPathComponent("catalogue.json"))
    }

    @Test("catalogue.json decodes completely")
    func decodes() throws {
        let catalogue = try Self.catalogue()
        #expect(catalogue.identifier == "urn:de:migration:drehscheibe:catalogue")
        #expect(!catalogue.version.isEmpty)
        #expect(catalogue.entries.count >= 16)
        #expect(catalogue.allTypes.count == catalogue.entries.reduce(0) { $0 + $1.versions.count })

        let seeker = try #require(catalogue.entry(named: "de.migration.asylum.seeker-registered"))
        #expect(seeker.title.de == "Asylsuchende/r registriert")
        #expect(seeker.title.en == "Asylum seeker registered")
        #expect(seeker.versions.map(\.number) == [1, 2, 3])
        #expect(seeker.currentVersion == 3)
        #expect(seeker.current.label == "v3")
        #expect(seeker.hasVersion(1) && seeker.hasVersion(2) && seeker.hasVersion(3) && !seeker.hasVersion(4))
        let v1 = try #require(seeker.version(1))
        #expect(v1.status == .deprecated)
        #expect(v1.schemaPath == "events/asylum.seeker-registered.v1.schema.json")
        #expect(v1.schemaID == "https://drehscheibe.example/schemas/events/asylum.seeker-registered.v1.schema.json")
        #expect(v1.routingKey == "de.migration.asylum.seeker-registered.v1")
        #expect(v1.type.full == v1.routingKey)
        let plan = try #require(v1.upcast)
        #expect(plan.target == 2)
        #expect(plan.steps == [
            .init(operation: .wrapInArray, from: JSONPointer("/person/nationality")!, path: JSONPointer("/person/nationalities")!),
            .init(operation: .move, from: JSONPointer("/fingerprintReference")!, path: JSONPointer("/person/identifiers/fingerprintReference")!),
        ])
        #expect(plan.note?.contains("relative to data") == true)
        // v2 → v3 only relaxes (responsibleOffice known after allocation): an upcast without steps.
        #expect(seeker.version(2)?.status == .deprecated)
        #expect(seeker.version(2)?.upcast?.target == 3)
        #expect(seeker.version(2)?.upcast?.steps == [])
        #expect(seeker.version(3)?.status == .current)
        #expect(seeker.version(3)?.upcast == nil)
        #expect(seeker.producers.map(\.pattern) == ["bpol", "lpol.*", "bamf", "ae.*"])
        #expect(seeker.consumers.map(\.pattern) == ["bva", "bamf", "abh.*", "ae.*", "bka"])
        #expect(seeker.routing.count == 5)
        #expect(seeker.routing[1].to.pattern == "bamf")
        #expect(seeker.routing[1].fromProducers?.map(\.pattern) == ["bpol", "lpol.*", "ae.*"])
        #expect(seeker.routing[2].to.pattern == "abh.*")
        #expect(seeker.routing[2].selectBy == JSONPointer("/data/responsibleOffice"))
        #expect(seeker.routing[2].optional)
        #expect(seeker.routing[0].selectBy == nil && seeker.routing[0].optional == false)
        #expect(seeker.legalBasis.contains("§ 16 AsylG") && seeker.legalBasis.contains("§ 6 AZRG"))
        #expect(seeker.deadline == nil)
        #expect(!seeker.note.isEmpty)

        // A versioned name finds its entry; the version must exist for version(of:).
        #expect(catalogue.entry(named: "de.migration.asylum.seeker-registered.v2")?.name == seeker.name)
        #expect(catalogue.version(of: EventTypeName("de.migration.asylum.seeker-registered.v4")!) == nil)
        #expect(catalogue.entry(named: "de.migration.nothing.here") == nil)
    }

    @Test("routing rules: fromProducers, optional, selectBy with *")
    func routing() throws {
        let catalogue = try Self.catalogue()
        let answered = try #require(catalogue.entry(named: "de.migration.security.check-answered"))
        let toBVA = try #require(answered.routing.first { $0.to.pattern == "bva" })
        #expect(toBVA.fromProducers?.map(\.pattern) == ["bka", "bfv", "bpol", "bnd", "mad", "zka", "lpol.*", "lfv.*"])
        #expect(toBVA.applies(toProducer: AgencyID("lpol.by")!))
        #expect(!toBVA.applies(toProducer: AgencyID("bva")!))

        let requested = try #require(catalogue.entry(named: "de.migration.security.check-requested"))
        let land = try #require(requested.routing.first { $0.to.pattern == "lpol.*" })
        #expect(land.optional)
        #expect(land.note?.isEmpty == false)

        let issued = try #require(catalogue.entry(named: "de.migration.residence.title-issued"))
        let event = try CaseEvent(object: [
            "specversion": "1.0", "id": "i", "source": "urn:de:migration:abh:berlin", "type": "de.migration.residence.title-issued.v1",
            "subject": "abh.berlin:1", "time": "t", "datacontenttype": "application/json", "dataschema": "d",
            "data": ["consultedAgencies": ["ba", "lpol.by", "av.istanbul", "nonsense", "ba"]],
        ])
        let byPattern = Dictionary(uniqueKeysWithValues: issued.routing.map { ($0.to.pattern, $0.recipients(of: event).map(\.rawValue)) })
        #expect(byPattern["bva"] == ["bva"])
        #expect(byPattern["ba"] == ["ba"])
        #expect(byPattern["lpol.*"] == ["lpol.by"])
        #expect(byPattern["av.*"] == ["av.istanbul"])
        #expect(byPattern["bka"] == [])
        #expect(issued.routing[1].selectedValues(in: .object(event.object)).count == 5)
    }

    @Test("deadlines with conditions and variants")
    func deadlines() throws {
        let catalogue = try Self.catalogue()
        func event(_ type: String, _ data: JSONObject) throws -> CaseEvent {
            try CaseEvent(object: ["specversion": "1.0", "id": "i", "source": "s", "type": .string(type), "subject": "s", "time": "t",
                                   "datacontenttype": "application/json", "dataschema": "d", "data": .object(data)])
        }
        let consent = try #require(catalogue.entry(named: "de.migration.visa.abh-consent-requested")?.deadline)
        #expect(consent.duration == "P10D")
        #expect(consent.legalBasis == "§ 31 AufenthV")
        #expect(consent.appliesWhen?.pointer == JSONPointer("/data/securityConsultation"))
        #expect(consent.appliesWhen?.expected == true)
        #expect(consent.duration(for: try event("de.migration.visa.abh-consent-requested.v1", ["securityConsultation": true])) == "P10D")
        #expect(consent.duration(for: try event("de.migration.visa.abh-consent-requested.v1", ["securityConsultation": false])) == nil)

        let employment = try #require(catalogue.entry(named: "de.migration.employment.consent-requested")?.deadline)
        #expect(employment.duration == "P14D")
        #expect(employment.appliesWhen == nil)
        #expect(employment.variants.map(\.duration) == ["P7D"])
        #expect(employment.duration(for: try event("de.migration.employment.consent-requested.v1", ["fastTrack": true])) == "P7D")
        #expect(employment.duration(for: try event("de.migration.employment.consent-requested.v1", [:])) == "P14D")
    }

    @Test("malformed catalogues are rejected with a pointer", arguments: [
        (#"{"catalogue":"c","version":"1","title":"t"}"#, "/events"),
        (#"{"catalogue":"c","version":"1","title":"t","events":[{"type":"de.migration.a.b","title":{"de":"","en":""},"versions":{"v1":{"schema":"s","$id":"i","routingKey":"r","status":"old"}},"current":"v1","producers":["bka"],"consumers":["bva"],"routing":[{"to":"bva"}],"legalBasis":[],"deadline":null,"note":""}]}"#, "/events/0/versions/v1/status"),
        (#"{"catalogue":"c","version":"1","title":"t","events":[{"type":"de.migration.a.b","title":{"de":"","en":""},"versions":{"v1":{"schema":"s","$id":"i","routingKey":"r","status":"current"}},"current":"v2","producers":["bka"],"consumers":["bva"],"routing":[{"to":"bva"}],"legalBasis":[],"deadline":null,"note":""}]}"#, "/events/0/current"),
        (#"{"catalogue":"c","version":"1","title":"t","events":[{"type":"de.migration.a.b","title":{"de":"","en":""},"versions":{"v1":{"schema":"s","$id":"i","routingKey":"r","status":"current"}},"current":"v1","producers":["abh.Berlin"],"consumers":["bva"],"routing":[{"to":"bva"}],"legalBasis":[],"deadline":null,"note":""}]}"#, "/events/0/producers/0"),
        (#"{"catalogue":"c","version":"1","title":"t","events":[{"type":"de.migration.a.b","title":{"de":"","en":""},"versions":{"v1":{"schema":"s","$id":"i","routingKey":"r","status":"deprecated","upcastTo":{"to":"v2","steps":[{"op":"rename","from":"/a","path":"/b"}]}},"v2":{"schema":"s","$id":"j","routingKey":"r","status":"current"}},"current":"v2","producers":["bka"],"consumers":["bva"],"routing":[{"to":"bva"}],"legalBasis":[],"deadline":null,"note":""}]}"#, "/events/0/versions/v1/upcastTo/steps/0/op"),
        (#"{"catalogue":"c","version":"1","title":"t","events":[{"type":"de.migration.a.b","title":{"de":"","en":""},"versions":{"v1":{"schema":"s","$id":"i","routingKey":"r","status":"deprecated","upcastTo":{"to":"v3","steps":[]}},"v2":{"schema":"s","$id":"j","routingKey":"r","status":"current"}},"current":"v2","producers":["bka"],"consumers":["bva"],"routing":[{"to":"bva"}],"legalBasis":[],"deadline":null,"note":""}]}"#, "/events/0/versions/v1/upcastTo/to"),
        (#"{"catalogue":"c","version":"1","title":"t","events":[{"type":"de.migration.a.b","title":{"de":"","en":""},"versions":{"v1":{"schema":"s","$id":"i","routingKey":"r","status":"current"}},"current":"v1","producers":["bka"],"consumers":["bva"],"routing":[{"to":"bva"}],"legalBasis":[],"deadline":{"duration":"10 days","rule":"r","legalBasis":"x"},"note":""}]}"#, "/events/0/deadline/duration"),
    ])
    func malformed(_ text: String, _ pointer: String) throws {
        let json = try JSONValue(parsing: text)
        do {
            _ = try EventCatalogue(json: json)
            Issue.record("expected an error at \(pointer)")
        } catch {
            #expect(error.code == .invalid)
            #expect(error.pointer.description == pointer, "\(error)")
        }
    }

    // MARK: Agency ids

    @Test("agency ids and source URNs")
    func agencyIDs() throws {
        let berlin = try #require(AgencyID("abh.berlin"))
        #expect(berlin.kind == "abh")
        #expect(berlin.instance == "berlin")
        #expect(berlin.urn == "urn:de:migration:abh:berlin")
        #expect(berlin.inboxQueue == "inbox.abh.berlin")
        #expect(AgencyID(urn: "urn:de:migration:abh:berlin") == berlin)
        #expect(AgencyID(urn: "urn:de:migration:bka")?.rawValue == "bka")
        #expect(AgencyID(urn: "urn:de:migration:lpol:by")?.rawValue == "lpol.by")
        #expect(AgencyID(urn: "urn:de:migration:hub")?.instance == nil)
        for id in ["abh.berlin", "abh.neu-isenburg", "av.neu-delhi", "av.sao-paulo2", "lpol.nw", "lfv.by", "ae.by", "ae.th", "aa", "bamf", "bpol", "bka", "bsi", "bfv", "ba", "bva", "hub"] {
            #expect(AgencyID.isValid(id), "\(id)")
            #expect(AgencyID(urn: AgencyID(id)!.urn)?.rawValue == id)
        }
        for id in ["", "abh", "abh.", "abh.Berlin", "abh.münchen", "abh.-x", "abh.x-", "abh.a--b", "abh.1stadt", "lpol.xx", "lpol",
                   "ae", "ae.xx", "ae.berlin", "bka.x", "nsa", "abh.berlin.mitte", "abh." + String(repeating: "a", count: 64)] {
            #expect(!AgencyID.isValid(id), "\(id)")
        }
        for urn in ["urn:de:migration:abh.berlin", "urn:de:migration:abh:berlin:mitte", "urn:de:migration:", "abh:berlin", "URN:de:migration:bka"] {
            #expect(AgencyID(urn: urn) == nil, "\(urn)")
        }
    }

    @Test("agency patterns")
    func patterns() throws {
        let abh = try #require(AgencyPattern("abh.*"))
        #expect(abh.isWildcard)
        #expect(abh.pattern == "abh.*")
        #expect(abh.matches("abh.berlin"))
        #expect(!abh.matches("abh"))
        #expect(!abh.matches("av.istanbul"))
        #expect(!abh.matches("abh.Berlin"))
        let bka = try #require(AgencyPattern("bka"))
        #expect(!bka.isWildcard)
        #expect(bka.matches("bka"))
        #expect(!bka.matches("bka.x"))
        #expect(!bka.matches("bfv"))
        #expect(AgencyPattern("abh.berlin")?.matches("abh.berlin") == true)
        #expect(AgencyPattern("lpol.*")?.matches("lpol.by") == true)
        #expect(AgencyPattern("ae.*")?.matches("ae.nw") == true)
        #expect(AgencyPattern("ae.*")?.matches("abh.nw") == false)
        #expect(AgencyPattern("bka.*") == nil)
        #expect(AgencyPattern("*") == nil)
        #expect(AgencyPattern("x") == nil)
    }
}
