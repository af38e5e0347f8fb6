import Store
import Synchronization

/// Messages delivered recently by this process, to skip the ledger lookup for the common
/// duplicate (a redelivery right after a reconnect) and to know what a commit delivered before
/// the ledger has recorded it. Bounded; the ledger stays the authority. Keyed like the ledger,
/// by the message id within its case (`DedupeKey`).
///
/// It keeps a 128-bit fingerprint of each key, not the key: at its capacity of 100,000 the
/// keys themselves (two heap strings each, in a set and a queue) held 23 MiB, which took the
/// router over its 100 MiB (`bench router --count 100000`: 105 MiB; 82 MiB with room for
/// 10,000). Two different keys share a fingerprint with a chance of 2⁻¹²⁸, so a new message
/// is taken for a delivered one with a chance of about 3·10⁻³⁴ against a full set; the
/// fingerprints are keyed with the process's random hashing seed, so no sender can make two
/// ids collide on purpose.
final class RecentlyDelivered: Sendable {
    /// Two SipHash values of the key under the process's random seed, one per domain byte.
    struct Fingerprint: Hashable, Sendable {
        let high: UInt64
        let low: UInt64

        init(_ key: DedupeKey) {
            var high = Hasher(), low = Hasher()
            high.combine(1 as UInt8)
            low.combine(2 as UInt8)
            high.combine(key.messageID)
            high.combine(key.caseID)
            low.combine(key.messageID)
            low.combine(key.caseID)
            self.high = UInt64(UInt(bitPattern: high.finalize()))
            self.low = UInt64(UInt(bitPattern: low.finalize()))
        }

        func hash(into hasher: inout Hasher) { hasher.combine(low) }
    }

    private struct State {
        var set: Set<Fingerprint> = []
        /// Insertion order, as a ring: `ring[next]` is the oldest once the ring is full.
        var ring: [Fingerprint] = []
        var next = 0
    }

    private let state: Mutex<State>
    private let capacity: Int

    init(capacity: Int = 100_000) {
        precondition(capacity > 0, "RecentlyDelivered needs room for at least one key")
        self.capacity = capacity
        var initial = State()
        initial.set.reserveCapacity(capacity)
        initial.ring.reserveCapacity(capacity)
        state = Mutex(initial)
    }

    func contains(_ key: DedupeKey) -> Bool {
        let fingerprint = Fingerprint(key)
        return state.withLock { $0.set.contains(fingerprint) }
    }

    func insert(_ key: DedupeKey) {
        let fingerprint = Fingerprint(key)
        state.withLock { state in
            guard state.set.insert(fingerprint).inserted else { return }
            if state.ring.count < capacity {
                state.ring.append(fingerprint)
            } else {
                state.set.remove(state.ring[state.next])
                state.ring[state.next] = fingerprint
                state.next = (state.next + 1) % capacity
            }
        }
    }
}
