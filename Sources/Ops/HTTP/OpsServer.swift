import AMQP
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Store

/// `ops serve` as one value: the HTTP API and dashboard, the replay coordinator, the
/// dead-letter consumer and (optionally) the store's own service, in one service group.
/// Shutdown runs in reverse: HTTP first, then replays pause, the consumer stops, the store closes.
public struct OpsServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The queue the dead-letter consumer drains; nil runs no consumer.
        public var deadLetterQueue: String?
        /// Marks the session cookie `Secure` (see `OpsAPI.Configuration`).
        public var secureCookies: Bool
        /// Runs the store's service in the group (false when the caller runs the store).
        public var runsStore: Bool
        /// Installs SIGTERM/SIGINT handlers for a graceful shutdown (off in tests).
        public var handlesSignals: Bool
        /// Where to sign checkpoints of the audit chain (nil: none are signed).
        public var auditCheckpoints: AuditCheckpointFiles?
        /// How often to sign one while the chain grows (also at start and at shutdown).
        public var auditCheckpointInterval: Duration

        public init(
            host: String = "127.0.0.1", port: Int = 8480, deadLetterQueue: String? = "dead.letters", secureCookies: Bool = true,
            runsStore: Bool = true, handlesSignals: Bool = true, auditCheckpoints: AuditCheckpointFiles? = nil,
            auditCheckpointInterval: Duration = .seconds(60)
        ) {
            self.host = host
            self.port = port
            self.deadLetterQueue = deadLetterQueue
            self.secureCookies = secureCookies
            self.runsStore = runsStore
            self.handlesSignals = handlesSignals
            self.auditCheckpoints = auditCheckpoints
            self.auditCheckpointInterval = auditCheckpointInterval
        }
    }

    let operations: Operations
    let operators: OperatorDirectory
    let loginGuard: LoginGuard
    let queues: any QueueInspector
    /// The broker user replays publish as (`drehscheibe-ops`).
    let replayAMQP: ConnectionConfiguration
    /// The broker user the consumer reads dead letters as (`drehscheibe-ops` in production).
    let consumerAMQP: ConnectionConfiguration
    let registry: PrometheusCollectorRegistry
    let configuration: Configuration
    let logger: Logger
    let observeDeadLetters: @Sendable (DeadLetterConsumer.Stored) -> Void

    public init(
        operations: Operations, operators: OperatorDirectory, loginGuard: LoginGuard = LoginGuard(), queues: any QueueInspector,
        replayAMQP: ConnectionConfiguration, consumerAMQP: ConnectionConfiguration? = nil,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), configuration: Configuration = Configuration(),
        logger: Logger, observeDeadLetters: @escaping @Sendable (DeadLetterConsumer.Stored) -> Void = { _ in }
    ) {
        self.observeDeadLetters = observeDeadLetters
        self.operations = operations
        self.operators = operators
        self.loginGuard = loginGuard
        self.queues = queues
        self.replayAMQP = replayAMQP
        self.consumerAMQP = consumerAMQP ?? replayAMQP
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until cancelled (or a signal, with `handlesSignals`). `onReady` is called once the
    /// server listens, the replay publisher is connected and the consumer consumes.
    public func run(onReady: @escaping @Sendable (URL) async -> Void = { _ in }) async throws {
        let store = operations.store
        let coordinator = ReplayCoordinator(amqp: replayAMQP, store: store, logger: logger)
        var services: [any Service] = []
        // Shut down in reverse: the HTTP server first, ..., the login summary and the last
        // checkpoint after every other writer of audit records, the store last.
        var readiness: [ReadinessFlag] = []
        if configuration.runsStore { services.append(StoreService(store: store)) }
        if let files = configuration.auditCheckpoints {
            let flag = ReadinessFlag("audit-checkpoints")
            readiness.append(flag)
            services.append(AuditCheckpointService(
                files: files, store: store, interval: configuration.auditCheckpointInterval, logger: logger, readiness: flag))
        }
        services.append(LoginSummaryService(loginGuard: loginGuard, store: store, logger: logger))
        let consuming = Latch()
        if let queue = configuration.deadLetterQueue {
            let flag = ReadinessFlag("dead-letter-consumer")
            readiness.append(flag)
            services.append(DeadLetterConsumer(
                amqp: consumerAMQP, store: store, configuration: .init(queue: queue), logger: logger,
                metrics: PrometheusMetricsFactory(registry: registry), readiness: flag, onConsuming: { consuming.open() },
                observe: observeDeadLetters))
        } else {
            consuming.open()
        }
        services.append(coordinator)
        let api = OpsAPI(
            operations: operations, operators: operators, loginGuard: loginGuard, queues: queues, replays: coordinator, metrics: OpsMetrics(registry: registry),
            readiness: readiness, dashboard: try Dashboard(), configuration: .init(secureCookies: configuration.secureCookies),
            logger: logger)
        let url = URL(string: "http://\(configuration.host):\(configuration.port)")!
        let app = Application(
            router: api.router(), configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            services: services,
            onServerRunning: { _ in
                await coordinator.connected.wait()
                await consuming.wait()
                logger.info("ops server ready", metadata: ["http.url": "\(url)"])
                await onReady(url)
            },
            logger: logger)
        if configuration.handlesSignals {
            try await app.runService()
        } else {
            try await app.runService(gracefulShutdownSignals: [])
        }
    }
}
