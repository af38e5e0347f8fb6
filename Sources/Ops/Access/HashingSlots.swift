/// Who may hash a password now: `capacity` slots, a line of at most `queueLimit` waiting in
/// arrival order, and a refusal beyond that. The state machine behind ``PasswordHashing``.
public struct HashingSlots: Sendable {
    public enum Admission: Sendable, Hashable {
        /// Hash now, in this slot.
        case run(slot: Int)
        /// Wait: ``leave(slot:)`` hands a slot over in turn.
        case wait
        /// Too many are waiting: refuse at once (503, Retry-After).
        case busy
    }

    public let capacity: Int
    public let queueLimit: Int
    private var free: [Int]
    private var waiting: [UInt64] = []
    private var head = 0

    public init(capacity: Int, queueLimit: Int) {
        precondition(capacity >= 1 && queueLimit >= 0)
        self.capacity = capacity
        self.queueLimit = queueLimit
        self.free = Array((0..<capacity).reversed())
    }

    public var running: Int { capacity - free.count }
    public var queued: Int { waiting.count - head }

    public mutating func arrive(_ id: UInt64) -> Admission {
        if let slot = free.popLast() { return .run(slot: slot) }
        guard queued < queueLimit else { return .busy }
        waiting.append(id)
        return .wait
    }

    /// Frees `slot`, or hands it to the longest waiting, whose id is returned.
    public mutating func leave(slot: Int) -> (next: UInt64, slot: Int)? {
        guard head < waiting.count else {
            free.append(slot)
            return nil
        }
        let next = waiting[head]
        head += 1
        if head > 64 && head * 2 > waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
        return (next, slot)
    }
}
