import Dispatch
import Synchronization

/// Runs password checks with at most ``HashingSlots/capacity`` at once, each slot on a serial
/// dispatch queue of its own, never on Swift's concurrency pool: PBKDF2 at 600,000 iterations
/// holds a core for a few hundred milliseconds, and the pool has one thread per core, so two
/// logins on it would stall every other task of a 2-core server (HTTP, the dead-letter
/// consumer, replays). Up to ``HashingSlots/queueLimit`` more wait their turn; beyond that,
/// ``run(_:)`` answers `.busy` at once and the login is refused with 503 and Retry-After.
public final class PasswordHashing: Sendable {
    public enum Outcome<Value: Sendable>: Sendable {
        case done(Value)
        case busy
    }

    private struct State {
        var slots: HashingSlots
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Int?, Never>] = [:]
    }

    private let state: Mutex<State>
    private let queues: [DispatchQueue]

    public init(slots: Int, queue: Int) {
        state = Mutex(State(slots: HashingSlots(capacity: slots, queueLimit: queue)))
        queues = (0..<slots).map { slot in
            let queue = DispatchQueue(label: "drehscheibe.password-hashing.\(slot)")
            queue.setSpecific(key: Self.slotKey, value: slot)
            return queue
        }
    }

    private static let slotKey = DispatchSpecificKey<Int>()

    /// The slot whose queue runs the caller, nil off the slots' queues (e.g. on the
    /// concurrency pool): how a test shows that checks never run on the pool.
    public static var currentSlot: Int? { DispatchQueue.getSpecific(key: slotKey) }

    /// Checks running and waiting now (for tests and metrics).
    public var load: (running: Int, queued: Int) { state.withLock { ($0.slots.running, $0.slots.queued) } }

    /// Runs `work` in a slot once one is free, or answers `.busy` when too many wait already.
    public func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Outcome<Value> {
        let slot: Int? = await withCheckedContinuation { continuation in
            let now: Int?? = state.withLock { state in
                let id = state.nextID
                state.nextID += 1
                switch state.slots.arrive(id) {
                case .run(let slot): return .some(slot)
                case .busy: return .some(nil)
                case .wait:
                    state.waiters[id] = continuation
                    return nil
                }
            }
            if let now { continuation.resume(returning: now) }
        }
        guard let slot else { return .busy }
        let value = await withCheckedContinuation { continuation in
            queues[slot].async { continuation.resume(returning: work()) }
        }
        let next = state.withLock { state -> (CheckedContinuation<Int?, Never>, Int)? in
            guard let (id, slot) = state.slots.leave(slot: slot) else { return nil }
            return state.waiters.removeValue(forKey: id).map { ($0, slot) }
        }
        if let (waiter, slot) = next { waiter.resume(returning: slot) }
        return .done(value)
    }
}
