import AMQP
import ArgumentParser
import Foundation
import Logging
import Ops
import Store

/// What the operations commands share: who acts, logging, output.
enum OpsCLI {
    /// The CLI acts as the local Unix user with the admin role: whoever can run it here can
    /// read the store and the broker credentials anyway. Its actions are audited as `cli:USER`
    /// (or the name in DREHSCHEIBE_OPERATOR, e.g. a personal account on a shared host).
    static var cliOperator: Operator {
        let environment = ProcessInfo.processInfo.environment
        let name = environment["DREHSCHEIBE_OPERATOR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "cli:\(environment["SUDO_USER"] ?? environment["USER"] ?? "unknown")"
        return Operator(name: name, role: .admin)
    }

    /// Warnings and errors only, unless DREHSCHEIBE_LOG_LEVEL says otherwise: command output
    /// is for the operator, logs are for incidents.
    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["DREHSCHEIBE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// The operations on `store`; `revalidating` loads Schemas/ for checking edits (only `dead
    /// edit` and `ops serve` need it).
    static func operations(
        store: HubStore, revalidating schemas: String? = nil, checkpoints: AuditCheckpointFiles? = nil,
        checkpointKey: AuditCheckpointPublicKey? = nil, logger: Logger
    ) throws -> Operations {
        guard let schemas else {
            return Operations(store: store, revalidator: NoSchemas(), checkpoints: checkpoints, checkpointKey: checkpointKey, logger: logger)
        }
        do {
            return Operations(
                store: store, revalidator: try CaseSchemaRevalidator(directory: SchemasLocation.directory(schemas)), checkpoints: checkpoints,
                checkpointKey: checkpointKey, logger: logger)
        } catch {
            throw ValidationError("the schemas for revalidating edits cannot be loaded from \(schemas): \(error)")
        }
    }

    /// For commands that never edit: anything it is asked marks the edit unreplayable.
    struct NoSchemas: Revalidator {
        func revalidate(_ body: [UInt8]) -> Revalidation { Revalidation(status: .invalid, validator: "none", problems: ["no schemas loaded"]) }
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Left-aligned columns, widths from the content.
    static func printTable(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func date(_ text: String?, option: String) throws -> Date? {
        guard let text else { return nil }
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        // A bare date means its start (UTC).
        if let date = ISO8601DateFormatter().date(from: text + "T00:00:00Z") { return date }
        throw ValidationError("\(option) is an ISO 8601 date or date-time, e.g. 2026-03-01 or 2026-03-01T09:00:00Z")
    }
}

/// The filters `dead list` and `dead replay` share.
struct DeadLetterFilterOptions: ParsableArguments {
    @Option(name: .customLong("error-code"), help: "e.g. invalid, unroutable, delivery-failed") var errorCode: String?
    @Option(name: .customLong("event-type"), help: "e.g. de.migration.employment.consent-requested.v1") var eventType: String?
    @Option(name: .customLong("source-agency"), help: "The sending agency, e.g. abh.berlin") var sourceAgency: String?
    @Option(name: .customLong("case-id")) var caseID: String?
    @Option(name: .customLong("message-id")) var messageID: String?
    @Option(help: "Received at or after (ISO 8601).") var from: String?
    @Option(help: "Received before (ISO 8601).") var until: String?

    var isEmpty: Bool { [errorCode, eventType, sourceAgency, caseID, messageID, from, until].allSatisfy { $0 == nil } }

    func filter(states: [DeadLetterState]? = nil) throws -> DeadLetterFilter {
        DeadLetterFilter(
            errorCode: errorCode, eventType: eventType, sourceAgency: sourceAgency, caseID: caseID, messageID: messageID, states: states,
            receivedFrom: try OpsCLI.date(from, option: "--from"), receivedUntil: try OpsCLI.date(until, option: "--until"))
    }
}
