import Foundation

/// The RabbitMQ node integration tests run against: a private node the tests start themselves
/// through `deploy/local/broker` (instance `test`: its own node name, ports and data directory),
/// or the one `DREHSCHEIBE_TEST_AMQP_URL` names when the test command started it already.
public enum TestBroker {
    /// The package root, found from this file's path.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let instance = ProcessInfo.processInfo.environment["DREHSCHEIBE_BROKER_INSTANCE"] ?? "test"

    static let script = ServerScript(path: "deploy/local/broker", instanceVariable: "DREHSCHEIBE_BROKER_INSTANCE", instance: instance)

    private static let started = script.started(unless: "DREHSCHEIBE_TEST_AMQP_URL", scheme: "amqp")

    /// The admin URL on the `drehscheibe` vhost. Starts the node on first use.
    public static func url() throws -> String { try started.get() }

    /// The admin URL for another vhost (`/` is `%2F`).
    public static func url(vhost: String) throws -> String {
        let base = try url()
        guard let slash = base.range(of: "/", options: .backwards) else { return base }
        let encoded = vhost == "/" ? "%2F" : vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? vhost
        return base[..<slash.upperBound] + encoded
    }

    /// The URL for a provisioned broker user (agency or service), with its generated password.
    public static func url(user: String) throws -> String {
        _ = try url()
        return try run(["url", user]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public static var stateDirectory: URL {
        packageRoot.appendingPathComponent(".state/broker-\(instance)")
    }

    /// The node's generated TLS material: ca.pem, server.pem, client.pem, client.key.
    public static var tlsDirectory: URL { stateDirectory.appendingPathComponent("tls") }

    /// The port of the TLS listener.
    public static func amqpsPort() throws -> Int {
        let url = try url()
        guard let components = URLComponents(string: url), let port = components.port else { return 5691 }
        return port + 1
    }

    /// Runs rabbitmqctl against the test node.
    @discardableResult
    public static func rabbitmqctl(_ arguments: [String]) throws -> String {
        _ = try url()
        return try run(["ctl"] + arguments)
    }

    /// Force-closes every connection whose client-provided name is `connectionName`
    /// (`rabbitmqctl close_connection`, as an operator or a network failure would).
    public static func closeConnections(named connectionName: String, reason: String = "test: forced close") throws -> Int {
        // Text output: "<pid>\t<client properties>" per line; the pid in the form close_connection takes.
        let listing = try rabbitmqctl(["-q", "-s", "list_connections", "pid", "client_properties"])
        var closed = 0
        for line in listing.split(separator: "\n") {
            guard line.contains("\"\(connectionName)\""), let pid = line.split(separator: "\t").first else { continue }
            try rabbitmqctl(["close_connection", String(pid), reason])
            closed += 1
        }
        return closed
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String { try script.run(arguments) }
}

public struct TestBrokerError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
