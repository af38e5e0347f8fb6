import ArgumentParser
import CaseModel
import Foundation

/// `drehscheibe schemas`: what the contract in `Schemas/` contains.
struct Schemas: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the message contract (event catalogue, schemas).",
        subcommands: [SchemasList.self]
    )
}

/// `drehscheibe schemas list`: every event type with versions, producers → consumers and legal basis.
struct SchemasList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the event types of the catalogue: versions, producers → consumers, legal basis, deadline."
    )

    @Option(help: ArgumentHelp("The contract directory (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).", valueName: "DIR"))
    var schemas: String?

    @Flag(help: "One JSON object per event type and line.")
    var json = false

    func run() throws {
        guard let directory = schemas.map({ URL(fileURLWithPath: $0) }) ?? CaseSchemas.locate() else {
            throw ValidationError("no Schemas/ directory found here or above; pass --schemas DIR or set \(CaseSchemas.environmentVariable)")
        }
        let catalogue: EventCatalogue
        do {
            catalogue = try EventCatalogue(contentsOf: directory.appendingPathComponent("catalogue.json"))
        } catch {
            FileHandle.standardError.write(Data("drehscheibe schemas list: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if json {
            for entry in catalogue.entries { print(JSONValue.object(Self.json(entry)).serializedString()) }
            return
        }
        var rows = [["TYPE", "VERSIONS", "PRODUCERS → CONSUMERS", "LEGAL BASIS", "DEADLINE"]]
        for entry in catalogue.entries {
            let versions = entry.versions.map { version in
                version.status == .current ? version.label : "\(version.label) (\(version.status.rawValue))"
            }
            let deadline = entry.deadline.map { deadline in
                ([deadline.duration] + deadline.variants.map(\.duration)).joined(separator: "/") + " " + deadline.legalBasis
            }
            rows.append([
                String(entry.name.dropFirst(EventTypeName.prefix.count)),
                versions.joined(separator: ", "),
                entry.producers.map(\.pattern).joined(separator: ", ") + " → " + entry.consumers.map(\.pattern).joined(separator: ", "),
                entry.legalBasis.isEmpty ? "-" : entry.legalBasis.joined(separator: ", "),
                deadline ?? "-",
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  "))
        }
        print("\(catalogue.entries.count) event types, \(catalogue.entries.reduce(0) { $0 + $1.versions.count }) versions (catalogue \(catalogue.version))")
    }

    static func json(_ entry: EventCatalogue.Entry) -> JSONObject {
        var object = JSONObject()
        object["type"] = .string(entry.name)
        object["title"] = .object(["de": .string(entry.title.de), "en": .string(entry.title.en)])
        object["current"] = .string(entry.current.label)
        object["versions"] = .array(entry.versions.map { version in
            .object([
                "version": .string(version.label),
                "status": .string(version.status.rawValue),
                "schema": .string(version.schemaPath),
                "$id": .string(version.schemaID),
            ])
        })
        object["producers"] = .array(entry.producers.map { .string($0.pattern) })
        object["consumers"] = .array(entry.consumers.map { .string($0.pattern) })
        object["legalBasis"] = .array(entry.legalBasis.map { .string($0) })
        if let deadline = entry.deadline {
            var value: JSONObject = ["duration": .string(deadline.duration), "legalBasis": .string(deadline.legalBasis)]
            if let condition = deadline.appliesWhen { value["appliesWhen"] = .string(condition.text) }
            if !deadline.variants.isEmpty {
                value["variants"] = .array(deadline.variants.map {
                    .object(["duration": .string($0.duration), "appliesWhen": .string($0.appliesWhen.text)])
                })
            }
            object["deadline"] = .object(value)
        } else {
            object["deadline"] = .null
        }
        return object
    }
}
