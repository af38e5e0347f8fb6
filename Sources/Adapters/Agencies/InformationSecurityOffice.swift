import Foundation
import CaseModel

/// The adapter format of the Bundesamt für Sicherheit in der Informationstechnik (BSI, `bsi`).
///
/// JSON messages (``GermanJSONSyntax``) for the BSI's incident desk: it receives security
/// incidents the hub detected (`sicherheit.vorfall`: forged senders, unauthorised event
/// types; ids and counts, no personal data) and `quittung.abweisung`. It sends nothing.
/// Examples: `Schemas/native/bsi/`.
public struct InformationSecurityOffice: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The single agency `bsi`.
    public init(catalogue: EventCatalogue) {
        self.init(agency: AgencyID("bsi")!, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .json, catalogue: catalogue)
    }
}
