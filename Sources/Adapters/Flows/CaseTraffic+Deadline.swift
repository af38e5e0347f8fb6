import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 6: a mission asks a foreigners' office to consent to a visa with a security
    /// consultation (§ 31 Abs. 1 AufenthV); the office stays silent. The hub keeps the ten-day
    /// period and, once it ended, publishes the deemed consent (Zustimmungsfiktion) to the
    /// mission and the office. For the demonstration the hub's deadline clock is moved three
    /// weeks ahead (the router's `--deadline-clock-offset-file`); nothing else changes.
    func deemedConsent() async throws {
        guard let moveDeadlineClock else {
            throw FlowError("flow 6 needs the hub's deadline clock to be movable (the router's --deadline-clock-offset-file, the demo's option of the same name)")
        }
        let number = "LOS-\(Self.year)-\(Self.serial())"
        let subject = "av.lagos:\(number)"
        var data = try template("visa.abh-consent-requested.v1")
        data.set("requestId", .string(UUID().uuidString.lowercased()))
        data.set("visaApplicationNumber", .string(number))
        data.set("securityConsultation", true)
        if case .array(var persons)? = data["persons"], case .object(var applicant)? = persons.first {
            applicant.set("identifiers/visaApplicationNumber", .string(number))
            persons[0] = .object(applicant)
            data["persons"] = .array(persons)
        }
        let office = data["responsibleOffice"]?.stringValue ?? "abh.muenchen"
        let request = try send(from: "av.lagos", "de.migration.visa.abh-consent-requested", subject: subject, data: data, legalPurpose: "§ 31 AufenthV")
        _ = try await receive(office, "de.migration.visa.abh-consent-requested", subject: subject)
        note("the hub opened the period of § 31 Abs. 1 AufenthV: ten days from today, counted by the hub (drehscheibe deadline list)")
        say(line(office, "stays", "silent"))
        try moveDeadlineClock(21 * 86_400)
        note("the hub's deadline clock moved three weeks ahead (demonstration)")
        let atMission = try await receive("av.lagos", "de.migration.visa.abh-consent-deemed", subject: subject) {
            $0.data["requestMessageId"]?.stringValue == request.id
        }
        note("consent deemed given (Zustimmungsfiktion, \(atMission.draft.data["legalBasis"]?.stringValue ?? "?")): period ended \(atMission.draft.data["periodEnded"]?.stringValue ?? "?")")
        _ = try await receive(office, "de.migration.visa.abh-consent-deemed", subject: subject)
        note("the silent office learns it too")
    }

    /// Moves a deadline clock kept in `path` (seconds ahead of the system clock) by `seconds`.
    public static func moveDeadlineClock(in path: String, by seconds: TimeInterval) throws {
        let current = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        try "\(Int(current + seconds))\n".write(toFile: path, atomically: true, encoding: .utf8)
    }
}
