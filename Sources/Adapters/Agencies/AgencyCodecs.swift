import Foundation
import CaseModel

/// The native format of every partner agency.
public enum AgencyCodecs {
    /// The codec for an agency id (`abh.berlin`, `bpol`, `lpol.by`, ...), or nil for the hub.
    public static func codec(for agency: AgencyID, schemas: CaseSchemas) -> (any NativeCodec)? {
        let catalogue = schemas.catalogue
        switch agency.kind {
        case "abh": return ForeignersOffice(agency: agency, catalogue: catalogue)
        // A Land's reception authority is in most Länder its central foreigners' authority
        // (Zentrale Ausländerbehörde) and speaks the offices' XÖV-style XML.
        case "ae": return ForeignersOffice(agency: agency, catalogue: catalogue)
        case "av": return Mission(agency: agency, catalogue: catalogue)
        case "aa": return FederalForeignOffice(catalogue: catalogue)
        case "bamf": return FederalMigrationOffice(catalogue: catalogue)
        case "bpol": return FederalPolice(catalogue: catalogue, crosswalk: schemas.crosswalk)
        case "bka": return FederalCriminalPoliceOffice(catalogue: catalogue)
        case "bfv": return ConstitutionProtectionOffice(catalogue: catalogue)
        // The other agencies § 73 AufenthG consults speak the BfV's JSON.
        case "bnd", "mad", "zka", "lfv": return ConstitutionProtectionOffice(agency: agency, catalogue: catalogue)
        case "bsi": return InformationSecurityOffice(catalogue: catalogue)
        case "lpol": return StatePolice(agency: agency, catalogue: catalogue)
        case "ba": return EmploymentAgency(catalogue: catalogue)
        case "bva": return ForeignersRegister(catalogue: catalogue)
        default: return nil
        }
    }
}
