import Foundation
import CaseModel

/// The JSON syntax of a ``NativeMessage``, as the federal agencies' case systems exchange
/// it over their JSON interfaces:
///
/// ```json
/// {
///   "nachricht": {"art": "sicherheit.antwort", "version": 1, "id": "…", "erstellt": "2026-11-13T16:44:10+01:00",
///                 "absender": "bka", "empfaenger": ["bva"], "vorgang": "av.istanbul:IST-2026-004711",
///                 "korrelation": "…", "bezug": "…", "rechtsgrundlage": "§ 73 AufenthG", "fristende": "…"},
///   "inhalt": {"anfrageId": "…", "anfragendeStelle": "av.istanbul", "bedenken": false}
/// }
/// ```
/// `id` is optional: without it the adapter derives a stable id from the document.
public struct GermanJSONSyntax: Sendable {
    public init() {}

    public func read(_ bytes: [UInt8]) throws(ConversionError) -> NativeMessage {
        let root: JSONValue
        do {
            root = try JSONParser(limits: .init(maxBytes: NativeDocument.maximumBytes)).parse(bytes)
        } catch {
            throw ConversionError(.syntax, "not valid JSON: \(error)")
        }
        guard case .object(let document) = root else { throw ConversionError(.syntax, "the document is no JSON object") }
        for key in document.keys where key != "nachricht" && key != "inhalt" {
            throw ConversionError(.unknownField, "unknown member '\(key)'", at: "/\(key)")
        }
        guard case .object(let head)? = document["nachricht"] else {
            throw ConversionError(.missingField, "the object 'nachricht' is required", at: "/nachricht")
        }
        guard case .object(let body)? = document["inhalt"] else {
            throw ConversionError(.missingField, "the object 'inhalt' is required", at: "/inhalt")
        }
        guard case .string(let name)? = head["art"] else {
            throw ConversionError(.missingField, "'art' names the message", at: "/nachricht/art")
        }
        var header = NativeMessage.Header(name: name)
        for (key, value) in head {
            let path = "/nachricht/\(key)"
            func string() throws(ConversionError) -> String {
                guard case .string(let text) = value else { throw ConversionError(.invalidValue, "'\(key)' must be a string", at: path) }
                return text
            }
            switch key {
            case "art": break
            case "version":
                guard let number = value.numberValue?.int64Value, number >= 1 else {
                    throw ConversionError(.invalidValue, "'version' must be a positive integer", at: path)
                }
                header.version = Int(number)
            case "id": header.id = try string()
            case "erstellt": header.created = try string()
            case "absender": header.author = try string()
            case "empfaenger":
                guard case .array(let items) = value else { throw ConversionError(.invalidValue, "'empfaenger' must be a list", at: path) }
                for item in items {
                    guard case .string(let reader) = item else { throw ConversionError(.invalidValue, "'empfaenger' lists agency ids", at: path) }
                    header.readers.append(reader)
                }
            case "vorgang": header.caseID = try string()
            case "korrelation": header.correlation = try string()
            case "bezug": header.causation = try string()
            case "rechtsgrundlage": header.legalPurpose = try string()
            case "fristende": header.dueAt = try string()
            case "traceparent": header.traceparent = try string()
            default: throw ConversionError(.unknownField, "unknown member '\(key)'", at: path)
            }
        }
        return NativeMessage(header: header, body: body)
    }

    public func write(_ message: NativeMessage) -> [UInt8] {
        JSONValue.object(document(message)).serialized(pretty: true) + [0x0A]
    }

    /// The document as a JSON object (agencies that extend the format add members to it).
    public func document(_ message: NativeMessage) -> JSONObject {
        let header = message.header
        var head = JSONObject()
        head["art"] = .string(header.name)
        if let version = header.version { head["version"] = .number(JSONNumber(version)) }
        func add(_ key: String, _ value: String?) { if let value { head[key] = .string(value) } }
        add("id", header.id)
        add("erstellt", header.created)
        add("absender", header.author)
        if !header.readers.isEmpty { head["empfaenger"] = .array(header.readers.map { .string($0) }) }
        add("vorgang", header.caseID)
        add("korrelation", header.correlation)
        add("bezug", header.causation)
        add("rechtsgrundlage", header.legalPurpose)
        add("fristende", header.dueAt)
        add("traceparent", header.traceparent)
        return ["nachricht": .object(head), "inhalt": .object(message.body)]
    }
}
