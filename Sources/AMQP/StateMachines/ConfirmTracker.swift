/// Publisher-confirm bookkeeping for one channel: a pure state machine, no I/O.
///
/// Each publish on a confirm-mode channel gets the next sequence number. The broker answers
/// with basic.ack or basic.nack carrying a delivery tag and a `multiple` flag (everything up to
/// and including the tag). A basic.return for a mandatory publish arrives *before* that
/// publish's ack, and carries no tag, so it is matched to the oldest pending publish with the
/// same exchange, routing key and body.
struct ConfirmTracker<Token> {
    struct Entry {
        var token: Token
        var mandatory: Bool
        var exchange: String
        var routingKey: String
        var body: [UInt8]
        var returned: ReturnedMessage?
    }

    /// The outcome for one publish.
    enum Outcome {
        case confirmed
        case returned(ReturnedMessage)
        case nacked
    }

    private(set) var nextSequence: UInt64 = 1
    /// `entries[i]` belongs to sequence number `base + i`; resolved entries become nil.
    private var entries: [Entry?] = []
    private var head = 0
    private var base: UInt64 = 1
    private(set) var pendingCount = 0

    var isEmpty: Bool { pendingCount == 0 }

    /// Registers a publish about to be written; returns its sequence number.
    mutating func register(_ entry: Entry) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        entries.append(entry)
        pendingCount += 1
        return sequence
    }

    /// Applies basic.ack / basic.nack and returns the publishes it resolves, oldest first.
    /// Unknown tags (already resolved or never sent) resolve nothing.
    mutating func resolve(tag: UInt64, multiple: Bool, acked: Bool) -> [(Token, Outcome)] {
        var resolved: [(Token, Outcome)] = []
        func take(_ index: Int) {
            guard let entry = entries[index] else { return }
            entries[index] = nil
            pendingCount -= 1
            if !acked {
                resolved.append((entry.token, .nacked))
            } else if let returned = entry.returned {
                resolved.append((entry.token, .returned(returned)))
            } else {
                resolved.append((entry.token, .confirmed))
            }
        }
        guard tag >= base, !entries.isEmpty else { return [] }
        let offset = tag - base
        if multiple {
            let upper = offset < UInt64(entries.count) ? Int(offset) : entries.count - 1
            var index = head
            while index <= upper {
                take(index)
                index += 1
            }
        } else if offset < UInt64(entries.count) {
            take(Int(offset))
        }
        compact()
        return resolved
    }

    /// Marks the oldest unresolved mandatory publish that matches the returned message.
    /// Returns false when nothing matched (the return is then reported on its own).
    mutating func markReturned(_ returned: ReturnedMessage) -> Bool {
        guard head < entries.count else { return false }
        for index in head..<entries.count {
            guard let entry = entries[index], entry.mandatory, entry.returned == nil,
                entry.exchange == returned.exchange, entry.routingKey == returned.routingKey,
                entry.body == returned.message.body
            else { continue }
            entries[index]?.returned = returned
            return true
        }
        return false
    }

    /// Every unresolved publish, oldest first, and a fresh state (sequence numbers restart at
    /// 1 on a new channel incarnation, as the broker's do).
    mutating func failAll() -> [Token] {
        let tokens = entries[head...].compactMap { $0?.token }
        self = ConfirmTracker()
        return tokens
    }

    private mutating func compact() {
        while head < entries.count, entries[head] == nil { head += 1 }
        if head == entries.count {
            base += UInt64(entries.count)
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > entries.count {
            base += UInt64(head)
            entries.removeFirst(head)
            head = 0
        }
    }
}
