import CaseModel
import Foundation

extension ConversionError {
    /// The error file written next to a failed document (and the body of an HTTP 422): codes,
    /// locations and reasons, never values from the document.
    public func report(document name: String, agency: AgencyID, at date: Date = Date()) -> JSONValue {
        var report = JSONObject()
        report["document"] = .string(name)
        report["agency"] = .string(agency.rawValue)
        report["failedAt"] = .string(EventDraft.timestamp(date))
        report["code"] = .string(code.rawValue)
        report["reason"] = .string(detail)
        if let location { report["location"] = .string(location) }
        if !violations.isEmpty {
            report["errors"] = .array(violations.map {
                ["instanceLocation": .string($0.instanceLocation), "keyword": .string($0.keyword), "message": .string($0.message)]
            })
        }
        return .object(report)
    }
}
