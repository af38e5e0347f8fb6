import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 5: the München office sends two broken documents. The first fails the offline
    /// check in its own adapter (a four-digit postal code): set aside in `failed/` with an
    /// error file, nothing leaves the office. The second is valid but names an office the hub
    /// does not serve: the router dead-letters it and returns a receipt
    /// (`message.rejected`), which the adapter writes into the office's outbox as a native
    /// rejection notice.
    func rejectedDocuments() async throws {
        let serial = Self.serial()
        var data = try template("case.file-requested.v1")
        data.set("requestId", .string(UUID().uuidString.lowercased()))
        data.set("requester", "abh.muenchen")
        data.set("newAddress", ["street": "Landsberger Straße", "houseNumber": "112", "postalCode": "8033", "city": "München"])
        let broken = try send(
            from: "abh.muenchen", "de.migration.case.file-requested", subject: "abh.koeln:32-1-\(Self.year)-\(serial)", data: data,
            legalPurpose: "§ 3 VwVfG")
        let file = "\(MessageNames.native(for: broken.eventType))-\(broken.id.prefix(8)).xml"
        let report = try await desk("abh.muenchen").awaitFailure(of: file, timeout: timeout)
        let errors = report["errors"]?.arrayValue ?? []
        say(line("abh.muenchen", "sets aside", "failed/\(file) + .error.json"))
        note("\(report["code"]?.stringValue ?? "?"): \(errors.first?["message"]?.stringValue ?? report["reason"]?.stringValue ?? "")")
        guard report["code"]?.stringValue == "native.invalid" else { throw FlowError("the broken document failed for another reason") }

        let subject = "abh.muenchen:KVR-II-\(Self.year)-\(serial)"
        data.set("newAddress/postalCode", "80339")
        data.set("previousOffice", "abh.neustadt")
        let unroutable = try send(
            from: "abh.muenchen", "de.migration.case.file-requested", subject: subject, data: data, legalPurpose: "§ 3 VwVfG")
        note("valid offline, but abh.neustadt is no office the hub serves")
        let receipt = try await receive("abh.muenchen", "de.migration.message.rejected", subject: subject) {
            $0.data["originalMessageId"]?.stringValue == unroutable.id
        }
        let code = receipt.draft.data["errorCode"]?.stringValue ?? "?"
        let stage = receipt.draft.data["stage"]?.stringValue ?? "?"
        note("rejection notice: \(code) at stage \(stage): \(receipt.draft.data["reason"]?.stringValue ?? "")")
        guard code == "unroutable" else { throw FlowError("the receipt names \(code), expected unroutable") }
        note("the dead letter waits in dead.letters for an operator; nobody had to phone anybody")
    }
}
