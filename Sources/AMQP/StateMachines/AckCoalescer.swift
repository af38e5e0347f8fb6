/// Turns a burst of single acknowledgements into as few basic.ack frames as possible, for one
/// channel: a pure state machine, no I/O.
///
/// Applications acknowledge deliveries one by one; most of the time in order. When every
/// outstanding delivery up to tag T has been acknowledged, one `basic.ack(T, multiple: true)`
/// says the same as all the single ones. Acknowledgements out of order are sent singly.
/// Negative acknowledgements are never coalesced; the caller sends them immediately (and
/// calls `settle` so they no longer count as outstanding).
struct AckCoalescer {
    /// Delivery tags handed to the application and not yet settled, in delivery order.
    private var outstanding: [UInt64] = []
    private var head = 0
    /// Settled (acked, nacked or rejected) but still in `outstanding` behind an unsettled tag.
    private var settled: Set<UInt64> = []
    /// Acknowledged since the last flush, not yet sent.
    private var pendingAcks: [UInt64] = []

    var outstandingCount: Int { outstanding.count - head - settled.count }

    mutating func delivered(_ tag: UInt64) { outstanding.append(tag) }

    /// Records a single positive acknowledgement to send at the next `flush`.
    mutating func ack(_ tag: UInt64) { pendingAcks.append(tag) }

    /// Records a tag settled some other way (nack, reject, ack with multiple) that was sent already.
    mutating func settle(_ tag: UInt64, multiple: Bool) {
        if multiple {
            while head < outstanding.count, outstanding[head] <= tag {
                settled.remove(outstanding[head])
                head += 1
            }
            pendingAcks.removeAll { $0 <= tag }
        } else {
            settled.insert(tag)
        }
        advance()
    }

    /// The frames to send for the acknowledgements recorded since the last flush: at most one
    /// `multiple` ack for the settled prefix, then singles for the rest.
    mutating func flush() -> (multipleUpTo: UInt64?, singles: [UInt64]) {
        guard !pendingAcks.isEmpty else { return (nil, []) }
        let acked = Set(pendingAcks)
        pendingAcks.removeAll(keepingCapacity: true)
        var prefixEnd: UInt64?
        var consumedPrefix = 0
        // Walk the outstanding tags in order while each is acked now or settled before.
        var index = head
        while index < outstanding.count {
            let tag = outstanding[index]
            if acked.contains(tag) {
                prefixEnd = tag
            } else if !settled.contains(tag) {
                break
            }
            index += 1
            consumedPrefix += 1
        }
        var singles: [UInt64] = []
        if prefixEnd != nil {
            for position in head..<(head + consumedPrefix) { settled.remove(outstanding[position]) }
            head += consumedPrefix
            singles = acked.filter { $0 > prefixEnd! }.sorted()
        } else {
            singles = acked.sorted()
        }
        for tag in singles { settled.insert(tag) }
        advance()
        // A multiple ack that covers only one tag is just a single ack.
        return (prefixEnd, singles)
    }

    /// Forgets everything (the channel was closed or re-opened: old tags are void).
    mutating func reset() { self = AckCoalescer() }

    private mutating func advance() {
        while head < outstanding.count, settled.contains(outstanding[head]) {
            settled.remove(outstanding[head])
            head += 1
        }
        if head > 4096, head * 2 > outstanding.count {
            outstanding.removeFirst(head)
            head = 0
        } else if head == outstanding.count {
            outstanding.removeAll(keepingCapacity: true)
            head = 0
        }
    }
}
