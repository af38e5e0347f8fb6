import AMQP
import CaseModel
import Foundation
import Logging
import Ops
import Store
import Synchronization
import TestSupport
import Testing

/// A connection to the test node as `user` (nil: the admin), named so `rabbitmqctl` can find it.
func connect(as user: String? = nil, name: String = "ops-test-\(UUID().uuidString.prefix(8))") async throws -> Connection {
    var configuration = try amqpConfiguration(as: user)
    configuration.connectionName = name
    return try await Connection.connect(configuration, logger: quietLogger("test.amqp"))
}

func amqpConfiguration(as user: String? = nil) throws -> ConnectionConfiguration {
    try ConnectionConfiguration(url: user.map { try TestBroker.url(user: $0) } ?? TestBroker.url())
}

func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// A name no other test uses (queues, routing keys, agency ids).
func uniqueName(_ prefix: String) -> String { "test-ops-\(prefix)-\(UUID().uuidString.lowercased().prefix(10))" }

/// Runs `body` with a fresh SQLite store (the backends are proven equal in StoreTests).
func withSQLiteStore<T: Sendable>(_ body: @Sendable (HubStore) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-ops-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await HubStore.withStore(.sqlite(path: directory.appendingPathComponent("store.sqlite").path), logger: quietLogger("test.store")) {
        try await body($0)
    }
}

extension Consumer {
    /// Collects `count` deliveries (acknowledged) or fails after `timeout`.
    func take(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [Delivery] {
        try await withDeadline(timeout, "waiting for \(count) deliveries on \(queue)") {
            var collected: [Delivery] = []
            for try await delivery in self {
                try delivery.ack()
                collected.append(delivery)
                if collected.count == count { break }
            }
            return collected
        }
    }
}

extension Consumer {
    /// The next `count` deliveries a replay owes to `recipient` alone
    /// (`x-drehscheibe-pending-recipients`); other tests' replays on the same exchange are
    /// acknowledged and skipped.
    func take(_ count: Int, owedTo recipient: String, timeout: Duration = .seconds(30)) async throws -> [Delivery] {
        try await withDeadline(timeout, "waiting for \(count) replays owed to \(recipient) on \(queue)") {
            var collected: [Delivery] = []
            for try await delivery in self {
                try delivery.ack()
                guard delivery.properties.headers?["x-drehscheibe-pending-recipients"]?.stringValue == recipient else { continue }
                collected.append(delivery)
                if collected.count == count { break }
            }
            return collected
        }
    }
}

/// The event type of the test dead letters: their replays' routing key on `case.ingress`.
let consentType = "de.migration.employment.consent-requested.v1"

/// A private quorum queue bound to `exchange` with `routingKey`, deleted by `cleanUp`.
struct TestQueue {
    let name: String
    let channel: Channel

    static func bound(to exchange: String, routingKey: String, on connection: Connection) async throws -> TestQueue {
        let channel = try await connection.openChannel(publisherConfirms: true)
        let name = uniqueName("queue")
        try await channel.declareQueue(name, durable: true, arguments: ["x-queue-type": "quorum"])
        try await channel.bindQueue(name, to: exchange, routingKey: routingKey)
        return TestQueue(name: name, channel: channel)
    }

    /// What replays publish to `case.ingress` for the router (every replay goes there), seen
    /// through a private queue; no router runs in these tests.
    static func replayIntake(on connection: Connection) async throws -> TestQueue {
        try await bound(to: "case.ingress", routingKey: consentType, on: connection)
    }

    func cleanUp() async { _ = try? await channel.deleteQueue(name) }
}

/// A dead letter as the router publishes it to `case.dead`: a CloudEvents body, the original
/// properties, the failure headers.
func routerDeadLetter(
    messageID: String = UUID().uuidString.lowercased(), caseID: String = "abh.berlin:AZ-2026-4711", sender: String = "abh.berlin",
    originalExchange: String = "case.deliver", originalRoutingKey: String, code: String = "delivery-failed", stage: String = "deliver"
) -> Message {
    let body = """
        {"specversion":"1.0","id":"\(messageID)","source":"urn:de:migration:\(sender.replacingOccurrences(of: ".", with: ":"))",\
        "type":"de.migration.employment.consent-requested.v1","subject":"\(caseID)","time":"2026-03-01T10:00:00+01:00",\
        "datacontenttype":"application/json","data":{"person":{"familyName":"Muster","givenNames":"Erika","birthDate":"1990-01-01"},\
        "requester":"\(sender)"}}
        """
    let headers: FieldTable = [
        "x-drehscheibe-projection": "ba-consent",
        "x-drehscheibe-error-code": .string(code),
        "x-drehscheibe-stage": .string(stage),
        "x-drehscheibe-reason": "Publishing to the recipient's inbox was not confirmed after all retries.",
        "x-drehscheibe-attempts": .int32(4),
        "x-drehscheibe-first-failure": "2026-03-01T09:00:00Z",
        "x-drehscheibe-last-failure": "2026-03-01T09:05:30Z",
        "x-drehscheibe-original-exchange": .string(originalExchange),
        "x-drehscheibe-original-routing-key": .string(originalRoutingKey),
        "x-drehscheibe-router-version": "1.0.0",
        "x-drehscheibe-sender": .string(sender),
    ]
    return Message(body: Array(body.utf8), properties: BasicProperties(
        contentType: "application/cloudevents+json", contentEncoding: "utf-8", headers: headers, messageID: messageID,
        timestamp: Date(timeIntervalSince1970: 1_772_355_600), type: "de.migration.employment.consent-requested.v1",
        userID: "drehscheibe-router"))
}

/// Stores a dead letter straight into the store (for tests that are not about the consumer).
@discardableResult
func storeDeadLetter(_ store: HubStore, _ message: Message, routingKey: String, receivedAt: Date = Date()) async throws -> DeadLetterID {
    try await store.storeDeadLetter(try NewDeadLetter(
        body: message.body, properties: MessageProperties(message.properties), exchange: "case.dead", routingKey: routingKey,
        receivedAt: receivedAt)).id
}

/// Revalidation that accepts everything (for tests about the edit flow, not the schemas).
struct AcceptingRevalidator: Revalidator {
    func revalidate(_ body: [UInt8]) -> Revalidation { Revalidation(status: .valid, validator: "test") }
}

let admin = Operator(name: "ada", role: .admin)
let replayer = Operator(name: "rey", role: .replayer)
let viewer = Operator(name: "vic", role: .viewer)

/// A clock the test moves by hand, for the login limits.
final class TestClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    var now: ContinuousClock.Instant { instant.withLock { $0 } }

    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}
