/// One queue's depth, consumers and rates.
public struct QueueStatus: Sendable, Codable, Hashable {
    public var name: String
    /// `quorum`, `classic`, `stream`; nil when unknown (passive declares do not say).
    public var type: String?
    /// Messages ready for delivery.
    public var ready: Int
    /// Delivered but not yet acknowledged; nil when unknown (passive declares do not say).
    public var unacknowledged: Int?
    public var consumers: Int
    /// Messages per second published into the queue, averaged by the management plugin.
    public var publishRate: Double?
    /// Messages per second delivered to consumers (or fetched).
    public var deliverRate: Double?
    /// e.g. `running`; nil when unknown.
    public var state: String?

    public init(
        name: String, type: String? = nil, ready: Int, unacknowledged: Int? = nil, consumers: Int, publishRate: Double? = nil,
        deliverRate: Double? = nil, state: String? = nil
    ) {
        self.name = name
        self.type = type
        self.ready = ready
        self.unacknowledged = unacknowledged
        self.consumers = consumers
        self.publishRate = publishRate
        self.deliverRate = deliverRate
        self.state = state
    }
}

/// The queues of the hub's virtual host and where the figures came from.
public struct QueueOverview: Sendable, Codable, Hashable {
    /// `management-api` or `passive-declare`.
    public var source: String
    /// Why the management API was not used, when it was not.
    public var note: String?
    public var queues: [QueueStatus]
}

/// Reads queue figures from the broker.
public protocol QueueInspector: Sendable {
    func overview() async throws -> QueueOverview
}
