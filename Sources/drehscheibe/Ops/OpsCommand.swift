import AMQP
import ArgumentParser
import Foundation
import Logging
import Ops
import Store

/// `drehscheibe ops …`: the operations server and its tools.
struct OpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "The operations server (HTTP API, dashboard, dead-letter store) and its tools.",
        subcommands: [OpsServeCommand.self, OpsHashPasswordCommand.self])
}

/// `drehscheibe ops serve`.
struct OpsServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the dead-letter store service, the HTTP API with /metrics, /healthz, /readyz, and the dashboard.",
        discussion: """
            The AMQP user (--amqp-url) should be drehscheibe-ops: it reads dead.letters and publishes replays to \
            case.ingress (replays, which the router checks again), nothing else. Operators and roles come from --operators (see \
            deploy/ops/README.md). SIGTERM or SIGINT shut down gracefully: running replays pause and can be resumed.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var management: ManagementOptions
    @OptionGroup var checkpoints: CheckpointOptions
    @Option(help: "Seconds between signed audit checkpoints while the chain grows (also signed at start and shutdown).")
    var auditCheckpointInterval = 60
    @Option(help: "Listen address.") var host = "127.0.0.1"
    @Option(help: "Listen port.") var port = 8480
    @Option(help: "The operators file (default: $DREHSCHEIBE_OPERATORS or .state/operators.json).") var operators: String?
    @Option(help: "The Schemas/ directory for revalidating edits (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).") var schemas: String?
    @Option(name: .customLong("dead-letter-queue")) var deadLetterQueue = "dead.letters"
    @Flag(name: .customLong("no-consumer"), help: "Do not drain the dead-letter queue (another instance does).") var noConsumer = false
    @Flag(name: .customLong("insecure-cookies"), help: "Session cookies without Secure, for plain HTTP other than localhost (not for production).")
    var insecureCookies = false

    func run() async throws {
        Observability.bootstrap()
        let logger = Logger(label: "drehscheibe.ops")
        let path = operators ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_OPERATORS"] ?? ".state/operators.json"
        let directory: OperatorDirectory
        do {
            directory = try OperatorDirectory(contentsOf: URL(fileURLWithPath: path))
        } catch let error as OpsError {
            throw ValidationError("\(error.context) (copy deploy/ops/operators.example.json and fill it with drehscheibe ops hash-password)")
        }
        var amqp = try connection.configuration(name: "drehscheibe ops \(ProcessInfo.processInfo.processIdentifier)")
        amqp.recovery = .init(maximumBackoff: .seconds(5))
        guard auditCheckpointInterval >= 1 else { throw ValidationError("--audit-checkpoint-interval is at least 1 second") }
        let hub = try HubStore(try store.hubLocation(), logger: logger)
        let server = OpsServer(
            operations: try OpsCLI.operations(store: hub, revalidating: schemas ?? "Schemas", checkpoints: checkpoints.files, logger: logger),
            operators: directory, queues: try management.inspector(amqp: amqp, logger: logger), replayAMQP: amqp,
            registry: Observability.registry,
            configuration: .init(
                host: host, port: port, deadLetterQueue: noConsumer ? nil : deadLetterQueue, secureCookies: !insecureCookies,
                runsStore: true, handlesSignals: true, auditCheckpoints: checkpoints.files,
                auditCheckpointInterval: .seconds(auditCheckpointInterval)),
            logger: logger)
        logger.info("ops server starting", metadata: ["store.location": "\(hub.location)", "http.port": "\(port)", "operators.count": "\(directory.entries.count)"])
        try await server.run()
    }
}

/// `drehscheibe ops hash-password`: a hash for the operators file.
struct OpsHashPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password",
        abstract: "Read a password from stdin (not echoed on a terminal) and print its PBKDF2-SHA256 hash for the operators file.")

    @Option(help: "PBKDF2 iterations.") var iterations = PasswordHash.defaultIterations

    func run() async throws {
        guard iterations >= 100_000 else { throw ValidationError("use at least 100000 iterations") }
        let password: String
        if isatty(STDIN_FILENO) != 0 {
            guard let typed = getpass("Password: ") else { throw ValidationError("no password") }
            password = String(cString: typed)
        } else {
            password = readLine(strippingNewline: true) ?? ""
        }
        guard password.count >= 12 else { throw ValidationError("use a password of at least 12 characters") }
        print(PasswordHash.make(password, iterations: iterations))
    }
}
