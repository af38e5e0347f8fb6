import AMQP
import Foundation
import Logging
import ServiceLifecycle
import Store
import UnixSignals

/// The router as a swift-service-lifecycle `Service`: one worker per shard queue on one AMQP
/// connection. SIGTERM (graceful shutdown) stops consuming, lets the messages that arrived
/// finish (copies and acknowledgements committed, ledger written), then closes the connection.
/// SIGHUP reloads the rules; a broken rules file is refused and the old rules stay.
public struct RouterService: Service {
    public let configuration: RouterConfiguration
    public let ledger: any RoutingLedger
    public let rules: RulesHolder
    let logger: Logger

    /// Loads the rules (throws a `RulesError` for a broken Schemas/ directory).
    public init(configuration: RouterConfiguration, ledger: any RoutingLedger, logger: Logger) throws {
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
        let rules = try RouterRules.load(from: configuration.schemasDirectory)
        self.rules = RulesHolder(Pipeline(rules: rules, configuration: configuration.pipeline))
    }

    public func run() async throws {
        let connection = try await Connection.connect(configuration.connection, logger: logger)
        logger.notice("router started", metadata: [
            "router.version": "\(configuration.pipeline.routerVersion)", "router.queues": "\(configuration.queues.joined(separator: ","))",
            "amqp.url": "\(configuration.connection.redactedURL)",
        ])
        let recent = RecentlyDelivered()
        // One set of instruments for all shards, so the bound on event-type labels is the hub's.
        let metrics = RouterMetrics()
        let reloader = Task { [rules, logger] in
            for await _ in await UnixSignalsSequence(trapping: .sighup) { rules.reload(logger: logger) }
        }
        defer { reloader.cancel() }
        let capacity = CapacityWatch(
            connection: connection,
            capacity: QueueCapacity(
                inboxHighWater: configuration.inboxHighWater, deadLettersHighWater: configuration.deadLettersHighWater,
                deadLetterQueue: configuration.deadLetterQueue),
            logger: logger)
        let watcher = Task { await capacity.watch() }
        defer { watcher.cancel() }
        let incidents = IncidentLedger()
        let unrecorded = RecordQueue(capacity: configuration.ledgerBacklog)
        let recorder = Task { [ledger, logger, interval = configuration.ledgerInterval] in
            _ = await unrecorded.write(to: ledger, interval: interval, metrics: metrics, logger: logger)
        }
        // What the shards committed is recorded before the router returns, also when one failed.
        func recordRest() async {
            unrecorded.finish()
            await recorder.value
        }
        do {
            // Each worker drains and returns on graceful shutdown; the first that fails
            // cancels the others and stops the router (a supervisor restarts it and the
            // broker redelivers whatever was not acknowledged).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for queue in configuration.queues {
                    let worker = ShardWorker(
                        queue: queue, connection: connection, configuration: configuration, rules: rules,
                        dedupe: Dedupe(recent: recent, ledger: ledger), unrecorded: unrecorded, capacity: capacity, incidents: incidents, logger: logger,
                        metrics: metrics)
                    group.addTask { try await worker.run() }
                }
                try await group.waitForAll()
            }
        } catch {
            logger.error("router stopped", metadata: ["router.error": "\(error)"])
            await recordRest()
            await connection.close()
            throw error
        }
        await recordRest()
        await connection.close()
        logger.notice("router stopped cleanly")
    }
}
