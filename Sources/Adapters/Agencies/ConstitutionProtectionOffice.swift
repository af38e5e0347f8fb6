import Foundation
import CaseModel

/// The adapter format of the Bundesamt für Verfassungsschutz (BfV, `bfv`), and of the other
/// agencies § 73 AufenthG consults that have no format of their own: `bnd`, `mad`, `zka` and the
/// Landesämter für Verfassungsschutz (`lfv.<land>`).
///
/// JSON messages (``GermanJSONSyntax``). The BfV receives § 73 AufenthG security checks
/// (`sicherheit.anfrage`) and residence titles it was consulted on, and answers with
/// `sicherheit.antwort` (concerns yes/no only). Examples: `Schemas/native/bfv/`.
public struct ConstitutionProtectionOffice: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The single agency `bfv`.
    public init(catalogue: EventCatalogue) {
        self.init(agency: AgencyID("bfv")!, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .json, catalogue: catalogue)
    }
}
