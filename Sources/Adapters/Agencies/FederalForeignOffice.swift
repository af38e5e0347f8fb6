import Foundation
import CaseModel

/// The adapter format of the Auswärtiges Amt (Federal Foreign Office, `aa`).
///
/// JSON messages (``GermanJSONSyntax``) for the Foreign Office's visa and border statistics
/// systems. The AA only receives: visa applications (`visum.antrag`) and `quittung.abweisung`.
/// (Refusals of entry go to the mission that issued the visa since border.entry-refused v2.)
/// Examples: `Schemas/native/aa/`.
public struct FederalForeignOffice: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The single agency `aa`.
    public init(catalogue: EventCatalogue) {
        self.init(agency: AgencyID("aa")!, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .json, catalogue: catalogue)
    }
}
