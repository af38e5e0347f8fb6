import Foundation
import Synchronization

/// A small fan-out of values to any number of `AsyncStream` subscribers (status updates,
/// wake-ups). Subscribers only see values yielded after they subscribed.
public final class Notifications<Element: Sendable>: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Element>.Continuation]>([:])
    private let counter = Atomic<Int>(0)

    public init() {}

    /// A stream of the values yielded from now on.
    public func subscribe(bufferingNewest limit: Int? = nil) -> AsyncStream<Element> {
        let policy: AsyncStream<Element>.Continuation.BufferingPolicy = limit.map { .bufferingNewest($0) } ?? .unbounded
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: policy)
        let key = counter.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[key] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    /// Delivers `value` to every current subscriber.
    public func yield(_ value: Element) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(value) }
    }

    /// Ends every subscription.
    public func finish() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
