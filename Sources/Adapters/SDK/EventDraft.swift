import CaseModel
import Foundation

/// The parts of a case event that an agency's system states; ``event(source:catalogue:now:fallbackID:)``
/// completes them into a CloudEvents envelope (`specversion`, `source`, `datacontenttype`,
/// `dataschema` from the catalogue).
public struct EventDraft: Sendable, Hashable {
    /// The versioned type, e.g. `de.migration.employment.consent-requested.v1`.
    public var type: EventTypeName
    /// The case id (`subject`), `<agency>:<reference>`.
    public var subject: String
    /// The event data.
    public var data: JSONObject
    /// The message id, if the native document has one.
    public var id: String?
    /// When it happened, RFC 3339; now if nil.
    public var time: String?
    /// The author the native document names; the adapter checks it is itself.
    public var author: AgencyID?
    public var correlationID: String?
    public var causationID: String?
    public var legalPurpose: String?
    public var dueAt: String?
    public var traceparent: String?

    public init(
        type: EventTypeName, subject: String, data: JSONObject, id: String? = nil, time: String? = nil,
        author: AgencyID? = nil, correlationID: String? = nil, causationID: String? = nil, legalPurpose: String? = nil,
        dueAt: String? = nil, traceparent: String? = nil
    ) {
        self.type = type
        self.subject = subject
        self.data = data
        self.id = id
        self.time = time
        self.author = author
        self.correlationID = correlationID
        self.causationID = causationID
        self.legalPurpose = legalPurpose
        self.dueAt = dueAt
        self.traceparent = traceparent
    }

    /// The envelope, members in the order of `Schemas/examples`. `fallbackID` is used when
    /// the draft has no id (derive it from the document: ``MessageID/derived(from:)``).
    public func event(source: AgencyID, catalogue: EventCatalogue, now: Date = Date(), fallbackID: String) throws(ConversionError) -> CaseEvent {
        guard let version = catalogue.version(of: type) else {
            throw ConversionError(.unsupportedMessage, "\(type.full) is not a type and version of the event catalogue")
        }
        var envelope = JSONObject()
        envelope["specversion"] = "1.0"
        envelope["id"] = .string(id ?? fallbackID)
        envelope["source"] = .string(source.urn)
        envelope["type"] = .string(type.full)
        envelope["subject"] = .string(subject)
        envelope["time"] = .string(time ?? Self.timestamp(now))
        envelope["datacontenttype"] = "application/json"
        envelope["dataschema"] = .string(version.schemaID)
        if let correlationID { envelope["correlationid"] = .string(correlationID) }
        if let causationID { envelope["causationid"] = .string(causationID) }
        if let traceparent { envelope["traceparent"] = .string(traceparent) }
        if let legalPurpose { envelope["legalpurpose"] = .string(legalPurpose) }
        if let dueAt { envelope["dueat"] = .string(dueAt) }
        envelope["data"] = .object(data)
        do {
            return try CaseEvent(object: envelope)
        } catch {
            throw ConversionError(.invalidValue, "the envelope cannot be formed: \(error)")
        }
    }

    /// RFC 3339 in UTC with seconds, as agencies' systems stamp events.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

extension EventDraft {
    /// The draft an event was made from (the inverse of ``event(source:catalogue:now:fallbackID:)``).
    public init(_ event: CaseEvent) {
        self.init(
            type: event.eventType, subject: event.subject, data: event.data.objectValue ?? JSONObject(), id: event.id,
            time: event.time, author: event.sourceAgency, correlationID: event.correlationid, causationID: event.causationid,
            legalPurpose: event.legalpurpose, dueAt: event.dueat, traceparent: event.traceparent)
    }
}
