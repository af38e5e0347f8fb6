@testable import AMQP
import Testing

@Suite("Pure state machines (no broker)")
struct StateMachineTests {
    typealias Tracker = ConfirmTracker<Int>

    func entry(_ token: Int, mandatory: Bool = false, body: String = "") -> Tracker.Entry {
        .init(token: token, mandatory: mandatory, exchange: "x", routingKey: "k", body: Array(body.utf8), returned: nil)
    }

    @Test("acks resolve single tags and multiple=true ranges; unknown tags resolve nothing")
    func confirmRanges() {
        var tracker = Tracker()
        for token in 1...6 { #expect(tracker.register(entry(token)) == UInt64(token)) }
        #expect(tracker.resolve(tag: 3, multiple: false, acked: true).map(\.0) == [3])
        #expect(tracker.resolve(tag: 4, multiple: true, acked: true).map(\.0) == [1, 2, 4])
        #expect(tracker.resolve(tag: 4, multiple: true, acked: true).isEmpty)
        #expect(tracker.resolve(tag: 99, multiple: false, acked: true).isEmpty)
        let nacked = tracker.resolve(tag: 5, multiple: false, acked: false)
        #expect(nacked.map(\.0) == [5])
        if case .nacked = nacked[0].1 {} else { Issue.record("expected nacked") }
        #expect(tracker.pendingCount == 1)
        #expect(tracker.failAll() == [6])
        #expect(tracker.isEmpty)
        #expect(tracker.register(entry(7)) == 1)  // a new channel incarnation restarts at 1
    }

    @Test("a return marks the oldest matching mandatory publish, which then fails on its ack")
    func returns() {
        var tracker = Tracker()
        _ = tracker.register(entry(1, mandatory: true, body: "a"))
        _ = tracker.register(entry(2, mandatory: true, body: "b"))
        _ = tracker.register(entry(3, mandatory: true, body: "b"))
        let returned = ReturnedMessage(replyCode: 312, replyText: "NO_ROUTE", exchange: "x", routingKey: "k", message: Message("b"))
        let marked = tracker.markReturned(returned)
        #expect(marked)
        let resolved = tracker.resolve(tag: 3, multiple: true, acked: true)
        #expect(resolved.map(\.0) == [1, 2, 3])
        if case .confirmed = resolved[0].1 {} else { Issue.record("1 should be confirmed") }
        if case .returned(let message) = resolved[1].1 { #expect(message.replyCode == 312) } else { Issue.record("2 should be returned") }
        if case .confirmed = resolved[2].1 {} else { Issue.record("3 should be confirmed") }
        let markedAgain = tracker.markReturned(returned)
        #expect(!markedAgain)
    }

    @Test("large windows compact without losing track")
    func compaction() {
        var tracker = Tracker()
        for token in 1...5000 { _ = tracker.register(entry(token)) }
        var resolved = 0
        for tag in stride(from: 2, through: 4998, by: 2) { resolved += tracker.resolve(tag: UInt64(tag), multiple: false, acked: true).count }
        resolved += tracker.resolve(tag: 4999, multiple: true, acked: true).count
        #expect(resolved == 4999)  // 2,499 even tags singly, then the 2,500 odd ones at once
        #expect(tracker.pendingCount == 1)
        #expect(tracker.resolve(tag: 5000, multiple: false, acked: true).count == 1)
        for token in 5001...5003 { _ = tracker.register(entry(token)) }
        #expect(tracker.resolve(tag: 5003, multiple: true, acked: true).count == 3)
    }

    @Test("content assembly: header then body fragments; protocol violations are errors")
    func assembly() throws {
        var assembler = ContentAssembler()
        try assembler.announce(.deliver(consumerTag: "c", deliveryTag: 1, redelivered: false, exchange: "e", routingKey: "r"))
        #expect(throws: ContentAssembler.AssemblyError.announcementDuringContent) {
            try assembler.announce(.getOK(deliveryTag: 2, redelivered: false, exchange: "", routingKey: "", messageCount: 0))
        }
        #expect(try assembler.header(BasicProperties(messageID: "m"), bodySize: 5) == nil)
        let part1: [UInt8] = [1, 2, 3]
        let part2: [UInt8] = [4, 5]
        #expect(try part1.withUnsafeBytes { try assembler.body($0) } == nil)
        let done = try #require(try part2.withUnsafeBytes { try assembler.body($0) })
        #expect(done.message.body == [1, 2, 3, 4, 5])
        #expect(done.message.properties.messageID == "m")
        #expect(assembler.isIdle)
        #expect(throws: ContentAssembler.AssemblyError.unexpectedBody) { try part1.withUnsafeBytes { try assembler.body($0) } }
        try assembler.announce(.returned(replyCode: 312, replyText: "NO_ROUTE", exchange: "e", routingKey: "r"))
        let empty = try #require(try assembler.header(BasicProperties(), bodySize: 0))
        #expect(empty.message.body.isEmpty)
    }

    @Test("topology record replays declarations in dependency order and forgets deleted things")
    func topology() {
        var record = TopologyRecord()
        record.record(.queueDeclare(name: "q", passive: false, durable: true, exclusive: false, autoDelete: false, arguments: [:]))
        record.record(.exchangeDeclare(name: "x", type: "topic", passive: false, durable: true, autoDelete: false, isInternal: false, arguments: [:]))
        record.record(.queueBind(queue: "q", exchange: "x", routingKey: "#", arguments: [:]))
        record.record(.queueBind(queue: "q", exchange: "x", routingKey: "#", arguments: [:]))
        record.record(.queueDeclare(name: "", passive: false, durable: false, exclusive: true, autoDelete: true, arguments: [:]))
        record.record(.queueDeclare(name: "p", passive: true, durable: false, exclusive: false, autoDelete: false, arguments: [:]))
        #expect(record.replay.map { Method.name($0.id) } == ["exchange.declare", "queue.declare", "queue.bind"])
        record.record(.exchangeDelete(name: "x", ifUnused: false))
        #expect(record.replay.map { Method.name($0.id) } == ["queue.declare"])
        record.record(.queueDelete(name: "q", ifUnused: false, ifEmpty: false))
        #expect(record.replay.isEmpty)
    }
}

extension ContentAssembler.Completed: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.message == rhs.message }
}

@Suite("Acknowledgement coalescing (no broker)")
struct AckCoalescerTests {
    @Test("in-order acks become one multiple ack")
    func inOrder() {
        var acks = AckCoalescer()
        for tag in 1...5 { acks.delivered(UInt64(tag)) }
        for tag in 1...5 { acks.ack(UInt64(tag)) }
        let flushed = acks.flush()
        #expect(flushed.multipleUpTo == 5)
        #expect(flushed.singles.isEmpty)
        #expect(acks.outstandingCount == 0)
    }

    @Test("an unacknowledged delivery stops the prefix; later acks go out singly")
    func gap() {
        var acks = AckCoalescer()
        for tag in 1...6 { acks.delivered(UInt64(tag)) }
        for tag in [1, 2, 4, 6] { acks.ack(UInt64(tag)) }
        let first = acks.flush()
        #expect(first.multipleUpTo == 2)
        #expect(first.singles == [4, 6])
        #expect(acks.outstandingCount == 2)  // 3 and 5
        acks.ack(3)
        let second = acks.flush()
        #expect(second.multipleUpTo == 3)  // 4 was settled before, so the prefix ends at 3 or 4
        #expect(second.singles.isEmpty)
        #expect(acks.outstandingCount == 1)
        acks.ack(5)
        #expect(acks.flush().multipleUpTo == 5)
        #expect(acks.outstandingCount == 0)
    }

    @Test("a nack in the middle is settled separately and never covered twice")
    func nackInMiddle() {
        var acks = AckCoalescer()
        for tag in 1...4 { acks.delivered(UInt64(tag)) }
        acks.settle(2, multiple: false)  // nacked and sent by the caller
        for tag in [1, 3, 4] { acks.ack(UInt64(tag)) }
        let flushed = acks.flush()
        // Broker-side 2 is no longer outstanding, so a multiple ack up to 4 covers exactly 1, 3, 4.
        #expect(flushed.multipleUpTo == 4)
        #expect(flushed.singles.isEmpty)
        #expect(acks.outstandingCount == 0)
        #expect(acks.flush().multipleUpTo == nil)
    }

    @Test("nothing acked, nothing sent; reset forgets")
    func idle() {
        var acks = AckCoalescer()
        acks.delivered(1)
        #expect(acks.flush().multipleUpTo == nil)
        acks.reset()
        #expect(acks.outstandingCount == 0)
    }
}
