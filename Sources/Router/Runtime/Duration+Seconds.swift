import Foundation

extension Duration {
    /// In seconds, as a `TimeInterval` (for `Date` arithmetic and for printing); the one
    /// definition the router, the command line and the benchmarks use.
    public var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
