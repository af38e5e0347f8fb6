import Synchronization

/// A yes/no a long-running part sets for `/readyz` (e.g. "the dead-letter consumer is consuming").
public final class ReadinessFlag: Sendable {
    public let name: String
    private let value = Atomic(false)

    public init(_ name: String) { self.name = name }

    public var isReady: Bool { value.load(ordering: .acquiring) }

    public func set(_ ready: Bool) { value.store(ready, ordering: .releasing) }
}
