import Logging
import Prometheus
import Store

/// The `/metrics` figures: dead letters per state (from the store) and queue depths and rates
/// (from the queue inspector), refreshed at each scrape, plus whatever the process registered
/// through swift-metrics into the same registry (HTTP requests, dead letters stored, …).
public struct OpsMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Refreshes the gauges and renders the registry in the Prometheus text format.
    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "drehscheibe", metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// Counts a login attempt by outcome: succeeded, failed, refused (locked), busy (no slot).
    func login(_ outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "drehscheibe", subsystem: "ops", metricName: "logins", unitName: "total", helpText: "Operator login attempts by outcome"),
            labels: [("outcome", outcome)]
        ).increment()
    }

    func scrape(store: HubStore, queues: any QueueInspector, logger: Logger) async -> String {
        if let counts = try? await store.deadLetterCounts() {
            for state in DeadLetterState.allCases {
                gauge("dead_letters", "Dead letters in the store by state", [("state", state.rawValue)]).set(Double(counts[state] ?? 0))
            }
        }
        do {
            let overview = try await queues.overview()
            for queue in overview.queues {
                let labels = [("queue", queue.name)]
                gauge("queue_messages_ready", "Messages ready in the queue", labels).set(Double(queue.ready))
                if let unacknowledged = queue.unacknowledged {
                    gauge("queue_messages_unacknowledged", "Messages delivered, not yet acknowledged", labels).set(Double(unacknowledged))
                }
                gauge("queue_consumers", "Consumers of the queue", labels).set(Double(queue.consumers))
                if let rate = queue.publishRate {
                    gauge("queue_publish_rate", "Messages per second published", labels).set(rate)
                }
                if let rate = queue.deliverRate {
                    gauge("queue_deliver_rate", "Messages per second delivered", labels).set(rate)
                }
            }
        } catch {
            logger.debug("queue figures unavailable for /metrics", metadata: ["ops.error": "\(error)"])
        }
        return registry.emitToString()
    }
}
