import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 1: a visa application at the mission in Istanbul goes to the register (BVA) and
    /// the Foreign Office; the register's consultation desk asks BKA, BfV and BPOL (§ 73
    /// AufenthG: the hub passes on only applicant, inviter and guarantor, without AZR
    /// numbers); their answers go to the register, whose result goes back to the mission.
    func visaApplication() async throws {
        let number = "IST-\(Self.year)-\(Self.serial())"
        let subject = "av.istanbul:\(number)"
        let correlation = UUID().uuidString.lowercased()
        var data = try template("visa.application-submitted.v1", "valid-schengen-family-visit.json")
        data.set("visaApplicationNumber", .string(number))
        data.set("submittedOn", .string(Self.today()))
        data.set("intendedStay/arrival", .string(Self.today(offsetDays: 60)))
        data.set("intendedStay/departure", .string(Self.today(offsetDays: 85)))
        data.set("persons/*/identifiers/visaApplicationNumber", .string(number))
        // Only the applicant carries the application number.
        if case .array(var persons)? = data["persons"] {
            for index in persons.indices where persons[index]["role"]?.stringValue != "applicant" {
                if case .object(var person) = persons[index] {
                    person.remove("identifiers/visaApplicationNumber")
                    persons[index] = .object(person)
                }
            }
            data["persons"] = .array(persons)
        }
        let application = try send(
            from: "av.istanbul", "de.migration.visa.application-submitted", subject: subject, data: data,
            correlation: correlation, legalPurpose: "§ 72a AufenthG")
        note("visa application \(number): applicant, inviter, guarantor, spouse; security consultation requested")
        let atRegister = try await receive("bva", "de.migration.visa.application-submitted", subject: subject)
        _ = try await receive("aa", "de.migration.visa.application-submitted", subject: subject)

        // The register's consultation desk asks the security agencies about everyone named.
        let requestID = UUID().uuidString.lowercased()
        let check: JSONObject = [
            "requestId": .string(requestID), "requester": "av.istanbul", "procedure": "visa", "legalBasis": "§ 73 AufenthG",
            "visaApplicationNumber": .string(number), "persons": atRegister.draft.data["persons"] ?? [],
        ]
        let request = try send(
            from: "bva", "de.migration.security.check-requested", subject: subject, data: check, correlation: correlation,
            causation: application.id, legalPurpose: "§ 73 AufenthG")
        let agencies = ["bka", "bfv", "bpol"]
        for agency in agencies {
            let received = try await receive(agency, "de.migration.security.check-requested", subject: subject)
            let persons = received.draft.data["persons"]?.arrayValue ?? []
            let roles = persons.compactMap { $0["role"]?.stringValue }
            let azrNumbers = persons.filter { $0["identifiers"]?["azrNumber"] != nil }.count
            note("\(persons.count) of 4 persons (\(roles.joined(separator: ", "))), \(azrNumbers) AZR numbers: the § 73 projection")
            guard Set(roles) == ["applicant", "inviter", "guarantor"], azrNumbers == 0 else {
                throw FlowError("\(agency) received persons beyond § 73 AufenthG or AZR numbers")
            }
        }
        // Each security agency's clerk answers: no concerns.
        for agency in agencies {
            try send(
                from: agency, "de.migration.security.check-answered", subject: subject,
                data: ["requestId": .string(requestID), "requester": "av.istanbul", "concerns": false],
                correlation: correlation, causation: request.id, legalPurpose: "§ 73 AufenthG")
        }
        var concerns = false
        for agency in agencies {
            let answer = try await receive("bva", "de.migration.security.check-answered", subject: subject) {
                $0.author?.rawValue == agency && $0.data["requestId"]?.stringValue == requestID
            }
            concerns = concerns || answer.draft.data["concerns"]?.boolValue == true
        }
        note("all three answered; concerns: \(concerns ? "yes" : "none")")
        try send(
            from: "bva", "de.migration.security.check-answered", subject: subject,
            data: [
                "requestId": .string(requestID), "requester": "av.istanbul", "concerns": .bool(concerns),
                "consultedAgencies": .array(agencies.map { .string($0) }),
            ],
            correlation: correlation, causation: request.id, legalPurpose: "§ 73 AufenthG")
        let result = try await receive("av.istanbul", "de.migration.security.check-answered", subject: subject) {
            $0.data["requestId"]?.stringValue == requestID
        }
        let consulted = result.draft.data["consultedAgencies"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard result.draft.data["concerns"]?.boolValue == false, consulted == agencies else {
            throw FlowError("the mission received an unexpected result")
        }
        note("the mission learns: no concerns (consulted \(consulted.joined(separator: ", "))); the visa can be decided")
    }
}
