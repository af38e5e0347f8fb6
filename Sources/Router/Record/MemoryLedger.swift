import Store
import Synchronization

/// A ledger that forgets on exit: for unit tests and throwaway local runs only. The router
/// command uses the Store's SQLite or PostgreSQL ledger.
public final class MemoryLedger: RoutingLedger {
    private let state = Mutex<(delivered: Set<DedupeKey>, records: [RoutingRecord])>(([], []))

    public init() {}

    public func deliveredAlready(_ keys: [DedupeKey]) async throws -> Set<DedupeKey> {
        state.withLock { state in Set(keys.filter(state.delivered.contains)) }
    }

    public func record(_ records: [RoutingRecord]) async throws {
        state.withLock { state in
            for record in records {
                if let key = record.deliveredKey { state.delivered.insert(key) }
                state.records.append(record)
            }
        }
    }

    /// Everything recorded, in order.
    public var records: [RoutingRecord] { state.withLock { $0.records } }
}
