import Foundation
import CaseModel

/// A `de.migration.message.rejected` receipt: the hub dead-lettered a message this agency
/// sent, and says why (cf. the XÖV "ReturnToSender" message). Ids, codes and reasons only,
/// never the rejected message's data.
public struct Rejection: Sendable, Hashable {
    /// One schema violation, as in `Schemas/examples/*.expect.json`.
    public struct Violation: Sendable, Hashable {
        /// Where in the rejected envelope, e.g. `/data/person/birthDate`.
        public var instanceLocation: String
        /// The failing keyword, e.g. `pattern`.
        public var keyword: String
        /// A sentence without personal data.
        public var message: String?
    }

    /// The receipt event itself.
    public var receipt: CaseEvent
    /// The id of the rejected message (this agency chose it when publishing).
    public var originalMessageID: String
    /// Its type, when the hub could read it.
    public var originalType: String?
    /// The error code of `Schemas/codelists/error-code.json`, e.g. `invalid`, `unroutable`.
    public var errorCode: String
    /// The router stage that failed, e.g. `validate`, `route`.
    public var stage: String
    /// Why, for people.
    public var reason: String
    /// The JSON pointer of the first problem, when there is one.
    public var pointer: String?
    /// Schema violations, for `invalid`.
    public var errors: [Violation]
    /// How often the hub tried.
    public var attempts: Int
    /// When the hub first failed, RFC 3339.
    public var firstFailureAt: String

    /// The case the rejected message belonged to (the receipt's subject).
    public var caseID: String { receipt.subject }

    /// The type name of receipts.
    public static let eventTypeName = "de.migration.message.rejected"

    /// Reads a receipt; nil when `event` is not a `message.rejected` receipt.
    public init?(receipt event: CaseEvent) {
        guard event.eventType.name == Self.eventTypeName, let data = event.data.objectValue,
              let originalID = data["originalMessageId"]?.stringValue,
              let errorCode = data["errorCode"]?.stringValue,
              let stage = data["stage"]?.stringValue,
              let reason = data["reason"]?.stringValue
        else { return nil }
        receipt = event
        originalMessageID = originalID
        originalType = data["originalType"]?.stringValue
        self.errorCode = errorCode
        self.stage = stage
        self.reason = reason
        pointer = data["pointer"]?.stringValue
        errors = (data["errors"]?.arrayValue ?? []).compactMap { item in
            guard let location = item["instanceLocation"]?.stringValue, let keyword = item["keyword"]?.stringValue else { return nil }
            return Violation(instanceLocation: location, keyword: keyword, message: item["message"]?.stringValue)
        }
        attempts = data["attempts"]?.numberValue?.int64Value.map(Int.init) ?? 1
        firstFailureAt = data["firstFailureAt"]?.stringValue ?? event.time
    }
}
