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
        /// The announced size of a body that was not kept because it exceeded
        /// ``maximumBodyBytes`` (the message then has an empty body); nil when it was kept.
        var omittedBodyBytes: UInt64? = nil
        /// True when header values nested deeper than ``FieldTable/maximumNesting`` were left out.
        var headersTruncated = false
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
        case awaitingBody(Announcement, BasicProperties, expected: Int, body: [UInt8], truncated: Bool)
        /// A body larger than the limit: its frames are counted and dropped, never held.
        case skippingBody(Announcement, BasicProperties, expected: UInt64, received: UInt64, truncated: Bool)
    }

    private var state = State.idle

    /// Bodies announced larger than this are not assembled: their frames are dropped as they
    /// arrive and the message completes with an empty body and ``Completed/omittedBodyBytes``.
    /// A consumer that refuses large messages anyway (the router) so never holds one whole.
    var maximumBodyBytes: UInt64 = .max

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    mutating func announce(_ announcement: Announcement) throws(AssemblyError) {
        guard case .idle = state else { throw .announcementDuringContent }
        state = .awaitingHeader(announcement)
    }

    mutating func header(_ properties: BasicProperties, bodySize: UInt64, headersTruncated: Bool = false) throws(AssemblyError) -> Completed? {
        guard case .awaitingHeader(let announcement) = state else { throw .unexpectedHeader }
        if bodySize == 0 {
            state = .idle
            return Completed(announcement: announcement, message: Message(body: [], properties: properties), headersTruncated: headersTruncated)
        }
        if bodySize > maximumBodyBytes {
            state = .skippingBody(announcement, properties, expected: bodySize, received: 0, truncated: headersTruncated)
            return nil
        }
        var body: [UInt8] = []
        body.reserveCapacity(Int(clamping: bodySize))
        state = .awaitingBody(announcement, properties, expected: Int(clamping: bodySize), body: body, truncated: headersTruncated)
        return nil
    }

    mutating func body(_ fragment: UnsafeRawBufferPointer) throws(AssemblyError) -> Completed? {
        if case .skippingBody(let announcement, let properties, let expected, let received, let truncated) = state {
            let total = received + UInt64(fragment.count)
            if total > expected { throw .bodyTooLong }
            if total == expected {
                state = .idle
                return Completed(
                    announcement: announcement, message: Message(body: [], properties: properties), omittedBodyBytes: expected,
                    headersTruncated: truncated)
            }
            state = .skippingBody(announcement, properties, expected: expected, received: total, truncated: truncated)
            return nil
        }
        guard case .awaitingBody(let announcement, let properties, let expected, var body, let truncated) = state else {
            throw .unexpectedBody
        }
        state = .idle  // release the array so appending does not copy
        body.append(contentsOf: fragment)
        if body.count > expected { throw .bodyTooLong }
        if body.count == expected {
            return Completed(announcement: announcement, message: Message(body: body, properties: properties), headersTruncated: truncated)
        }
        state = .awaitingBody(announcement, properties, expected: expected, body: body, truncated: truncated)
        return nil
    }

    /// Drops a partial message, e.g. when its channel or connection went away.
    mutating func reset() { state = .idle }
}
