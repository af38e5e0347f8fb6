@testable import Adapters
import CaseModel
import Foundation
import Testing

@Suite("Reading a passport's machine-readable zone")
struct PassportReadingTests {
    static let zone = "P<SYRHADDAD<<LINA<<<<<<<<<<<<<<<<<<<<<<<<<<<\nN018273644SYR9908028F2801142<<<<<<<<<<<<<<<0"

    @Test("person core data and travel document, nationality through the crosswalk")
    func reading() throws {
        let reading = try PassportReading(mrz: Self.zone, crosswalk: contract.crosswalk)
        #expect(reading.person["familyName"] == "Haddad")
        #expect(reading.person["givenNames"] == "Lina")
        #expect(reading.person["birthDate"] == "1999-08-02")
        #expect(reading.person["sex"] == "w")
        #expect(reading.person["nationalities"] == ["475"])
        #expect(reading.travelDocument["issuingCountry"] == "SY")
        #expect(reading.travelDocument["validUntil"] == "2028-01-14")
        #expect(reading.travelDocument["number"] == "N01827364")
    }

    @Test("a wrong check digit, a wrong layout and an unknown nationality are refused")
    func refusals() {
        let wrongDigit = Self.zone.replacingOccurrences(of: "9908028F", with: "9908038F")
        #expect { _ = try PassportReading(mrz: wrongDigit, crosswalk: contract.crosswalk) } throws: {
            ($0 as? ConversionError)?.code == .machineReadableZone && "\($0)".contains("birth date")
        }
        #expect { _ = try PassportReading(mrz: String(Self.zone.prefix(44)), crosswalk: contract.crosswalk) } throws: {
            ($0 as? ConversionError)?.code == .machineReadableZone
        }
        // A made-up state code with correct check digits: UTO (Utopia, ICAO's specimen).
        let utopia = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
        #expect { _ = try PassportReading(mrz: utopia, crosswalk: contract.crosswalk) } throws: {
            ($0 as? ConversionError)?.code == .unknownCode
        }
    }

    @Test("two-digit years: birth years in the last century when in the future, partial dates")
    func dates() {
        #expect(PassportReading.date("990802", partial: true, pivot: 2026) == "1999-08-02")
        #expect(PassportReading.date("050802", partial: true, pivot: 2026) == "2005-08-02")
        #expect(PassportReading.date("87<<<<", partial: true, pivot: 2026) == "1987")
        #expect(PassportReading.date("8706<<", partial: true, pivot: 2026) == "1987-06")
        #expect(PassportReading.date("870231", partial: true, pivot: 2026) == nil)
        #expect(PassportReading.date("280114", partial: false, pivot: nil) == "2028-01-14")
    }
}
