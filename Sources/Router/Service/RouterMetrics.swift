import Metrics
import Synchronization

/// swift-metrics instruments of the router (exported for Prometheus by the executable).
/// Dimensions carry stage, outcome and event type; never ids or personal data.
///
/// The instruments are made once per label set and kept: making one asks the metrics backend
/// (a lock and a lookup by label) and this runs for every message. The event type of a refused
/// message is whatever the sender wrote, so after ``maximumTypes`` distinct types the rest
/// count as `other`: a sender cannot grow the hub's memory or the scrape by inventing types.
struct RouterMetrics: Sendable {
    static let maximumTypes = 256

    private final class Instruments: Sendable {
        struct State {
            var messages: [MessageKey: Counter] = [:]
            var copies: [String: Counter] = [:]
            var latency: [String: Timer] = [:]
            var types = TypeLabels(maximum: RouterMetrics.maximumTypes)
        }

        let state = Mutex(State())
    }

    private struct MessageKey: Hashable {
        var outcome: String
        var stage: String
        var type: String
    }

    private let instruments = Instruments()

    func message(outcome: String, stage: String, type: String?) {
        let counter = instruments.state.withLock { state in
            let key = MessageKey(outcome: outcome, stage: stage, type: state.types.label(for: type))
            if let known = state.messages[key] { return known }
            let counter = Counter(label: "drehscheibe_router_messages_total", dimensions: [
                ("outcome", key.outcome), ("stage", key.stage), ("type", key.type),
            ])
            state.messages[key] = counter
            return counter
        }
        counter.increment()
    }

    func copies(_ count: Int, type: String) {
        let counter = instruments.state.withLock { state in
            let type = state.types.label(for: type)
            if let known = state.copies[type] { return known }
            let counter = Counter(label: "drehscheibe_router_copies_total", dimensions: [("type", type)])
            state.copies[type] = counter
            return counter
        }
        counter.increment(by: count)
    }

    func latency(seconds: Double, outcome: String) {
        let timer = instruments.state.withLock { state in
            if let known = state.latency[outcome] { return known }
            let timer = Timer(label: "drehscheibe_router_latency_seconds", dimensions: [("outcome", outcome)])
            state.latency[outcome] = timer
            return timer
        }
        timer.recordNanoseconds(Int64(seconds * 1e9))
    }
}

/// The `type` label of a message: the event type as long as fewer than `maximum` distinct
/// ones were seen, then `other` for any new one; `unknown` when the message had none.
struct TypeLabels {
    let maximum: Int
    private(set) var seen: Set<String> = []

    init(maximum: Int) { self.maximum = maximum }

    mutating func label(for type: String?) -> String {
        guard let type else { return "unknown" }
        if seen.contains(type) { return type }
        guard seen.count < maximum else { return "other" }
        seen.insert(type)
        return type
    }
}
