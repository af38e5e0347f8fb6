import AMQP
import Store

/// Decided items waiting for their transaction: the hand-over between a shard's decide task
/// and its commit task.
///
/// The two run side by side so that a finished commit starts the next one at once with
/// everything decided meanwhile. (With one loop doing both, a commit that returned while the
/// loop was deciding a chunk waited for that chunk, and under load each message paid that gap.)
///
/// It also keeps a message id from going out twice when a sender resent it: an item routed
/// while another with the same id waits here, or after a commit delivered that id, is turned
/// into a duplicate. Both checks happen under this queue's lock, and a commit's ids enter
/// `recent` under the same lock, so an item is either here when its twin's commit reports
/// (and is marked then) or appended after (and finds the id in `recent`). An item whose twin
/// is in a transaction that fails is not marked: the twin's input comes again and is routed.
/// A twin still waiting here whose delivery is from before a reconnect gives way to the new
/// item: it could never be committed (its input is the one that came again), and marking the
/// new item a duplicate would acknowledge the only live input without delivering anything
/// (seen in the chaos suite: a store outage filled this queue, then every connection closed).
///
/// Generic over the item so that these rules are unit-tested without deliveries.
final class DecidedQueue<Item: DecidedItem>: Sendable {
    private struct State {
        var items: [Item] = []
        /// Keys of the routed items in `items` (each at most once: later ones are marked).
        var routedKeys: Set<DedupeKey> = []
        var finished = false
        var abandoned = false
    }

    private let state = Handoff(State())
    private let recent: RecentlyDelivered

    init(recent: RecentlyDelivered) { self.recent = recent }

    /// Adds decided items in arrival order, marking those whose id is already on its way.
    func append(_ items: [Item]) {
        guard !items.isEmpty else { return }
        state.update { state in
            for item in items {
                guard let key = item.routedKey else {
                    state.items.append(item)
                    continue
                }
                if recent.contains(key) {
                    state.items.append(item.asDuplicate())
                } else if state.routedKeys.insert(key).inserted {
                    state.items.append(item)
                } else if let twin = state.items.firstIndex(where: { $0.routedKey == key }), state.items[twin].isStale {
                    state.items.remove(at: twin)
                    state.items.append(item)
                } else {
                    state.items.append(item.asDuplicate())
                }
            }
        }
    }

    /// A transaction committed and delivered these messages: waiting items with one of them
    /// are duplicates, and later ones will find them in `recent`.
    func committed(_ delivered: Set<DedupeKey>) {
        guard !delivered.isEmpty else { return }
        state.update { state in
            for key in delivered { recent.insert(key) }
            for index in state.items.indices {
                let item = state.items[index]
                guard let key = item.routedKey, delivered.contains(key) else { continue }
                state.items[index] = item.asDuplicate()
                state.routedKeys.remove(key)
            }
        }
    }

    /// No more items: `next` hands out what is left, then nil.
    func finish() { state.update { $0.finished = true } }

    /// Stop now: `next` returns nil even with items left (their inputs are not acknowledged
    /// and come again).
    func abandon() { state.update { $0.abandoned = true } }

    /// The next transaction's items — the oldest, at most `limit` and about `bytes` of output
    /// (always at least one) — once there are any; nil when finished and empty, or abandoned.
    func next(limit: Int, bytes: Int) async -> [Item]? {
        await state.next { state -> [Item]?? in
            if state.abandoned { return .some(nil) }
            if !state.items.isEmpty {
                let count = ShardWorker.transactionCount(outputBytes: state.items.prefix(limit).map(\.outputBytes), limit: limit, bytes: bytes)
                let taken = state.items.takeFirst(count)
                for case let key? in taken.map(\.routedKey) { state.routedKeys.remove(key) }
                return taken
            }
            return state.finished ? .some(nil) : nil
        }
    }
}

/// What ``DecidedQueue`` needs to know of an item.
protocol DecidedItem: Sendable {
    /// The message's dedupe key when the item is to be delivered (routed); nil otherwise.
    var routedKey: DedupeKey? { get }
    /// About what the item's transaction publishes, for the size bound of a transaction.
    var outputBytes: Int { get }
    /// The same item, decided a duplicate (acknowledged, not delivered).
    func asDuplicate() -> Self
    /// Whether its input can no longer be acknowledged (from before a reconnect).
    var isStale: Bool { get }
}

extension ShardWorker.Item: DecidedItem {
    /// ``Dedupe/key(of:)`` of a routed item.
    var routedKey: DedupeKey? {
        if case .routed = decision.kind { Dedupe.key(of: decision.context) } else { nil }
    }

    /// The copies, or for a failure the dead letter (which carries the body).
    var outputBytes: Int {
        switch decision.kind {
        case .routed(let routed): routed.copies.reduce(0) { $0 + $1.message.body.count }
        case .failed: decision.inbound.body.count
        case .duplicate: 0
        }
    }

    func asDuplicate() -> ShardWorker.Item { ShardWorker.Item(delivery: delivery, decision: decision.with(kind: .duplicate)) }

    var isStale: Bool { delivery.isStale }
}
