import Foundation
import CaseModel

/// The adapter format of the Bundesagentur für Arbeit (Federal Employment Agency, BA, `ba`).
///
/// The BA receives employment consent requests (§ 39 AufenthG, `beschaeftigung.zustimmungsanfrage`,
/// core data without AZR number) as JSON messages (``GermanJSONSyntax``) and decides them in
/// its own system, which emits decisions two ways:
///
/// - a single decision as a JSON message `beschaeftigung.zustimmungsentscheidung`;
/// - a batch as CSV (``CSVTable``: UTF-8, `;`, header row), one decision per row and one
///   `employment.consent-decided` event per row. Columns (order free, empty cell = absent,
///   lists separated by `|`):
///
///   | column | canonical | |
///   |---|---|---|
///   | `nachricht_id` | id | optional; else derived from the file |
///   | `erstellt` | time | optional, RFC 3339 |
///   | `vorgang` | subject | required, the requester's case id |
///   | `korrelation`, `bezug` | correlationid, causationid (the request's message id) | optional |
///   | `anfrage_id`, `anfragende_stelle` | requestId, requester | required |
///   | `familienname`, `vornamen`, `geburtsdatum`, `geschlecht`, `staatsangehoerigkeiten` | person | required but `vornamen` |
///   | `passnummer`, `visumantragsnummer` | person.identifiers | optional |
///   | `entscheidung`, `entschieden_am`, `rechtsgrundlage` | decision, decidedOn, legalBasis | required |
///   | `ablehnungsgruende` | refusalGrounds | required for `refused` |
///   | `betriebsnummer`, `berufskennziffer`, `gueltig_ab`, `gueltig_bis`, `hoechstens_wochenstunden`, `region` | restrictions | optional |
///
/// The events' `legalpurpose` is the row's `rechtsgrundlage`. Examples: `Schemas/native/ba/`.
public struct EmploymentAgency: NativeCodec {
    public let codec: MessageCodec

    public init(catalogue: EventCatalogue) {
        codec = MessageCodec(agency: AgencyID("ba")!, syntax: .json, catalogue: catalogue)
    }

    public var agency: AgencyID { codec.agency }
    /// JSON messages (the outbox format) and CSV batches of decisions.
    public var formats: [NativeDocument.Format] { [.json, .csv] }

    static let decided = "de.migration.employment.consent-decided"

    /// The CSV columns in the order they are written.
    public static let columns = [
        "nachricht_id", "erstellt", "vorgang", "korrelation", "bezug", "anfrage_id", "anfragende_stelle",
        "familienname", "vornamen", "geburtsdatum", "geschlecht", "staatsangehoerigkeiten", "passnummer", "visumantragsnummer",
        "entscheidung", "entschieden_am", "rechtsgrundlage", "ablehnungsgruende",
        "betriebsnummer", "berufskennziffer", "gueltig_ab", "gueltig_bis", "hoechstens_wochenstunden", "region",
    ]
    static let required = [
        "vorgang", "anfrage_id", "anfragende_stelle", "familienname", "geburtsdatum", "geschlecht", "staatsangehoerigkeiten",
        "entscheidung", "entschieden_am", "rechtsgrundlage",
    ]
    /// Restriction columns → canonical members of `restrictions`.
    static let restrictionColumns: [(column: String, member: String)] = [
        ("betriebsnummer", "employerOperatingNumber"), ("berufskennziffer", "occupationCode"), ("gueltig_ab", "validFrom"),
        ("gueltig_bis", "validUntil"), ("hoechstens_wochenstunden", "maxWeeklyHours"), ("region", "region"),
    ]

    public func decode(_ document: NativeDocument) throws(ConversionError) -> [EventDraft] {
        switch document.format {
        case .csv: return try decodeBatch(CSVTable.parse(document.bytes))
        default: return try codec.decode(document)
        }
    }

    public func encode(_ events: [CaseEvent], as format: NativeDocument.Format) throws(ConversionError) -> NativeDocument {
        switch format {
        case .csv: return NativeDocument(format: .csv, bytes: try encodeBatch(events).serialized())
        default: return try codec.encode(events, as: format)
        }
    }

    func decodeBatch(_ table: CSVTable) throws(ConversionError) -> [EventDraft] {
        for column in table.columns where !Self.columns.contains(column) {
            throw ConversionError(.unknownField, "unknown column '\(column)'", at: "line 1")
        }
        for column in Self.required where !table.columns.contains(column) {
            throw ConversionError(.missingField, "the column '\(column)' is required", at: "line 1")
        }
        guard !table.rows.isEmpty else { throw ConversionError(.missingField, "the batch has no decisions") }
        guard let type = codec.catalogue.entry(named: Self.decided)?.current.type else {
            throw ConversionError(.unsupportedMessage, "the catalogue has no \(Self.decided)")
        }
        var drafts: [EventDraft] = []
        for (index, record) in table.records.enumerated() {
            let row = "row \(index + 1)"
            func cell(_ column: String) throws(ConversionError) -> String {
                guard let value = record[column] else { throw ConversionError(.missingField, "'\(column)' is empty", at: "\(row), column \(column)") }
                return value
            }
            func list(_ column: String) -> [JSONValue]? {
                record[column].map { $0.split(separator: "|").map { .string($0.trimmingCharacters(in: .whitespaces)) } }
            }
            var person = JSONObject()
            person["familyName"] = .string(try cell("familienname"))
            if let given = record["vornamen"] { person["givenNames"] = .string(given) }
            person["birthDate"] = .string(try cell("geburtsdatum"))
            person["sex"] = .string(try cell("geschlecht"))
            person["nationalities"] = .array(list("staatsangehoerigkeiten") ?? [])
            var identifiers = JSONObject()
            if let passport = record["passnummer"] { identifiers["passportNumber"] = .string(passport) }
            if let visa = record["visumantragsnummer"] { identifiers["visaApplicationNumber"] = .string(visa) }
            if !identifiers.isEmpty { person["identifiers"] = .object(identifiers) }

            var data = JSONObject()
            data["requestId"] = .string(try cell("anfrage_id"))
            data["requester"] = .string(try cell("anfragende_stelle"))
            data["person"] = .object(person)
            data["decision"] = .string(try cell("entscheidung"))
            data["decidedOn"] = .string(try cell("entschieden_am"))
            data["legalBasis"] = .string(try cell("rechtsgrundlage"))
            var restrictions = JSONObject()
            for (column, member) in Self.restrictionColumns {
                guard let value = record[column] else { continue }
                if member == "maxWeeklyHours" {
                    guard let number = JSONNumber(parsing: value.replacingOccurrences(of: ",", with: ".")) else {
                        throw ConversionError(.invalidValue, "'\(column)' must be a number", at: "\(row), column \(column)")
                    }
                    restrictions[member] = .number(number)
                } else {
                    restrictions[member] = .string(value)
                }
            }
            if !restrictions.isEmpty { data["restrictions"] = .object(restrictions) }
            if let grounds = list("ablehnungsgruende") { data["refusalGrounds"] = .array(grounds) }

            let caseID = try cell("vorgang")
            drafts.append(EventDraft(
                type: type, subject: caseID.contains(":") ? caseID : "ba:\(caseID)", data: data, id: record["nachricht_id"],
                time: record["erstellt"], author: agency, correlationID: record["korrelation"], causationID: record["bezug"],
                legalPurpose: data["legalBasis"]?.stringValue))
        }
        return drafts
    }

    func encodeBatch(_ events: [CaseEvent]) throws(ConversionError) -> CSVTable {
        var rows: [[String]] = []
        for (index, event) in events.enumerated() {
            let path = "/\(index)/data"
            guard event.eventType.name == Self.decided, let data = event.data.objectValue else {
                throw ConversionError(.unsupportedMessage, "a CSV batch holds consent decisions only", at: "/\(index)/type")
            }
            var record: [String: String] = [
                "nachricht_id": event.id, "erstellt": event.time, "vorgang": event.subject,
            ]
            record["korrelation"] = event.correlationid
            record["bezug"] = event.causationid
            func take(_ member: String, from object: JSONObject, into column: String, at path: String) throws(ConversionError) {
                guard let value = object[member] else { return }
                switch value {
                case .string(let text): record[column] = text
                // German spreadsheets write decimal commas.
                case .number(let number): record[column] = number.literal.replacingOccurrences(of: ".", with: ",")
                case .array(let items):
                    let texts = items.compactMap(\.stringValue)
                    guard texts.count == items.count else { throw ConversionError(.invalidValue, "'\(member)' has no CSV form", at: "\(path)/\(member)") }
                    record[column] = texts.joined(separator: "|")
                default: throw ConversionError(.invalidValue, "'\(member)' has no CSV form", at: "\(path)/\(member)")
                }
            }
            let known: Set<String> = ["requestId", "requester", "person", "decision", "decidedOn", "legalBasis", "restrictions", "refusalGrounds"]
            for key in data.keys where !known.contains(key) {
                throw ConversionError(.unknownField, "the CSV batch has no column for '\(key)'", at: "\(path)/\(key)")
            }
            try take("requestId", from: data, into: "anfrage_id", at: path)
            try take("requester", from: data, into: "anfragende_stelle", at: path)
            try take("decision", from: data, into: "entscheidung", at: path)
            try take("decidedOn", from: data, into: "entschieden_am", at: path)
            try take("legalBasis", from: data, into: "rechtsgrundlage", at: path)
            try take("refusalGrounds", from: data, into: "ablehnungsgruende", at: path)
            if case .object(let person)? = data["person"] {
                let personPath = "\(path)/person"
                let knownPerson: Set<String> = ["familyName", "givenNames", "birthDate", "sex", "nationalities", "identifiers"]
                for key in person.keys where !knownPerson.contains(key) {
                    throw ConversionError(.unknownField, "the CSV batch has no column for '\(key)'", at: "\(personPath)/\(key)")
                }
                try take("familyName", from: person, into: "familienname", at: personPath)
                try take("givenNames", from: person, into: "vornamen", at: personPath)
                try take("birthDate", from: person, into: "geburtsdatum", at: personPath)
                try take("sex", from: person, into: "geschlecht", at: personPath)
                try take("nationalities", from: person, into: "staatsangehoerigkeiten", at: personPath)
                if case .object(let identifiers)? = person["identifiers"] {
                    for key in identifiers.keys where key != "passportNumber" && key != "visaApplicationNumber" {
                        throw ConversionError(.unknownField, "the CSV batch has no column for '\(key)'", at: "\(personPath)/identifiers/\(key)")
                    }
                    try take("passportNumber", from: identifiers, into: "passnummer", at: "\(personPath)/identifiers")
                    try take("visaApplicationNumber", from: identifiers, into: "visumantragsnummer", at: "\(personPath)/identifiers")
                }
            }
            if case .object(let restrictions)? = data["restrictions"] {
                for key in restrictions.keys where !Self.restrictionColumns.contains(where: { $0.member == key }) {
                    throw ConversionError(.unknownField, "the CSV batch has no column for '\(key)'", at: "\(path)/restrictions/\(key)")
                }
                for (column, member) in Self.restrictionColumns {
                    try take(member, from: restrictions, into: column, at: "\(path)/restrictions")
                }
            }
            rows.append(Self.columns.map { record[$0] ?? "" })
        }
        return CSVTable(columns: Self.columns, rows: rows)
    }
}
