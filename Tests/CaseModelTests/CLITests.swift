import CaseModel
import Foundation
import Testing
import TestSupport

/// `drehscheibe validate` and `drehscheibe schemas list`, run as the built binary.
@Suite("CLI: validate and schemas list")
struct CLITests {
    /// The drehscheibe binary built next to the test bundle (or DREHSCHEIBE_BINARY).
    static let binary: String? = {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["DREHSCHEIBE_BINARY"] { candidates.append(configured) }
        for executable in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
            var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
            // The runner may sit inside a .xctest bundle directory.
            for _ in 0..<3 {
                candidates.append(directory.appendingPathComponent("drehscheibe").path)
                directory = directory.deletingLastPathComponent()
            }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static func example(_ path: String) -> String { Contract.examples.appendingPathComponent(path).path }

    static let valid = example("employment.consent-requested.v1/valid-fast-track.json")
    static let invalid = example("visa.application-submitted.v1/invalid-postal-code.json")

    func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
             input: String? = nil) throws -> Command.Result {
        let binary = try #require(Self.binary, "drehscheibe binary not found next to the test runner; set DREHSCHEIBE_BINARY")
        var env = environment ?? ProcessInfo.processInfo.environment
        env[CaseSchemas.environmentVariable] = env[CaseSchemas.environmentVariable] ?? Contract.directory.path
        return try Command.run(binary, arguments, environment: env, directory: directory, input: input)
    }

    @Test("a valid message: exit 0")
    func valid() throws {
        let result = try run(["validate", Self.valid])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("valid-fast-track.json: valid (de.migration.employment.consent-requested.v1)"))
    }

    @Test("an invalid message: exit 1, each problem in plain words")
    func invalid() throws {
        let result = try run(["validate", Self.invalid])
        #expect(result.status == 1)
        #expect(result.output.contains("INVALID"))
        #expect(result.output.contains("  - /data/persons/1/address/postalCode: 'postalCode'"))
    }

    @Test("--json: one object per instance and line with file, valid, errors")
    func json() throws {
        let result = try run(["validate", "--json", Self.valid, Self.invalid])
        #expect(result.status == 1)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let first = try JSONValue(parsing: lines[0])
        #expect(first["file"]?.stringValue == Self.valid)
        #expect(first["valid"] == true)
        #expect(first["errors"] == [])
        let second = try JSONValue(parsing: lines[1])
        #expect(second["valid"] == false)
        let error = try #require(second["errors"]?[0])
        #expect(error["instanceLocation"] == "/data/persons/1/address/postalCode")
        #expect(error["keyword"] == "pattern")
        #expect(error["keywordLocation"]?.stringValue?.hasSuffix("/pattern") == true)
        #expect(error["absoluteKeywordLocation"]?.stringValue?.hasPrefix("https://drehscheibe.example/schemas/") == true)
        #expect(error["error"]?.stringValue?.isEmpty == false)
    }

    @Test("all examples at once: exit 1, and every valid example alone exits 0")
    func allExamples() throws {
        let files = try Contract.exampleFiles().filter { !$0.name.hasSuffix(".expect.json") }
        let all = try run(["validate", "--json"] + files.map(\.url.path))
        #expect(all.status == 1)
        let lines = all.output.split(separator: "\n")
        #expect(lines.count == files.count)
        for (file, line) in zip(files, lines) {
            let object = try JSONValue(parsing: String(line))
            #expect(object["valid"] == .bool(file.name.hasPrefix("valid-")), "\(file.name)")
        }
        let valid = try run(["validate"] + files.filter { $0.name.hasPrefix("valid-") }.map(\.url.path))
        #expect(valid.status == 0, "\(valid.output)")
    }

    @Test("unreadable files and usage errors: exit 2", arguments: [
        ["validate", "/nonexistent/message.json"],
        ["validate"],
        ["validate", "--bogus", "x.json"],
        ["validate", "--schema"],
        ["validate", "--schemas", "/nonexistent", "x.json"],
        ["validate", "--schema", "/nonexistent/schema.json", "x.json"],
    ])
    func usage(_ arguments: [String]) throws {
        let result = try run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.output) \(result.errorOutput)")
        #expect(!result.errorOutput.isEmpty)
    }

    @Test("an unreadable file among valid ones still exits 2, after checking the others")
    func unreadableAmongValid() throws {
        let result = try run(["validate", "--json", Self.valid, "/nonexistent/message.json"])
        #expect(result.status == 2)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(try JSONValue(parsing: String(lines[1]))["readable"] == false)
    }

    @Test("not JSON is invalid (exit 1) with the parser's code and position")
    func notJSON() throws {
        let result = try run(["validate", "--json", "-"], input: #"{"id": 1, "id": 2}"#)
        #expect(result.status == 1)
        let object = try JSONValue(parsing: result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(object["errors"]?[0]?["keyword"] == "json.duplicate-key")
        #expect(object["errors"]?[0]?["error"]?.stringValue?.contains("line 1, column 11") == true)
    }

    @Test("--schema checks the whole instance against that schema")
    func explicitSchema() throws {
        let envelope = Contract.directory.appendingPathComponent("envelope/cloudevent.schema.json").path
        #expect(try run(["validate", "--schema", envelope, Self.valid]).status == 0)
        // The envelope schema alone does not look into data.
        #expect(try run(["validate", "--schema", envelope, Self.invalid]).status == 0)
        let data = Contract.directory.appendingPathComponent("events/employment.consent-requested.v1.schema.json").path
        #expect(try run(["validate", "--schema", data, Self.valid]).status == 1)
    }

    @Test("the schemas directory is found from the current directory")
    func locate() throws {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: CaseSchemas.environmentVariable)
        environment[CaseSchemas.environmentVariable] = ""
        let result = try run(["validate", Self.valid], environment: environment,
                             directory: Contract.directory.appendingPathComponent("events").path)
        #expect(result.status == 0, "\(result.errorOutput)")
        let nowhere = try run(["validate", Self.valid], environment: environment, directory: "/")
        #expect(nowhere.status == 2)
    }

    @Test("help exits 0")
    func help() throws {
        let result = try run(["validate", "--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("--schema"))
    }

    @Test("schemas list: every type with versions, producers → consumers and legal basis")
    func schemasList() throws {
        let catalogue = try Contract.load().catalogue
        let table = try run(["schemas", "list"])
        #expect(table.status == 0, "\(table.errorOutput)")
        #expect(table.output.contains("asylum.seeker-registered"))
        #expect(table.output.contains("v1 (deprecated), v2"))
        #expect(table.output.contains("bpol, lpol.*, bamf, ae.* → bva, bamf, abh.*, ae.*, bka"))
        #expect(table.output.contains("§ 73 AufenthG"))
        #expect(table.output.contains("P14D/P7D § 36 BeschV"))
        let json = try run(["schemas", "list", "--json"])
        #expect(json.status == 0)
        let lines = json.output.split(separator: "\n")
        #expect(lines.count == catalogue.entries.count)
        let first = try JSONValue(parsing: String(lines[0]))
        #expect(first["type"] == "de.migration.asylum.seeker-registered")
        #expect(first["current"] == "v3")
        #expect(first["versions"]?.arrayValue?.count == 3)
    }
}

extension CLITests {
    @Test("deadline compute prints one JSON object with dueDate, due and the days skipped; deadline rules names the legal basis")
    func deadline() throws {
        let result = try run(["deadline", "compute", "--rule", "beschv-36-2", "--start", "2026-12-18T09:00:00+01:00", "--agency", "ba"])
        #expect(result.status == 0, "\(result.errorOutput)")
        let object = try #require(try JSONValue(parsing: Array(result.output.utf8)).objectValue)
        #expect(object["dueDate"]?.stringValue == "2027-01-04")
        #expect(object["due"]?.stringValue == "2027-01-04T23:59:59+01:00")
        #expect(object["skipped"]?.arrayValue?.count == 3)
        #expect(object["legalBasis"]?.stringValue?.contains("§ 36 Abs. 2") == true)
        let unknown = try run(["deadline", "compute", "--rule", "nope", "--start", "2026-12-18T09:00:00+01:00", "--agency", "ba"])
        #expect(unknown.status != 0)
        #expect(unknown.errorOutput.contains("beschv-36-2"))
        let rules = try run(["deadline", "rules"])
        #expect(rules.status == 0)
        #expect(rules.output.contains("Art. 22 Abs. 2 Verordnung (EG) Nr. 810/2009"))
    }
}
