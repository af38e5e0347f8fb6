import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 9: an asylum seeker from registration to the responsible foreigners' office. The
    /// Bavarian police registers him before anyone knows which office will be responsible; the
    /// BAMF's EASY distribution (§ 46 AsylG) names the Bavarian reception centre, and the
    /// centre assigns him to a municipality (§ 50 AsylG), whose office learns it last.
    func asylumAllocation() async throws {
        let subject = "lpol.by:REG-\(Self.year)-\(Self.serial())"
        let fingerprint = "ED-\(Self.year)-00\(Self.serial())"
        var registration = try template("asylum.seeker-registered.v3", "valid-lpol-by-without-office.json")
        registration.set("registeredAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-3_600))))
        registration.set("person/identifiers/fingerprintReference", .string(fingerprint))
        registration.remove("receptionCentre")
        try send(from: "lpol.by", "de.migration.asylum.seeker-registered", subject: subject, data: registration, legalPurpose: "§ 19 AsylG")
        for agency in ["bva", "bamf", "bka"] {
            let copy = try await receive(agency, "de.migration.asylum.seeker-registered", subject: subject)
            guard copy.draft.data["responsibleOffice"] == nil else { throw FlowError("\(agency)'s copy names an office before allocation") }
        }
        note("registered without a responsible office: register, BAMF and BKA learn it (§§ 16, 19 AsylG)")

        var distribution = try template("asylum.seeker-distributed.v1", "valid-lpol-by-to-ae-by.json")
        distribution.set("distributedAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-1_800))))
        distribution.set("person/identifiers/fingerprintReference", .string(fingerprint))
        distribution.set("receptionCentre", "ae.by")
        distribution.set("registeredBy", "lpol.by")
        try send(from: "bamf", "de.migration.asylum.seeker-distributed", subject: subject, data: distribution, legalPurpose: "§ 46 AsylG")
        let atCentre = try await receive("ae.by", "de.migration.asylum.seeker-distributed", subject: subject)
        guard atCentre.draft.data["quotaBasis"] != nil else { throw FlowError("the reception centre got no quota basis") }
        let atPolice = try await receive("lpol.by", "de.migration.asylum.seeker-distributed", subject: subject)
        guard atPolice.draft.data["facility"] != nil, atPolice.draft.data["quotaBasis"] == nil else {
            throw FlowError("the police's copy is not what its grant allows (facility, no quota basis)")
        }
        _ = try await receive("bva", "de.migration.asylum.seeker-distributed", subject: subject)
        note("EASY: reception centre ae.by in full; the police only where to bring him (§ 19 AsylG)")

        var assignment = try template("asylum.seeker-assigned.v1", "valid-ae-by-augsburg.json")
        assignment.set("assignedAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-60))))
        assignment.set("person/identifiers/fingerprintReference", .string(fingerprint))
        assignment.set("responsibleOffice", "abh.muenchen")
        assignment.set("municipality", ["name": "Landeshauptstadt München", "municipalityKey": "09162000"])
        assignment.remove("address")
        assignment.set("effectiveFrom", .string(Self.today(offsetDays: 3)))
        try send(from: "ae.by", "de.migration.asylum.seeker-assigned", subject: subject, data: assignment, legalPurpose: "§ 50 AsylG")
        let atOffice = try await receive("abh.muenchen", "de.migration.asylum.seeker-assigned", subject: subject)
        guard atOffice.draft.data["responsibleOffice"]?.stringValue == "abh.muenchen" else { throw FlowError("the office's copy names another office") }
        let atBAMF = try await receive("bamf", "de.migration.asylum.seeker-assigned", subject: subject)
        guard atBAMF.draft.data["person"]?["identifiers"]?["fingerprintReference"] == nil else {
            throw FlowError("the BAMF's copy carries the fingerprint reference its grant withholds")
        }
        _ = try await receive("bva", "de.migration.asylum.seeker-assigned", subject: subject)
        note("assigned to München (§ 50 AsylG): the office is now responsible; BAMF and register learn it")
    }
}
