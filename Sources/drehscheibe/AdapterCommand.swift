import Adapters
import AMQP
import ArgumentParser
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `drehscheibe adapter <agency> [--office ID]`: runs one partner agency's adapter until
/// SIGTERM or SIGINT (which finish the work in hand; unsent events stay in the spool).
struct AdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Run a partner agency's adapter: native documents in, canonical events through the hub, native documents out.",
        discussion: """
            Agencies: abh (--office), av (--office = mission), lpol, lfv and ae (--office = Land, e.g. by), aa, bamf, bpol, bka, bfv, bnd, mad, zka, \
            bsi, ba, bva. The configuration (directories, HTTP port, broker user) is read from \
            deploy/adapters/<agency id>.json unless --config names another file. POST /documents to the HTTP intake \
            needs Authorization: Bearer <token>, the token from http.tokenFile or from <state>/http-token (generated \
            on first start, mode 0600). The broker password comes from the \
            environment: DREHSCHEIBE_AMQP_URL (full URL) or DREHSCHEIBE_AMQP_PASSWORD.
            """)

    @Argument(help: "The agency kind (abh, av, lpol, lfv, ae, aa, bamf, bpol, bka, bfv, bnd, mad, zka, bsi, ba, bva) or a full agency id (abh.berlin).")
    var agency: String
    @Option(help: "The office, mission or Land of abh, av, lpol, lfv and ae (abh --office berlin → abh.berlin).")
    var office: String?
    @Option(help: "The configuration file (default: deploy/adapters/<agency id>.json).")
    var config: String?
    @Option(help: "The Schemas/ directory (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).")
    var schemas: String?
    @Option(name: .customLong("amqp-url"), help: "amqp://user:pass@host:port/vhost (default: $DREHSCHEIBE_AMQP_URL, else the configuration's broker with $DREHSCHEIBE_AMQP_PASSWORD).")
    var amqpURL: String?

    func run() async throws {
        Observability.bootstrap()
        let logger = Logger(label: "drehscheibe.adapter")
        guard let id = Self.agencyID(agency, office: office) else {
            throw ValidationError("'\(agency)\(office.map { " --office \($0)" } ?? "")' is no partner agency (abh, av, lpol, lfv and ae need --office)")
        }
        let file = URL(fileURLWithPath: config ?? "deploy/adapters/\(id.rawValue).json")
        let configuration = try AdapterConfiguration.load(from: file)
        guard configuration.agency == id else {
            throw ValidationError("\(file.path) configures \(configuration.agency), not \(id)")
        }
        var environment = ProcessInfo.processInfo.environment
        if let amqpURL { environment["DREHSCHEIBE_AMQP_URL"] = amqpURL }
        var connection = try configuration.brokerURL(environment: environment)
        connection.connectionName = "adapter \(id)"
        connection.recovery = .init(maximumBackoff: .seconds(5))
        let contract = try CaseSchemas(directory: SchemasLocation.directory(schemas))
        let adapter = try AgencyAdapter(
            configuration: configuration, schemas: contract, connection: connection, logger: logger,
            onHTTPRunning: { port in logger.info("HTTP intake listening", metadata: ["adapter.http": "\(configuration.httpHost):\(port)"]) })
        logger.info("adapter starting", metadata: [
            "adapter.agency": "\(id)", "adapter.inbox": "\(configuration.inbox.path)", "adapter.outbox": "\(configuration.outbox.path)",
            "adapter.spool.pending": "\(adapter.publisher.spool.count)", "amqp.url": "\(connection.redactedURL)",
            // Where agency systems find the intake's token; never the token itself.
            "adapter.http.token-file": "\(adapter.intakeToken?.file.path ?? "-")",
        ])
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: adapter.services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// `abh` + `berlin` → `abh.berlin`; `bka` → `bka`; `abh.berlin` as is.
    static func agencyID(_ agency: String, office: String?) -> AgencyID? {
        if let office { return AgencyID("\(agency).\(office)") }
        return AgencyID(agency)
    }
}
