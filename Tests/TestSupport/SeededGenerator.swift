import Foundation

/// A reproducible random number generator (SplitMix64) for generative tests. The seed comes
/// from `DREHSCHEIBE_TEST_SEED` when set (to replay a failure), else from the system; tests
/// print it with every failure they record.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// Seeded from `DREHSCHEIBE_TEST_SEED`, or randomly.
    public init() {
        let configured = ProcessInfo.processInfo.environment["DREHSCHEIBE_TEST_SEED"].flatMap { UInt64($0) }
        self.init(seed: configured ?? UInt64.random(in: 0...UInt64.max))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// How to reproduce a failure: the line a test adds to what it records.
    public var reproduction: String { "seed \(seed) (rerun with DREHSCHEIBE_TEST_SEED=\(seed))" }
}
