import CaseModel
import Foundation
import Testing

@Suite("Machine-readable zone, date order, code lists")
struct SchemaExtensionTests {
    static let specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"

    @Test("ICAO 9303 TD3 specimen parses with all check digits")
    func specimen() throws {
        let zone = try MachineReadableZone(td3: Self.specimen)
        #expect(zone.documentCode == "P")
        #expect(zone.issuingState == "UTO")
        #expect(zone.primaryIdentifier == "ERIKSSON")
        #expect(zone.secondaryIdentifier == "ANNA MARIA")
        #expect(zone.documentNumber == "L898902C3")
        #expect(zone.nationality == "UTO")
        #expect(zone.birthDate == "740812")
        #expect(zone.sex == "F")
        #expect(zone.expiryDate == "120415")
        #expect(zone.optionalData == "ZE184226B")
        #expect(MachineReadableZone.checkDigit(of: "L898902C3") == 6)
        #expect(MachineReadableZone.checkDigit(of: "740812") == 2)
        #expect(MachineReadableZone.checkDigit(of: "a") == nil)
    }

    @Test("each broken check digit is named", arguments: [
        (9, MachineReadableZone.CheckedField.documentNumber),
        (19, .birthDate),
        (27, .expiryDate),
        (42, .optionalData),
        (43, .composite),
    ])
    func brokenCheckDigit(position: Int, field: MachineReadableZone.CheckedField) throws {
        var line2 = Array("L898902C36UTO7408122F1204159ZE184226B<<<<<10")
        line2[position] = line2[position] == "0" ? "1" : "0"
        let text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" + String(line2)
        do {
            _ = try MachineReadableZone(td3: text)
            Issue.record("expected a check-digit error")
        } catch {
            #expect(error.code == .checkDigitMismatch)
            #expect(error.field == field)
            #expect(error.description.contains(field.rawValue))
            #expect(!error.description.contains("ERIKSSON"))
        }
    }

    @Test("layout and character errors")
    func layout() throws {
        #expect(throws: MachineReadableZone.ParseError.self) { try MachineReadableZone(td3: "P<UTO") }
        do {
            _ = try MachineReadableZone(td3: Self.specimen.replacingOccurrences(of: "ANNA", with: "ANNa"))
            Issue.record("expected a character error")
        } catch {
            #expect(error.code == .invalidCharacter)
            #expect(error.line == 1)
            #expect(error.column == 19)
        }
        do {
            _ = try MachineReadableZone(td3: Self.specimen.replacingOccurrences(of: "\n", with: "\r"))
            Issue.record("expected a layout error")
        } catch {
            #expect(error.code == .invalidLayout)
        }
    }

    @Test("date order: strictly before, dates and date-times, absent members ignored")
    func dateOrder() throws {
        let rule = DateOrderRule(earlier: "validFrom", later: "validUntil")
        func object(_ from: String?, _ until: String?) -> JSONObject {
            var object = JSONObject()
            if let from { object["validFrom"] = .string(from) }
            if let until { object["validUntil"] = .string(until) }
            return object
        }
        #expect(rule.isSatisfied(by: object("2024-01-01", "2024-12-31")))
        #expect(!rule.isSatisfied(by: object("2024-12-31", "2024-01-01")))
        #expect(!rule.isSatisfied(by: object("2024-01-01", "2024-01-01")))
        #expect(rule.isSatisfied(by: object("2024-01-01T23:30:00+01:00", "2024-01-01T23:00:00Z")))
        #expect(!rule.isSatisfied(by: object("2024-01-01T23:00:00Z", "2024-01-01T23:30:00+01:00")))
        #expect(rule.isSatisfied(by: object("2024-01-01", "2024-01-02T00:00:00Z")))
        #expect(rule.isSatisfied(by: object("2024-01-01", nil)))
        #expect(rule.isSatisfied(by: object("not a date", "2024-01-01")))
        #expect(DateOrderRule.isStrictlyBefore("2023-02-29", "2024-01-01") == nil)
    }

    @Test("calendar dates and RFC 3339 date-times")
    func dates() throws {
        #expect(CalendarDate(rfc3339: "2024-02-29") != nil)
        #expect(CalendarDate(rfc3339: "2023-02-29") == nil)
        #expect(CalendarDate(rfc3339: "2024-2-29") == nil)
        #expect(CalendarDate(utc: Date(timeIntervalSince1970: 0)).description == "1970-01-01")
        #expect(try #require(CalendarDate(rfc3339: "2000-03-01")).daysSinceEpoch == 11_017)
        let moment = try #require(ZonedDateTime(rfc3339: "1998-12-31T15:59:60.123-08:00"))
        #expect(moment.second == 60)
        #expect(moment.offsetMinutes == -480)
        #expect(ZonedDateTime(rfc3339: "1998-12-31T22:59:60Z") == nil)
        #expect(ZonedDateTime(rfc3339: "2024-02-29T13:45:00") == nil)
    }

    @Test("code lists load from a directory and answer membership")
    func codeLists() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("codelists-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"codelist":"urn:test:geschlecht","version":"1","entries":[{"code":"m"},{"code":"w"},{"code":"d"}]}"#.utf8)
            .write(to: directory.appendingPathComponent("geschlecht.json"))
        let lists = try CodeLists(directory: directory)
        let list = try #require(lists["geschlecht"])
        #expect(list.identifier == "urn:test:geschlecht")
        #expect(list.count == 3)
        #expect(list.contains("w"))
        #expect(!list.contains("W"))
        #expect(lists.names == ["geschlecht"])
        #expect(throws: SchemaCompileError.self) {
            try CodeList(name: "broken", json: ["entries": [["code": 1]]])
        }
        #expect(throws: SchemaCompileError.self) {
            try CodeList(name: "dup", json: ["entries": [["code": "a"], ["code": "a"]]])
        }
    }

    @Test("the DESTATIS Staatsangehörigkeit list in Schemas/codelists loads")
    func staatsangehoerigkeit() throws {
        // The committed copy (generated by scripts/generate-codelists.py), not ../shared: a
        // clean clone has no shared folder next to it.
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas/codelists/staatsangehoerigkeit.json")
        let list = try CodeList(contentsOf: file)
        #expect(list.name == "staatsangehoerigkeit")
        #expect(list.contains("000"))
        #expect(list.entry(for: "000")?["alpha3"] == "DEU")
        #expect(!list.contains("DEU"))
    }
}
