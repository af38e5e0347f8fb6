/// AMQP transactions (the tx class): publishes and acknowledgements that take effect together.
///
/// What RabbitMQ guarantees (see its "Broker Semantics" page): nothing of a transaction is
/// visible before tx.commit, and after commit-ok the broker is responsible for all of it. A
/// client that dies before the commit leaves nothing behind: its publishes are discarded and
/// its deliveries are requeued. That is what makes consume → publish → ack exactly-once
/// against crashes of the client, which publisher confirms cannot do (a confirmed copy whose
/// input was not yet acknowledged is published again after a crash). It is not atomic
/// against a broker node failing mid-commit.
extension Channel {
    /// Puts the channel in tx mode (tx.select); kept across reconnects. A channel opened with
    /// publisher confirms cannot use transactions.
    public func selectTransactions() async throws {
        try await loop.selectTransactions(on: number)
    }

    /// Publishes `messages` and acknowledges `deliveries` (received on this channel) in one
    /// transaction, and returns once the broker committed it, with the mandatory messages it
    /// could not route (RabbitMQ returns those on commit; everything else took effect).
    ///
    /// Throws `.staleDelivery` (nothing sent) when a delivery is from before a reconnect: the
    /// broker redelivers it, so handle it again when it comes. Throws `.connectionLost` or
    /// `.channelClosedByServer` when the commit did not complete: then none of it took effect
    /// and the deliveries come again. `.blocked`: the broker blocks publishing; nothing sent.
    public func commit(publishing messages: [OutgoingMessage], acknowledging deliveries: [Delivery]) async throws -> [ReturnedMessage] {
        for delivery in deliveries where delivery.acknowledger.channel != number {
            throw AMQPError(
                .invalidConfiguration, method: "tx.commit", channel: number,
                context: "delivery \(delivery.deliveryTag) came on channel \(delivery.acknowledger.channel), not this one")
        }
        return try await loop.commit(
            on: number, publishing: messages, acknowledging: deliveries.map { ($0.acknowledger.epoch, $0.deliveryTag) })
    }
}
