import Store
import Synchronization

/// A ledger that forgets on exit: for unit tests and throwaway local runs only. The router
/// command uses the Store's SQLite or PostgreSQL ledger.
public final class MemoryLedger: RoutingLedger {
    private let state = Mutex<(delivered: Set<String>, records: [RoutingRecord])>(([], []))

    public init() {}

    public func deliveredAlready(_ messageIDs: [String]) async throws -> Set<String> {
        state.withLock { state in Set(messageIDs.filter(state.delivered.contains)) }
    }

    public func record(_ records: [RoutingRecord]) async throws {
        state.withLock { state in
            for record in records {
                if case .delivered = record.outcome { state.delivered.insert(record.messageID) }
                state.records.append(record)
            }
        }
    }

    /// Everything recorded, in order.
    public var records: [RoutingRecord] { state.withLock { $0.records } }
}
