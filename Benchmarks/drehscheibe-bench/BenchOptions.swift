import AMQP
import ArgumentParser
import Foundation

/// `--amqp-url`, defaulting to `DREHSCHEIBE_AMQP_URL` (`scripts/bench` sets it to the dev broker's
/// admin): the benchmark's own connection.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("amqp-url"), help: "amqp[s]://user:pass@host:port/vhost (default: $DREHSCHEIBE_AMQP_URL)")
    var amqpURL: String?

    func configuration(name: String) throws -> ConnectionConfiguration {
        guard let url = amqpURL ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_AMQP_URL"], !url.isEmpty else {
            throw ValidationError("no broker: pass --amqp-url or set DREHSCHEIBE_AMQP_URL (scripts/bench sets it)")
        }
        var configuration = try ConnectionConfiguration(url: url)
        configuration.connectionName = configuration.connectionName ?? name
        return configuration
    }
}

/// The Schemas/ directory: the option, else `$DREHSCHEIBE_SCHEMAS`, else `./Schemas`.
enum SchemasLocation {
    static func directory(_ option: String?) -> URL {
        URL(fileURLWithPath: option ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_SCHEMAS"] ?? "Schemas", isDirectory: true)
    }
}
