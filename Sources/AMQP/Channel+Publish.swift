/// One message with its destination, for batch publishing.
public struct OutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var message: Message
    public var mandatory: Bool

    public init(exchange: String, routingKey: String, message: Message, mandatory: Bool = false) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.message = message
        self.mandatory = mandatory
    }
}

extension Channel {
    /// Publishes and, on a confirm channel, returns once the broker confirmed.
    ///
    /// Throws `.publishNacked` if the broker refused it, `.messageReturned` if `mandatory` and
    /// no queue took it, `.channelClosedByServer` if the broker closed the channel over it (e.g.
    /// 406 for a `userID` other than the login user), `.connectionLost` if the connection went
    /// away before the confirm (the message may or may not have arrived: publish again and let
    /// the consumer deduplicate by message id).
    public func publish(
        _ message: Message, exchange: String, routingKey: String, mandatory: Bool = false
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let request = PublishRequest(
                channel: number, exchange: exchange, routingKey: routingKey, message: message, mandatory: mandatory,
                completion: { continuation.resume(with: $0.mapError { $0 as any Error }) })
            if !loop.submit({ $0.publish(request) }) {
                continuation.resume(throwing: AMQPError(.notConnected, channel: number, context: "the connection is closed"))
            }
        }
    }

    /// Hands messages to the I/O thread without waiting and returns a receipt for their
    /// outcomes. Calls from one task are written in call order, so a consumer that publishes
    /// what it reads in order keeps that order on the wire while confirms are still pending.
    public func send(contentsOf messages: [OutgoingMessage]) -> PublishReceipt {
        let receipt = PublishReceipt(count: messages.count)
        guard !messages.isEmpty else { return receipt }
        let channel = number
        let accepted = loop.submit { loop in
            for (index, outgoing) in messages.enumerated() {
                loop.publish(PublishRequest(
                    channel: channel, exchange: outgoing.exchange, routingKey: outgoing.routingKey,
                    message: outgoing.message, mandatory: outgoing.mandatory,
                    completion: { receipt.set(index, $0) }))
            }
        }
        if !accepted {
            for index in messages.indices {
                receipt.set(index, .failure(AMQPError(.notConnected, channel: channel, context: "the connection is closed")))
            }
        }
        return receipt
    }

    /// Publishes many messages in one hand-over to the I/O thread (pipelined: all are written
    /// before the first confirm is awaited) and returns each one's outcome, in order.
    public func publish(contentsOf messages: [OutgoingMessage]) async -> [Result<Void, AMQPError>] {
        guard !messages.isEmpty else { return [] }
        return await withCheckedContinuation { (continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>) in
            let collector = BatchCollector(count: messages.count, continuation: continuation)
            let channel = number
            let accepted = loop.submit { loop in
                for (index, outgoing) in messages.enumerated() {
                    loop.publish(PublishRequest(
                        channel: channel, exchange: outgoing.exchange, routingKey: outgoing.routingKey,
                        message: outgoing.message, mandatory: outgoing.mandatory,
                        completion: { collector.set(index, $0) }))
                }
            }
            if !accepted {
                for index in messages.indices {
                    collector.set(index, .failure(AMQPError(.notConnected, channel: channel, context: "the connection is closed")))
                }
            }
        }
    }
}

/// The outcomes of messages handed over with `Channel.send(contentsOf:)`, filled in as the
/// broker confirms them. Completions run on the connection's I/O thread; the state is behind
/// a lock.
public final class PublishReceipt: Sendable {
    private struct State {
        var results: [Result<Void, AMQPError>?]
        var remaining: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count)) }

    /// A receipt whose messages all failed before reaching the broker.
    public init(failing count: Int, with error: AMQPError) {
        state = Mutex(State(results: Array(repeating: .failure(error), count: count), remaining: 0))
    }

    /// True once every message has an outcome.
    public var isComplete: Bool { state.withLock { $0.remaining == 0 } }

    /// Waits for every outcome and returns those of `range` (messages of one batch that
    /// belong to one caller), in the order the messages were given.
    public func outcomes(in range: Range<Int>) async -> [Result<Void, AMQPError>] {
        Array(await outcomes()[range])
    }

    /// Waits for every outcome and returns them in the order the messages were given.
    public func outcomes() async -> [Result<Void, AMQPError>] {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.remaining == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        return state.withLock { $0.results.map { $0! } }
    }

    func set(_ index: Int, _ result: Result<Void, AMQPError>) {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard state.results[index] == nil else { return [] }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0 else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Gathers the outcomes of a batch. Completions run on the I/O thread, except when the
/// batch is refused up front, so the results sit behind a lock.
private final class BatchCollector: Sendable {
    private let state: Mutex<(results: [Result<Void, AMQPError>?], remaining: Int)>
    private let continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>

    init(count: Int, continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>) {
        state = Mutex((Array(repeating: nil, count: count), count))
        self.continuation = continuation
    }

    func set(_ index: Int, _ result: Result<Void, AMQPError>) {
        let done: [Result<Void, AMQPError>]? = state.withLock { state in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            return state.remaining == 0 ? state.results.map { $0! } : nil
        }
        if let done { continuation.resume(returning: done) }
    }
}

import Synchronization
