import Foundation
import CaseModel

/// The conversion between one agency's native documents and canonical case events.
///
/// `decode` reads what the agency's system emits (one document may hold several events, e.g.
/// a CSV batch); `encode` writes what the agency's system reads. Decoding does not check the
/// author or the schema: ``DocumentIntake`` does, so a codec can also read documents written
/// by ``encode(_:as:)`` for other agencies (the demo's clerks read their outboxes that way).
public protocol NativeCodec: Sendable {
    /// The agency whose format this is.
    var agency: AgencyID { get }
    /// The formats the agency's system reads and writes; the first is the one its outbox gets.
    var formats: [NativeDocument.Format] { get }
    /// Reads a native document.
    func decode(_ document: NativeDocument) throws(ConversionError) -> [EventDraft]
    /// Writes events as one native document of `format`.
    func encode(_ events: [CaseEvent], as format: NativeDocument.Format) throws(ConversionError) -> NativeDocument
}

extension NativeCodec {
    /// Writes one event in the outbox format.
    public func encode(_ event: CaseEvent) throws(ConversionError) -> NativeDocument {
        try encode([event], as: formats[0])
    }

    /// The native name of a document for one event (used for outbox file names).
    public func documentName(for event: CaseEvent) -> String {
        MessageNames.native(for: event.eventType)
    }
}

/// An agency format that is the shared ``MessageCodec`` with the agency's syntax: it forwards
/// to `codec` unless it adds something of its own (the passport reading of the federal police).
public protocol CodecBackedAdapter: NativeCodec {
    var codec: MessageCodec { get }
}

extension CodecBackedAdapter {
    public var agency: AgencyID { codec.agency }
    public var formats: [NativeDocument.Format] { codec.formats }
    public func decode(_ document: NativeDocument) throws(ConversionError) -> [EventDraft] { try codec.decode(document) }
    public func encode(_ events: [CaseEvent], as format: NativeDocument.Format) throws(ConversionError) -> NativeDocument {
        try codec.encode(events, as: format)
    }
}
