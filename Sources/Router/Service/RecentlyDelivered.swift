import Synchronization

/// Messages delivered recently by this process, to skip the ledger lookup for the common
/// duplicate (a redelivery right after a reconnect). Bounded; the ledger stays the authority.
/// Keyed like the ledger, by the message id within its case (`key(messageID:caseID:)`).
final class RecentlyDelivered: Sendable {
    private let state = Mutex<(set: Set<String>, order: [String], head: Int)>(([], [], 0))
    private let capacity: Int

    init(capacity: Int = 100_000) { self.capacity = capacity }

    func contains(_ id: String) -> Bool { state.withLock { $0.set.contains(id) } }

    func insert(_ id: String) {
        state.withLock { state in
            guard state.set.insert(id).inserted else { return }
            state.order.append(id)
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

extension RecentlyDelivered {
    /// The key of a message in the router's in-memory sets (recent deliveries, twins waiting
    /// to commit): the ledger's `DedupeKey` as one string. Unambiguous: the id is a UUID
    /// (validated before the dedupe), so the last NUL separates the two.
    static func key(messageID: String, caseID: String?) -> String {
        (caseID ?? "") + "\u{0}" + messageID
    }
}
