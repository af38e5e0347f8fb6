import CaseModel
import Foundation

/// The adapter format of the Bundespolizei (federal police, `bpol`).
///
/// JSON messages (``GermanJSONSyntax``). Border events — asylum requests at the border
/// (`asyl.registrierung`), refusals of entry (`grenze.zurueckweisung`) and departures
/// (`rueckkehr.ausreise`) — come from the border control system, which reads the passport:
/// instead of `person` and `reisedokument` their `inhalt` carries the scan,
///
/// ```json
/// "passkontrolle": {
///   "mrz": ["P<SYRHADDAD<<LINA<<<<<<<<<<<<<<<<<<<<<<<<<<<", "N018273644SYR9908028F2801142<<<<<<<<<<<<<<<0"],
///   "gueltigAb": "2022-01-15",
///   "ergaenzung": {"geburtsort": {"ortsname": "Aleppo", "staat": "SY"}, "kennungen": {"edNummer": "ED-2026-00471123"}}
/// }
/// ```
///
/// The two lines of the ICAO 9303 TD3 zone are verified (all check digits) and read into
/// person core data and the travel document (``PassportReading``: names, birth date, sex, the
/// nationality ICAO → DESTATIS through the ``NationalityCrosswalk``, passport number, issuing
/// state, expiry). `gueltigAb` is the issue date the zone lacks; `ergaenzung` holds person data
/// the zone lacks or corrects (place of birth, fingerprint reference, a name with diacritics),
/// with the names of ``Vocabulary/german``. Writing produces this form whenever the event's
/// person and travel document are what their zone says plus such additions.
///
/// The federal police also answers security checks (`sicherheit.antwort`) and receives the
/// § 73 AufenthG consultations (`sicherheit.anfrage`). Examples: `Schemas/native/bpol/`.
public struct FederalPolice: CodecBackedAdapter {
    public let codec: MessageCodec
    public let crosswalk: NationalityCrosswalk

    /// Types whose `data` has a `person` and a `travelDocument` from a passport scan.
    public static let borderTypes: Set<String> = [
        "de.migration.asylum.seeker-registered", "de.migration.border.entry-refused", "de.migration.return.departure-recorded",
    ]

    public init(catalogue: EventCatalogue, crosswalk: NationalityCrosswalk) {
        codec = MessageCodec(agency: AgencyID("bpol")!, syntax: .json, catalogue: catalogue)
        self.crosswalk = crosswalk
    }


    public func decode(_ document: NativeDocument) throws(ConversionError) -> [EventDraft] {
        var message = try codec.message(of: document)
        if message.body["passkontrolle"] != nil {
            let type = try MessageNames.type(for: message.header.name, version: message.header.version, catalogue: codec.catalogue)
            guard Self.borderTypes.contains(type.name) else {
                throw ConversionError(.unknownField, "'passkontrolle' belongs to border events only", at: "/inhalt/passkontrolle")
            }
            message.body = try expand(message.body)
        }
        return [try message.draft(vocabulary: codec.vocabulary, catalogue: codec.catalogue, agency: agency)]
    }

    public func encode(_ events: [CaseEvent], as format: NativeDocument.Format) throws(ConversionError) -> NativeDocument {
        guard events.count == 1, let event = events.first else {
            throw ConversionError(.unsupportedMessage, "a document holds exactly one message")
        }
        var message = try NativeMessage(event, vocabulary: codec.vocabulary, catalogue: codec.catalogue)
        if Self.borderTypes.contains(event.eventType.name), let data = event.data.objectValue, let compact = try compact(data) {
            message.body = compact
        }
        return try codec.document(message, as: format)
    }

    /// `passkontrolle` → `person` and `reisedokument` (native names), in its place.
    func expand(_ body: JSONObject) throws(ConversionError) -> JSONObject {
        let path = "/inhalt/passkontrolle"
        guard case .object(let control)? = body["passkontrolle"] else {
            throw ConversionError(.invalidValue, "'passkontrolle' must be an object", at: path)
        }
        guard body["person"] == nil, body["reisedokument"] == nil else {
            throw ConversionError(.invalidValue, "a border event has either 'passkontrolle' or 'person' and 'reisedokument'", at: path)
        }
        for key in control.keys where !["mrz", "gueltigAb", "ergaenzung"].contains(key) {
            throw ConversionError(.unknownField, "unknown member '\(key)'", at: "\(path)/\(key)")
        }
        let zone: String
        switch control["mrz"] {
        case .array(let lines)?:
            let texts = lines.compactMap(\.stringValue)
            guard texts.count == 2, lines.count == 2 else {
                throw ConversionError(.machineReadableZone, "'mrz' holds the two lines of the zone", at: "\(path)/mrz")
            }
            zone = texts.joined(separator: "\n")
        case .string(let text)?:
            zone = text
        default:
            throw ConversionError(.missingField, "'mrz' holds the two lines of the zone", at: "\(path)/mrz")
        }
        let reading: PassportReading
        do {
            reading = try PassportReading(mrz: zone, crosswalk: crosswalk)
        } catch {
            throw ConversionError(error.code, error.detail, at: "\(path)/mrz")
        }
        let vocabulary = codec.vocabulary
        guard case .object(var person) = try vocabulary.nativeValue(.object(reading.person)),
              case .object(var document) = try vocabulary.nativeValue(.object(reading.travelDocument)) else {
            throw ConversionError(.invalidValue, "the passport reading has no native form", at: path)
        }
        if let issued = control["gueltigAb"] {
            guard case .string = issued else { throw ConversionError(.invalidValue, "'gueltigAb' must be a date", at: "\(path)/gueltigAb") }
            document["gueltigAb"] = issued
        }
        if let addition = control["ergaenzung"] {
            guard case .object(let additions) = addition else {
                throw ConversionError(.invalidValue, "'ergaenzung' must be an object", at: "\(path)/ergaenzung")
            }
            for (key, value) in additions {
                if key == "kennungen", case .object(let extra) = value, case .object(var identifiers)? = person["kennungen"] {
                    for (name, identifier) in extra { identifiers[name] = identifier }
                    person["kennungen"] = .object(identifiers)
                } else {
                    person[key] = value
                }
            }
        }
        var expanded = JSONObject()
        for (key, value) in body {
            if key == "passkontrolle" {
                expanded["person"] = .object(person)
                expanded["reisedokument"] = .object(document)
            } else {
                expanded[key] = value
            }
        }
        return expanded
    }

    /// The native body with `passkontrolle` in place of `person` and `reisedokument`, or nil
    /// when they are not what their zone says (then the plain form is written).
    func compact(_ data: JSONObject) throws(ConversionError) -> JSONObject? {
        guard case .object(let person)? = data["person"], case .object(let document)? = data["travelDocument"],
              case .string(let zone)? = document["mrz"],
              let reading = try? PassportReading(mrz: zone, crosswalk: crosswalk)
        else { return nil }
        var expectedDocument = reading.travelDocument
        if let issued = document["validFrom"] { expectedDocument["validFrom"] = issued }
        guard expectedDocument == document else { return nil }
        var additions = JSONObject()
        for (key, value) in reading.person where person[key] == nil { _ = value; return nil }
        for (key, value) in person {
            if key == "identifiers", case .object(let identifiers) = value, case .object(let read)? = reading.person["identifiers"] {
                var extra = JSONObject()
                for (name, identifier) in identifiers where read[name] != identifier { extra[name] = identifier }
                for (name, _) in read where identifiers[name] == nil { return nil }
                if !extra.isEmpty { additions["identifiers"] = .object(extra) }
            } else if reading.person[key] != value {
                additions[key] = value
            }
        }
        var control = JSONObject()
        control["mrz"] = .array(zone.split(separator: "\n").map { .string(String($0)) })
        if let issued = document["validFrom"] { control["gueltigAb"] = issued }
        if !additions.isEmpty { control["ergaenzung"] = try codec.vocabulary.nativeValue(.object(additions), at: "/data/person") }
        guard case .object(let native) = try codec.vocabulary.nativeValue(.object(data), at: "/data") else { return nil }
        var body = JSONObject()
        for (key, value) in native where key != "reisedokument" {
            if key == "person" { body["passkontrolle"] = .object(control) } else { body[key] = value }
        }
        return body
    }
}
