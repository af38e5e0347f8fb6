import CaseModel
import Foundation
import Testing
import Yams

/// Schemas/asyncapi.yaml must describe every channel and every message of the contract.
@Suite("AsyncAPI document")
struct AsyncAPITests {
    static let exchanges: Set<String> = ["case.ingress", "case.deliver", "case.dead", "case.retry"]
    static let queues: Set<String> = ["router.ingress", "inbox.{agency}", "dead.letters", "retry.5s", "retry.30s", "retry.5m"]

    static func document() throws -> [String: Any] {
        let text = try String(contentsOf: Contract.directory.appendingPathComponent("asyncapi.yaml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static func eventSchemaFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Contract.directory.appendingPathComponent("events").path)
            .filter { $0.hasSuffix(".schema.json") }.map { "events/" + $0 }.sorted()
    }

    /// Everything missing from the document; empty when it is complete.
    static func problems(_ document: [String: Any], catalogue: EventCatalogue, schemaFiles: [String]) -> [String] {
        var problems: [String] = []
        if document["asyncapi"] as? String != "3.0.0" { problems.append("asyncapi is not 3.0.0") }
        let channels = document["channels"] as? [String: Any] ?? [:]
        var exchanges: Set<String> = [], queues: Set<String> = []
        for case let channel as [String: Any] in channels.values {
            guard let amqp = (channel["bindings"] as? [String: Any])?["amqp"] as? [String: Any] else { continue }
            if amqp["is"] as? String == "routingKey", let name = (amqp["exchange"] as? [String: Any])?["name"] as? String { exchanges.insert(name) }
            if amqp["is"] as? String == "queue", let name = (amqp["queue"] as? [String: Any])?["name"] as? String { queues.insert(name) }
        }
        for name in Self.exchanges.subtracting(exchanges).sorted() { problems.append("channel for exchange \(name) missing") }
        for name in Self.queues.subtracting(queues).sorted() { problems.append("channel for queue \(name) missing") }

        let messages = (document["components"] as? [String: Any])?["messages"] as? [String: Any] ?? [:]
        var byName: [String: (key: String, text: String)] = [:]
        for (key, value) in messages {
            guard let message = value as? [String: Any], let name = message["name"] as? String else { continue }
            byName[name] = (key, Self.flatten(message))
        }
        var referenced: Set<String> = []
        for type in catalogue.allTypes {
            guard let message = byName[type.full] else {
                problems.append("message \(type.full) missing")
                continue
            }
            let schema = catalogue.version(of: type)!.schemaPath
            if !message.text.contains("./" + schema) { problems.append("message \(type.full) does not reference ./\(schema)") }
            if !message.text.contains("./envelope/cloudevent.schema.json") { problems.append("message \(type.full) does not reference the envelope") }
        }
        for (_, message) in byName {
            for file in schemaFiles where message.text.contains("./" + file) { referenced.insert(file) }
        }
        for file in schemaFiles where !referenced.contains(file) { problems.append("schema file \(file) not referenced") }

        // The ingress channel carries every version, the inbox the current ones.
        func channelMessages(_ address: String) -> Set<String>? {
            for case let channel as [String: Any] in channels.values where channel["address"] as? String == address {
                let refs = (channel["messages"] as? [String: Any] ?? [:]).values.compactMap { ($0 as? [String: Any])?["$ref"] as? String }
                return Set(refs.compactMap { ref in messages[String(ref.split(separator: "/").last ?? "")] as? [String: Any] }
                    .compactMap { $0["name"] as? String })
            }
            return nil
        }
        let all = Set(catalogue.allTypes.map(\.full))
        let current = Set(catalogue.entries.map(\.current.type.full))
        if let ingress = channelMessages("{eventType}") {
            for name in all.subtracting(ingress).sorted() { problems.append("case.ingress does not carry \(name)") }
        } else {
            problems.append("no case.ingress channel with address {eventType}")
        }
        if let inbox = channelMessages("inbox.{agency}") {
            for name in current.subtracting(inbox).sorted() { problems.append("inbox.{agency} does not carry \(name)") }
        } else {
            problems.append("no inbox.{agency} channel")
        }
        return problems
    }

    /// All strings of a YAML tree, so references can be searched wherever they sit.
    static func flatten(_ node: Any) -> String {
        switch node {
        case let string as String: return string + "\n"
        case let array as [Any]: return array.map(flatten).joined()
        case let object as [String: Any]: return object.keys.sorted().map { $0 + "\n" + flatten(object[$0]!) }.joined()
        default: return ""
        }
    }

    @Test("every catalogue type and version, schema file and channel is in asyncapi.yaml")
    func complete() throws {
        let problems = Self.problems(try Self.document(), catalogue: try Contract.load().catalogue, schemaFiles: try Self.eventSchemaFiles())
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("the check notices a missing channel, message or schema file")
    func detectsGaps() throws {
        let document = try Self.document()
        let catalogue = try Contract.load().catalogue
        let files = try Self.eventSchemaFiles()

        var noRetry = document
        var channels = noRetry["channels"] as! [String: Any]
        channels.removeValue(forKey: "retry30s")
        noRetry["channels"] = channels
        #expect(Self.problems(noRetry, catalogue: catalogue, schemaFiles: files).contains("channel for queue retry.30s missing"))

        var noMessage = document
        var components = noMessage["components"] as! [String: Any]
        var messages = components["messages"] as! [String: Any]
        messages.removeValue(forKey: "asylumSeekerRegisteredV1")
        components["messages"] = messages
        noMessage["components"] = components
        let found = Self.problems(noMessage, catalogue: catalogue, schemaFiles: files)
        #expect(found.contains("message de.migration.asylum.seeker-registered.v1 missing"))
        #expect(found.contains("schema file events/asylum.seeker-registered.v1.schema.json not referenced"))

        let extraFile = Self.problems(document, catalogue: catalogue, schemaFiles: files + ["events/new.thing.v1.schema.json"])
        #expect(extraFile == ["schema file events/new.thing.v1.schema.json not referenced"])
    }
}
