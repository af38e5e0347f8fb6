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
///
/// Writes are at least an interval apart (100 ms by default): at moderate rates a write per
/// commit carried one or two records, and each wrote whole pages of the log, its index and the
/// audit chain — about 20 KB per message, 10 MB/s at 500 msg/s, with a disk sync each time. On
/// a disk shared with the broker those writes and their checkpoints held up the broker's own
/// syncs, and end-to-end p99 at 500 msg/s was 100–150 ms instead of the pass-through's 12–21
/// (`bench router --rate 500`; on tmpfs the router's p99 was 16 ms). The interval widens the
/// window a `kill -9` can lose records in (never messages, see ``ShardWorker``) from one write
/// to one interval.
final class RecordQueue: Sendable {
    private struct State {
        var records: [RoutingRecord] = []
        var finished = false
        /// The ledger task's wait between two writes, which `finish` cuts short.
        var pause: Task<Void, Never>?
    }

    private let state = Handoff(State())

    func append(_ records: [RoutingRecord]) {
        guard !records.isEmpty else { return }
        state.update { $0.records += records }
    }

    /// No more records: `next` hands out what is left, then nil.
    func finish() {
        let pause = state.update { state in
            state.finished = true
            return state.pause
        }
        pause?.cancel()
    }

    /// Sleeps until `due` unless the queue is finished, gets finished meanwhile, or the task
    /// is cancelled.
    private func pause(until due: ContinuousClock.Instant) async {
        let sleep = Task { _ = try? await Task.sleep(until: due, clock: .continuous) }
        let finished = state.update { state in
            if !state.finished { state.pause = sleep }
            return state.finished
        }
        if finished { sleep.cancel() }
        await withTaskCancellationHandler { await sleep.value } onCancel: { sleep.cancel() }
    }

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
    /// The ledger task: writes what comes, at most once per `interval`, until the queue is
    /// finished and empty. Finishing ends a pause at once, so a graceful stop does not wait out
    /// the interval.
    func write(to ledger: any RoutingLedger, interval: Duration, logger: Logger) async {
        var lastWrite: ContinuousClock.Instant?
        while true {
            if let due = lastWrite?.advanced(by: interval), due > .now { await pause(until: due) }
            guard let records = await next() else { return }
            lastWrite = .now
            do {
                try await ledger.record(records)
            } catch {
                // The messages are delivered and acknowledged; only the record is missing.
                logger.error("the ledger could not record routed messages", metadata: ["router.error": "\(error)", "router.records": "\(records.count)"])
            }
        }
    }
}
