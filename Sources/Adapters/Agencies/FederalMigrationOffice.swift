import Foundation
import CaseModel

/// The adapter format of the Bundesamt für Migration und Flüchtlinge (BAMF, `bamf`).
///
/// The BAMF's asylum case system (MARiS) exchanges XÖV-style XML (``XoevSyntax``) with the
/// foreigners' offices and the register, like ``ForeignersOffice``. It sends asylum
/// registrations (`asyl.registrierung`), arrival certificates (`asyl.ankunftsnachweis`),
/// decisions (`asyl.entscheidung`) and return events (`rueckkehr.*`); it receives return
/// events and `quittung.abweisung`. Examples: `Schemas/native/bamf/`.
public struct FederalMigrationOffice: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The single agency `bamf`.
    public init(catalogue: EventCatalogue) {
        self.init(agency: AgencyID("bamf")!, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .xoev, catalogue: catalogue)
    }
}
