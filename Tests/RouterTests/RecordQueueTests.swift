import Foundation
import Logging
@testable import Router
import Store
import Synchronization
import Testing

/// The hand-over from the shards' commit tasks to the ledger task: writes at most once per
/// interval, everything committed meanwhile in the next write, nothing left behind on a stop.
@Suite("Record queue (pure)")
struct RecordQueueTests {
    /// A ledger whose first `failures` writes fail (none by default); reports each attempt
    /// (a write, when it does not fail), the writes that succeeded, and what `probe` said at
    /// each attempt.
    final class TestLedger: RoutingLedger {
        struct Refused: Error {}
        let attempts: AsyncStream<[String]>
        private let continuation: AsyncStream<[String]>.Continuation
        private let failures: Mutex<Int>
        private let probe: @Sendable () -> Int
        private let onAttempt: @Sendable (Int) -> Void
        private let probes = Mutex<[Int]>([])
        /// What `probe` returned at each attempt.
        var probed: [Int] { probes.withLock { $0 } }
        private let log = Mutex<[[String]]>([])
        /// The writes that succeeded.
        var written: [[String]] { log.withLock { $0 } }

        init(failures: Int = 0, probe: @escaping @Sendable () -> Int = { 0 }, onAttempt: @escaping @Sendable (Int) -> Void = { _ in }) {
            self.failures = Mutex(failures)
            self.probe = probe
            self.onAttempt = onAttempt
            (attempts, continuation) = AsyncStream.makeStream()
        }

        func deliveredAlready(_ keys: [DedupeKey]) async throws -> Set<DedupeKey> { [] }
        func record(_ records: [RoutingRecord]) async throws {
            let ids = records.map(\.messageID)
            let seen = probe()
            let attempt = probes.withLock { probes in
                probes.append(seen)
                return probes.count
            }
            onAttempt(attempt)
            continuation.yield(ids)
            let fails = failures.withLock { left in
                defer { left = max(left - 1, 0) }
                return left > 0
            }
            if fails { throw Refused() }
            log.withLock { $0.append(ids) }
        }

        /// No more attempts: `attempts` ends.
        func close() { continuation.finish() }
    }

    func record(_ id: String) -> RoutingRecord {
        RoutingRecord(
            messageID: id, eventType: "de.migration.test.v1", caseID: "abh.berlin:1", source: nil, sender: "abh.berlin",
            receivedAt: Date(), decidedAt: Date(), replayed: false, outcome: .delivered([]))
    }

    @Test("what piled up during a ledger write comes out together (up to the limit), in commit order; finish drains, then nil")
    func coalescesInOrder() async {
        let queue = RecordQueue(capacity: 1_000)
        queue.append([record("a"), record("b")])
        queue.append([])
        queue.append([record("c")])
        #expect(await queue.next(limit: 2)?.map(\.messageID) == ["a", "b"])
        #expect(await queue.next()?.map(\.messageID) == ["c"])
        queue.append([record("d")])
        queue.finish()
        #expect(await queue.next()?.map(\.messageID) == ["d"])
        #expect(await queue.next() == nil)
    }

    @Test("the first records are written at once; what comes during the pause waits and goes into one write")
    func batchesWithinTheInterval() async throws {
        // Long enough that only finishing ends the pause: the test does not depend on timing.
        var (queue, ledger, writer, writes) = await writerPastItsFirstWrite(interval: .seconds(600))
        queue.append([record("b")])
        queue.append([record("c"), record("d")])
        queue.append([record("e")])
        queue.finish()
        #expect(await Self.ends(writer), "finishing did not end the pause")
        ledger.close()
        #expect(await writes.next() == ["b", "c", "d", "e"])
        #expect(await writes.next() == nil)
    }

    @Test("the pause ends by itself after the interval")
    func pauseEnds() async throws {
        var (queue, _, writer, writes) = await writerPastItsFirstWrite(interval: .milliseconds(50))
        queue.append([record("b")])
        #expect(await writes.next() == ["b"])
        queue.finish()
        await writer.value
    }

    /// A ledger task writing at most once per `interval`, after it wrote a first record ("a")
    /// at once, with the ledger's writes still to come.
    func writerPastItsFirstWrite(
        interval: Duration
    ) async -> (RecordQueue, TestLedger, Task<Void, Never>, AsyncStream<[String]>.Iterator) {
        let queue = RecordQueue(capacity: 1_000), ledger = TestLedger()
        let writer = Task { _ = await queue.write(to: ledger, interval: interval, logger: Logger(label: "test")) }
        var writes = ledger.attempts.makeAsyncIterator()
        queue.append([record("a")])
        #expect(await writes.next() == ["a"])
        return (queue, ledger, writer, writes)
    }

    /// Whether `task` ends within two minutes (a failing pause would last ten); cancels it if not.
    static func ends(_ task: Task<Void, Never>) async -> Bool {
        let watchdog = Task {
            try await Task.sleep(for: .seconds(120))
            task.cancel()
        }
        await task.value
        watchdog.cancel()
        // The watchdog's sleep ends in CancellationError unless it had to cancel the task.
        if case .success = await watchdog.result { return false }
        return true
    }

    @Test("without an interval each write takes what is there")
    func noInterval() async throws {
        let queue = RecordQueue(capacity: 1_000), ledger = TestLedger()
        queue.append([record("a"), record("b")])
        queue.finish()
        await queue.write(to: ledger, interval: .zero, logger: Logger(label: "test"))
        ledger.close()
        var writes = ledger.attempts.makeAsyncIterator()
        #expect(await writes.next() == ["a", "b"])
        #expect(await writes.next() == nil)
    }

    @Test("a failed write keeps its records: they are written again, first, once the ledger takes them; none lost, none twice")
    func failedWriteIsRetried() async {
        let queue = RecordQueue(capacity: 1_000), ledger = TestLedger(failures: 2)
        var attempts = ledger.attempts.makeAsyncIterator()
        queue.append([record("a"), record("b")])
        let writer = Task { await queue.write(to: ledger, interval: .zero, retryDelay: { _ in .zero }, logger: Logger(label: "test")) }
        #expect(await attempts.next() == ["a", "b"])
        queue.append([record("c")])
        #expect(await attempts.next()?.prefix(2) == ["a", "b"])
        queue.finish()
        #expect(await writer.value == 0, "nothing was given up")
        ledger.close()
        let written = ledger.written.flatMap { $0 }
        #expect(written == ["a", "b", "c"])
    }

    @Test("the pause after failures grows from 100 ms to at most 5 s")
    func retryDelays() {
        #expect(RecordQueue.retryDelay(afterFailures: 1) == .milliseconds(100))
        #expect(RecordQueue.retryDelay(afterFailures: 2) == .milliseconds(200))
        #expect(RecordQueue.retryDelay(afterFailures: 6) == .milliseconds(3_200))
        #expect(RecordQueue.retryDelay(afterFailures: 7) == .seconds(5))
        #expect(RecordQueue.retryDelay(afterFailures: 1_000) == .seconds(5))
    }

    @Test("stopping with a ledger that keeps failing: three more attempts, then what is left is given up and counted")
    func givesUpWhenStopping() async {
        let queue = RecordQueue(capacity: 1_000), ledger = TestLedger(failures: .max)
        queue.append([record("a"), record("b")])
        queue.finish()
        let lost = await queue.write(to: ledger, interval: .zero, retryDelay: { _ in .zero }, logger: Logger(label: "test"))
        #expect(lost == 2)
        ledger.close()
        var attempts = ledger.attempts.makeAsyncIterator()
        for _ in 0..<RecordQueue.finalAttempts { #expect(await attempts.next() == ["a", "b"]) }
        #expect(await attempts.next() == nil, "no attempt after the last")
        #expect(ledger.written.isEmpty)
    }

    @Test("failures before the stop do not use up the attempts after it")
    func attemptsAfterTheStop() async {
        let queue = RecordQueue(capacity: 1_000)
        // The fourth attempt stops the router while it writes: it and two more come after the stop.
        let ledger = TestLedger(failures: .max, onAttempt: { if $0 == 4 { queue.finish() } })
        queue.append([record("a")])
        let lost = await queue.write(to: ledger, interval: .zero, retryDelay: { _ in .zero }, logger: Logger(label: "test"))
        #expect(lost == 1)
        #expect(ledger.probed.count == 3 + RecordQueue.finalAttempts, "three before the stop, then the final ones")
    }

    @Test("at its capacity the queue holds commits back until the ledger has written records; a failed write makes no room")
    func commitsWaitForRoom() async {
        let queue = RecordQueue(capacity: 2)
        let ledger = TestLedger(failures: 2, probe: { queue.waitingCommits })
        queue.append([record("a")])
        #expect(await queue.waitForRoom() == false, "below the capacity a commit goes on at once")
        queue.append([record("b")])
        guard let commit = await waitingCommit(queue) else { return }
        var attempts = ledger.attempts.makeAsyncIterator()
        let writer = Task { await queue.write(to: ledger, interval: .zero, retryDelay: { _ in .zero }, logger: Logger(label: "test")) }
        for _ in 0..<3 { #expect(await attempts.next() == ["a", "b"]) }
        #expect(await commit.value == true, "the third write, which succeeded, made room")
        queue.finish()
        #expect(await writer.value == 0)
        ledger.close()
        // Each write found the commit waiting: the records it took, and the failed writes
        // that put them back, made no room.
        #expect(ledger.probed == [1, 1, 1])
    }

    @Test("finishing, draining or cancelling ends a wait for room")
    func waitsEnd() async {
        for end in ["finish", "draining", "cancel"] {
            let queue = RecordQueue(capacity: 1)
            queue.append([record("a")])
            guard let commit = await waitingCommit(queue) else { return }
            switch end {
            case "finish": queue.finish()
            case "draining": queue.draining()
            default: commit.cancel()
            }
            // The watchdog's cancellation reaches the commit task, so a wait that does not end fails the test instead of hanging it.
            let ended = Task { await withTaskCancellationHandler { _ = await commit.value } onCancel: { commit.cancel() } }
            #expect(await Self.ends(ended), "\(end) did not end the wait")
            if end != "cancel" { #expect(await queue.waitForRoom() == false, "after \(end) commits no longer wait") }
        }
    }

    /// A commit task waiting for room in `queue`, once it waits; nil (and an issue) when it went
    /// on without waiting.
    func waitingCommit(_ queue: RecordQueue) async -> Task<Bool, Never>? {
        let (waiting, signal) = AsyncStream<Void>.makeStream()
        let commit = Task { await queue.waitForRoom(onWait: { signal.yield() }) }
        Task {
            _ = await commit.value
            signal.finish()
        }
        var started = waiting.makeAsyncIterator()
        guard await started.next() != nil else {
            Issue.record("the commit did not wait")
            return nil
        }
        return commit
    }
}
