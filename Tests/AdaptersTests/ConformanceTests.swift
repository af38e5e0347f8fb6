import Adapters
import AMQP
import CaseModel
import Foundation
import Logging
import Testing

/// The conformance suite every agency adapter passes, driven by the native examples in
/// Schemas/native/<kind>/ (`valid-*` sent by the agency, `invalid-*` with `.expect.json`,
/// `received-*` written by the adapter). The broker-outage part is in ConformanceOutageTests.
@Suite("Adapter conformance: native examples")
struct ConformanceTests {
    static let kinds = ["abh", "av", "aa", "bamf", "bpol", "bka", "bfv", "bnd", "mad", "zka", "bsi", "lpol", "lfv", "ae", "ba", "bva"]
    /// The adapter that reads a kind's examples unless the document or expectation names one.
    static let defaultAgency = ["abh": "abh.berlin", "av": "av.istanbul", "lpol": "lpol.nw", "lfv": "lfv.nw", "ae": "ae.by"]

    static func files(_ prefix: String) -> [String] {
        kinds.flatMap { kind in
            ((try? FileManager.default.contentsOfDirectory(atPath: nativeDirectory.appendingPathComponent(kind).path)) ?? [])
                .filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".expect.json") }
                .sorted().map { "\(kind)/\($0)" }
        }
    }

    static func document(_ path: String) throws -> NativeDocument {
        let parts = path.split(separator: "/")
        return try nativeExample(String(parts[0]), String(parts[1]))
    }

    /// The agency whose adapter handles an example: the expectation's `agency`, else the
    /// document's author, else the kind's default.
    static func agency(for path: String, expectation: JSONValue? = nil) throws -> String {
        if let agency = expectation?["agency"]?.stringValue { return agency }
        let kind = String(path.split(separator: "/")[0])
        let fallback = defaultAgency[kind] ?? kind
        if let author = try? codec(fallback).decode(document(path)).first?.author { return author.rawValue }
        return fallback
    }

    /// An intake whose publisher only spools (nothing here talks to a broker).
    static func intake(_ agency: String, spool directory: URL) throws -> DocumentIntake {
        let id = AgencyID(agency)!
        let publisher = EventPublisher(
            configuration: .init(agency: id, connection: ConnectionConfiguration(port: 1)),
            spool: try Spool(directory: directory), logger: Logger(label: "test"))
        return DocumentIntake(codec: codec(agency), schemas: contract, publisher: publisher, logger: Logger(label: "test"))
    }

    @Test("every agency has examples: documents it sends (if it sends any) and broken ones")
    func examplesExist() {
        let valid = Set(Self.files("valid-").map { $0.split(separator: "/")[0] })
        let invalid = Set(Self.files("invalid-").map { $0.split(separator: "/")[0] })
        for kind in Self.kinds {
            let sends = contract.catalogue.entries.contains { entry in entry.producers.contains { $0.kind == kind } }
            #expect(!sends || valid.contains(Substring(kind)), "no valid example for \(kind)")
            #expect(invalid.contains(Substring(kind)), "no broken example for \(kind)")
        }
    }

    @Test("round trip native → canonical → native means the same", arguments: files("valid-"))
    func roundTrip(_ path: String) throws {
        let original = try Self.document(path)
        let agency = try Self.agency(for: path)
        let directory = temporaryDirectory("conformance")
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = try Self.intake(agency, spool: directory).convert(original)
        #expect(!events.isEmpty)
        for event in events {
            #expect(contract.validate(event).isValid)
            #expect(event.sourceAgency?.rawValue == agency)
        }
        let written = try codec(agency).encode(events, as: original.format)
        #expect(written.isEquivalent(to: original), "\(path) written back:\n\(written.text)")
        // And the written document reads back into the same events.
        let again = try Self.intake(agency, spool: directory.appendingPathComponent("again")).convert(written)
        #expect(again == events)
    }

    @Test("broken native input is set aside in failed/ with an error file naming the expected code", arguments: files("invalid-"))
    func refusal(_ path: String) async throws {
        let expectationFile = nativeDirectory.appendingPathComponent(path).deletingPathExtension().appendingPathExtension("expect.json")
        let expectation = try JSONParser().parse(Array(Data(contentsOf: expectationFile)))
        let agency = try Self.agency(for: path, expectation: expectation)
        let root = temporaryDirectory("conformance")
        defer { try? FileManager.default.removeItem(at: root) }
        let intake = try Self.intake(agency, spool: root.appendingPathComponent("spool"))
        let folder = try DropFolder(
            inbox: root.appendingPathComponent("inbox"), processed: root.appendingPathComponent("processed"),
            failed: root.appendingPathComponent("failed"), intake: intake, logger: Logger(label: "test"))
        let name = String(path.split(separator: "/")[1])
        try Data(Self.document(path).bytes).write(to: folder.inbox.appendingPathComponent(name))
        // A file is taken by the second scan that sees it unchanged.
        try folder.scan()
        try folder.scan()

        #expect(FileManager.default.fileExists(atPath: folder.failed.appendingPathComponent(name).path), "\(path) was not set aside")
        #expect(!FileManager.default.fileExists(atPath: folder.inbox.appendingPathComponent(name).path))
        let report = try JSONParser().parse(Array(Data(contentsOf: folder.failed.appendingPathComponent(name + ".error.json"))))
        #expect(report["code"] == expectation["code"], "\(path): \(report)")
        #expect(report["agency"]?.stringValue == agency)
        #expect(intake.publisher.spool.count == 0, "nothing of a broken document is published")
    }

    @Test("documents the adapter writes for received events are the examples", arguments: files("received-"))
    func received(_ path: String) throws {
        let example = try Self.document(path)
        let kind = String(path.split(separator: "/")[0])
        let reader = codec(Self.defaultAgency[kind] ?? kind)
        let draft = try #require(try reader.decode(example).first)
        let author = try #require(draft.author)
        let event = try draft.event(source: author, catalogue: contract.catalogue, fallbackID: "unused")
        #expect(contract.validate(event).isValid)
        #expect(try reader.encode(event).isEquivalent(to: example), "\(path)")
    }
}
