import AMQP
import ArgumentParser
import Foundation
import Logging

/// `--amqp-url`, defaulting to `DREHSCHEIBE_AMQP_URL`.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("amqp-url"), help: "amqp[s]://user:pass@host:port/vhost (default: $DREHSCHEIBE_AMQP_URL)")
    var amqpURL: String?

    func configuration(name: String) throws -> ConnectionConfiguration {
        guard let url = amqpURL ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_AMQP_URL"], !url.isEmpty else {
            throw ValidationError("no broker: pass --amqp-url or set DREHSCHEIBE_AMQP_URL (deploy/local/broker start prints one)")
        }
        var configuration = try ConnectionConfiguration(url: url)
        configuration.connectionName = configuration.connectionName ?? name
        return configuration
    }

    func connect(name: String, logger: Logger = Logger(label: "drehscheibe")) async throws -> Connection {
        try await Connection.connect(configuration(name: name), logger: logger)
    }
}
