import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 6: a foreigners' office asks the BA to consent to employment (§ 39 AufenthG) and the
    /// BA stays silent. The hub keeps the two-week period of § 36 Abs. 2 BeschV and, once it
    /// ended, publishes the deemed consent (Zustimmungsfiktion) to the office, the BA and the
    /// register. For the demonstration the hub's deadline clock is moved three weeks ahead (the
    /// router's `--deadline-clock-offset-file`); nothing else changes.
    func deemedConsent() async throws {
        guard let moveDeadlineClock else {
            throw FlowError("flow 6 needs the hub's deadline clock to be movable (the router's --deadline-clock-offset-file, the demo's option of the same name)")
        }
        let reference = "IV-B-\(Self.year)-\(Self.serial())"
        let subject = "abh.berlin:\(reference)"
        var data = try template("employment.consent-requested.v1")
        data.set("requestId", .string(UUID().uuidString.lowercased()))
        data.set("requester", "abh.berlin")
        data.remove("visaApplicationNumber")
        data.set("caseFileNumber", .string(reference.replacingOccurrences(of: "-\(Self.year)-", with: " \(Self.year)/")))
        data.set("fastTrack", false)
        data.set("intendedTitle", "ae-18b")
        data.set("employment/startDate", .string(Self.today(offsetDays: 45)))
        let request = try send(
            from: "abh.berlin", "de.migration.employment.consent-requested", subject: subject, data: data, legalPurpose: "§ 39 AufenthG")
        _ = try await receive("ba", "de.migration.employment.consent-requested", subject: subject)
        note("the hub opened the period of § 36 Abs. 2 BeschV: two weeks from today, counted by the hub (drehscheibe deadline list)")
        say(line("ba", "stays", "silent"))
        try moveDeadlineClock(21 * 86_400)
        note("the hub's deadline clock moved three weeks ahead (demonstration)")
        let atOffice = try await receive("abh.berlin", "de.migration.employment.consent-deemed", subject: subject) {
            $0.data["requestMessageId"]?.stringValue == request.id
        }
        note("consent deemed given (\(atOffice.draft.data["legalBasis"]?.stringValue ?? "?")): the period ended \(atOffice.draft.data["periodEnded"]?.stringValue ?? "?")")
        _ = try await receive("bva", "de.migration.employment.consent-deemed", subject: subject)
        note("the register records it; the BA learns it too")
        _ = try await receive("ba", "de.migration.employment.consent-deemed", subject: subject)
    }

    /// Moves a deadline clock kept in `path` (seconds ahead of the system clock) by `seconds`.
    public static func moveDeadlineClock(in path: String, by seconds: TimeInterval) throws {
        let current = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        try "\(Int(current + seconds))\n".write(toFile: path, atomically: true, encoding: .utf8)
    }
}
