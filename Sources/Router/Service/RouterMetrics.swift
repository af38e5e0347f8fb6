import Metrics

/// swift-metrics instruments of the router (exported for Prometheus by the executable).
/// Dimensions carry stage, outcome and event type; never ids or personal data.
struct RouterMetrics: Sendable {
    func message(outcome: String, stage: String, type: String?) {
        Counter(label: "drehscheibe_router_messages_total", dimensions: [
            ("outcome", outcome), ("stage", stage), ("type", type ?? "unknown"),
        ]).increment()
    }

    func copies(_ count: Int, type: String) {
        Counter(label: "drehscheibe_router_copies_total", dimensions: [("type", type)]).increment(by: count)
    }

    func latency(seconds: Double, outcome: String) {
        Timer(label: "drehscheibe_router_latency_seconds", dimensions: [("outcome", outcome)])
            .recordNanoseconds(Int64(seconds * 1e9))
    }
}
