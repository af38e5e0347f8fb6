import Foundation
import CaseModel

/// The adapter format of an Auslandsvertretung (German mission abroad, `av.<mission>`).
///
/// The missions' visa system exchanges JSON messages (``GermanJSONSyntax``): a `nachricht`
/// header (`art` = message name, `id`, `erstellt`, `absender`, `vorgang`, `korrelation`,
/// `bezug`, `rechtsgrundlage`, `fristende`) and the `inhalt` with German member names
/// (``Vocabulary/german``).
///
/// A mission sends `visum.antrag` (visa.application-submitted), `visum.zustimmungsanfrage`
/// (visa.abh-consent-requested) and `beschaeftigung.zustimmungsanfrage`; it receives the
/// results of the security consultation (`sicherheit.antwort`), the foreigners' offices'
/// consent (`visum.zustimmungsantwort`), the BA's decisions, residence titles it was consulted
/// on, refusals of entry of persons holding a visa it issued (`grenze.zurueckweisung`, selected
/// by `ausstellendeVertretung`) and `quittung.abweisung`. Examples: `Schemas/native/av/`.
public struct Mission: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The mission `av.<mission>`, e.g. `Mission(mission: "istanbul", ...)`.
    public init(mission: String, catalogue: EventCatalogue) throws(AdapterError) {
        guard let agency = AgencyID("av.\(mission)") else { throw AdapterError(.configuration, "'\(mission)' is no mission id") }
        self.init(agency: agency, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .json, catalogue: catalogue)
    }
}
