@testable import Adapters
import CaseModel
import Foundation
import Testing

@Suite("German vocabulary of the native formats")
struct VocabularyTests {
    /// Every member name any schema of Schemas/ defines, with the JSON types it is declared with.
    static func schemaMembers() throws -> [String: Set<String>] {
        var members: [String: Set<String>] = [:]
        func visit(_ value: JSONValue) {
            switch value {
            case .object(let object):
                if case .object(let properties)? = object["properties"] {
                    for (name, schema) in properties {
                        if case .string(let type)? = schema["type"] { members[name, default: []].insert(type) } else { members[name, default: []].insert("?") }
                    }
                }
                for (_, member) in object { visit(member) }
            case .array(let items):
                for item in items { visit(item) }
            default:
                break
            }
        }
        let enumerator = FileManager.default.enumerator(atPath: schemasDirectory.path)!
        while let path = enumerator.nextObject() as? String {
            guard path.hasSuffix(".schema.json"), path.hasPrefix("events/") || path.hasPrefix("common/") else { continue }
            visit(try JSONParser().parse(Array(Data(contentsOf: schemasDirectory.appendingPathComponent(path)))))
        }
        return members
    }

    @Test("every member name of the schemas has a native name, and lists, booleans and numbers are declared")
    func coverage() throws {
        let vocabulary = Vocabulary.german
        for (name, types) in try Self.schemaMembers() {
            let term = try #require(vocabulary.term(canonical: name), "no native name for \(name)")
            switch term.kind {
            case .list: #expect(types.isSubset(of: ["array", "?"]), "\(name) is declared a list but typed \(types)")
            case .boolean: #expect(types.isSubset(of: ["boolean", "?"]), "\(name): \(types)")
            case .number: #expect(types.isSubset(of: ["number", "integer", "?"]), "\(name): \(types)")
            case .value: #expect(types.isDisjoint(with: ["array", "boolean", "number", "integer"]), "\(name) needs a kind for \(types)")
            }
        }
    }

    @Test("renaming is reversible and refuses unknown names")
    func bijection() throws {
        let event = try canonicalExample("visa.application-submitted.v1")
        let native = try Vocabulary.german.nativeValue(event.data)
        #expect(native["personen"]?[0]?["familienname"] != nil)
        #expect(try Vocabulary.german.canonicalValue(native) == event.data)
        #expect(throws: ConversionError.self) { _ = try Vocabulary.german.canonicalValue(["nachname": "x"]) }
    }
}
