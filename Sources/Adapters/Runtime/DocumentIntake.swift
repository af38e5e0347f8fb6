import CaseModel
import Foundation
import Logging

/// Turns native documents into published canonical events: convert with the agency's codec,
/// check offline what the hub would check (the author is this agency, the catalogue lets it
/// produce the type, the event matches its schema in `Schemas/`), then spool all events of
/// the document for publishing. A document is taken whole or not at all.
public struct DocumentIntake: Sendable {
    public let codec: any NativeCodec
    public let schemas: CaseSchemas
    public let publisher: EventPublisher
    private let logger: Logger

    public init(codec: any NativeCodec, schemas: CaseSchemas, publisher: EventPublisher, logger: Logger) {
        self.codec = codec
        self.schemas = schemas
        self.publisher = publisher
        self.logger = logger
    }

    public var agency: AgencyID { codec.agency }

    /// Converts, validates and spools a document. Returns its events once they are durable.
    @discardableResult
    public func submit(_ document: NativeDocument) throws(IntakeError) -> [CaseEvent] {
        let events: [CaseEvent]
        do {
            events = try convert(document)
        } catch {
            throw .conversion(error)
        }
        do {
            try publisher.publish(contentsOf: events)
        } catch {
            throw .spool(error)
        }
        for event in events {
            logger.info("document accepted", metadata: ["message.id": "\(event.id)", "message.type": "\(event.type)", "case.id": "\(event.subject)"])
        }
        return events
    }

    /// The canonical events of a document, checked as the router would check them.
    public func convert(_ document: NativeDocument, now: Date = Date()) throws(ConversionError) -> [CaseEvent] {
        let drafts = try codec.decode(document)
        guard !drafts.isEmpty else { throw ConversionError(.missingField, "the document holds no message") }
        var events: [CaseEvent] = []
        for (index, draft) in drafts.enumerated() {
            let location = drafts.count > 1 ? "row \(index + 1)" : nil
            if let author = draft.author, author != agency {
                throw ConversionError(.wrongAuthor, "the document names \(author) as author, this adapter is \(agency)", at: location)
            }
            guard let entry = schemas.catalogue.entry(for: draft.type), entry.isProducer(agency) else {
                throw ConversionError(.notAProducer, "\(agency) may not send \(draft.type.name)", at: location)
            }
            // Without its own id an event's id is derived from the document: the same
            // document read again after a crash yields the same ids.
            let name = Array(agency.rawValue.utf8) + [0] + document.bytes + [0] + Array(String(index).utf8)
            var event: CaseEvent
            do {
                event = try draft.event(source: agency, catalogue: schemas.catalogue, now: now, fallbackID: MessageID.derived(from: name))
            } catch {
                throw ConversionError(error.code, error.detail, at: location ?? error.location, violations: error.violations)
            }
            let result = schemas.validate(event)
            guard result.isValid else {
                let violations = result.errors.prefix(50).map {
                    ConversionError.Violation(instanceLocation: $0.instanceLocation.description, keyword: $0.keyword, message: $0.message)
                }
                throw ConversionError(
                    .invalid, "\(draft.type.full) does not match its schema: \(result.errors.count) error(s); first: \(result.errors[0].message)",
                    at: location, violations: Array(violations))
            }
            events.append(event)
        }
        return events
    }
}

/// Why a document was not taken.
public enum IntakeError: Error, Sendable, CustomStringConvertible {
    /// The document cannot be converted or fails the offline checks: it is the sender's to fix.
    case conversion(ConversionError)
    /// The spool could not store the events: the adapter's problem (disk), try again.
    case spool(AdapterError)

    public var description: String {
        switch self {
        case .conversion(let error): "\(error)"
        case .spool(let error): "\(error)"
        }
    }
}
