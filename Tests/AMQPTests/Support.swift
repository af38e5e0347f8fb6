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


/// A client certificate with the common name of the hub's certificate user, self-signed (not
/// issued by the hub CA): the login a foreign CA would make possible. Remove `directory` after use.
func foreignClientCertificate() throws -> (directory: URL, key: String, certificate: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-foreign-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let key = directory.appendingPathComponent("client.key").path
    let certificate = directory.appendingPathComponent("client.pem").path
    let openssl = try Command.run("/usr/bin/openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=drehscheibe-tls-client",
        "-keyout", key, "-out", certificate,
    ])
    guard openssl.status == 0 else { throw TestBrokerError(message: "openssl req: \(openssl.errorOutput)") }
    return (directory, key, certificate)
}
