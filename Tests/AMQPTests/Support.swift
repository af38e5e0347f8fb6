import AMQP
import Foundation
import Logging
import TestSupport

/// A connection to the test node with a name unique to the test, so `rabbitmqctl` can find it.
func connect(
    _ name: String = "amqp-test-\(UUID().uuidString.prefix(8))", vhost: String = "drehscheibe",
    recovery: ConnectionConfiguration.Recovery = .init()
) async throws -> Connection {
    var configuration = try ConnectionConfiguration(url: TestBroker.url(vhost: vhost))
    configuration.connectionName = name
    configuration.recovery = recovery
    return try await Connection.connect(configuration, logger: Logger(label: "test.\(name)"))
}

/// A unique, auto-deleting-by-test queue name.
func uniqueName(_ prefix: String) -> String { "test.\(prefix).\(UUID().uuidString.lowercased().prefix(12))" }

extension Consumer {
    /// Collects `count` deliveries or fails after `timeout`.
    func take(_ count: Int, timeout: Duration = .seconds(30), ack: Bool = true) async throws -> [Delivery] {
        try await withThrowingTaskGroup(of: [Delivery].self) { group in
            group.addTask {
                var collected: [Delivery] = []
                for try await delivery in self {
                    if ack { try delivery.ack() }
                    collected.append(delivery)
                    if collected.count == count { break }
                }
                return collected
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TestTimeout(what: "waiting for \(count) deliveries")
            }
            let result = try await group.next()!
            group.cancelAll()
            return result
        }
    }
}

