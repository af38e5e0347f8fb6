import Store
import Synchronization

/// Messages delivered recently by this process, to skip the ledger lookup for the common
/// duplicate (a redelivery right after a reconnect). Bounded; the ledger stays the authority.
/// Keyed like the ledger, by the message id within its case (`DedupeKey`).
final class RecentlyDelivered: Sendable {
    private let state = Mutex<(set: Set<DedupeKey>, order: [DedupeKey], head: Int)>(([], [], 0))
    private let capacity: Int

    init(capacity: Int = 100_000) { self.capacity = capacity }

    func contains(_ key: DedupeKey) -> Bool { state.withLock { $0.set.contains(key) } }

    func insert(_ key: DedupeKey) {
        state.withLock { state in
            guard state.set.insert(key).inserted else { return }
            state.order.append(key)
            if state.order.count - state.head > capacity {
                state.set.remove(state.order[state.head])
                state.head += 1
                if state.head > capacity {
                    state.order.removeFirst(state.head)
                    state.head = 0
                }
            }
        }
    }
}
