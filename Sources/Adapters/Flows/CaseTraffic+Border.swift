import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 12: the federal police refuses entry at Munich airport to a man whose German visa
    /// it annuls (Art. 34 Visakodex). The register learns the refusal, and of the missions only
    /// the one that issued the visa, with what its grant allows; the Foreign Office no longer
    /// receives every refusal.
    func entryRefused() async throws {
        let subject = "bpol:ZW-MUC-\(Self.year)-\(Self.serial())"
        let visa = "IST-\(Self.year)-\(Self.serial())"
        var data = try template("border.entry-refused.v2", "valid-visa-annulled-av-istanbul.json")
        data.set("refusedAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-900))))
        data.set("visaApplicationNumber", .string(visa))
        data.set("visaIssuedBy", "av.istanbul")
        try send(from: "bpol", "de.migration.border.entry-refused", subject: subject, data: data, legalPurpose: "§ 15 AufenthG")
        let atRegister = try await receive("bva", "de.migration.border.entry-refused", subject: subject)
        guard atRegister.draft.data["travelDocument"] != nil else { throw FlowError("the register got no travel document") }
        let atMission = try await receive("av.istanbul", "de.migration.border.entry-refused", subject: subject)
        guard atMission.draft.data["visaApplicationNumber"]?.stringValue == visa, atMission.draft.data["travelDocument"] == nil,
              atMission.draft.legalPurpose == "Art. 34 VO (EG) 810/2009"
        else { throw FlowError("the mission's copy is not what its grant allows") }
        note("the issuing mission: refusal, grounds and its visa number under Art. 34 Visakodex; no passport data")
    }
}
