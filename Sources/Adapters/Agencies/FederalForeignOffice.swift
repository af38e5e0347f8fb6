import Foundation
import CaseModel

/// The adapter format of the Auswärtiges Amt (Federal Foreign Office, `aa`).
///
/// JSON messages (``GermanJSONSyntax``) for the Foreign Office's visa and border statistics
/// systems. The AA only receives: visa applications (`visum.antrag`), refusals of entry
/// (`grenze.zurueckweisung`) and `quittung.abweisung`. Examples: `Schemas/native/aa/`.
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
