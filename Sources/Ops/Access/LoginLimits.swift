import Foundation

/// The limits on operator logins (deploy/ops/README.md, "Login limits").
public struct LoginLimits: Sendable, Hashable {
    /// Per attempted name, whether or not it exists: 5 failures in 15 minutes lock it for 30 s,
    /// each further failure twice as long, up to 15 minutes.
    public var perName = LoginThrottle.Rule(failures: 5, window: .seconds(15 * 60), firstLock: .seconds(30), longestLock: .seconds(15 * 60))
    /// Per client address (the TCP peer: behind a proxy, the proxy): 20 failures in 15 minutes,
    /// for any names, then the same growing locks.
    public var perClient = LoginThrottle.Rule(failures: 20, window: .seconds(15 * 60), firstLock: .seconds(30), longestLock: .seconds(15 * 60))
    /// Names and clients tracked at most (each).
    public var tracked = 10_000
    /// Password checks at once, each on a thread of its own outside the concurrency pool: half
    /// the cores (at least one), so logins never hold every core.
    public var hashingSlots = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    /// Logins that may wait for a hashing slot; beyond them, 503 with Retry-After.
    public var hashingQueue = 4 * max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    /// Failed logins recorded one by one per audit window; the rest are summarised.
    public var auditWindow: Duration = .seconds(60)
    public var auditedFailuresPerWindow = 30

    public init() {}
}
