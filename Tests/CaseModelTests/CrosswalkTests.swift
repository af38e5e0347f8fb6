import CaseModel
import Foundation
import Testing

@Suite("Nationality crosswalk (DESTATIS ↔ ISO ↔ ICAO)")
struct CrosswalkTests {
    static func crosswalk() throws -> NationalityCrosswalk { try Contract.load().crosswalk }

    @Test("DESTATIS to ISO alpha-3 and ICAO 9303")
    func forward() throws {
        let crosswalk = try Self.crosswalk()
        #expect(crosswalk.entries.count > 200)
        #expect(crosswalk.alpha3(destatis: "475") == "SYR")
        #expect(crosswalk.icao(destatis: "475") == "SYR")
        #expect(crosswalk.entry(destatis: "475")?.alpha2 == "SY")
        #expect(crosswalk.entry(destatis: "163")?.nameDe == "Türkei")
        // Germany: ISO DEU, but D in a machine-readable zone.
        #expect(crosswalk.alpha3(destatis: "000") == "DEU")
        #expect(crosswalk.icao(destatis: "000") == "D")
        // ICAO codes that are not ISO 3166-1.
        #expect(crosswalk.icao(destatis: "997") == "XXA")  // staatenlos
        #expect(crosswalk.icao(destatis: "998") == "XXX")  // ungeklärt
        #expect(crosswalk.icao(destatis: "150") == "XKX")  // Kosovo
        #expect(crosswalk.entry(destatis: "150")?.alpha2 == "XK")
        // No code at all.
        #expect(crosswalk.alpha3(destatis: "999") == nil)
        #expect(crosswalk.icao(destatis: "910") == nil)
        #expect(crosswalk.entry(destatis: "999")?.isCurrent == true)
        #expect(crosswalk.entry(destatis: "888") == nil)
    }

    @Test("ICAO and ISO back to DESTATIS: not one-to-one")
    func reverse() throws {
        let crosswalk = try Self.crosswalk()
        #expect(crosswalk.destatisCode(icao: "D") == "000")
        #expect(crosswalk.destatisCode(icao: "D<<") == "000")
        #expect(crosswalk.destatisCode(icao: "DEU") == nil)  // not an ICAO nationality code
        #expect(crosswalk.destatisCode(alpha3: "DEU") == "000")
        #expect(crosswalk.alpha3(icao: "D") == "DEU")
        #expect(crosswalk.icao(alpha3: "DEU") == "D")
        #expect(crosswalk.icao(alpha3: "SYR") == "SYR")
        #expect(crosswalk.destatisCode(icao: "SYR") == "475")
        // Several DESTATIS codes: the single current one wins, otherwise ambiguous.
        #expect(Set(crosswalk.entries(icao: "SRB").map(\.code)) == ["133", "170"])
        #expect(crosswalk.destatisCode(icao: "SRB") == "170")
        #expect(Set(crosswalk.entries(alpha3: "SDN").map(\.code)) == ["276", "277"])
        #expect(crosswalk.destatisCode(alpha3: "SDN") == "277")
        #expect(Set(crosswalk.entries(alpha3: "YUG").map(\.code)) == ["120", "138"])
        #expect(crosswalk.destatisCode(alpha3: "YUG") == nil)
        #expect(crosswalk.destatisCode(icao: "XXX") == "998")
        #expect(crosswalk.destatisCode(icao: "XXA") == "997")
        #expect(crosswalk.destatisCode(icao: "ZZZ") == nil)
    }

    @Test("an MRZ nationality maps to the DESTATIS code the schemas use")
    func fromMachineReadableZone() throws {
        let crosswalk = try Self.crosswalk()
        let zone = try MachineReadableZone(td3: "P<SYRHADDAD<<LINA<<<<<<<<<<<<<<<<<<<<<<<<<<<\nN018273644SYR9908028F2801142<<<<<<<<<<<<<<<0")
        #expect(crosswalk.destatisCode(icao: zone.nationality) == "475")
        #expect(try Contract.load().codeLists["staatsangehoerigkeit"]?.contains("475") == true)
    }

    @Test("every DESTATIS code of the list has at most one ISO and ICAO code, and ICAO equals ISO except D and none")
    func consistency() throws {
        let crosswalk = try Self.crosswalk()
        for entry in crosswalk.entries {
            #expect(entry.code.utf8.count == 3)
            if entry.code == "000" { continue }
            #expect(entry.icao9303 == entry.alpha3, "\(entry.code)")
        }
    }
}
