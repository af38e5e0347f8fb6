/// Spaces events at least `1/rate` seconds apart (a replay's `--rate`), so a bulk replay does
/// not flood the router.
struct RateLimiter: Sendable {
    private let interval: Duration?
    private var next: ContinuousClock.Instant

    /// `rate` in events per second; nil for no limit.
    init(rate: Double?) {
        if let rate, rate > 0 {
            interval = .nanoseconds(Int64((1e9 / rate).rounded()))
        } else {
            interval = nil
        }
        next = .now
    }

    /// The instant the next event may happen, and reserves it.
    mutating func reserve() -> ContinuousClock.Instant? {
        guard let interval else { return nil }
        let now = ContinuousClock.now
        let slot = max(next, now)
        next = slot.advanced(by: interval)
        return slot > now ? slot : nil
    }
}
