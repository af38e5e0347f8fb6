import CaseModel
import Foundation

/// What a passport's machine-readable zone (ICAO 9303 TD3) says about its holder, in canonical
/// form: person core data (`familyName`, `givenNames`, `birthDate`, `sex`, `nationalities`,
/// `identifiers.passportNumber`) and the travel document (`kind`, `number`, `issuingCountry`,
/// `validUntil`, `mrz`).
///
/// The zone is verified with ``MachineReadableZone`` (layout, character set, all check
/// digits). Names lose their diacritics in the zone (`AYDIN` for Aydın) and are title-cased;
/// the nationality is mapped ICAO → DESTATIS through the ``NationalityCrosswalk`` and the
/// issuing state ICAO → ISO 3166 alpha-2. Two-digit birth years are placed in the last 100
/// years, expiry years in this century.
public struct PassportReading: Sendable, Hashable {
    public let zone: MachineReadableZone
    /// The zone as read: two lines joined by `\n`.
    public let text: String
    public let person: JSONObject
    public let travelDocument: JSONObject

    public init(mrz text: String, crosswalk: NationalityCrosswalk, today: Date = Date()) throws(ConversionError) {
        let zone: MachineReadableZone
        do {
            zone = try MachineReadableZone(td3: text)
        } catch {
            throw ConversionError(.machineReadableZone, error.description)
        }
        guard zone.documentCode.hasPrefix("P") else {
            throw ConversionError(.machineReadableZone, "the zone is not a passport's (document code P)")
        }
        guard let nationality = crosswalk.destatisCode(icao: zone.nationality) else {
            throw ConversionError(.unknownCode, "the nationality code of the zone has no unambiguous DESTATIS code")
        }
        guard let issuer = crosswalk.entries(icao: zone.issuingState).first(where: { $0.isCurrent && $0.alpha2 != nil })?.alpha2 else {
            throw ConversionError(.unknownCode, "the issuing state of the zone has no ISO 3166 country code")
        }
        let currentYear = Calendar(identifier: .gregorian).component(.year, from: today)
        guard let birthDate = Self.date(zone.birthDate, partial: true, pivot: currentYear) else {
            throw ConversionError(.machineReadableZone, "the birth date of the zone is not a date")
        }
        var person = JSONObject()
        person["familyName"] = .string(Self.titleCased(zone.primaryIdentifier))
        if !zone.secondaryIdentifier.isEmpty { person["givenNames"] = .string(Self.titleCased(zone.secondaryIdentifier)) }
        person["birthDate"] = .string(birthDate)
        person["sex"] = .string(["M": "m", "F": "w"][zone.sex] ?? "x")
        person["nationalities"] = [.string(nationality)]
        person["identifiers"] = ["passportNumber": .string(zone.documentNumber)]

        var document = JSONObject()
        document["kind"] = "passport"
        document["number"] = .string(zone.documentNumber)
        document["issuingCountry"] = .string(issuer)
        // Passports are valid for at most ten years: an expiry year is in this century.
        if let expiry = Self.date(zone.expiryDate, partial: false, pivot: nil) { document["validUntil"] = .string(expiry) }
        document["mrz"] = .string(text)

        self.zone = zone
        self.text = text
        self.person = person
        self.travelDocument = document
    }

    /// `YYMMDD` → `YYYY-MM-DD`; with `partial`, unknown day or month (`<<`) give `YYYY-MM` or
    /// `YYYY`. A `pivot` year places the century in the last 100 years, else it is 20xx.
    static func date(_ field: String, partial: Bool, pivot: Int?) -> String? {
        let characters = Array(field)
        guard characters.count == 6, let yy = Int(String(characters[0..<2])) else { return nil }
        var year = 2000 + yy
        if let pivot, year > pivot { year -= 100 }
        let month = String(characters[2..<4]), day = String(characters[4..<6])
        if partial && month == "<<" { return String(year) }
        guard let m = Int(month), (1...12).contains(m) else { return nil }
        if partial && day == "<<" { return String(format: "%04d-%02d", year, m) }
        guard let d = Int(day), (1...31).contains(d) else { return nil }
        var components = DateComponents(calendar: Calendar(identifier: .gregorian), year: year, month: m, day: d)
        components.timeZone = TimeZone(identifier: "UTC")
        guard components.isValidDate else { return nil }
        return String(format: "%04d-%02d-%02d", year, m, d)
    }

    /// `AL HADDAD` → `Al Haddad`.
    static func titleCased(_ name: String) -> String {
        name.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined(separator: " ")
    }
}
