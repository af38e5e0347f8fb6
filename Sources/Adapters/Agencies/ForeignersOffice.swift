import Foundation
import CaseModel

/// The adapter format of an Ausländerbehörde (foreigners' office, `abh.<office>`).
///
/// Foreigners' offices exchange XÖV-style XML messages (XAusländer-like): the root element is
/// the message name, the `nachrichtenkopf` carries the message UUID (`nachrichtUUID`, the
/// CloudEvents id), the creation time, the author and reader authority ids
/// (`autor`/`leser` → `behoerdenkennung`), the case (`vorgang`) and the references to the
/// business transaction (`korrelation`) and to the message answered (`bezug`); the `inhalt`
/// holds the data with German element names (``Vocabulary/german``). See ``XoevSyntax``.
///
/// An office sends e.g. `beschaeftigung.zustimmungsanfrage` (employment.consent-requested),
/// `akte.anforderung` / `akte.uebermittlung` (case.file-requested / -transferred),
/// `aufenthaltstitel.erteilung`, `visum.zustimmungsantwort`, `rueckkehr.*`; it receives asylum
/// registrations and decisions, consent decisions, security-check results, case files and
/// `quittung.abweisung` (the hub's rejection receipt). Examples: `Schemas/native/abh/`.
public struct ForeignersOffice: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The office `abh.<office>`, e.g. `ForeignersOffice(office: "berlin", ...)`.
    public init(office: String, catalogue: EventCatalogue) throws(AdapterError) {
        guard let agency = AgencyID("abh.\(office)") else { throw AdapterError(.configuration, "'\(office)' is no office id") }
        self.init(agency: agency, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .xoev, catalogue: catalogue)
    }
}
