import Foundation

/// An AMQP channel: the unit for topology, publishing and consuming.
///
/// All calls are forwarded to the connection's I/O thread. A broker error scoped to the
/// channel (404 NOT_FOUND, 406 PRECONDITION_FAILED, 403 ACCESS_REFUSED) closes the channel:
/// the call throws `.channelClosedByServer` with the reply code and text, and later calls
/// throw `.channelClosed`; open a new channel to go on.
public struct Channel: Sendable {
    let loop: ConnectionLoop
    /// The channel number on the wire; stays the same across reconnects.
    public let number: UInt16
    /// Keeps the connection alive as long as a channel is in use.
    let connection: Connection

    /// Closes the channel (channel.close). Unconfirmed publishes fail; consumers finish.
    public func close() async throws { try await loop.closeChannel(number) }

    /// How many unacknowledged deliveries the broker may send to each consumer on this channel
    /// (basic.qos). Kept across reconnects.
    public func setPrefetch(_ count: UInt16, global: Bool = false) async throws {
        try await loop.setPrefetch(count, global: global, on: number)
    }

    /// Bodies larger than `bytes` are not held: their frames are dropped as they arrive and the
    /// delivery has an empty body with ``Delivery/omittedBodyBytes`` set. For a consumer that
    /// refuses such messages anyway, so that a sender cannot make it hold one whole.
    public func setMaximumBodyBytes(_ bytes: UInt64) async throws {
        try await loop.setMaximumBodyBytes(bytes, on: number)
    }

    @discardableResult
    func call(_ method: ClientMethod) async throws -> ServerMethod {
        switch try await loop.call(method, on: number) {
        case .method(let reply): return reply
        case .content: throw AMQPError(.protocolError, method: Method.name(method.id), channel: number, context: "unexpected content")
        }
    }
}

/// The counts a queue declaration reports.
public struct QueueState: Sendable, Hashable {
    public var name: String
    /// Messages ready for delivery (not counting unacknowledged ones).
    public var messageCount: UInt32
    public var consumerCount: UInt32
}
