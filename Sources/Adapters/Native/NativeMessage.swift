import Foundation
import CaseModel

/// A message of the agencies' German formats independent of its syntax (XML or JSON): the
/// message header (XÖV `nachrichtenkopf`) and the body with native names.
public struct NativeMessage: Sendable, Hashable {
    /// The header every native message carries.
    public struct Header: Sendable, Hashable {
        /// The native message name, e.g. `beschaeftigung.zustimmungsanfrage`.
        public var name: String
        /// The version of the canonical type; the catalogue's current one when absent.
        public var version: Int?
        /// Message UUID (`nachrichtUUID`): the CloudEvents id.
        public var id: String?
        /// Creation time (`erstellungszeitpunkt`), RFC 3339: the event time.
        public var created: String?
        /// Author authority id (`autor`).
        public var author: String?
        /// Reader authority ids (`leser`): informative, the hub routes by its catalogue.
        public var readers: [String]
        /// Case id (`vorgang`); a reference without `<agency>:` belongs to the author.
        public var caseID: String?
        /// Business transaction id (`korrelation`).
        public var correlation: String?
        /// Id of the message this one answers (`bezug`).
        public var causation: String?
        /// Legal basis of the transmission (`rechtsgrundlage`).
        public var legalPurpose: String?
        /// Legal deadline for the answer (`fristende`).
        public var dueAt: String?
        public var traceparent: String?

        public init(
            name: String, version: Int? = nil, id: String? = nil, created: String? = nil, author: String? = nil,
            readers: [String] = [], caseID: String? = nil, correlation: String? = nil, causation: String? = nil,
            legalPurpose: String? = nil, dueAt: String? = nil, traceparent: String? = nil
        ) {
            self.name = name
            self.version = version
            self.id = id
            self.created = created
            self.author = author
            self.readers = readers
            self.caseID = caseID
            self.correlation = correlation
            self.causation = causation
            self.legalPurpose = legalPurpose
            self.dueAt = dueAt
            self.traceparent = traceparent
        }
    }

    public var header: Header
    /// The message content with native member names.
    public var body: JSONObject

    public init(header: Header, body: JSONObject) {
        self.header = header
        self.body = body
    }
}

extension NativeMessage {
    /// The native form of a canonical event. Readers are the recipients the catalogue's
    /// routing gives (informative: the hub decides).
    public init(_ event: CaseEvent, vocabulary: Vocabulary, catalogue: EventCatalogue) throws(ConversionError) {
        guard case .object(let body) = try vocabulary.nativeValue(event.data, at: "/data") else {
            throw ConversionError(.invalidValue, "the event data is not an object", at: "/data")
        }
        var readers: [String] = []
        if let entry = catalogue.entry(for: event.eventType), let producer = event.sourceAgency {
            for route in entry.routing where route.applies(toProducer: producer) {
                for recipient in route.recipients(of: event) where recipient != producer && !readers.contains(recipient.rawValue) {
                    readers.append(recipient.rawValue)
                }
            }
        }
        header = Header(
            name: MessageNames.native(for: event.eventType), version: event.eventType.version, id: event.id,
            created: event.time, author: event.sourceAgency?.rawValue, readers: readers, caseID: event.subject,
            correlation: event.correlationid, causation: event.causationid, legalPurpose: event.legalpurpose,
            dueAt: event.dueat, traceparent: event.traceparent)
        self.body = body
    }

    /// The canonical draft of this message. `agency` owns case references without an agency
    /// prefix and is the author when the header names none.
    public func draft(vocabulary: Vocabulary, catalogue: EventCatalogue, agency: AgencyID) throws(ConversionError) -> EventDraft {
        let type = try MessageNames.type(for: header.name, version: header.version, catalogue: catalogue)
        var author: AgencyID?
        if let text = header.author {
            guard let id = AgencyID(text) else { throw ConversionError(.invalidValue, "the author is no agency id", at: "autor") }
            author = id
        }
        for reader in header.readers where AgencyID(reader) == nil {
            throw ConversionError(.invalidValue, "a reader is no agency id", at: "leser")
        }
        guard let caseID = header.caseID, !caseID.isEmpty else {
            throw ConversionError(.missingField, "the case id (vorgang) is missing", at: "vorgang")
        }
        let subject = caseID.contains(":") ? caseID : "\((author ?? agency).rawValue):\(caseID)"
        guard case .object(let data) = try vocabulary.canonicalValue(.object(body), at: "inhalt") else {
            throw ConversionError(.invalidValue, "the content is no object", at: "inhalt")
        }
        return EventDraft(
            type: type, subject: subject, data: data, id: header.id, time: header.created, author: author,
            correlationID: header.correlation, causationID: header.causation, legalPurpose: header.legalPurpose,
            dueAt: header.dueAt, traceparent: header.traceparent)
    }
}
