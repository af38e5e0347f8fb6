/// Which login attempts are refused before any password is checked: failed logins per name and
/// per client (address) within a sliding window lock that name or client for a while, longer
/// with each further failure. A state machine over instants the caller passes (no clock, no
/// I/O), so it is tested without waiting.
///
/// A name is locked whether or not an operator of that name exists (the lock must not tell
/// which names exist), and whatever the password of the attempt: a locked name is refused even
/// with the right one, or guessing would go on through the lock.
public struct LoginThrottle: Sendable {
    /// `failures` failed logins within `window` lock the key for `firstLock`; from then on each
    /// further failure locks it twice as long as the lock before, up to `longestLock`, until a
    /// whole `window` passes after a lock's end without a failure (then it starts over).
    /// Attempts refused while locked are not failures (no password was checked), so the delay
    /// grows with each guess made after a lock ends: at the defaults a name yields 5 guesses,
    /// then one after 30 s, 60 s, …, and then one per 15 minutes.
    public struct Rule: Sendable, Hashable {
        public var failures: Int
        public var window: Duration
        public var firstLock: Duration
        public var longestLock: Duration

        public init(failures: Int, window: Duration, firstLock: Duration, longestLock: Duration) {
            precondition(failures >= 1 && window > .zero && firstLock > .zero && longestLock >= firstLock, "a login rule needs positive limits")
            self.failures = failures
            self.window = window
            self.firstLock = firstLock
            self.longestLock = longestLock
        }

        /// The lock after `locks` locks in a row: firstLock, doubled per lock, at most longestLock.
        func lock(number locks: Int) -> Duration {
            var duration = firstLock
            for _ in 1..<max(1, locks) {
                duration = duration * 2
                if duration >= longestLock { return longestLock }
            }
            return min(duration, longestLock)
        }
    }

    public enum Scope: String, Sendable, Hashable {
        case name
        case client
    }

    /// Whether an attempt may go on to the password check.
    public enum Gate: Sendable, Hashable {
        case open
        /// Locked until then (the later of the name's and the client's lock).
        case refused(Scope, until: ContinuousClock.Instant)
    }

    /// A lock a failure started or extended.
    public struct Lock: Sendable, Hashable {
        public var scope: Scope
        public var duration: Duration
        public var until: ContinuousClock.Instant
    }

    struct Entry: Sendable {
        /// Failures within the window, oldest first.
        var failures: [ContinuousClock.Instant] = []
        var lockedUntil: ContinuousClock.Instant?
        /// Locks in a row.
        var locks = 0

        func isLocked(at now: ContinuousClock.Instant) -> Bool { lockedUntil.map { now < $0 } ?? false }

        /// Nothing to remember any more: a window passed since the last failure and the end of
        /// the last lock.
        func isSpent(at now: ContinuousClock.Instant, window: Duration) -> Bool {
            guard let last = failures.last else { return !isLocked(at: now) }
            return now - max(last, lockedUntil ?? last) >= window
        }
    }

    public let nameRule: Rule
    public let clientRule: Rule
    /// Names (and, separately, clients) tracked at most: a flood of made-up names must not
    /// grow the server's memory. When full, spent entries go first, then the unlocked one that
    /// failed longest ago, then the lock that ends first.
    public let capacity: Int
    private(set) var names: [String: Entry] = [:]
    private(set) var clients: [String: Entry] = [:]

    public init(nameRule: Rule, clientRule: Rule, capacity: Int = 10_000) {
        precondition(capacity >= 1)
        self.nameRule = nameRule
        self.clientRule = clientRule
        self.capacity = capacity
    }

    /// Names and clients tracked now.
    public var trackedNames: Int { names.count }
    public var trackedClients: Int { clients.count }

    /// Whether an attempt for `name` from `client` may be checked now.
    public func gate(name: String, client: String, at now: ContinuousClock.Instant) -> Gate {
        let byName = names[name].flatMap { $0.isLocked(at: now) ? $0.lockedUntil : nil }
        let byClient = clients[client].flatMap { $0.isLocked(at: now) ? $0.lockedUntil : nil }
        switch (byName, byClient) {
        case (nil, nil): return .open
        case (let name?, nil): return .refused(.name, until: name)
        case (nil, let client?): return .refused(.client, until: client)
        case (let name?, let client?): return client > name ? .refused(.client, until: client) : .refused(.name, until: name)
        }
    }

    /// Counts a failed password check; returns the locks it starts.
    public mutating func failed(name: String, client: String, at now: ContinuousClock.Instant) -> [Lock] {
        var locks: [Lock] = []
        if let lock = Self.fail(&names, key: name, rule: nameRule, capacity: capacity, at: now) {
            locks.append(Lock(scope: .name, duration: lock.duration, until: lock.until))
        }
        if let lock = Self.fail(&clients, key: client, rule: clientRule, capacity: capacity, at: now) {
            locks.append(Lock(scope: .client, duration: lock.duration, until: lock.until))
        }
        return locks
    }

    /// A successful login clears its name's failures (not its client's: a client that guessed
    /// at other names is not cleared by one it knows).
    public mutating func succeeded(name: String) {
        names[name] = nil
    }

    private static func fail(
        _ entries: inout [String: Entry], key: String, rule: Rule, capacity: Int, at now: ContinuousClock.Instant
    ) -> (duration: Duration, until: ContinuousClock.Instant)? {
        if entries[key] == nil && entries.count >= capacity { makeRoom(in: &entries, capacity: capacity, window: rule.window, at: now) }
        var entry = entries[key].flatMap { $0.isSpent(at: now, window: rule.window) ? nil : $0 } ?? Entry()
        entry.failures.removeAll { now - $0 >= rule.window }
        entry.failures.append(now)
        // The window only needs the last `failures` instants.
        if entry.failures.count > rule.failures { entry.failures.removeFirst(entry.failures.count - rule.failures) }
        var lock: (Duration, ContinuousClock.Instant)?
        if entry.locks > 0 || entry.failures.count >= rule.failures {
            entry.locks += 1
            let duration = rule.lock(number: entry.locks)
            entry.lockedUntil = now + duration
            lock = (duration, now + duration)
        }
        entries[key] = entry
        return lock
    }

    private static func makeRoom(in entries: inout [String: Entry], capacity: Int, window: Duration, at now: ContinuousClock.Instant) {
        entries = entries.filter { !$0.value.isSpent(at: now, window: window) }
        guard entries.count >= capacity else { return }
        let unlocked = entries.filter { !$0.value.isLocked(at: now) }
        if let oldest = unlocked.min(by: { ($0.value.failures.last ?? now) < ($1.value.failures.last ?? now) }) {
            entries[oldest.key] = nil
        } else if let soonest = entries.min(by: { ($0.value.lockedUntil ?? now) < ($1.value.lockedUntil ?? now) }) {
            entries[soonest.key] = nil
        }
    }
}
