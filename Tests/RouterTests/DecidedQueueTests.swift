import Foundation
@testable import Router
import Store
import Testing

/// One case's message `id` as the dedupe knows it.
private func key(_ id: String) -> DedupeKey { DedupeKey(messageID: id, caseID: "abh.berlin:1") }

/// The hand-over between a shard's decide and commit tasks: order, transaction bounds, and a
/// resent message id going out once.
@Suite("Decided queue (pure)")
struct DecidedQueueTests {
    struct TestItem: DecidedItem, Equatable {
        var id: String
        var routed = true
        var duplicate = false
        var outputBytes = 10
        var isStale = false

        var routedKey: DedupeKey? { routed && !duplicate ? key(id) : nil }
        func asDuplicate() -> TestItem {
            var copy = self
            copy.duplicate = true
            return copy
        }
    }

    @Test("a waiting twin from before a reconnect gives way to its redelivery, which is routed; a live twin still makes it a duplicate")
    func staleTwinGivesWay() async throws {
        let queue = DecidedQueue<TestItem>(recent: RecentlyDelivered())
        queue.append([TestItem(id: "a", isStale: true), TestItem(id: "b")])
        // The connection broke while both waited; "a" comes again on the new channel.
        queue.append([TestItem(id: "a"), TestItem(id: "b")])
        let taken = try #require(await queue.next(limit: 10, bytes: 1_000))
        #expect(taken == [TestItem(id: "b"), TestItem(id: "a"), TestItem(id: "b", duplicate: true)])
    }

    @Test("items come out in arrival order, at most the limit and within the bytes (at least one)")
    func orderAndBounds() async {
        let queue = DecidedQueue<TestItem>(recent: RecentlyDelivered())
        queue.append((0..<5).map { TestItem(id: "m\($0)") })
        queue.append([TestItem(id: "big", outputBytes: 1_000), TestItem(id: "after")])
        #expect(await queue.next(limit: 3, bytes: 100)?.map(\.id) == ["m0", "m1", "m2"])
        #expect(await queue.next(limit: 10, bytes: 100)?.map(\.id) == ["m3", "m4"])
        #expect(await queue.next(limit: 10, bytes: 100)?.map(\.id) == ["big"])
        queue.finish()
        #expect(await queue.next(limit: 10, bytes: 100)?.map(\.id) == ["after"])
        #expect(await queue.next(limit: 10, bytes: 100) == nil)
    }

    @Test("an id routed twice while waiting goes out once; failures and duplicates are not compared")
    func twinsWhileWaiting() async {
        let queue = DecidedQueue<TestItem>(recent: RecentlyDelivered())
        queue.append([TestItem(id: "a"), TestItem(id: "b", routed: false)])
        queue.append([TestItem(id: "a"), TestItem(id: "b"), TestItem(id: "b")])
        let items = await queue.next(limit: 10, bytes: 1_000)
        #expect(items?.map(\.duplicate) == [false, false, true, false, true])
    }

    @Test("a twin of an id in a transaction is marked when that commit reports it, or on arrival after")
    func twinsOfCommitted() async {
        let recent = RecentlyDelivered()
        let queue = DecidedQueue<TestItem>(recent: recent)
        queue.append([TestItem(id: "a"), TestItem(id: "b")])
        let inFlight = await queue.next(limit: 10, bytes: 1_000)
        #expect(inFlight?.map(\.id) == ["a", "b"])
        // Decided while a and b are with the broker: not yet known to be delivered.
        queue.append([TestItem(id: "a"), TestItem(id: "b")])
        // Only a committed (b's transaction failed: its input comes again and must be routed).
        queue.committed([key("a")])
        queue.append([TestItem(id: "a")])
        let next = await queue.next(limit: 10, bytes: 1_000)
        #expect(next?.map(\.id) == ["a", "b", "a"])
        #expect(next?.map(\.duplicate) == [true, false, true])
        #expect(recent.contains(key("a")))
        #expect(!recent.contains(key("b")))
    }

    @Test("next waits for items and wakes on append; abandon ends it with items left")
    func waitsAndAbandons() async {
        let queue = DecidedQueue<TestItem>(recent: RecentlyDelivered())
        async let taken = queue.next(limit: 10, bytes: 1_000)
        queue.append([TestItem(id: "late")])
        #expect(await taken?.map(\.id) == ["late"])
        queue.append([TestItem(id: "left")])
        queue.abandon()
        #expect(await queue.next(limit: 10, bytes: 1_000) == nil)
    }
}
