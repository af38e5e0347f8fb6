import Foundation
import Metrics
import Synchronization

/// swift-metrics instruments of the router (exported for Prometheus by the executable).
/// Dimensions carry stage, outcome and event type; never ids or personal data.
///
/// The instruments are made once per label set and kept: making one asks the metrics backend
/// (a lock and a lookup by label) and this runs for every message. The event type of a refused
/// message is whatever the sender wrote, so after ``maximumTypes`` distinct types the rest
/// count as `other`: a sender cannot grow the hub's memory or the scrape by inventing types.
public struct RouterMetrics: Sendable {
    static let maximumTypes = 256

    /// Arrival at the router → copies committed, per message and outcome.
    public static let latencyName = "drehscheibe_router_latency_seconds"
    /// Arrival → the start of the message's transaction (decided, then waiting for the
    /// transaction before it): the router's own share of the latency.
    public static let queuedName = "drehscheibe_router_queued_seconds"
    /// One transaction with the broker: publishing its copies, acknowledging, commit-ok.
    public static let commitName = "drehscheibe_router_commit_seconds"
    /// Messages per transaction.
    public static let transactionName = "drehscheibe_router_transaction_messages"
    /// Writes of the routing ledger that failed (their records are written again).
    public static let ledgerFailuresName = "drehscheibe_router_ledger_failures_total"
    /// Records given up because the ledger still failed when the router stopped.
    public static let ledgerLostName = "drehscheibe_router_ledger_lost_records_total"

    /// Buckets of the router's duration histograms: fine up to 100 ms, where its latency
    /// target lies (p99 < 25 ms), so quantiles computed from them are close.
    public static let durationBuckets: [Duration] = [
        0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 250, 500, 1_000, 2_500, 5_000, 10_000,
    ].map { .microseconds(Int64($0 * 1_000)) }
    public static let durationNames = [latencyName, queuedName, commitName]
    public static let transactionBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    private final class Instruments: Sendable {
        struct State {
            var messages: [MessageKey: Counter] = [:]
            var copies: [String: Counter] = [:]
            var latency: [String: Timer] = [:]
            var types = TypeLabels(maximum: RouterMetrics.maximumTypes)
        }

        let state = Mutex(State())
        let queued = Timer(label: RouterMetrics.queuedName)
        let commit = Timer(label: RouterMetrics.commitName)
        let transaction = Recorder(label: RouterMetrics.transactionName)
        let ledgerFailures = Counter(label: RouterMetrics.ledgerFailuresName)
        let ledgerLost = Counter(label: RouterMetrics.ledgerLostName)
    }

    private struct MessageKey: Hashable {
        var outcome: String
        var stage: String
        var type: String
    }

    private let instruments = Instruments()

    init() {}

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
            let timer = Timer(label: Self.latencyName, dimensions: [("outcome", outcome)])
            state.latency[outcome] = timer
            return timer
        }
        timer.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// A transaction started, holding messages that arrived at these times.
    func transactionStarted(at start: Date, arrivals: some Sequence<Date>) {
        var count = 0
        for arrival in arrivals {
            instruments.queued.recordNanoseconds(Int64(start.timeIntervalSince(arrival) * 1e9))
            count += 1
        }
        instruments.transaction.record(count)
    }

    /// One transaction's round trip with the broker.
    func committed(in duration: Duration) {
        instruments.commit.record(duration: duration)
    }

    func ledgerWriteFailed() { instruments.ledgerFailures.increment() }

    func recordsLost(_ count: Int) { instruments.ledgerLost.increment(by: count) }
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
