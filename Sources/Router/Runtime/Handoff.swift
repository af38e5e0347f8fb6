import Synchronization

/// State shared between the tasks (or threads) that change it and one task that waits until a
/// change gives it something to take: the shape of ``ArrivalBuffer`` and ``DecidedQueue``.
final class Handoff<State: Sendable>: Sendable {
    private struct Guarded {
        var state: State
        /// Counts changes, so a waiter sees one made between its look and its sleep.
        var version: UInt64 = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let guarded: Mutex<Guarded>

    init(_ state: State) { guarded = Mutex(Guarded(state: state)) }

    /// Changes the state and wakes the waiting task.
    @discardableResult
    func update<T>(_ change: (inout State) -> T) -> T {
        let (result, waiter) = guarded.withLock { guarded -> (T, CheckedContinuation<Void, Never>?) in
            let result = change(&guarded.state)
            guarded.version &+= 1
            defer { guarded.waiter = nil }
            return (result, guarded.waiter)
        }
        waiter?.resume()
        return result
    }

    /// Reads or changes the state without waking the waiting task: only for parts of the
    /// state its `take` does not look at.
    func inspect<T>(_ body: (inout State) -> T) -> T {
        guarded.withLock { body(&$0.state) }
    }

    /// What `take` returns, as soon as it returns something; `take` runs under the lock, once
    /// now and again after each change. One waiting task at a time.
    func next<T>(_ take: (inout State) -> T?) async -> T {
        while true {
            let (value, seen) = guarded.withLock { (take(&$0.state), $0.version) }
            if let value { return value }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let changed = guarded.withLock { guarded -> Bool in
                    if guarded.version != seen { return true }
                    guarded.waiter = continuation
                    return false
                }
                if changed { continuation.resume() }
            }
        }
    }
}

extension Array {
    /// Removes the first `count` elements (at most all) and returns them: what the queues
    /// built on ``Handoff`` hand out.
    mutating func takeFirst(_ count: Int) -> [Element] {
        let taken = Array(prefix(count))
        removeFirst(taken.count)
        return taken
    }
}
