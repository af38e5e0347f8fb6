import AMQP
import ArgumentParser
import CaseModel
import Foundation
import Logging
import Router
import ServiceLifecycle
import Store
import UnixSignals

/// `drehscheibe router`: the long-running router (SIGTERM drains in-flight work and exits,
/// SIGHUP reloads the rules from the Schemas/ directory).
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Route case messages: authorise, validate, transform, route, deliver, dead-letter.",
        discussion: "SIGTERM drains in-flight messages and exits; SIGHUP reloads Schemas/ (a broken file is refused).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var store: StoreOptions
    @Option(help: "The Schemas/ directory (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).") var schemas: String?
    @Option(help: "The deployment settings (default: deploy/router/router.json when it exists); options below override single values.")
    var config: String?
    @Option(help: "Shard queues to consume, comma-separated (default: router.ingress.0-3).") var queues: String?
    @Option(help: "Unacknowledged messages per shard (default 256).") var prefetch: UInt16?
    @Option(name: .customLong("metrics-port"), help: "Serve /metrics, /healthz and /readyz on 127.0.0.1:PORT.") var metricsPort: Int?
    @Option(name: .customLong("broker-user"), help: "The router's own broker user, set as user_id on its output (default drehscheibe-router).")
    var brokerUser: String?
    @Option(name: .customLong("trusted-relay"), help: "Broker users that may republish for an agency (default: the router and drehscheibe-ops).")
    var trustedRelays: [String] = []
    @Option(name: .customLong("deliver-exchange")) var deliverExchange: String?
    @Option(name: .customLong("dead-exchange")) var deadExchange: String?
    @Option(name: .customLong("retry-exchange")) var retryExchange: String?
    @Option(name: .customLong("deadline-clock-offset-file"), help: "Demonstrations only: a file of seconds the deadline clock runs ahead.")
    var deadlineClockOffsetFile: String?

    static let defaultSettingsFile = "deploy/router/router.json"

    /// The settings file named by --config (which must exist), else the deployed default if present.
    func settings() throws -> RouterSettings {
        let path = config ?? Self.defaultSettingsFile
        guard config != nil || FileManager.default.fileExists(atPath: path) else { return RouterSettings() }
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read the router settings \(path)") }
        do {
            return try RouterSettings(json: Array(data))
        } catch {
            throw ValidationError("the router settings \(path) cannot be used: \(error)")
        }
    }

    func run() async throws {
        Observability.bootstrap()
        let logger = Logger(label: "drehscheibe.router")
        logger.info("memory allocator", metadata: ["process.allocator": "\(Allocator.name)"])
        var amqp = try connection.configuration(name: "drehscheibe router \(ProcessInfo.processInfo.processIdentifier)")
        amqp.recovery = .init(maximumBackoff: .seconds(5))
        // Defaults, then the settings file, then the options given on the command line.
        var commandLine = RouterSettings()
        let given: [(String, JSONValue?)] = [
            ("queues", queues.map { .array($0.split(separator: ",").map { .string(String($0)) }) }),
            ("prefetch", prefetch.map { .number(JSONNumber(Int($0))) }),
            ("brokerUser", brokerUser.map(JSONValue.string)),
            ("trustedRelays", trustedRelays.isEmpty ? nil : .array(trustedRelays.map(JSONValue.string))),
            ("deliverExchange", deliverExchange.map(JSONValue.string)),
            ("deadExchange", deadExchange.map(JSONValue.string)),
            ("retryExchange", retryExchange.map(JSONValue.string)),
            ("deadlineClockOffsetFile", deadlineClockOffsetFile.map(JSONValue.string)),
        ]
        do {
            for case (let key, let value?) in given { try commandLine.set(key, value) }
        } catch {
            throw ValidationError("\(error)")
        }
        var configuration = RouterConfiguration(connection: amqp, schemasDirectory: SchemasLocation.directory(schemas))
        try settings().overridden(by: commandLine).apply(to: &configuration)
        let (ledger, storeService) = try store.ledger(logger: logger)
        let router: RouterService
        do {
            router = try RouterService(configuration: configuration, ledger: ledger, logger: logger)
        } catch let error as RulesError {
            throw ValidationError("the rules cannot be loaded: \(error)")
        }
        // Shut down in reverse order: the router drains first, then the store closes.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let storeService { services.append(.init(service: storeService)) }
        services.append(.init(service: router, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        // Beside the router, sharing its rules (SIGHUP reloads both); stopped before it.
        if let store = ledger as? HubStore {
            services.append(.init(
                service: DeadlineService(configuration: configuration, store: store, rules: router.rules, logger: logger),
                failureTerminationBehavior: .gracefullyShutdownGroup))
        } else {
            logger.warning("no store: statutory periods are not kept (the deadline notices stay in their queue)")
        }
        if let metricsPort {
            services.append(.init(service: Observability.metricsServer(port: metricsPort, logger: logger)))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Where Schemas/ is: the option, DREHSCHEIBE_SCHEMAS, or ./Schemas.
enum SchemasLocation {
    static func directory(_ option: String?) -> URL {
        let path = option ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_SCHEMAS"] ?? "Schemas"
        return URL(fileURLWithPath: path, isDirectory: true)
    }
}
