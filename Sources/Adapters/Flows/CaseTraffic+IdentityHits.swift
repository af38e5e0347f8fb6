import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 11: identity hits. The BKA's Eurodac comparison finds an earlier application in
    /// Italy, which the BAMF needs for the Dublin procedure (§ 29 AsylG); a SIS entry ban
    /// issued by France reaches the office in Berlin and the BAMF, each as its grant allows.
    func identityHits() async throws {
        let eurodac = "bka:EURODAC-\(Self.year)-\(Self.serial())"
        var hit = try template("identity.match-reported.v1", "valid-eurodac-dublin-bamf.json")
        hit.set("matchedAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-60))))
        hit.set("matchReference", .string(String(eurodac.dropFirst("bka:".count))))
        try send(from: "bka", "de.migration.identity.match-reported", subject: eurodac, data: hit, legalPurpose: "§ 16 AsylG")
        let atBAMF = try await receive("bamf", "de.migration.identity.match-reported", subject: eurodac)
        guard atBAMF.draft.data["eurodac"]?["memberState"]?.stringValue == "IT" else { throw FlowError("the BAMF's copy has no member state") }
        note("Eurodac category 1 hit in Italy → BAMF (Dublin, § 29 Abs. 1 Nr. 1 AsylG)")

        let sis = "bka:SIRENE-\(Self.year)-\(Self.serial())"
        var alert = try template("identity.match-reported.v1", "valid-sis-entry-ban-abh-berlin-bamf.json")
        alert.set("matchedAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-30))))
        alert.set("matchReference", .string("SIRENE/\(Self.year)/\(Self.serial())"))
        try send(from: "bka", "de.migration.identity.match-reported", subject: sis, data: alert, legalPurpose: "§ 50 AufenthG")
        for agency in ["abh.berlin", "bamf"] {
            let copy = try await receive(agency, "de.migration.identity.match-reported", subject: sis)
            guard copy.draft.data["alert"]?["kind"]?.stringValue == "entry-ban" else { throw FlowError("\(agency) got no alert kind") }
        }
        note("SIS entry ban (France) → the office in Berlin and the BAMF, each under its grant's legal basis")
    }
}
