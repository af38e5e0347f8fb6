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
/// audit chain with a disk sync each time. On a disk shared with the broker those writes and
/// their checkpoints held up the broker's own syncs and the router's latency with them (`bench
/// router --rate 500`, docs/benchmarks.md). The interval widens the
/// window a `kill -9` can lose records in (never messages, see ``ShardWorker``) from one write
/// to one interval.
///
/// A write that fails (the store unreachable, locked by another process past its timeout, its
/// disk full) keeps its records: they are written again, first, with a growing pause (see
/// ``retryDelay(afterFailures:)``). Meanwhile the backlog is bounded by `capacity`: at it, the
/// shards' commits wait (``waitForRoom(onWait:)``), their inputs stay unacknowledged, and the
/// broker holds back what follows (prefetch). So an outage of the store stops the router
/// instead of routing without a record; the records are the case trace, the audit chain and,
/// once ``RecentlyDelivered`` has forgotten an id, the only dedupe. The capacity stays well
/// below ``RecentlyDelivered``'s, which must hold the id of every delivered message not yet in
/// the ledger.
final class RecordQueue: Sendable {
    private struct State {
        var records: [RoutingRecord] = []
        /// Records the ledger task took and has not written yet: still part of the backlog,
        /// so a write that fails makes no room (each failed retry would let the shards commit
        /// another round, and the backlog would outgrow the dedupe that has to cover it).
        var inFlight = 0
        var finished = false
        /// The router stops: commits no longer wait for room (see ``draining()``).
        var draining = false
        /// The ledger task's wait between two writes, which `finish` cuts short.
        var pause: Task<Void, Never>?
        /// Commit tasks waiting for room, by ticket (a cancelled one removes its own).
        var roomWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextTicket = 0

        func isFull(_ capacity: Int) -> Bool { records.count + inFlight >= capacity && !finished && !draining }

        /// The waiters to resume, when there is room for them.
        mutating func releasedWaiters(_ capacity: Int) -> [CheckedContinuation<Void, Never>] {
            guard !roomWaiters.isEmpty, !isFull(capacity) else { return [] }
            defer { roomWaiters.removeAll() }
            return Array(roomWaiters.values)
        }
    }

    /// Failed attempts after `finish` before the ledger task gives up on what is left.
    static let finalAttempts = 3

    private let state = Handoff(State())
    /// Records the shards may have committed and the ledger not written before commits wait.
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "a RecordQueue needs room for at least one record")
        self.capacity = capacity
    }

    func append(_ records: [RoutingRecord]) {
        guard !records.isEmpty else { return }
        state.update { $0.records += records }
    }

    /// Puts the records of a failed write back in front, to be written first.
    private func putBack(_ records: [RoutingRecord]) {
        state.update { state in
            state.inFlight -= records.count
            state.records.insert(contentsOf: records, at: 0)
        }
    }

    /// The ledger wrote what `next` handed out: that much room for the commits.
    private func written(_ count: Int) {
        makingRoom { $0.inFlight -= count }
    }

    /// Changes the state, then resumes the commits waiting for room if it made room for them.
    /// `wakingLedger` when the ledger task may wait for the change.
    @discardableResult
    private func makingRoom<T>(wakingLedger: Bool = false, _ change: (inout State) -> T) -> T {
        let body = { [capacity] (state: inout State) in (change(&state), state.releasedWaiters(capacity)) }
        let (result, waiters) = wakingLedger ? state.update(body) : state.inspect(body)
        for waiter in waiters { waiter.resume() }
        return result
    }

    /// Commit tasks waiting for room now.
    var waitingCommits: Int { state.inspect { $0.roomWaiters.count } }

    /// No more records: `next` hands out what is left, then nil. Commits no longer wait.
    func finish() {
        let pause = makingRoom(wakingLedger: true) { state in
            state.finished = true
            return state.pause
        }
        pause?.cancel()
    }

    /// The router stops and commits what it decided: commits no longer wait for room, so a
    /// ledger that cannot write does not hold up the stop. (What they add beyond the capacity
    /// is at most the shards' prefetch.)
    func draining() {
        makingRoom { $0.draining = true }
    }

    /// Returns once the backlog is below the capacity (or the queue finished or draining, or
    /// the task is cancelled); `onWait` runs once the caller waits (it is counted in
    /// ``waitingCommits`` by then). Returns whether it waited.
    @discardableResult
    func waitForRoom(onWait: () -> Void = {}) async -> Bool {
        let ticket: Int? = state.inspect { state in
            guard state.isFull(capacity) else { return nil }
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
        guard let ticket else { return false }
        var waited = false
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waited = state.inspect { state in
                    guard state.isFull(capacity), !Task.isCancelled else { return false }
                    state.roomWaiters[ticket] = continuation
                    return true
                }
                if waited { onWait() } else { continuation.resume() }
            }
        } onCancel: {
            state.inspect { $0.roomWaiters.removeValue(forKey: ticket) }?.resume()
        }
        return waited
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
    /// They count towards the backlog until written (see ``write(to:interval:retryDelay:metrics:logger:)``).
    func next(limit: Int = 1_000) async -> [RoutingRecord]? {
        await state.next { state -> [RoutingRecord]?? in
            if !state.records.isEmpty {
                let taken = state.records.takeFirst(limit)
                state.inFlight += taken.count
                return taken
            }
            return state.finished ? .some(nil) : nil
        }
    }

    /// Whether `finish` was called.
    private var isFinished: Bool { state.inspect { $0.finished } }

    /// The pause before the next attempt after `failures` failed writes in a row: 100 ms,
    /// doubling up to 5 s, so a store that is back is written soon and one that stays away
    /// is not hammered.
    static func retryDelay(afterFailures failures: Int) -> Duration {
        min(.milliseconds(100 << min(max(failures - 1, 0), 6)), .seconds(5))
    }
}

extension RecordQueue {
    /// The ledger task: writes what comes, at most once per `interval`, until the queue is
    /// finished and empty. Finishing ends a pause at once, so a graceful stop does not wait out
    /// the interval. A failed write is tried again after `retryDelay`, its records first (after
    /// `finish` too: a store that is back within the pauses loses nothing); once finished and
    /// failed ``finalAttempts`` more times, it gives up with everything still queued. Returns
    /// how many records were given up (0 unless the store failed at the end).
    @discardableResult
    func write(
        to ledger: any RoutingLedger, interval: Duration, retryDelay: (Int) -> Duration = RecordQueue.retryDelay(afterFailures:),
        metrics: RouterMetrics? = nil, logger: Logger
    ) async -> Int {
        var lastWrite: ContinuousClock.Instant?
        var failures = 0, failuresSinceFinish = 0
        while true {
            if failuresSinceFinish > 0 {
                // `finish` cut pauses short; a retry after it still waits its delay.
                try? await Task.sleep(for: retryDelay(failures))
            } else if let due = lastWrite?.advanced(by: failures > 0 ? retryDelay(failures) : interval), due > .now {
                await pause(until: due)
            }
            guard let records = await next() else { return 0 }
            lastWrite = .now
            do {
                try await ledger.record(records)
                written(records.count)
                if failures > 0 {
                    logger.notice("the ledger records again", metadata: ["router.ledger.failures": "\(failures)"])
                }
                failures = 0
            } catch {
                failures += 1
                if isFinished { failuresSinceFinish += 1 }
                metrics?.ledgerWriteFailed()
                if failuresSinceFinish >= Self.finalAttempts {
                    var lost = records
                    while let rest = await next() { lost += rest }
                    metrics?.recordsLost(lost.count)
                    // Identifiers only: which deliveries the trace and the dedupe will miss.
                    logger.error("the router stops with routed messages the ledger could not record", metadata: [
                        "router.error": "\(error)", "router.records": "\(lost.count)",
                        "message.ids": "\(lost.prefix(100).map(\.messageID).joined(separator: ","))\(lost.count > 100 ? ",…" : "")",
                    ])
                    return lost.count
                }
                logger.error("the ledger could not record routed messages; they are kept and written again", metadata: [
                    "router.error": "\(error)", "router.records": "\(records.count)", "router.ledger.failures": "\(failures)",
                    "router.ledger.retry_in": "\(retryDelay(failures))",
                ])
                putBack(records)
            }
        }
    }
}
