import AMQP
import Foundation

/// How a router instance connects and what it consumes. Rules come from `schemasDirectory`;
/// deployment values from deploy/router/router.json (``RouterSettings``).
public struct RouterConfiguration: Sendable {
    public var connection: ConnectionConfiguration
    /// The shard queues to consume. Every instance consumes all shards; single active consumer
    /// on each shard queue makes one instance active per shard, so a case stays in order.
    public var queues: [String]
    /// Unacknowledged inputs per shard; a transaction commits at most half of them, so the
    /// next batch arrives while one is committed.
    public var prefetch: UInt16
    /// Output bytes (bodies of copies, dead letters, receipts) one transaction carries at most;
    /// an item larger than that goes alone. The broker holds an uncommitted transaction in
    /// memory, and half the prefetch of 1 MiB messages with several recipients each would be
    /// hundreds of MiB.
    public var transactionBytes: Int
    /// The least time between two writes of the routing ledger; what the shards commit
    /// meanwhile goes into the next write. See ``RecordQueue``.
    public var ledgerInterval: Duration
    /// Committed decisions the ledger may be behind before the shards' commits wait for it
    /// (a store outage stops the router instead of routing without a record): 20,000 by
    /// default, 20 s at 1,000 msg/s and ~8 MB of records. See ``RecordQueue``.
    public var ledgerBacklog: Int
    /// Messages in an agency's inbox at which the router holds its copies back (retries them)
    /// instead of publishing them: RabbitMQ would drop them in a transaction once the inbox is
    /// at its `max-length` (100,000). See ``QueueCapacity``.
    public var inboxHighWater: Int
    /// Messages in ``deadLetterQueue`` at which the router's commits wait (the operations
    /// service stores dead letters; the queue's `max-length` is 1,000,000).
    public var deadLettersHighWater: Int
    /// The queue `case.dead` fills, whose depth the router watches.
    public var deadLetterQueue: String
    public var deliverExchange: String
    public var deadExchange: String
    public var retryExchange: String
    public var retry: RetryPolicy
    public var pipeline: PipelineConfiguration
    public var schemasDirectory: URL
    /// The statutory periods the hub keeps (``DeadlineService``).
    public var deadlines = DeadlineServiceConfiguration()

    public init(
        connection: ConnectionConfiguration, queues: [String] = Self.defaultShards, prefetch: UInt16 = 256, transactionBytes: Int = 8 << 20,
        ledgerInterval: Duration = .milliseconds(100), ledgerBacklog: Int = 20_000,
        inboxHighWater: Int = 90_000, deadLettersHighWater: Int = 900_000, deadLetterQueue: String = "dead.letters",
        deliverExchange: String = "case.deliver", deadExchange: String = "case.dead", retryExchange: String = "case.retry",
        retry: RetryPolicy = RetryPolicy(), pipeline: PipelineConfiguration = PipelineConfiguration(),
        schemasDirectory: URL
    ) {
        self.connection = connection
        self.queues = queues
        self.prefetch = prefetch
        self.transactionBytes = transactionBytes
        self.ledgerInterval = ledgerInterval
        self.ledgerBacklog = ledgerBacklog
        self.inboxHighWater = inboxHighWater
        self.deadLettersHighWater = deadLettersHighWater
        self.deadLetterQueue = deadLetterQueue
        self.deliverExchange = deliverExchange
        self.deadExchange = deadExchange
        self.retryExchange = retryExchange
        self.retry = retry
        self.pipeline = pipeline
        self.schemasDirectory = schemasDirectory
    }

    /// The shard queues of deploy/rabbitmq/definitions.json.
    public static let defaultShards = (0..<4).map { "router.ingress.\($0)" }
}
