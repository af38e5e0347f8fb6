import Foundation
import CaseModel

/// The native names of the canonical event types (XÖV style `<Bereich>.<Nachricht>`), shared
/// by the agencies' formats. A type without an entry is named by its canonical short name
/// without version (`asylum.seeker-registered`), which decoding accepts too.
public enum MessageNames {
    /// Canonical type name (without version) → native message name.
    public static let table: [(canonical: String, native: String)] = [
        ("de.migration.asylum.seeker-registered", "asyl.registrierung"),
        ("de.migration.asylum.arrival-certificate-issued", "asyl.ankunftsnachweis"),
        ("de.migration.asylum.decision-issued", "asyl.entscheidung"),
        ("de.migration.visa.application-submitted", "visum.antrag"),
        ("de.migration.security.check-requested", "sicherheit.anfrage"),
        ("de.migration.security.check-answered", "sicherheit.antwort"),
        ("de.migration.visa.abh-consent-requested", "visum.zustimmungsanfrage"),
        ("de.migration.visa.abh-consent-answered", "visum.zustimmungsantwort"),
        ("de.migration.employment.consent-requested", "beschaeftigung.zustimmungsanfrage"),
        ("de.migration.employment.consent-decided", "beschaeftigung.zustimmungsentscheidung"),
        ("de.migration.residence.title-issued", "aufenthaltstitel.erteilung"),
        ("de.migration.residence.title-revoked", "aufenthaltstitel.aufhebung"),
        ("de.migration.border.entry-refused", "grenze.zurueckweisung"),
        ("de.migration.return.removal-enforceable", "rueckkehr.vollziehbarkeit"),
        ("de.migration.return.departure-recorded", "rueckkehr.ausreise"),
        ("de.migration.case.file-requested", "akte.anforderung"),
        ("de.migration.case.file-transferred", "akte.uebermittlung"),
        ("de.migration.security.incident-reported", "sicherheit.vorfall"),
        ("de.migration.message.rejected", "quittung.abweisung"),
        ("de.migration.employment.consent-deemed", "beschaeftigung.zustimmungsfiktion"),
        ("de.migration.visa.abh-consent-deemed", "visum.zustimmungsfiktion"),
        ("de.migration.security.check-deemed-no-objection", "sicherheit.keine-einwaende-fiktion"),
        ("de.migration.case.request-withdrawn", "ersuchen.ruecknahme"),
        ("de.migration.visa.decided", "visum.entscheidung"),
        ("de.migration.register.registration-confirmed", "register.speicherbestaetigung"),
        ("de.migration.asylum.seeker-distributed", "asyl.verteilung"),
        ("de.migration.asylum.seeker-assigned", "asyl.zuweisung"),
        ("de.migration.asylum.permission-to-stay-changed", "asyl.aufenthaltsgestattung"),
        ("de.migration.residence.toleration-changed", "duldung.aenderung"),
        ("de.migration.identity.match-reported", "identitaet.treffer"),
    ]

    private static let byCanonical = Dictionary(uniqueKeysWithValues: table.map { ($0.canonical, $0.native) })
    private static let byNative = Dictionary(uniqueKeysWithValues: table.map { ($0.native, $0.canonical) })

    /// The native message name of a type.
    public static func native(for type: EventTypeName) -> String {
        byCanonical[type.name] ?? String(type.name.dropFirst(EventTypeName.prefix.count))
    }

    /// The canonical type name (without version) of a native message name, or nil.
    public static func canonical(for native: String) -> String? {
        if let name = byNative[native] { return name }
        let candidate = EventTypeName.prefix + native
        return EventTypeName(name: candidate, version: 1) != nil ? candidate : nil
    }

    /// The versioned type of a native message: the stated version, else the catalogue's current one.
    public static func type(for native: String, version: Int?, catalogue: EventCatalogue) throws(ConversionError) -> EventTypeName {
        guard let name = canonical(for: native), let entry = catalogue.entry(named: name) else {
            throw ConversionError(.unsupportedMessage, "'\(native)' is no message of the exchange")
        }
        let number = version ?? entry.currentVersion
        guard entry.hasVersion(number), let type = EventTypeName(name: name, version: number) else {
            throw ConversionError(.unsupportedMessage, "'\(native)' has no version \(number)")
        }
        return type
    }
}
