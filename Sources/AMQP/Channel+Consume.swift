import Foundation
import Synchronization

/// The deliveries of one consumer, in order. Iterating ends normally when the consumer is
/// cancelled or its channel closed by the client, and throws `.consumerCancelled` when the
/// broker cancels it or `.channelClosedByServer` / `.connectionLost` when it is lost for good.
/// Across reconnects it simply continues. Stopping iteration (or cancelling the iterating
/// task) cancels the consumer on the broker; unacknowledged deliveries are then redelivered.
public struct Consumer: AsyncSequence, Sendable {
    public typealias Element = Delivery
    public let tag: String
    public let queue: String
    let stream: AsyncThrowingStream<Delivery, any Error>
    let channel: Channel

    public func makeAsyncIterator() -> AsyncThrowingStream<Delivery, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// basic.cancel: stops deliveries; the sequence then finishes.
    public func cancel() async throws {
        try await channel.loop.cancel(consumerTag: tag, on: channel.number)
    }
}

/// A consumer started with handlers (``Channel/consume(queue:tag:exclusive:arguments:onDelivery:onEnd:)``).
public struct ConsumerSubscription: Sendable {
    public let tag: String
    public let queue: String
    let channel: Channel

    /// basic.cancel: stops deliveries; `onEnd(nil)` follows.
    public func cancel() async throws {
        try await channel.loop.cancel(consumerTag: tag, on: channel.number)
    }
}

extension Channel {
    /// Starts a consumer with manual acknowledgements (basic.consume, no-ack off). Set the
    /// channel's prefetch first to bound unacknowledged deliveries.
    public func consume(
        queue: String, tag: String? = nil, exclusive: Bool = false, arguments: FieldTable = [:]
    ) async throws -> Consumer {
        let tag = tag ?? "drehscheibe-\(UUID().uuidString.lowercased())"
        let (stream, continuation) = AsyncThrowingStream<Delivery, any Error>.makeStream()
        let loop = self.loop
        let number = self.number
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                Task { try? await loop.cancel(consumerTag: tag, on: number) }
            }
        }
        try await loop.consume(
            queue: queue, tag: tag, exclusive: exclusive, arguments: arguments, on: number, sink: DeliverySink(continuation))
        return Consumer(tag: tag, queue: queue, stream: stream, channel: self)
    }

    /// Starts a consumer (manual acknowledgements) whose deliveries go to `onDelivery`, in
    /// order, on the connection's I/O thread: no task is woken per message, which matters for
    /// a consumer that batches anyway (the router's shard workers). `onEnd` is called once, with
    /// nil when the consumer was cancelled or its channel closed by the client, else with why
    /// (`.consumerCancelled`, `.channelClosedByServer`, `.connectionLost` for good). Across
    /// reconnects it simply continues. Both handlers hold up the connection while they run:
    /// they must only hand the delivery on, never block or wait.
    public func consume(
        queue: String, tag: String? = nil, exclusive: Bool = false, arguments: FieldTable = [:],
        onDelivery: @escaping @Sendable (Delivery) -> Void, onEnd: @escaping @Sendable ((any Error)?) -> Void
    ) async throws -> ConsumerSubscription {
        let tag = tag ?? "drehscheibe-\(UUID().uuidString.lowercased())"
        try await loop.consume(
            queue: queue, tag: tag, exclusive: exclusive, arguments: arguments, on: number,
            sink: DeliverySink(deliver: onDelivery, end: onEnd))
        return ConsumerSubscription(tag: tag, queue: queue, channel: self)
    }

    /// basic.get: fetches one message for inspection, or nil if the queue is empty.
    /// Acknowledge (or reject with requeue) the result like any delivery.
    public func get(queue: String, autoAck: Bool = false) async throws -> GetResult? {
        switch try await loop.call(.basicGet(queue: queue, noAck: autoAck), on: number) {
        case .method:
            return nil
        case .content(let completed):
            guard case .getOK(let tag, let redelivered, let exchange, let routingKey, let count) = completed.announcement else {
                throw AMQPError(.protocolError, method: "basic.get", channel: number, context: "unexpected content")
            }
            let epoch = loop.shared.withLock { $0.epochs[number] } ?? 0
            let delivery = Delivery(
                message: completed.message, deliveryTag: tag, redelivered: redelivered, exchange: exchange,
                routingKey: routingKey, consumerTag: "", omittedBodyBytes: completed.omittedBodyBytes,
                headersTruncated: completed.headersTruncated, acknowledger: Acknowledger(loop: loop, channel: number, epoch: epoch))
            return GetResult(delivery: delivery, messageCount: count)
        }
    }
}
