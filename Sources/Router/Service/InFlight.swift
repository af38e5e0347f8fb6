import AMQP
import Synchronization

/// Messages of one shard between "copies handed to the broker" and "input acknowledged", in
/// arrival order. The consumer appends; the completer takes the oldest items once their
/// outcomes are known, so acknowledgements and ledger records follow arrival order.
final class InFlight: Sendable {
    struct Item: Sendable {
        enum Kind: Sendable {
            /// Copies are on their way; the receipt (shared by a batch; this message's copies
            /// are `range` of it) fills in as the broker confirms.
            case delivering(Pipeline.Routed, PublishReceipt, range: Range<Int>)
            /// Already delivered earlier (dedupe).
            case duplicate
            /// Refused by a stage: dead-letter it (or retry it, when transient).
            case failed(RouterFailure)
        }

        var delivery: Delivery
        var inbound: Inbound
        var context: MessageContext
        var kind: Kind

        var isReady: Bool {
            if case .delivering(_, let receipt, _) = kind { return receipt.isComplete }
            return true
        }
    }

    private struct State {
        var items: [Item] = []
        var head = 0
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.items.count - $0.head } }

    func append(_ item: Item) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.items.append(item)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// No more items will come; `next` returns nil once the rest is taken.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The oldest item once its outcome is known, followed by every later item that is
    /// ready too (up to `limit`), or nil when finished and drained.
    func next(limit: Int) async -> [Item]? {
        while true {
            let head: Item?? = state.withLock { state in
                if state.head < state.items.count { return .some(state.items[state.head]) }
                return state.finished ? .some(nil) : nil
            }
            guard let head else {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        if state.head < state.items.count || state.finished { return true }
                        state.waiter = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
                continue
            }
            guard let first = head else { return nil }
            if case .delivering(_, let receipt, _) = first.kind { _ = await receipt.outcomes() }
            return state.withLock { state in
                var batch: [Item] = []
                while state.head < state.items.count, batch.count < limit, batch.isEmpty || state.items[state.head].isReady {
                    batch.append(state.items[state.head])
                    state.head += 1
                }
                if state.head == state.items.count {
                    state.items.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head > 1024, state.head * 2 > state.items.count {
                    state.items.removeFirst(state.head)
                    state.head = 0
                }
                return batch
            }
        }
    }
}
