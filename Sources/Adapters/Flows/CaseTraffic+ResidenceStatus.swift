import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 10: the status of a person whose removal is suspended, and of an asylum applicant,
    /// reaches the register: an office issues a Duldung (§ 60a AufenthG), the BAMF a permission
    /// to stay (Aufenthaltsgestattung, § 55, § 63 AsylG) that the responsible office learns too.
    func residenceStatus() async throws {
        let file = "32-4-\(Self.year)/\(Self.serial())"
        let toleration = "abh.koeln:\(file.replacingOccurrences(of: "/", with: "-"))"
        var duldung = try template("residence.toleration-changed.v1", "valid-issued-impossible-abh-koeln.json")
        duldung.set("changedAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-120))))
        duldung.set("fileNumber", .string(file))
        duldung.set("toleration/validFrom", .string(Self.today()))
        duldung.set("toleration/validUntil", .string(Self.today(offsetDays: 90)))
        try send(from: "abh.koeln", "de.migration.residence.toleration-changed", subject: toleration, data: duldung, legalPurpose: "§ 60a AufenthG")
        let atRegister = try await receive("bva", "de.migration.residence.toleration-changed", subject: toleration)
        guard atRegister.draft.data["toleration"]?["ground"]?.stringValue == "60a-2-1" else { throw FlowError("the register got no toleration ground") }
        note("Duldung (§ 60a Abs. 2 Satz 1 AufenthG) stored in the register, ground and validity")

        let caseNumber = "A-\(Self.year.suffix(2))-\(Self.serial())0"
        let procedure = "bamf:\(caseNumber)"
        var gestattung = try template("asylum.permission-to-stay-changed.v1", "valid-issued-reception-bamf.json")
        gestattung.set("changedAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-60))))
        gestattung.set("asylumCaseNumber", .string(caseNumber))
        gestattung.set("certificate/validFrom", .string(Self.today()))
        gestattung.set("certificate/validUntil", .string(Self.today(offsetDays: 180)))
        gestattung.set("responsibleOffice", "abh.koeln")
        try send(from: "bamf", "de.migration.asylum.permission-to-stay-changed", subject: procedure, data: gestattung, legalPurpose: "§ 63 AsylG")
        _ = try await receive("bva", "de.migration.asylum.permission-to-stay-changed", subject: procedure)
        let atOffice = try await receive("abh.koeln", "de.migration.asylum.permission-to-stay-changed", subject: procedure)
        guard atOffice.draft.data["certificate"]?["validUntil"] != nil else { throw FlowError("the office's copy has no validity") }
        note("Aufenthaltsgestattung (§ 63 AsylG) in the register and at the responsible office")
    }
}
