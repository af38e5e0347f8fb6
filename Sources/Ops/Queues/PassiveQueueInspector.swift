import AMQP
import Foundation
import Logging

/// Queue figures without the management plugin: a passive declare per known queue gives its
/// ready count and consumers (no unacknowledged count, no rates). Changes nothing on the broker.
public struct PassiveQueueInspector: QueueInspector {
    let amqp: ConnectionConfiguration
    public let queues: [String]
    let logger: Logger

    public init(amqp: ConnectionConfiguration, queues: [String], logger: Logger) {
        self.amqp = amqp
        self.queues = queues
        self.logger = logger
    }

    public func overview() async throws -> QueueOverview {
        var configuration = amqp
        configuration.recovery = .disabled
        let connection: Connection
        do {
            connection = try await Connection.connect(configuration, logger: logger)
        } catch {
            throw OpsError(.unavailable, "the broker is not reachable for passive declares: \(error)")
        }
        var statuses: [QueueStatus] = []
        var channel = try await connection.openChannel(publisherConfirms: false)
        for queue in queues.sorted() {
            do {
                let state = try await channel.inspectQueue(queue)
                statuses.append(QueueStatus(name: queue, ready: Int(state.messageCount), consumers: Int(state.consumerCount)))
            } catch let error as AMQPError where error.code == .channelClosedByServer {
                // 404: the queue does not exist; the broker closed the channel, so open another.
                statuses.append(QueueStatus(name: queue, ready: 0, consumers: 0, state: error.replyCode == 404 ? "missing" : "inaccessible"))
                channel = try await connection.openChannel(publisherConfirms: false)
            }
        }
        await connection.close()
        return QueueOverview(source: "passive-declare", note: nil, queues: statuses)
    }

    /// The queue names of a RabbitMQ definitions file for one vhost (deploy/rabbitmq/definitions.json).
    public static func queueNames(definitions url: URL, virtualHost: String) throws -> [String] {
        struct Definitions: Decodable {
            struct Queue: Decodable {
                var name: String
                var vhost: String
            }

            var queues: [Queue]
        }
        let definitions = try JSONDecoder().decode(Definitions.self, from: Data(contentsOf: url))
        return definitions.queues.filter { $0.vhost == virtualHost }.map(\.name)
    }
}

/// The management API, and passive declares when it cannot be used.
public struct FallbackQueueInspector: QueueInspector {
    let primary: ManagementQueueInspector?
    let fallback: PassiveQueueInspector
    let logger: Logger

    public init(primary: ManagementQueueInspector?, fallback: PassiveQueueInspector, logger: Logger) {
        self.primary = primary
        self.fallback = fallback
        self.logger = logger
    }

    public func overview() async throws -> QueueOverview {
        var note = "no management API configured"
        if let primary {
            do {
                return try await primary.overview()
            } catch {
                note = "\(error)"
                logger.warning("management API unusable; falling back to passive declares", metadata: ["ops.error": "\(error)"])
            }
        }
        var overview = try await fallback.overview()
        overview.note = note
        return overview
    }
}
