import AMQP
import ArgumentParser
import Foundation
import Ops

/// `drehscheibe queues`: every queue of the vhost with depths, consumers and rates.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "Show every queue: ready, unacknowledged, consumers, publish and deliver rates.",
        discussion: """
            Reads RabbitMQ's management API (the broker user needs the monitoring tag, as drehscheibe-ops has). \
            Without it, falls back to passive declares of the queues in deploy/rabbitmq/definitions.json \
            (ready and consumers only).
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var management: ManagementOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let amqp = try connection.configuration(name: "drehscheibe queues")
        let logger = OpsCLI.logger("drehscheibe.queues")
        let overview = try await management.inspector(amqp: amqp, logger: logger).overview()
        if json { return try OpsCLI.printJSON(overview) }
        OpsCLI.printTable(
            ["QUEUE", "TYPE", "READY", "UNACKED", "CONSUMERS", "PUBLISH/S", "DELIVER/S", "STATE"],
            overview.queues.map {
                [$0.name, $0.type ?? "-", String($0.ready), $0.unacknowledged.map(String.init) ?? "-", String($0.consumers),
                 $0.publishRate.map { String(format: "%.1f", $0) } ?? "-", $0.deliverRate.map { String(format: "%.1f", $0) } ?? "-",
                 $0.state ?? "-"]
            })
        print("(\(overview.source)\(overview.note.map { "; \($0)" } ?? ""))")
    }
}

/// Where the management API is: `--management-url`, DREHSCHEIBE_MANAGEMENT_URL, or the AMQP
/// host with the AMQP port + 10000 (RabbitMQ's 5672 → 15672, and so for deploy/local/broker).
struct ManagementOptions: ParsableArguments {
    @Option(name: .customLong("management-url"), help: "http://host:port of RabbitMQ's management API (default: $DREHSCHEIBE_MANAGEMENT_URL or the AMQP host, port + 10000).")
    var managementURL: String?
    @Option(help: "RabbitMQ definitions file naming the queues for the passive-declare fallback.")
    var definitions = "deploy/rabbitmq/definitions.json"

    func inspector(amqp: ConnectionConfiguration, logger: Logging.Logger) throws -> FallbackQueueInspector {
        let text = managementURL ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_MANAGEMENT_URL"]
        let url = text.flatMap(URL.init(string:)) ?? URL(string: "http://\(amqp.host):\(amqp.port + 10000)")
        var primary: ManagementQueueInspector?
        if let url, case .plain(let user, let password) = amqp.authentication {
            primary = ManagementQueueInspector(baseURL: url, virtualHost: amqp.virtualHost, username: user, password: password)
        }
        var names = (0..<4).map { "router.ingress.\($0)" } + ["dead.letters", "retry.5s", "retry.30s", "retry.5m"]
        if let listed = try? PassiveQueueInspector.queueNames(definitions: URL(fileURLWithPath: definitions), virtualHost: amqp.virtualHost) {
            names = listed
        }
        return FallbackQueueInspector(
            primary: primary, fallback: PassiveQueueInspector(amqp: amqp, queues: names, logger: logger), logger: logger)
    }
}

import Logging
