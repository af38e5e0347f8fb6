@testable import Router
import Store
import Testing

@Suite("Recently delivered (pure)")
struct RecentlyDeliveredTests {
    private func key(_ id: Int, case caseID: String = "abh.berlin:1") -> DedupeKey { DedupeKey(messageID: "m-\(id)", caseID: caseID) }

    @Test("knows what was inserted, by id within its case")
    func knowsInsertedKeys() {
        let recent = RecentlyDelivered(capacity: 10)
        recent.insert(key(1))
        #expect(recent.contains(key(1)))
        #expect(!recent.contains(key(2)))
        // The same id in another case is another message; ids and cases do not run together.
        #expect(!recent.contains(key(1, case: "abh.berlin:2")))
        #expect(!recent.contains(DedupeKey(messageID: "m-1abh.berlin:", caseID: "1")))
    }

    @Test("forgets the oldest beyond its capacity, and a repeated insert does not take a second place")
    func forgetsTheOldest() {
        let recent = RecentlyDelivered(capacity: 3)
        for id in [1, 2, 2, 3] { recent.insert(key(id)) }
        #expect([1, 2, 3].allSatisfy { recent.contains(key($0)) })
        recent.insert(key(4))
        #expect(!recent.contains(key(1)))
        #expect([2, 3, 4].allSatisfy { recent.contains(key($0)) })
        for id in 5...7 { recent.insert(key(id)) }
        #expect([5, 6, 7].allSatisfy { recent.contains(key($0)) })
        #expect(![2, 3, 4].contains { recent.contains(key($0)) })
    }

    @Test("10,000 distinct keys, all kept, none mistaken for another")
    func distinctKeysStayDistinct() {
        let recent = RecentlyDelivered(capacity: 10_000)
        for id in 0..<10_000 { recent.insert(key(id)) }
        #expect((0..<10_000).allSatisfy { recent.contains(key($0)) })
        #expect(!(10_000..<20_000).contains { recent.contains(key($0)) })
    }
}
