import CRabbitMQ

extension ConnectionLoop {
    func selectTransactions(on channelID: UInt16) async throws {
        _ = try await perform { (loop, done: @escaping @Sendable (Result<RPCReply, AMQPError>) -> Void) in
            guard let channel = loop.channels[channelID], !channel.publisherConfirms else {
                return done(.failure(AMQPError(
                    .invalidConfiguration, method: "tx.select", channel: channelID,
                    context: "a channel in confirm mode cannot use transactions (open it without publisher confirms)")))
            }
            loop.enqueueRPC(on: channelID, .txSelect) { result in
                if case .success = result { channel.transactional = true }
                done(result)
            }
        }
    }

    /// One transaction, written in a single I/O-thread job so nothing else of this channel
    /// lands between its parts: the publishes, the acks, tx.commit. Refused before anything
    /// is written when an acknowledgement belongs to an older incarnation of the channel
    /// (the broker requeued those deliveries) or while the broker blocks publishing.
    func commit(on channelID: UInt16, publishing messages: [OutgoingMessage], acknowledging tags: [(epoch: UInt64, tag: UInt64)]) async throws -> [ReturnedMessage] {
        try await perform { loop, done in
            guard case .connected = loop.state, let connection = loop.connection else {
                return done(.failure(AMQPError(.notConnected, method: "tx.commit", channel: channelID, context: "the connection is down; nothing was sent")))
            }
            guard let channel = loop.channels[channelID], channel.state == .open, channel.transactional else {
                return done(.failure(AMQPError(.channelClosed, method: "tx.commit", channel: channelID, context: "the channel is closed or not transactional")))
            }
            guard tags.allSatisfy({ $0.epoch == channel.epoch }) else {
                return done(.failure(AMQPError(
                    .staleDelivery, method: "tx.commit", channel: channelID,
                    context: "a delivery is from before a reconnect; the broker redelivers it; nothing was sent")))
            }
            if let reason = loop.blockedReason {
                return done(.failure(AMQPError(.blocked, method: "tx.commit", channel: channelID, context: "the broker blocks publishing (\(reason)); nothing was sent")))
            }
            channel.returnedInTransaction.removeAll()
            // The whole transaction leaves in as few TCP segments as possible: fewer packets
            // for the broker to read, fewer wake-ups on both sides.
            drs_set_cork(connection, 1)
            defer { if let connection = loop.connection { drs_set_cork(connection, 0) } }
            for outgoing in messages {
                // On a transactional channel a publish completes once written; a write error
                // loses the connection, which fails the commit below.
                loop.publish(PublishRequest(
                    channel: channelID, exchange: outgoing.exchange, routingKey: outgoing.routingKey,
                    message: outgoing.message, mandatory: outgoing.mandatory, completion: { _ in }))
            }
            guard case .connected = loop.state, loop.connection != nil else {
                return done(.failure(AMQPError(.connectionLost, method: "tx.commit", channel: channelID, context: "lost while publishing; the transaction did not take effect")))
            }
            for (_, tag) in tags { channel.acks.ack(tag) }
            // A failed write loses the connection; the commit below then fails with it.
            _ = loop.sendAcknowledgements(of: channel, on: connection)
            loop.enqueueRPC(on: channelID, .txCommit) { result in
                let returned = channel.returnedInTransaction
                channel.returnedInTransaction.removeAll()
                done(result.map { _ in returned })
            }
        }
    }
}
