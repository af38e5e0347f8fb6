import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 7: a mission decides a visa (issued). The BVA's visa file gets the decision in full,
    /// the consenting foreigners' office what closes its consent, and the agencies consulted
    /// under § 73 AufenthG the follow-up report (§ 73 Abs. 3), each by its grant.
    func visaDecided() async throws {
        let number = "LOS-\(Self.year)-\(Self.serial())"
        let subject = "av.lagos:\(number)"
        var data = try template("visa.decided.v1", "valid-national-issued-av-lagos.json")
        data.set("visaApplicationNumber", .string(number))
        data.set("person/identifiers/visaApplicationNumber", .string(number))
        data.set("decidedOn", .string(Self.today()))
        data.set("visa/validFrom", .string(Self.today(offsetDays: 7)))
        data.set("visa/validUntil", .string(Self.today(offsetDays: 187)))
        data.set("consentingOffice", "abh.muenchen")
        data.set("consultedAgencies", ["bka", "bfv"])
        try send(from: "av.lagos", "de.migration.visa.decided", subject: subject, data: data, legalPurpose: "§ 6 AufenthG")
        let atRegister = try await receive("bva", "de.migration.visa.decided", subject: subject)
        guard atRegister.draft.data["person"]?["identifiers"]?["passportNumber"] != nil else { throw FlowError("the visa file lacks the passport number") }
        note("the visa file: the decision in full (§ 29 AZRG)")
        let atOffice = try await receive("abh.muenchen", "de.migration.visa.decided", subject: subject)
        guard atOffice.draft.data["visa"]?["validUntil"] != nil else { throw FlowError("the consenting office got no validity") }
        note("the consenting office: decision and validity (§ 31 AufenthV)")
        for agency in ["bka", "bfv"] {
            let copy = try await receive(agency, "de.migration.visa.decided", subject: subject)
            guard copy.draft.legalPurpose == "§ 73 AufenthG" else { throw FlowError("\(agency)'s copy names \(copy.draft.legalPurpose ?? "no") legal basis") }
        }
        note("BKA and BfV: the follow-up report of § 73 Abs. 3 AufenthG, under that legal basis")
    }

    /// Flow 8: the register confirms a foreigners' office's registration with the AZR number,
    /// and that it matched an existing record (AZR feedback, § 10 AZRG).
    func registrationConfirmed() async throws {
        let reference = "HH-\(Self.year)-\(Self.serial())"
        let subject = "abh.hamburg:\(reference)"
        var data = try template("register.registration-confirmed.v1", "valid-title-issued-abh-hamburg.json")
        data.set("registeredMessageId", .string(UUID().uuidString.lowercased()))
        data.set("registeringAgency", "abh.hamburg")
        data.set("confirmedOn", .string(Self.today()))
        try send(from: "bva", "de.migration.register.registration-confirmed", subject: subject, data: data, legalPurpose: "§ 10 AZRG")
        let atOffice = try await receive("abh.hamburg", "de.migration.register.registration-confirmed", subject: subject)
        guard atOffice.draft.data["azrNumber"] != nil, atOffice.draft.data["match"]?.stringValue == "existing-record" else {
            throw FlowError("the office's confirmation lacks the AZR number or the match")
        }
        note("stored; AZR number \(atOffice.draft.data["azrNumber"]?.stringValue ?? "?"), matched an existing record")
    }
}
