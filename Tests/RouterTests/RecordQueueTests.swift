import Foundation
import Logging
@testable import Router
import Store
import Testing

/// The hand-over from the shards' commit tasks to the ledger task: writes at most once per
/// interval, everything committed meanwhile in the next write, nothing left behind on a stop.
@Suite("Record queue (pure)")
struct RecordQueueTests {
    /// A ledger that reports each write.
    final class WriteLog: RoutingLedger {
        let writes: AsyncStream<[String]>
        private let continuation: AsyncStream<[String]>.Continuation

        init() { (writes, continuation) = AsyncStream.makeStream() }

        func deliveredAlready(_ keys: [DedupeKey]) async throws -> Set<DedupeKey> { [] }
        func record(_ records: [RoutingRecord]) async throws { continuation.yield(records.map(\.messageID)) }
        func close() { continuation.finish() }
    }

    func record(_ id: String) -> RoutingRecord {
        RoutingRecord(
            messageID: id, eventType: "de.migration.test.v1", caseID: "abh.berlin:1", source: nil, sender: "abh.berlin",
            receivedAt: Date(), decidedAt: Date(), replayed: false, outcome: .delivered([]))
    }

    @Test("what piled up during a ledger write comes out together (up to the limit), in commit order; finish drains, then nil")
    func coalescesInOrder() async {
        let queue = RecordQueue()
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
    ) async -> (RecordQueue, WriteLog, Task<Void, Never>, AsyncStream<[String]>.Iterator) {
        let queue = RecordQueue(), ledger = WriteLog()
        let writer = Task { await queue.write(to: ledger, interval: interval, logger: Logger(label: "test")) }
        var writes = ledger.writes.makeAsyncIterator()
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
        let queue = RecordQueue(), ledger = WriteLog()
        queue.append([record("a"), record("b")])
        queue.finish()
        await queue.write(to: ledger, interval: .zero, logger: Logger(label: "test"))
        ledger.close()
        var writes = ledger.writes.makeAsyncIterator()
        #expect(await writes.next() == ["a", "b"])
        #expect(await writes.next() == nil)
    }
}
