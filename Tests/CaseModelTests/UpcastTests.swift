import CaseModel
import Foundation
import Testing

@Suite("Upcasting")
struct UpcastTests {
    static let v1Folder = Contract.examples.appendingPathComponent("asylum.seeker-registered.v1")

    @Test("every valid asylum.seeker-registered v1 example upcasts to a valid v2 event")
    func seekerRegistered() throws {
        let schemas = try Contract.load()
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.v1Folder.path).filter { $0.hasPrefix("valid-") }.sorted()
        #expect(!files.isEmpty)
        for file in files {
            let event = try CaseEvent.decode(try Contract.bytes(Self.v1Folder.appendingPathComponent(file)))
            #expect(schemas.validate(event).isValid)
            let upcast = try schemas.upcaster.upcast(event, to: 2)
            #expect(upcast.type == "de.migration.asylum.seeker-registered.v2")
            #expect(upcast.eventType.version == 2)
            #expect(upcast.dataschema == "https://drehscheibe.example/schemas/events/asylum.seeker-registered.v2.schema.json")
            #expect(upcast.id == event.id)
            #expect(upcast.subject == event.subject)
            let result = schemas.validate(upcast)
            #expect(result.isValid, "\(file): \(result.errors.map(\.message))")
            // The single nationality became the list, the fingerprint reference an identifier.
            #expect(upcast.data[pointer: JSONPointer("/person/nationalities")!] == .array([try #require(event.data[pointer: JSONPointer("/person/nationality")!])]))
            #expect(upcast.data[pointer: JSONPointer("/person/nationality")!] == nil)
            #expect(upcast.data[pointer: JSONPointer("/person/identifiers/fingerprintReference")!] == event.data["fingerprintReference"])
            #expect(upcast.data["fingerprintReference"] == nil)
            // The envelope keeps its member order; only type, dataschema and data changed.
            #expect(upcast.object.keys == event.object.keys)
            for key in event.object.keys where !["type", "dataschema", "data"].contains(key) {
                #expect(upcast.object[key] == event.object[key])
            }
            // On to the current v3 (v2 → v3 has no steps): same data, the type and schema of v3.
            let current = try schemas.upcaster.upcast(event)
            #expect(current.type == "de.migration.asylum.seeker-registered.v3")
            #expect(current.dataschema == "https://drehscheibe.example/schemas/events/asylum.seeker-registered.v3.schema.json")
            #expect(current.data == upcast.data)
            #expect(schemas.validate(current).isValid)
            // Already current: unchanged.
            #expect(try schemas.upcaster.upcast(current) == current)
            #expect(try schemas.upcaster.upcast(event, to: 1) == event)
        }
    }

    @Test("step semantics: absent sources are skipped, parents created, members replaced")
    func steps() throws {
        let steps: [EventCatalogue.UpcastStep] = [
            .init(operation: .wrapInArray, from: JSONPointer("/person/nationality")!, path: JSONPointer("/person/nationalities")!),
            .init(operation: .move, from: JSONPointer("/fingerprintReference")!, path: JSONPointer("/person/identifiers/fingerprintReference")!),
        ]
        let full: JSONValue = ["person": ["nationality": "475", "identifiers": ["azrNumber": "123456789012"]], "fingerprintReference": "ED-1"]
        #expect(try Upcaster.apply(steps, to: full) == [
            "person": ["identifiers": ["azrNumber": "123456789012", "fingerprintReference": "ED-1"], "nationalities": ["475"]],
        ])
        let noIdentifiers: JSONValue = ["person": ["nationality": "475"], "fingerprintReference": "ED-1"]
        #expect(try Upcaster.apply(steps, to: noIdentifiers) == [
            "person": ["nationalities": ["475"], "identifiers": ["fingerprintReference": "ED-1"]],
        ])
        let nothingToDo: JSONValue = ["person": ["nationalities": ["475"]]]
        #expect(try Upcaster.apply(steps, to: nothingToDo) == nothingToDo)
        let replaced: JSONValue = ["person": ["nationality": "475", "nationalities": ["163"]]]
        #expect(try Upcaster.apply(steps, to: replaced) == ["person": ["nationalities": ["475"]]])
    }

    @Test("upcast errors")
    func errors() throws {
        let steps: [EventCatalogue.UpcastStep] = [
            .init(operation: .move, from: JSONPointer("/a")!, path: JSONPointer("/b/c")!),
        ]
        do {
            _ = try Upcaster.apply(steps, to: ["a": 1, "b": "not an object"])
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == .conflict)
            #expect(error.code.rawValue == "upcast.conflict")
            #expect(error.pointer?.description == "/data/b")
            #expect(!error.description.contains("not an object\""))
        }
        #expect(throws: UpcastError.self) { try Upcaster.apply(steps, to: .array([])) }

        let schemas = try Contract.load()
        let unknown = try CaseEvent(object: [
            "specversion": "1.0", "id": "i", "source": "s", "type": "de.migration.nothing.known.v1", "subject": "s",
            "time": "t", "datacontenttype": "application/json", "dataschema": "d", "data": [:],
        ])
        do {
            _ = try schemas.upcaster.upcast(unknown)
            Issue.record("expected unknown-type")
        } catch {
            #expect(error.code == .unknownType)
        }
        let v2 = try CaseEvent.decode(try Contract.bytes(Contract.examples.appendingPathComponent(
            "asylum.seeker-registered.v2/valid-bamf-without-document.json")))
        do {
            _ = try schemas.upcaster.upcast(v2, to: 1)
            Issue.record("expected no-path")
        } catch {
            #expect(error.code == .noPath)
        }
    }
}
