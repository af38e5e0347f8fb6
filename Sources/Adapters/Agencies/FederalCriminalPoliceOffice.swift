import Foundation
import CaseModel

/// The adapter format of the Bundeskriminalamt (BKA, `bka`).
///
/// JSON messages (``GermanJSONSyntax``) of the BKA's case system. The BKA receives security
/// checks under § 73 AufenthG (`sicherheit.anfrage`, projected to applicant, inviter and
/// guarantors, without AZR numbers), asylum registrations (`asyl.registrierung`) and residence
/// titles it was consulted on; it answers with `sicherheit.antwort` (`bedenken`: true/false,
/// nothing else). Examples: `Schemas/native/bka/`.
public struct FederalCriminalPoliceOffice: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The single agency `bka`.
    public init(catalogue: EventCatalogue) {
        self.init(agency: AgencyID("bka")!, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .json, catalogue: catalogue)
    }
}
