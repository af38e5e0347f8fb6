import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle

/// One partner agency's adapter, assembled from the SDK and the agency's ``NativeCodec``:
///
/// - native documents dropped into the inbox directory (``DropFolder``) or POSTed to the HTTP
///   intake (``IntakeEndpoint``) are converted, validated offline against `Schemas/`
///   (``DocumentIntake``) and published through the durable spool (``EventPublisher``);
/// - events routed to the agency (``InboxConsumer``) are written as native documents into the
///   outbox directory (``OutboxWriter``), rejection receipts as native rejection notices.
///
/// Run ``services`` in one `ServiceGroup`; SIGTERM stops intake and consumption, finishes the
/// work in hand and leaves whatever is unsent in the spool for the next start.
public struct AgencyAdapter: Sendable {
    public let configuration: AdapterConfiguration
    public let codec: any NativeCodec
    public let publisher: EventPublisher
    public let consumer: InboxConsumer
    public let intake: DocumentIntake
    public let dropFolder: DropFolder
    public let outbox: OutboxWriter
    /// The HTTP intake's bearer token; nil without an HTTP intake.
    public let intakeToken: IntakeToken?
    /// The publisher, the consumer, the drop folder and, with a port, the HTTP intake.
    public let services: [any Service]

    /// Builds the adapter of `configuration.agency`. `connection` authenticates as the agency's
    /// broker user; `onHTTPRunning` gets the bound port (useful with port 0).
    public init(
        configuration: AdapterConfiguration, schemas: CaseSchemas, connection: ConnectionConfiguration, logger: Logger,
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(AdapterError) {
        guard let codec = AgencyCodecs.codec(for: configuration.agency, schemas: schemas) else {
            throw AdapterError(.configuration, "\(configuration.agency) is no partner agency")
        }
        var logger = logger
        logger[metadataKey: "adapter.agency"] = "\(configuration.agency)"
        func named(_ role: String) -> ConnectionConfiguration {
            var connection = connection
            connection.connectionName = "\(connection.connectionName ?? "adapter \(configuration.agency)") \(role)"
            return connection
        }
        let spool = try Spool(directory: configuration.state.appendingPathComponent("spool"))
        let publisher = EventPublisher(
            configuration: .init(agency: configuration.agency, connection: named("outbox"), brokerUser: configuration.brokerUser),
            spool: spool, logger: logger)
        let intake = DocumentIntake(codec: codec, schemas: schemas, publisher: publisher, logger: logger)
        let outbox = try OutboxWriter(outbox: configuration.outbox, codec: codec, logger: logger)
        let handled = try HandledMessages(file: configuration.state.appendingPathComponent("handled-messages.log"))
        let consumer = InboxConsumer(
            configuration: .init(agency: configuration.agency, connection: named("inbox")),
            handled: handled, handler: outbox, logger: logger)
        let dropFolder = try DropFolder(
            inbox: configuration.inbox, processed: configuration.processed, failed: configuration.failed, intake: intake,
            pollInterval: configuration.pollInterval, logger: logger)
        var services: [any Service] = [publisher, consumer, dropFolder]
        let intakeToken = try configuration.intakeToken()
        if let port = configuration.httpPort, let intakeToken {
            if let refusal = IntakeEndpoint.binding(host: configuration.httpHost, allowNonLoopback: configuration.httpAllowNonLoopback).error {
                throw refusal
            }
            services.append(IntakeEndpoint.application(
                intake: intake, failed: configuration.failed, host: configuration.httpHost, port: port, token: intakeToken,
                logger: logger, onServerRunning: onHTTPRunning))
        }
        self.configuration = configuration
        self.codec = codec
        self.publisher = publisher
        self.consumer = consumer
        self.intake = intake
        self.dropFolder = dropFolder
        self.outbox = outbox
        self.intakeToken = intakeToken
        self.services = services
    }
}
