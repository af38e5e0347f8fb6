import Foundation
import CaseModel

/// The XÖV-style XML syntax of a ``NativeMessage`` (XAusländer-like: the message name is the
/// root element, a `nachrichtenkopf` with message UUID, creation time, author and reader
/// authority ids, then the `inhalt`):
///
/// ```xml
/// <?xml version="1.0" encoding="UTF-8"?>
/// <beschaeftigung.zustimmungsanfrage xmlns="https://drehscheibe.example/native/xauslaender/1" version="1">
///   <nachrichtenkopf>
///     <nachrichtUUID>4f0c…</nachrichtUUID>
///     <erstellungszeitpunkt>2026-11-18T11:45:00+01:00</erstellungszeitpunkt>
///     <autor><behoerdenkennung>abh.berlin</behoerdenkennung></autor>
///     <leser><behoerdenkennung>ba</behoerdenkennung></leser>
///     <vorgang>abh.berlin:IV-B-2026-0815</vorgang>
///     <korrelation>…</korrelation>  <bezug>…</bezug>  <rechtsgrundlage>§ 39 AufenthG</rechtsgrundlage>  <fristende>…</fristende>
///   </nachrichtenkopf>
///   <inhalt> … </inhalt>
/// </beschaeftigung.zustimmungsanfrage>
/// ```
public struct XoevSyntax: Sendable {
    /// The namespace of the XÖV-style messages.
    public static let namespace = "https://drehscheibe.example/native/xauslaender/1"

    public let vocabulary: Vocabulary

    public init(vocabulary: Vocabulary = .german) {
        self.vocabulary = vocabulary
    }

    public func read(_ bytes: [UInt8]) throws(ConversionError) -> NativeMessage {
        let root = try XMLNode.parse(bytes)
        guard root.namespace == Self.namespace else {
            throw ConversionError(.unsupportedMessage, "the root element is not in the namespace \(Self.namespace)", at: root.name)
        }
        var version: Int?
        for (name, value) in root.attributes {
            guard name == "version" else { throw ConversionError(.unknownField, "unknown attribute '\(name)'", at: root.name) }
            guard let number = Int(value), number >= 1 else { throw ConversionError(.invalidValue, "the version must be a positive number", at: root.name) }
            version = number
        }
        for child in root.children where child.name != "nachrichtenkopf" && child.name != "inhalt" {
            throw ConversionError(.unknownField, "unknown element '\(child.name)'", at: "\(root.name)/\(child.name)")
        }
        guard root.children("nachrichtenkopf").count == 1, let head = root.child("nachrichtenkopf") else {
            throw ConversionError(.missingField, "exactly one nachrichtenkopf is required", at: root.name)
        }
        guard root.children("inhalt").count == 1, let content = root.child("inhalt") else {
            throw ConversionError(.missingField, "exactly one inhalt is required", at: root.name)
        }
        var header = NativeMessage.Header(name: root.name, version: version)
        let path = "\(root.name)/nachrichtenkopf"
        for field in head.children {
            let fieldPath = "\(path)/\(field.name)"
            func single() throws(ConversionError) -> String {
                guard field.children.isEmpty else { throw ConversionError(.invalidValue, "'\(field.name)' holds text only", at: fieldPath) }
                return field.text
            }
            func authority() throws(ConversionError) -> String {
                guard field.children.count == 1, let id = field.child("behoerdenkennung"), id.children.isEmpty else {
                    throw ConversionError(.invalidValue, "'\(field.name)' holds one behoerdenkennung", at: fieldPath)
                }
                return id.text
            }
            switch field.name {
            case "nachrichtUUID": header.id = try single()
            case "erstellungszeitpunkt": header.created = try single()
            case "autor": header.author = try authority()
            case "leser": header.readers.append(try authority())
            case "vorgang": header.caseID = try single()
            case "korrelation": header.correlation = try single()
            case "bezug": header.causation = try single()
            case "rechtsgrundlage": header.legalPurpose = try single()
            case "fristende": header.dueAt = try single()
            case "traceparent": header.traceparent = try single()
            default: throw ConversionError(.unknownField, "unknown element '\(field.name)'", at: fieldPath)
            }
        }
        guard header.id != nil else { throw ConversionError(.missingField, "nachrichtUUID is required", at: path) }
        guard header.created != nil else { throw ConversionError(.missingField, "erstellungszeitpunkt is required", at: path) }
        guard header.author != nil else { throw ConversionError(.missingField, "autor is required", at: path) }
        let body = try XMLContent.object(of: content, vocabulary: vocabulary, path: "\(root.name)/inhalt")
        return NativeMessage(header: header, body: body)
    }

    public func write(_ message: NativeMessage) throws(ConversionError) -> [UInt8] {
        let header = message.header
        var head: [XMLNode] = []
        func add(_ name: String, _ value: String?) { if let value { head.append(XMLNode(name, text: value)) } }
        add("nachrichtUUID", header.id)
        add("erstellungszeitpunkt", header.created)
        if let author = header.author { head.append(XMLNode("autor", children: [XMLNode("behoerdenkennung", text: author)])) }
        for reader in header.readers { head.append(XMLNode("leser", children: [XMLNode("behoerdenkennung", text: reader)])) }
        add("vorgang", header.caseID)
        add("korrelation", header.correlation)
        add("bezug", header.causation)
        add("rechtsgrundlage", header.legalPurpose)
        add("fristende", header.dueAt)
        add("traceparent", header.traceparent)
        let content = try XMLContent.elements(of: message.body, vocabulary: vocabulary, path: "\(header.name)/inhalt")
        var attributes: [String: String] = [:]
        if let version = header.version { attributes["version"] = String(version) }
        let root = XMLNode(header.name, namespace: Self.namespace, attributes: attributes, children: [
            XMLNode("nachrichtenkopf", children: head), XMLNode("inhalt", children: content),
        ])
        return root.document()
    }
}
