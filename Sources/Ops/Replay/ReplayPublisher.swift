import AMQP
import Foundation
import Logging
import Store

/// How one replayed publish ended.
public enum PublishResult: Sendable, Hashable {
    /// The broker confirmed it.
    case confirmed
    /// The broker refused this message (nack, or no queue took it): the item failed.
    case rejected(String)
    /// The connection or channel broke: the message may or may not have arrived, and the next
    /// ones would fail alike. The replay pauses; resuming publishes it again.
    case interrupted(String)
}

/// Publishes replayed messages and says whether the broker took them.
public protocol ReplayPublisher: Sendable {
    /// The broker user messages are published as (their `user_id`).
    var brokerUser: String { get }
    /// Returns once the broker confirmed (or refused) the message.
    func publish(_ message: Message, to route: ReplayRoute) async -> PublishResult
}

/// Publishes on a confirm channel, `mandatory`: a message no queue takes (a misnamed inbox) is
/// returned and counts as failed instead of vanishing.
public struct AMQPReplayPublisher: ReplayPublisher {
    public let brokerUser: String
    let channel: Channel

    public init(connection: Connection) async throws {
        guard case .plain(let username, _) = connection.configuration.authentication else {
            throw OpsError(.configuration, "replays need a broker user with a password (its name becomes the user_id)")
        }
        self.brokerUser = username
        self.channel = try await connection.openChannel(publisherConfirms: true)
    }

    public func publish(_ message: Message, to route: ReplayRoute) async -> PublishResult {
        do {
            try await channel.publish(message, exchange: route.exchange, routingKey: route.routingKey, mandatory: true)
            return .confirmed
        } catch let error as AMQPError {
            var reason = error.code.rawValue
            if let replyCode = error.replyCode { reason += " \(replyCode)" }
            if let replyText = error.replyText { reason += " \(replyText)" }
            switch error.code {
            case .publishNacked, .messageReturned: return .rejected(reason)
            default: return .interrupted(reason)
            }
        } catch {
            return .interrupted("\(type(of: error))")
        }
    }
}
