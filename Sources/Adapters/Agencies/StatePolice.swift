import Foundation
import CaseModel

/// The adapter format of a Landespolizei (state police, `lpol.<land>`).
///
/// JSON messages (``GermanJSONSyntax``) of the Länder police systems. A state police sends
/// asylum registrations (`asyl.registrierung`), security-check answers (`sicherheit.antwort`)
/// and return events (`rueckkehr.*`); it receives security checks for requests of the
/// foreigners' offices in its Land and residence titles it was consulted on.
/// Examples: `Schemas/native/lpol/`.
public struct StatePolice: CodecBackedAdapter {
    public let codec: MessageCodec

    /// The police of a Land, `lpol.<land>` (lowercase ISO 3166-2:DE suffix, e.g. `by`).
    public init(land: String, catalogue: EventCatalogue) throws(AdapterError) {
        guard let agency = AgencyID("lpol.\(land)") else { throw AdapterError(.configuration, "'\(land)' is no Land (ISO 3166-2:DE suffix)") }
        self.init(agency: agency, catalogue: catalogue)
    }

    init(agency: AgencyID, catalogue: EventCatalogue) {
        codec = MessageCodec(agency: agency, syntax: .json, catalogue: catalogue)
    }
}
