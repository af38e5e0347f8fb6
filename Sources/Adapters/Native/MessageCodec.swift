import Foundation
import CaseModel

/// The codec of the agencies' German message formats: one ``NativeMessage`` per document, in
/// the XÖV-style XML syntax (``XoevSyntax``) or the JSON syntax (``GermanJSONSyntax``), with
/// the names of ``Vocabulary/german`` and ``MessageNames``. Most agency adapters use it as is;
/// the federal police and the employment agency extend it.
public struct MessageCodec: NativeCodec {
    /// The syntax of the documents.
    public enum Syntax: Sendable, Hashable {
        case xoev
        case json
    }

    public let agency: AgencyID
    public let syntax: Syntax
    public let catalogue: EventCatalogue
    public let vocabulary: Vocabulary

    public init(agency: AgencyID, syntax: Syntax, catalogue: EventCatalogue, vocabulary: Vocabulary = .german) {
        self.agency = agency
        self.syntax = syntax
        self.catalogue = catalogue
        self.vocabulary = vocabulary
    }

    public var formats: [NativeDocument.Format] { syntax == .xoev ? [.xml] : [.json] }

    public func decode(_ document: NativeDocument) throws(ConversionError) -> [EventDraft] {
        [try message(of: document).draft(vocabulary: vocabulary, catalogue: catalogue, agency: agency)]
    }

    public func encode(_ events: [CaseEvent], as format: NativeDocument.Format) throws(ConversionError) -> NativeDocument {
        guard events.count == 1, let event = events.first else {
            throw ConversionError(.unsupportedMessage, "a \(format.rawValue) document holds exactly one message")
        }
        return try document(NativeMessage(event, vocabulary: vocabulary, catalogue: catalogue), as: format)
    }

    /// Reads the message of a document in this codec's syntax.
    public func message(of document: NativeDocument) throws(ConversionError) -> NativeMessage {
        guard formats.contains(document.format) else {
            throw ConversionError(.unsupportedMessage, "\(agency) exchanges \(formats.map(\.rawValue).joined(separator: ", ")) documents, not \(document.format.rawValue)")
        }
        switch syntax {
        case .xoev: return try XoevSyntax(vocabulary: vocabulary).read(document.bytes)
        case .json: return try GermanJSONSyntax().read(document.bytes)
        }
    }

    /// Writes a message in this codec's syntax.
    public func document(_ message: NativeMessage, as format: NativeDocument.Format) throws(ConversionError) -> NativeDocument {
        guard formats.contains(format) else {
            throw ConversionError(.unsupportedMessage, "\(agency) exchanges \(formats.map(\.rawValue).joined(separator: ", ")) documents, not \(format.rawValue)")
        }
        switch syntax {
        case .xoev: return NativeDocument(format: .xml, bytes: try XoevSyntax(vocabulary: vocabulary).write(message))
        case .json: return NativeDocument(format: .json, bytes: GermanJSONSyntax().write(message))
        }
    }
}
