import Foundation
import CaseModel

/// The adapter format of the Ausländerzentralregister (AZR, central register of foreigners)
/// at the Bundesverwaltungsamt (BVA, `bva`).
///
/// The register speaks XÖV-style XML (``XoevSyntax``, XAusländer is the AZR's standard). It
/// receives nearly every event (registrations, decisions, visa applications, titles, returns,
/// consent decisions, the security agencies' answers) and sends the § 73 AufenthG security
/// consultation (`sicherheit.anfrage` to BKA, BfV, BPOL and the Land police) and its aggregated
/// result (`sicherheit.antwort` with `beteiligteBehoerden`) to the requesting mission or office.
/// Examples: `Schemas/native/bva/`.
public struct ForeignersRegister: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The single agency `bva`.
    public init(catalogue: EventCatalogue) {
        self.init(agency: AgencyID("bva")!, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .xoev, catalogue: catalogue)
    }
}
