import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 3: the federal police at Hamburg airport registers an asylum seeker from her
    /// passport: the border control system's document carries the machine-readable zone, which
    /// the adapter verifies and reads into person core data; the hub informs the register, the
    /// responsible foreigners' office and the BKA.
    func asylumAtTheBorder() async throws {
        let subject = "bpol:REG-\(Self.year)-\(Self.serial())"
        let correlation = UUID().uuidString.lowercased()
        var data = try template("asylum.seeker-registered.v2", "valid-bpol-with-mrz.json")
        data.set("registeredAt", .string(EventDraft.timestamp(Date().addingTimeInterval(-600))))
        data.set("person/identifiers/fingerprintReference", .string("ED-\(Self.year)-00\(Self.serial())"))
        let registration = try send(
            from: "bpol", "de.migration.asylum.seeker-registered", subject: subject, data: data, correlation: correlation,
            legalPurpose: "§ 16 AsylG")
        let dropped = try desk("bpol").codec.encode(registration)
        guard dropped.text.contains("\"passkontrolle\"") else { throw FlowError("the border document carries no passport scan") }
        note("the document carries the passport's MRZ (2 × 44 characters) instead of person data")
        for agency in ["bva", "abh.hamburg", "bka"] {
            let received = try await receive(agency, "de.migration.asylum.seeker-registered", subject: subject)
            let person = received.draft.data["person"]
            guard person?["nationalities"]?[0]?.stringValue == "475", person?["identifiers"]?["passportNumber"] != nil else {
                throw FlowError("\(agency) received no person core data from the MRZ")
            }
            if agency == "abh.hamburg" {
                note("MRZ check digits verified; nationality SYR → DESTATIS 475; responsible office abh.hamburg")
            }
        }
    }
}
