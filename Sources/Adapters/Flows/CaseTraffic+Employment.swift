import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 2: the Berlin foreigners' office asks the BA for consent to employment (§ 39
    /// AufenthG); the BA sees core data without the AZR number, decides in its batch (CSV),
    /// and the decision goes back to the office and to the register.
    func employmentConsent() async throws {
        let reference = "IV-B-\(Self.year)-\(Self.serial())"
        let subject = "abh.berlin:\(reference)"
        let correlation = UUID().uuidString.lowercased()
        let requestID = UUID().uuidString.lowercased()
        var data = try template("employment.consent-requested.v1")
        data.set("requestId", .string(requestID))
        data.set("requester", "abh.berlin")
        data.remove("visaApplicationNumber")
        data.set("caseFileNumber", .string(reference.replacingOccurrences(of: "-\(Self.year)-", with: " \(Self.year)/")))
        data.set("fastTrack", false)
        data.set("intendedTitle", "ae-18b")
        data.set("person", [
            "familyName": "Nguyen", "givenNames": "Thi Mai", "birthDate": "1997-04-12",
            "placeOfBirth": ["place": "Hanoi", "country": "VN"], "sex": "w", "nationalities": ["432"],
            "identifiers": ["azrNumber": "100432118277", "passportNumber": "C7731904"],
        ])
        data.set("employment/jobTitle", "Pflegefachfrau")
        data.set("employment/occupationCode", "81302")
        data.set("employment/startDate", .string(Self.today(offsetDays: 30)))
        let dueAt = EventDraft.timestamp(Date().addingTimeInterval(14 * 86_400))
        let request = try send(
            from: "abh.berlin", "de.migration.employment.consent-requested", subject: subject, data: data,
            correlation: correlation, legalPurpose: "§ 39 AufenthG", dueAt: dueAt)
        note("deadline \(dueAt): silence means consent after two weeks (§ 36 Abs. 2 BeschV)")
        let atBA = try await receive("ba", "de.migration.employment.consent-requested", subject: subject)
        guard case .object(let person)? = atBA.draft.data["person"] else { throw FlowError("the BA received no person") }
        guard person["identifiers"] == nil else { throw FlowError("the BA received identifiers (AZR or passport number)") }
        note("identity core and the employment only, no AZR or passport number (grant employment-agency-core, § 39 AufenthG)")

        // The BA's system exports the day's decisions as a CSV batch.
        var decided = person
        decided.remove("placeOfBirth")
        decided.set("identifiers", ["passportNumber": person["identifiers"]?["passportNumber"] ?? "C7731904"])
        let employment = atBA.draft.data["employment"]
        let decision: JSONObject = [
            "requestId": .string(requestID), "requester": "abh.berlin", "person": .object(decided), "decision": "approved",
            "decidedOn": .string(Self.today()), "legalBasis": "§ 39 AufenthG",
            "restrictions": [
                "employerOperatingNumber": employment?["employer"]?["operatingNumber"] ?? "12345678",
                "occupationCode": employment?["occupationCode"] ?? "81302",
                "validFrom": employment?["startDate"] ?? .string(Self.today(offsetDays: 30)),
                "maxWeeklyHours": 40,
            ],
        ]
        let other = "IV-B-\(Self.year)-\(Self.serial())"
        let second: JSONObject = [
            "requestId": .string(UUID().uuidString.lowercased()), "requester": "abh.berlin",
            "person": ["familyName": "Mensah", "givenNames": "Kwame", "birthDate": "1991-02", "sex": "m", "nationalities": ["238"]],
            "decision": "refused", "decidedOn": .string(Self.today()), "legalBasis": "§ 39 AufenthG", "refusalGrounds": ["§ 39 AufenthG"],
        ]
        let batch = try [
            event(from: "ba", "de.migration.employment.consent-decided", subject: subject, data: decision, correlation: correlation,
                  causation: request.id, legalPurpose: "§ 39 AufenthG"),
            event(from: "ba", "de.migration.employment.consent-decided", subject: "abh.berlin:\(other)", data: second,
                  legalPurpose: "§ 39 AufenthG"),
        ]
        let (file, _) = try desk("ba").drop(batch, as: .csv, name: "zustimmungen-\(Self.today())-\(Self.serial())")
        say(line("ba", "drops", "\(file) (CSV batch, 2 decisions)"))
        let atOffice = try await receive("abh.berlin", "de.migration.employment.consent-decided", subject: subject)
        guard atOffice.draft.data["decision"]?.stringValue == "approved" else { throw FlowError("the office received another decision") }
        note("decision: approved, restricted to the employer and occupation (§ 34 BeschV)")
        _ = try await receive("bva", "de.migration.employment.consent-decided", subject: subject)
        _ = try await receive("abh.berlin", "de.migration.employment.consent-decided", subject: "abh.berlin:\(other)")
        note("the batch's second decision (refused) reached its case too")
    }

    /// An event as `agency`'s system makes it (not dropped).
    func event(
        from agency: String, _ type: String, subject: String, data: JSONObject, correlation: String? = nil, causation: String? = nil,
        legalPurpose: String? = nil
    ) throws -> CaseEvent {
        let desk = try desk(agency)
        guard let entry = schemas.catalogue.entry(named: type) else { throw FlowError("\(type) is not in the catalogue") }
        let id = UUID().uuidString.lowercased()
        return try EventDraft(
            type: entry.current.type, subject: subject, data: data, id: id, time: EventDraft.timestamp(Date()),
            correlationID: correlation, causationID: causation, legalPurpose: legalPurpose
        ).event(source: desk.agency, catalogue: schemas.catalogue, fallbackID: id)
    }
}
