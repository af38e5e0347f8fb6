import AMQP
import CaseModel
import Foundation
import Logging
@testable import Router
import ServiceLifecycle
import Store
import Synchronization
import TestSupport

/// A router running in this process against its own virtual host on the test broker, plus
/// helpers to publish as an agency and read inboxes and dead letters.
final class RouterHarness: Sendable {
    let vhost: String
    let ledger: any RoutingLedger
    let connectionName: String
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    init(
        prefix: String = "router", ledger: any RoutingLedger = MemoryLedger(), retry: RetryPolicy = RetryPolicy(tiers: ["5s"], maximumAttempts: 3),
        ledgerBacklog: Int = 20_000, inboxHighWater: Int = 90_000, logger: Logger = Logger(label: "test.router"),
        deadlineServices: [DeadlineClock] = []
    ) async throws {
        vhost = try TestBroker.isolatedVirtualHost(prefix)
        self.ledger = ledger
        connectionName = "router-test-\(UUID().uuidString.prefix(8))"
        var amqp = try ConnectionConfiguration(url: TestBroker.url(user: "drehscheibe-router", vhost: vhost))
        amqp.connectionName = connectionName
        amqp.recovery = .init(initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(500))
        var configuration = RouterConfiguration(
            connection: amqp, prefetch: 64, ledgerBacklog: ledgerBacklog, inboxHighWater: inboxHighWater, retry: retry,
            schemasDirectory: schemasDirectory)
        configuration.deadlines.checkInterval = .milliseconds(50)
        configuration.deadlines.grace = .zero
        let service = try RouterService(configuration: configuration, ledger: ledger, logger: logger)
        // Deadline services beside the router (each with its own clock), when the ledger is a store.
        var services: [any Service] = [service]
        if let store = ledger as? HubStore {
            for clock in deadlineServices {
                services.append(DeadlineService(configuration: configuration, store: store, rules: service.rules, clock: clock, logger: logger))
            }
        }
        group = ServiceGroup(services: services, logger: logger)
        running = Task { [group] in try await group.run() }
    }

    /// Graceful shutdown: drains in-flight work, then the service returns.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        TestBroker.deleteVirtualHost(vhost)
    }

    /// A connection as one agency's broker user (least privilege: write case.ingress, read own inbox).
    func connect(as user: String) async throws -> Connection {
        var configuration = try ConnectionConfiguration(url: TestBroker.url(user: user, vhost: vhost))
        configuration.connectionName = "test-\(user)"
        return try await Connection.connect(configuration)
    }

    func admin() async throws -> Connection {
        try await Connection.connect(url: TestBroker.url(vhost: vhost))
    }

    /// Publishes like an adapter: to case.ingress, routing key = type, properties mirroring the envelope.
    func publish(_ channel: Channel, _ envelope: JSONObject, body: [UInt8]? = nil, edit: (inout BasicProperties) -> Void = { _ in }) async throws {
        let (message, _) = inbound(envelope, freshID: false, body: body, edit: edit)
        try await channel.publish(
            Message(body: message.body, properties: message.properties), exchange: "case.ingress",
            routingKey: envelope["type"]?.stringValue ?? "unknown")
    }

    /// Reads `count` messages from a queue (as admin), acking them.
    func take(_ count: Int, from queue: String, timeout: Duration = .seconds(30)) async throws -> [Delivery] {
        let connection = try await admin()
        defer { Task { await connection.close() } }
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(UInt16(min(max(count, 1), 1000)))
        let consumer = try await channel.consume(queue: queue)
        return try await withThrowingTaskGroup(of: [Delivery].self) { group in
            group.addTask {
                var collected: [Delivery] = []
                guard count > 0 else { return collected }
                for try await delivery in consumer {
                    try delivery.ack()
                    collected.append(delivery)
                    if collected.count == count { break }
                }
                return collected
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TestBrokerError(message: "timed out waiting for \(count) message(s) on \(queue)")
            }
            let result = try await group.next()!
            group.cancelAll()
            return result
        }
    }

    /// The number of ready messages in a queue.
    func depth(_ queue: String) async throws -> Int {
        let connection = try await admin()
        defer { Task { await connection.close() } }
        return Int(try await connection.openChannel().inspectQueue(queue).messageCount)
    }
}

extension Delivery {
    func header(_ name: String) -> String? { properties.headers?[name]?.stringValue }
    var json: JSONValue? { try? JSONValue(parsing: body) }
}

/// A fresh copy of an example envelope with a new id (and, if given, a new case id).
func fresh(_ folder: String, _ file: String? = nil, subject: String? = nil) throws -> JSONObject {
    var envelope = try example(folder, file)
    envelope["id"] = .string(UUID().uuidString.lowercased())
    if let subject { envelope["subject"] = .string(subject) }
    return envelope
}
