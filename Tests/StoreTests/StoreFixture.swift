import Foundation
import Logging
import Store
import TestSupport
import Testing

/// The two backends every store test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A fresh, empty store of one backend: a new SQLite file, or a new schema on the private
/// PostgreSQL test server. `tamper` runs SQL on it from outside (sqlite3, psql as superuser),
/// the way an intruder with database access would.
struct StoreFixture: Sendable {
    let backend: Backend
    let location: StoreLocation
    let path: String?
    let schema: String?

    static func make(_ backend: Backend) throws -> StoreFixture {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-store-\(UUID().uuidString)")
            let path = directory.appendingPathComponent("store.sqlite").path
            return StoreFixture(backend: backend, location: .sqlite(path: path), path: path, schema: nil)
        case .postgres:
            let (url, schema) = try TestPostgres.freshSchemaURL(prefix: "store")
            return StoreFixture(backend: backend, location: try StoreLocation(parsing: url), path: nil, schema: schema)
        }
    }

    /// Runs SQL against the store's tables outside the store, with the append-only triggers off.
    func tamper(_ sql: String) throws {
        switch backend {
        case .sqlite:
            let result = try Command.run(
                "/usr/bin/sqlite3", [path!, "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; \(sql)"])
            guard result.status == 0 else { throw FixtureError(message: "sqlite3: \(result.errorOutput)") }
        case .postgres:
            try TestPostgres.psql("SET session_replication_role = replica; SET search_path = \(schema!); \(sql)")
        }
    }

    /// A literal of `hex` bytes in this backend's SQL (X'…' or '\x…'::bytea).
    func bytes(_ hex: String) -> String {
        backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
    }

    /// Runs SQL from outside with the triggers on; returns the tool's exit status and errors.
    func outsideStatement(_ sql: String) throws -> (ok: Bool, errors: String) {
        switch backend {
        case .sqlite:
            let result = try Command.run("/usr/bin/sqlite3", [path!, sql])
            return (result.status == 0, result.errorOutput)
        case .postgres:
            do {
                try TestPostgres.psql("SET search_path = \(schema!); \(sql)")
                return (true, "")
            } catch {
                return (false, "\(error)")
            }
        }
    }

    func cleanUp() {
        switch backend {
        case .sqlite: try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path!).deletingLastPathComponent().path)
        case .postgres: _ = try? TestPostgres.psql("DROP SCHEMA IF EXISTS \(schema!) CASCADE")
        }
    }
}

/// Runs `body` with a running store on a fresh fixture and cleans up afterwards.
func withStore<T: Sendable>(
    _ backend: Backend, _ body: @Sendable (HubStore, StoreFixture) async throws -> T
) async throws -> T {
    let fixture = try StoreFixture.make(backend)
    defer { fixture.cleanUp() }
    var logger = Logger(label: "test.store")
    logger.logLevel = .warning
    return try await HubStore.withStore(fixture.location, logger: logger) { store in
        try await body(store, fixture)
    }
}

let operatorAlice = AuditActor(name: "alice", role: "replayer")

/// A dead letter as the router publishes one: a CloudEvents body and the failure headers.
func makeDeadLetter(
    messageID: String = UUID().uuidString.lowercased(), caseID: String = "abh.berlin:AZ-2026-1", type: String = "de.migration.employment.consent-requested.v1",
    code: String = "invalid", sender: String = "abh.berlin", originalExchange: String = "case.ingress", originalRoutingKey: String? = nil,
    receivedAt: Date = Date(), body: [UInt8]? = nil, extraHeaders: [Header] = []
) throws -> NewDeadLetter {
    let envelope = """
        {"specversion":"1.0","id":"\(messageID)","source":"urn:de:migration:\(sender.replacingOccurrences(of: ".", with: ":"))","type":"\(type)",\
        "subject":"\(caseID)","time":"2026-03-01T10:00:00+01:00","datacontenttype":"application/json",\
        "data":{"person":{"familyName":"Muster","givenNames":"Erika","birthDate":"1990-01-01"},"requester":"\(sender)"}}
        """
    let headers: [Header] = [
        Header("x-drehscheibe-error-code", .string(code)),
        Header("x-drehscheibe-stage", .string("validate")),
        Header("x-drehscheibe-pointer", .string("/data/person/birthDate")),
        Header("x-drehscheibe-reason", .string("The birth date must not be in the future.")),
        Header("x-drehscheibe-attempts", .int32(1)),
        Header("x-drehscheibe-first-failure", .string("2026-03-01T09:00:01.250Z")),
        Header("x-drehscheibe-last-failure", .string("2026-03-01T09:00:02Z")),
        Header("x-drehscheibe-original-exchange", .string(originalExchange)),
        Header("x-drehscheibe-original-routing-key", .string(originalRoutingKey ?? type)),
        Header("x-drehscheibe-router-version", .string("1.0.0")),
        Header("x-drehscheibe-sender", .string(sender)),
    ] + extraHeaders
    let properties = MessageProperties(
        contentType: "application/cloudevents+json", contentEncoding: "utf-8", headers: headers, deliveryMode: 2,
        correlationID: "corr-1", messageID: messageID, timestamp: Date(timeIntervalSince1970: 1_772_355_600), type: type,
        userID: "drehscheibe-router", appID: "urn:de:migration:\(sender.replacingOccurrences(of: ".", with: ":"))")
    return try NewDeadLetter(
        body: body ?? Array(envelope.utf8), properties: properties, exchange: "case.dead", routingKey: originalRoutingKey ?? type,
        receivedAt: receivedAt)
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
