import CaseModel
import Foundation

extension CaseTraffic {
    /// Flow 4: a person moved from Köln to Berlin; the Berlin office requests the case file,
    /// the Köln office transfers it (an xdomea package by reference with its SHA-256).
    func caseFileTransfer() async throws {
        let serial = Self.serial()
        let subject = "abh.koeln:32-1-\(Self.year)-\(serial)"
        let fileNumber = "32-1-\(Self.year)/\(serial)"
        let correlation = UUID().uuidString.lowercased()
        let requestID = UUID().uuidString.lowercased()
        var data = try template("case.file-requested.v1")
        data.set("requestId", .string(requestID))
        data.set("person/identifiers/caseFileNumbers", [["agency": "abh.koeln", "number": .string(fileNumber)]])
        data.set("movedOn", .string(Self.today(offsetDays: -14)))
        let request = try send(
            from: "abh.berlin", "de.migration.case.file-requested", subject: subject, data: data, correlation: correlation,
            legalPurpose: "§ 3 VwVfG")
        let atKoeln = try await receive("abh.koeln", "de.migration.case.file-requested", subject: subject)
        guard atKoeln.draft.data["requestId"]?.stringValue == requestID else { throw FlowError("Köln received another request") }
        note("Köln finds file \(fileNumber) and packs it as xdomea")

        let package = Array("xdomea-package \(fileNumber)".utf8)
        let transfer: JSONObject = [
            "requestId": .string(requestID), "requester": "abh.berlin", "previousOffice": "abh.koeln",
            "person": atKoeln.draft.data["person"] ?? [:], "caseFileNumber": .string(fileNumber),
            "file": [
                "packageId": .string(UUID().uuidString.lowercased()), "format": "xdomea", "formatVersion": "3.0.0",
                "sha256": .string(SHA256.hex(package)), "sizeBytes": .number(JSONNumber(package.count)), "documentCount": 143,
                "retrievalUri": .string("https://akten.drehscheibe.example/pakete/\(UUID().uuidString.lowercased())"),
            ],
        ]
        try send(
            from: "abh.koeln", "de.migration.case.file-transferred", subject: subject, data: transfer, correlation: correlation,
            causation: request.id, legalPurpose: "§ 3 VwVfG")
        let atBerlin = try await receive("abh.berlin", "de.migration.case.file-transferred", subject: subject)
        guard atBerlin.draft.data["caseFileNumber"]?.stringValue == fileNumber, atBerlin.draft.causationID == request.id else {
            throw FlowError("Berlin received another file")
        }
        note("Berlin holds the reference to file \(fileNumber): 143 documents, SHA-256 checked on retrieval")
    }
}
