/// Reassembles AMQP content (a method frame, a header frame, then body frames) into complete
/// messages for one channel: a pure state machine, no I/O.
struct ContentAssembler {
    /// The method that announced the content.
    enum Announcement: Sendable {
        case deliver(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String)
        case getOK(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, messageCount: UInt32)
        case returned(replyCode: UInt16, replyText: String, exchange: String, routingKey: String)
    }

    struct Completed: Sendable {
        var announcement: Announcement
        var message: Message
    }

    enum AssemblyError: Error, Equatable {
        case unexpectedHeader
        case unexpectedBody
        case announcementDuringContent
        case bodyTooLong
    }

    private enum State {
        case idle
        case awaitingHeader(Announcement)
        case awaitingBody(Announcement, BasicProperties, expected: Int, body: [UInt8])
    }

    private var state = State.idle

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    mutating func announce(_ announcement: Announcement) throws(AssemblyError) {
        guard case .idle = state else { throw .announcementDuringContent }
        state = .awaitingHeader(announcement)
    }

    mutating func header(_ properties: BasicProperties, bodySize: UInt64) throws(AssemblyError) -> Completed? {
        guard case .awaitingHeader(let announcement) = state else { throw .unexpectedHeader }
        if bodySize == 0 {
            state = .idle
            return Completed(announcement: announcement, message: Message(body: [], properties: properties))
        }
        var body: [UInt8] = []
        body.reserveCapacity(Int(clamping: bodySize))
        state = .awaitingBody(announcement, properties, expected: Int(clamping: bodySize), body: body)
        return nil
    }

    mutating func body(_ fragment: UnsafeRawBufferPointer) throws(AssemblyError) -> Completed? {
        guard case .awaitingBody(let announcement, let properties, let expected, var body) = state else {
            throw .unexpectedBody
        }
        state = .idle  // release the array so appending does not copy
        body.append(contentsOf: fragment)
        if body.count > expected { throw .bodyTooLong }
        if body.count == expected {
            return Completed(announcement: announcement, message: Message(body: body, properties: properties))
        }
        state = .awaitingBody(announcement, properties, expected: expected, body: body)
        return nil
    }

    /// Drops a partial message, e.g. when its channel or connection went away.
    mutating func reset() { state = .idle }
}
