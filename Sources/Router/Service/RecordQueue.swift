import Logging
import Store

/// Committed decisions waiting for the ledger, between the shards' commit tasks and the
/// router's one ledger task.
///
/// The ledger is written off the path between two commits (with SQLite a write took
/// milliseconds, and the next commit waited for it), and by one task for all shards: whatever
/// the shards committed during one write goes into the next, so the store sees few large
/// transactions instead of one per commit. Until its record is written a delivered id is known
/// from ``RecentlyDelivered`` (a commit task puts it there at once), so a resend is still
/// recognised.
final class RecordQueue: Sendable {
    private struct State {
        var records: [RoutingRecord] = []
        var finished = false
    }

    private let state = Handoff(State())

    func append(_ records: [RoutingRecord]) {
        guard !records.isEmpty else { return }
        state.update { $0.records += records }
    }

    /// No more records: `next` hands out what is left, then nil.
    func finish() { state.update { $0.finished = true } }

    /// The oldest records, at most `limit` (one store transaction stays bounded, also after the
    /// store was unavailable for a while), once there are any; nil when finished and empty.
    func next(limit: Int = 1_000) async -> [RoutingRecord]? {
        await state.next { state -> [RoutingRecord]?? in
            if !state.records.isEmpty { return state.records.takeFirst(limit) }
            return state.finished ? .some(nil) : nil
        }
    }
}

extension RecordQueue {
    /// The ledger task: writes what comes until the queue is finished and empty.
    func write(to ledger: any RoutingLedger, logger: Logger) async {
        while let records = await next() {
            do {
                try await ledger.record(records)
            } catch {
                // The messages are delivered and acknowledged; only the record is missing.
                logger.error("the ledger could not record routed messages", metadata: ["router.error": "\(error)", "router.records": "\(records.count)"])
            }
        }
    }
}
