import Adapters
import AMQP
import CaseModel
import Foundation
import Logging
import Router
import ServiceLifecycle
import Store
import TestSupport

/// The hub for one test: an isolated virtual host on the test broker with the whole topology
/// of deploy/rabbitmq/definitions.json, and (unless `router: false`) the router running in
/// this process with an in-memory ledger, and its deadline service on a store of its own with a
/// clock the flows can move ahead (``deadlineClockFile``).
final class Hub: Sendable {
    let vhost: String
    let ledger = MemoryLedger()
    /// Seconds the deadline service's clock runs ahead (``CaseTraffic/moveDeadlineClock(in:by:)``).
    let deadlineClockFile: String
    private let storeFile: String
    private let group: ServiceGroup?
    private let running: Task<Void, any Error>?

    init(router: Bool = true) async throws {
        vhost = try TestBroker.isolatedVirtualHost("adapters")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(vhost)")
        deadlineClockFile = scratch.path + ".clock"
        storeFile = scratch.path + ".sqlite"
        // A new virtual host can refuse logins for a moment after import_definitions returns.
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                await (try await Connection.connect(url: TestBroker.url(vhost: vhost))).close()
                break
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard router else {
            group = nil
            running = nil
            return
        }
        var amqp = try ConnectionConfiguration(url: TestBroker.url(user: "drehscheibe-router", vhost: vhost))
        amqp.connectionName = "router-\(vhost)"
        amqp.recovery = .init(initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(500))
        let configuration = RouterConfiguration(
            connection: amqp, prefetch: 64, retry: RetryPolicy(tiers: ["5s"], maximumAttempts: 2), schemasDirectory: schemasDirectory)
        let logger = Logger(label: "test.router")
        let service = try RouterService(configuration: configuration, ledger: ledger, logger: logger)
        let store = try HubStore(.sqlite(path: storeFile), logger: logger)
        let deadlines = DeadlineService(
            configuration: configuration, store: store, rules: service.rules, clock: .offset(fromFile: deadlineClockFile), logger: logger)
        let group = ServiceGroup(services: [service, deadlines], logger: logger)
        self.group = group
        running = Task { try await group.run() }
    }

    /// Stops the router (graceful) and removes the virtual host.
    func stop() async throws {
        if let group, let running {
            await group.triggerGracefulShutdown()
            try await running.value
        }
        TestBroker.deleteVirtualHost(vhost)
        for path in [deadlineClockFile, storeFile, storeFile + "-wal", storeFile + "-shm"] { try? FileManager.default.removeItem(atPath: path) }
    }

    /// How an agency's broker user connects (fast recovery for tests).
    func connection(as user: String, name: String? = nil) throws -> ConnectionConfiguration {
        var configuration = try ConnectionConfiguration(url: TestBroker.url(user: user, vhost: vhost))
        configuration.connectionName = name ?? "test \(user) \(UUID().uuidString.prefix(6))"
        configuration.recovery = .init(initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(500))
        configuration.connectTimeout = .seconds(2)
        return configuration
    }

    func admin() async throws -> Connection {
        try await Connection.connect(url: TestBroker.url(vhost: vhost))
    }

    /// Publishes as the admin, e.g. a routed copy straight into an inbox.
    func publish(_ message: Message, exchange: String, routingKey: String) async throws {
        let connection = try await admin()
        try await connection.openChannel().publish(message, exchange: exchange, routingKey: routingKey)
        await connection.close()
    }

    /// Reads exactly `count` messages from a queue (acking them), failing after `timeout`.
    func take(_ count: Int, from queue: String, timeout: Duration = .seconds(30)) async throws -> [Delivery] {
        let connection = try await admin()
        defer { Task { await connection.close() } }
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(UInt16(max(count, 1)))
        let consumer = try await channel.consume(queue: queue)
        return try await withThrowingTaskGroup(of: [Delivery].self) { group in
            group.addTask {
                var collected: [Delivery] = []
                for try await delivery in consumer {
                    try delivery.ack()
                    collected.append(delivery)
                    if collected.count == count { break }
                }
                return collected
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TestFailure("timed out waiting for \(count) message(s) on \(queue)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Ready messages in a queue.
    func depth(_ queue: String) async throws -> Int {
        let connection = try await admin()
        defer { Task { await connection.close() } }
        return Int(try await connection.openChannel().inspectQueue(queue).messageCount)
    }

    /// Waits until the router recorded a decision about `messageID`.
    func decision(about messageID: String, timeout: Duration = .seconds(30)) async throws -> RoutingRecord {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let record = ledger.records.first(where: { $0.messageID == messageID }) { return record }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the router recorded nothing about \(messageID)")
    }
}

/// An agency adapter running in this process, with its files in a temporary directory.
final class RunningAdapter: Sendable {
    let adapter: AgencyAdapter
    let root: URL
    let connectionName: String
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts the adapter of `agency`. `port` overrides the broker port (a wrong one simulates
    /// an unreachable broker); `httpPort` 0 picks a free port (see ``httpPort``).
    init(_ agency: String, hub: Hub, root: URL? = nil, brokerPort: Int? = nil, httpPort: Int? = nil) async throws {
        let id = AgencyID(agency)!
        self.root = root ?? temporaryDirectory("adapter-\(agency)")
        connectionName = "test-\(UUID().uuidString.prefix(8).lowercased()) \(agency)"
        var connection = try hub.connection(as: agency, name: connectionName)
        if let brokerPort { connection.port = brokerPort }
        let configuration = AdapterConfiguration(agency: id, root: self.root, httpPort: httpPort, pollInterval: .milliseconds(50))
        let port = BoundPort()
        adapter = try AgencyAdapter(
            configuration: configuration, schemas: contract, connection: connection, logger: Logger(label: "test.adapter"),
            onHTTPRunning: { port.set($0) })
        boundPort = port
        let group = ServiceGroup(services: adapter.services, logger: Logger(label: "test.adapter"))
        self.group = group
        running = Task { try await group.run() }
    }

    private let boundPort: BoundPort

    /// The HTTP intake's port once it listens.
    func httpPort(timeout: Duration = .seconds(10)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let port = boundPort.value { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the HTTP intake did not start")
    }

    /// The HTTP intake's bearer token, as an agency system reads it from the token file.
    func intakeToken() throws -> String {
        guard let file = adapter.intakeToken?.file else { throw TestFailure("the adapter has no HTTP intake") }
        return String(decoding: try Data(contentsOf: file), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A client for the HTTP intake once it listens.
    func intakeClient() async throws -> IntakeClient { IntakeClient(port: try await httpPort()) }

    var desk: AdapterDesk {
        AdapterDesk(agency: adapter.configuration.agency, codec: adapter.codec, inbox: adapter.configuration.inbox,
                    outbox: adapter.configuration.outbox, failed: adapter.configuration.failed)
    }

    /// Graceful shutdown; the files stay (see ``remove()``).
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// The port the HTTP intake bound, set from its start-up callback.
final class BoundPort: Sendable {
    private let port = Synchronization.Mutex<Int?>(nil)
    func set(_ value: Int) { port.withLock { $0 = value } }
    var value: Int? { port.withLock { $0 } }
}

import Synchronization
