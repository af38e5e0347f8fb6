import CaseModel
import Foundation
import Testing

/// Every file under Schemas/examples: valid ones pass, each invalid one fails with exactly the
/// errors its .expect.json names, compared as the contract writes them (Schemas/README.md,
/// "Error reports"): instanceLocation plus the last segment of the keyword location.
@Suite("Schemas/examples")
struct ExampleTests {
    struct Expectation: CustomTestStringConvertible, Sendable {
        let folder: String
        let name: String
        let url: URL
        var testDescription: String { "\(folder)/\(name)" }
    }

    static let cases: [Expectation] = ((try? Contract.exampleFiles()) ?? [])
        .filter { !$0.name.hasSuffix(".expect.json") }
        .map { Expectation(folder: $0.folder, name: $0.name, url: $0.url) }

    /// `(instanceLocation, keyword)` pairs, deduplicated and sorted like the checker's.
    static func reported(_ result: ValidationResult) -> [String] {
        Set(result.errors.map { error in
            "\(error.instanceLocation) \(error.keywordLocation.tokens.last ?? error.keyword)"
        }).sorted()
    }

    @Test("there are examples: at least one valid and two invalid per type and version")
    func coverage() throws {
        let schemas = try Contract.load()
        let folders = Set(Self.cases.map(\.folder))
        for type in schemas.catalogue.allTypes {
            #expect(folders.contains(type.shortName), "no examples for \(type)")
            let files = Self.cases.filter { $0.folder == type.shortName }
            #expect(files.filter { $0.name.hasPrefix("valid-") }.count >= 1, "\(type): no valid example")
            #expect(files.filter { $0.name.hasPrefix("invalid-") }.count >= 2, "\(type): fewer than two invalid examples")
        }
        #expect(Self.cases.count >= 80)
    }

    @Test("each example validates as expected", arguments: cases)
    func example(_ example: Expectation) throws {
        let schemas = try Contract.load()
        let result = try schemas.validate(bytes: try Contract.bytes(example.url))
        if example.name.hasPrefix("valid-") {
            #expect(result.errors.isEmpty, "\(result.errors.map(\.message))")
            // A valid example is also a decodable envelope whose type is in the catalogue.
            let event = try CaseEvent.decode(try Contract.bytes(example.url))
            #expect(event.eventType.shortName == example.folder)
            #expect(schemas.validate(event).isValid)
            #expect(schemas.catalogue.version(of: event.eventType)?.schemaID == event.dataschema)
        } else {
            let expectURL = example.url.deletingPathExtension().appendingPathExtension("expect.json")
            let expectation = try JSONValue(parsing: try Contract.bytes(expectURL))
            let expected = Set((expectation["errors"]?.arrayValue ?? []).compactMap { error -> String? in
                guard let location = error["instanceLocation"]?.stringValue, let keyword = error["keyword"]?.stringValue else { return nil }
                return "\(location) \(keyword)"
            }).sorted()
            #expect(!expected.isEmpty, "\(expectURL.lastPathComponent) names no errors")
            #expect(Self.reported(result) == expected, "messages: \(result.errors.map(\.message))")
            // Messages are for people: they start with the location and never quote a string value.
            for error in result.errors {
                #expect(error.message.hasPrefix(error.instanceLocation.tokens.isEmpty ? "/" : error.instanceLocation.description))
            }
        }
    }

    @Test("messages do not repeat the instance's string values")
    func noPersonalDataInMessages() throws {
        let schemas = try Contract.load()
        let url = Contract.examples.appendingPathComponent("visa.application-submitted.v1/invalid-postal-code.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let value = try JSONValue(parsing: try Contract.bytes(url))
        let result = schemas.validate(envelope: value)
        #expect(!result.isValid)
        let location = try #require(result.errors.first?.instanceLocation)
        let postalCode = try #require(value[pointer: location]?.stringValue)
        for error in result.errors { #expect(!error.message.contains(postalCode)) }
    }

    @Test("dataschema must be the catalogue's $id for the type; unknown types are reported at /type")
    func catalogueChecks() throws {
        let schemas = try Contract.load()
        let url = Contract.examples.appendingPathComponent("asylum.seeker-registered.v2/valid-bamf-without-document.json")
        guard case .object(var envelope) = try JSONValue(parsing: try Contract.bytes(url)) else {
            Issue.record("not an object")
            return
        }
        envelope["dataschema"] = "https://drehscheibe.example/schemas/events/asylum.seeker-registered.v1.schema.json"
        #expect(Self.reported(schemas.validate(envelope: .object(envelope))) == ["/dataschema const"])
        envelope["type"] = "de.migration.asylum.seeker-registered.v9"
        #expect(Self.reported(schemas.validate(envelope: .object(envelope))) == ["/type enum"])
        envelope["type"] = "Asylum"
        #expect(Self.reported(schemas.validate(envelope: .object(envelope))) == ["/type pattern"])
    }
}
